"""Reporting periods read from titles ("Kỳ báo cáo: Quý III năm 2024 (từ ngày … đến ngày …)"), code system."""

from __future__ import annotations

import re

from analysis.errors import InputError
from analysis.io.excel import fold

#: Roman numerals of quarters as printed in titles ("Quý III").
QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DATE = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
_RANGE_RE = re.compile(r"tu\s*(?:ngay)?\s*" + _DATE + r".{0,20}?den\s*(?:het\s*)?(?:ngay)?\s*" + _DATE)
_QUARTER_RE = re.compile(r"quy\s+(iv|iii|ii|i|[1-4])\b\W*(?:nam\s+)?(\d{4})")
_MONTHS_RE = re.compile(r"\b(\d{1,2})\s+thang\s+(?:dau\s+)?(?:nam\s+)?(\d{4})")
_MONTH_RE = re.compile(r"\bthang\s+(\d{1,2})\s*(?:/|nam)\s*(\d{4})")
_YEAR_RE = re.compile(r"\bnam\s+(\d{4})")


def _date(day: str, month: str, year: str, *, where: dict):
    import datetime as dt

    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise InputError(f"invalid date {day}/{month}/{year} in the reporting period", **where) from None


_SIGNED_RE = re.compile(r"ngay\s+\d{1,2}\s+thang\s+\d{1,2}\s+nam\s+\d{4}")


def _candidates(text: str) -> list[str]:
    """Return folded texts to scan: period lines ("Kỳ báo cáo", "từ ngày …") first, then the whole title.

    Dates of signature ("ngày 20 tháng 9 năm 2024") are removed from the whole title.
    """
    lines = [fold(line) for line in str(text).splitlines()]
    ranges = [ln for ln in lines if _RANGE_RE.search(ln)]
    named = [ln for ln in lines if "ky bao cao" in ln and ln not in ranges]
    return [*ranges, *named, _SIGNED_RE.sub(" ", " ".join(lines))]


def _scan(key: str, where: dict) -> tuple:
    """Return (start, end, named type) found in one folded text; (None, None, None) when nothing."""
    import calendar
    import datetime as dt

    named = None
    if m := _QUARTER_RE.search(key):
        q, y = QUARTERS[m.group(1)], int(m.group(2))
        named = "quarter"
        start, end = dt.date(y, 3 * q - 2, 1), dt.date(y, 3 * q, calendar.monthrange(y, 3 * q)[1])
    elif m := _MONTH_RE.search(key):
        mo, y = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise InputError(f"invalid month {mo} in the reporting period", **where)
        named = "month"
        start, end = dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])
    elif m := _MONTHS_RE.search(key):
        k, y = int(m.group(1)), int(m.group(2))
        if not 1 <= k <= 12:
            raise InputError(f"invalid number of months {k} in the reporting period", **where)
        start, end = dt.date(y, 1, 1), dt.date(y, k, calendar.monthrange(y, k)[1])
    elif m := _YEAR_RE.search(key):
        y = int(m.group(1))
        start, end = dt.date(y, 1, 1), dt.date(y, 12, 31)
    else:
        start = end = None
    if m := _RANGE_RE.search(key):
        start = _date(*m.group(1, 2, 3), where=where)
        end = _date(*m.group(4, 5, 6), where=where)
    return start, end, named


def parse_period(text: str, *, where: dict) -> tuple:
    r"""Read the reporting period from a title block; return ``(start, end, period_type)``.

    Explicit dates ("từ ngày 15/6/2024 đến ngày 14/9/2024") win; otherwise "Quý III năm 2024",
    "Tháng 5 năm 2024", "6 tháng đầu năm 2025" or "Năm 2023" give calendar periods. ``period_type`` is
    ``quarter`` or ``month`` when the title names one, ``year`` for a year or longer, ``ytd`` for a period
    starting on 1 January that is shorter than a year, else inferred from the length.

    Raises
    ------
    InputError
        No period in the text, an invalid date, or a start after the end.

    Examples
    --------
    >>> parse_period("Kỳ báo cáo: Quý III năm 2024 (từ ngày 15/6/2024 đến ngày 14/9/2024)", where={})
    (datetime.date(2024, 6, 15), datetime.date(2024, 9, 14), 'quarter')
    >>> parse_period("6 tháng đầu năm 2025", where={})
    (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'ytd')
    >>> parse_period("Vũng Tàu, ngày 5 tháng 1 năm 2024\nBÁO CÁO NĂM 2023", where={})[:2]
    (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))
    >>> parse_period("Kỳ báo cáo: Năm 2024\n(Số liệu từ ngày 15/12/2023 đến ngày 14/12/2024)", where={})
    (datetime.date(2023, 12, 15), datetime.date(2024, 12, 14), 'year')
    """
    start = end = named = None
    keys = _candidates(text)
    for key in keys:
        start, end, named = _scan(key, where)
        if start is not None:
            break
    if start is not None and named is None:  # dates on one line, "Quý I năm 2023" on another
        named = next((n for k in keys[1:] if "ky bao cao" in k for n in [_scan(k, where)[2]] if n), None)
    if start is None:
        raise InputError(
            "no reporting period found in the title; expected e.g. 'Kỳ báo cáo: Quý III năm 2024 (từ ngày "
            "15/6/2024 đến ngày 14/9/2024)' or 'Năm 2023'",
            **where,
        )
    if start > end:
        raise InputError(f"reporting period starts {start:%d/%m/%Y} after it ends {end:%d/%m/%Y}", **where)
    days = (end - start).days + 1
    if days >= 360:
        ptype = "year"
    elif named:
        ptype = named
    elif (start.month, start.day) == (1, 1):
        ptype = "ytd"
    elif days <= 31:
        ptype = "month"
    elif 89 <= days <= 92:
        ptype = "quarter"
    elif 181 <= days <= 184:
        ptype = "half"
    else:
        ptype = "other"
    return start, end, ptype


def code_system_for(end) -> str:
    """Return the unit-code system of a period: ``gso2004`` when it ends before 1/7/2025, else ``nso2025``.

    >>> import datetime as dt
    >>> code_system_for(dt.date(2025, 6, 30)), code_system_for(dt.date(2025, 12, 31))
    ('gso2004', 'nso2025')
    """
    import datetime as dt

    return "gso2004" if end < dt.date(2025, 7, 1) else "nso2025"
