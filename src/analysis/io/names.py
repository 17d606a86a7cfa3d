"""Unit names in exports: the level a name tells (Sở / UBND huyện / UBND xã ...) and stable ASCII codes."""

from __future__ import annotations

import unicodedata

from analysis.schemas import nfc  # noqa: F401  (readers import nfc from here with the other name helpers)

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
