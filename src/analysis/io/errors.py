"""The one error type of the readers, and the small text helpers every reader shares."""

from __future__ import annotations

import unicodedata
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


def nfc(text: object) -> object:
    """Return ``text`` normalised to Unicode NFC (non-strings are returned unchanged)."""
    return unicodedata.normalize("NFC", text) if isinstance(text, str) else text
