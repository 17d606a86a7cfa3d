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


#: Name prefixes (folded, without diacritics) that tell a unit's level, first match wins.
LEVEL_PREFIXES = (
    ("trung tam phuc vu hanh chinh cong", "centre"),
    ("trung tam hanh chinh cong", "centre"),
    ("bo phan mot cua", "centre"),
    ("ubnd xa", "commune"),
    ("ubnd phuong", "commune"),
    ("ubnd thi tran", "commune"),
    ("xa ", "commune"),
    ("phuong ", "commune"),
    ("thi tran ", "commune"),
    ("ubnd huyen", "district"),
    ("ubnd quan", "district"),
    ("ubnd thi xa", "district"),
    ("ubnd thanh pho", "district"),
    ("huyen ", "district"),
    ("quan ", "district"),
    ("thi xa ", "district"),
    ("thanh pho ", "district"),
    ("ubnd tinh", "province"),
    ("tinh ", "province"),
)


def _fold(text: str) -> str:
    s = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "d")
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(s.lower().split())


def slugify(text: str) -> str:
    """Return a stable ASCII code for a unit name (no diacritics, lower case, hyphens).

    >>> slugify("Sở Tư pháp"), slugify("UBND huyện Côn Đảo")
    ('so-tu-phap', 'ubnd-huyen-con-dao')
    """
    s = _fold(text)
    out = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in s)
    return "-".join(part for part in out.split("-") if part) or "unit"


def guess_level(name: str, *, default: str = "department") -> str:
    """Return the unit level suggested by a unit's name (``default`` when the name says nothing).

    >>> guess_level("Phường 1"), guess_level("UBND huyện Châu Đức"), guess_level("Sở Y tế")
    ('commune', 'district', 'department')
    """
    key = _fold(name) + " "
    for prefix, level in LEVEL_PREFIXES:
        if key.startswith(prefix):
            return level
    return default
