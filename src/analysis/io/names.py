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

    Names longer than 60 characters keep their first 51 and a hash of the whole name.

    >>> slugify("Sở Tư pháp"), slugify("UBND huyện Côn Đảo")
    ('so-tu-phap', 'ubnd-huyen-con-dao')
    """
    s = _fold(text)
    out = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in s)
    slug = "-".join(part for part in out.split("-") if part) or "unit"
    if len(slug) > 60:  # a code is also a folder name: keep it short, and distinct by a hash of the name
        import hashlib

        slug = slug[:51].rstrip("-") + "-" + hashlib.sha1(s.encode()).hexdigest()[:8]
    return slug


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


def check_unit_code(code: str, *, where: dict) -> str:
    """Return ``code`` when it is safe as a folder name (:func:`analysis.paths.safe_component`), else raise.

    Unit codes become folders of figures and pages (``figures/<year>/<unit>/``), so a code from data such as
    ``..`` or ``77/../x`` is refused where it is read, naming the file, row and column.

    >>> check_unit_code("77.H01", where={})
    '77.H01'
    >>> check_unit_code("..", where={"row": 5})
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: row 5: unit code '..' cannot be used: ...
    """
    from analysis.errors import InputError
    from analysis.paths import safe_component

    try:
        return safe_component(code)
    except ValueError:
        shown = repr(code) if len(code) <= 40 else repr(code[:37] + "…")
        raise InputError(
            f"unit code {shown} cannot be used: a unit code names the unit's folder of figures and pages, "
            "so it must be 1-80 letters, digits, '.', '_' or '-', start with a letter or digit and hold "
            "no '..'",
            **where,
        ) from None
