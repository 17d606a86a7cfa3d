"""The errors analysts see: bad input files (:class:`InputError`) and bad notebook parameters."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input: the message names the file, sheet, row and column, and what was expected."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        where = []
        if path is not None:
            where.append(f"file {Path(path).name!s}")
        if sheet is not None:
            where.append(f"sheet {sheet!r}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ParameterError(ValueError):
    """A notebook parameter is unknown, of the wrong type, or has no data behind it (e.g. a unit code)."""
