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


class OutputError(OSError):
    """An output could not be written: the message names the folder and the cause (read-only, disk full …).

    Raised by :func:`analysis.provenance.write_bytes_atomic` (and so by every atomic writer) after it has
    removed its temporary file; the earlier file at the target path, if any, is untouched.  A subclass of
    :class:`OSError`, so code that handled the raw error still handles it.

    Attributes
    ----------
    folder : str
        The folder written to.
    cause : str
        ``"read-only"``, ``"disk full"``, ``"missing"`` or ``"other"``.
    """

    def __init__(self, message: str, *, folder: str | Path, cause: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.folder = str(folder)
        self.cause = cause
        self.errno = errno

    def __str__(self) -> str:  # OSError's own __str__ would print "[Errno …]" pieces
        return str(self.args[0])
