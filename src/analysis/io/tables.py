"""Shared helpers of the one-header-row table readers (766 payment, welfare): header, periods, unit rows.

They locate the table (header, period, unit identity, group and total rows); ``analysis.io.rows`` decides
what the other rows and sheets are (notes and signature block, repeated headers, headerless sheets).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.io import excel, periods
from analysis.io.names import check_unit_code, guess_level, slugify
from analysis.io.rows import headerless_sheet
from analysis.schemas import CountsError, finalise_counts

#: Period columns accepted by the table readers (when the title gives no period).
PERIOD_COLUMNS = (
    ("start", ("tu ngay", "period_start", "ngay bat dau")),
    ("end", ("den ngay", "period_end", "ngay ket thuc")),
    ("month", ("thang", "month")),
    ("year", ("nam", "year")),
)
TOTAL_RE = re.compile(r"^(tong cong|tong so|tong|cong|toan tinh|toan thanh pho)\s*(\(.*\))?\s*[:.]?\s*$")


@dataclass
class Table:
    """A located table: sheet, column roles, first data row, title text."""

    sheet: excel.Sheet
    cols: dict
    data_start: int
    title: str
    header: int = 0


def _match(text: str, roles: tuple) -> str | None:
    for role, words in roles:
        for w in words:
            if w == "ma":
                if re.search(r"(^|\W)ma(\W|$)", text):
                    return role
            elif w in {"nam", "thang"}:
                if re.fullmatch(rf"{w}(\W.*)?", text):
                    return role
            elif w in text:
                return role
    return None


def locate_table(sheet: excel.Sheet, *, roles: tuple, required: tuple, what: str, path: Path) -> Table:
    """Find the header row holding every ``required`` role and map each column to a role.

    Raises
    ------
    InputError
        When no row in the first 40 holds all required roles (names the missing ones).
    """
    best: tuple[int, dict] | None = None
    for i, row in enumerate(sheet.filled[:40]):
        cols: dict[str, int] = {}
        for c, v in enumerate(row):
            if excel.is_blank(v):
                continue
            role = _match(excel.fold(v), roles + PERIOD_COLUMNS)
            if role and role not in cols:
                cols[role] = c
        if all(r in cols for r in required):
            data_start = i + 1
            nxt = sheet.cells[data_start] if data_start < len(sheet.cells) else []
            if (
                nxt
                and sum(excel.is_number_like(str(v).strip("() ")) for v in nxt if not excel.is_blank(v))
                >= max(3, len(cols))
                and all(
                    str(v).strip().startswith("(") or excel.is_number_like(v)
                    for v in nxt
                    if not excel.is_blank(v)
                )
                and _numbering(nxt)
            ):
                data_start += 1
            return Table(sheet, cols, data_start, excel.title_text(sheet, before=i), header=i)
        if best is None or len(cols) > len(best[1]):
            best = (i, cols)
    found = best[1] if best else {}
    missing = [r for r in required if r not in found]
    raise InputError(
        f"no {what} header found: missing column(s) {missing} (expected labels like "
        + "; ".join(f"{r}: '{dict(roles)[r][0]}'" for r in missing if r in dict(roles))
        + ")",
        path=path,
        sheet=sheet.name,
    )


def _numbering(row: list) -> bool:
    nums = [str(v).strip().strip("()") for v in row if not excel.is_blank(v)]
    return nums[:2] == ["1", "2"] or nums[:2] == ["1.0", "2.0"]


def date_cell(v: object, where: dict, *, date_format: str | None = None) -> dt.date:
    """Read a date cell: a date value, or text as ``date_format`` (strftime) or else dd/mm/yyyy, yyyy-mm-dd.

    Without ``date_format`` text dates are read day first (dd/mm/yyyy), as Vietnamese forms write them.

    >>> date_cell("05/04/2024", {}), date_cell("04/05/2024", {}, date_format="%m/%d/%Y")
    (datetime.date(2024, 4, 5), datetime.date(2024, 4, 5))
    """
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    text = str(v).strip()
    if date_format:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            raise InputError(
                f"expected a date as {date_format!r}, found {excel.quote_cell(text)}", **where
            ) from None
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    m2 = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", text)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m2:
            return dt.date(int(m2.group(1)), int(m2.group(2)), int(m2.group(3)))
    except ValueError:
        pass
    raise InputError(f"expected a date (dd/mm/yyyy or yyyy-mm-dd), found {excel.quote_cell(text)}", **where)


def row_period(
    row: list, table: Table, where: dict, default: tuple | None, *, date_format: str | None = None
) -> tuple:
    """Return (start, end, period_type) of a data row from its period columns, else ``default``."""
    import calendar

    cols = table.cols
    if "start" in cols and "end" in cols and not excel.is_blank(row[cols["start"]]):
        start = date_cell(row[cols["start"]], where | {"column": "từ ngày"}, date_format=date_format)
        end = date_cell(row[cols["end"]], where | {"column": "đến ngày"}, date_format=date_format)
        if start > end:
            raise InputError(
                f"period starts {start:%d/%m/%Y} after it ends {end:%d/%m/%Y}",
                **where,
                column="từ ngày / đến ngày",
            )
        return periods.parse_period(f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}", where=where)
    if "year" in cols and not excel.is_blank(row[cols["year"]]):
        year = excel.parse_count(row[cols["year"]], where=where | {"column": "năm"})
        if "month" in cols and not excel.is_blank(row[cols["month"]]):
            mo = excel.parse_count(row[cols["month"]], where=where | {"column": "tháng"})
            if not 1 <= mo <= 12:
                raise InputError(f"expected a month 1-12, found {mo}", **where, column="tháng")
            return dt.date(year, mo, 1), dt.date(year, mo, calendar.monthrange(year, mo)[1]), "month"
        return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    if default is None:
        raise InputError(
            "no reporting period: neither the title ('Kỳ báo cáo: … từ ngày … đến ngày …', 'Năm "
            "2024') nor period columns ('Từ ngày'/'Đến ngày' or 'Năm')",
            **where,
        )
    return default


def title_period(table: Table, where: dict) -> tuple | None:
    """Return the period written in the title block, or None when it has none."""
    try:
        return periods.parse_period(table.title, where=where)
    except InputError as exc:
        if "no reporting period" in str(exc):
            return None
        raise


def unit_identity(row: list, table: Table, where: dict, *, default_level: str) -> tuple[str, str, str]:
    """Return (code, name, level) of a data row; code from the code column, else a slug of the name."""
    cols = table.cols
    name = str(row[cols["name"]]).strip() if "name" in cols and not excel.is_blank(row[cols["name"]]) else ""
    code = ""
    if "code" in cols and not excel.is_blank(row[cols["code"]]):
        v = row[cols["code"]]
        code = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
    if not code and not name:
        raise InputError("row without a unit code or name", **where)
    if code:
        column = f"{excel.col_letter(cols['code'])} (unit code)"
        check_unit_code(code, where=where | {"column": column})
    code = code or slugify(name)
    return code, name or code, guess_level(name or code, default=default_level)


def is_total_row(row: list, table: Table) -> bool:
    """Return True for a 'Tổng cộng' row (in the name, STT or code column)."""
    return any(
        TOTAL_RE.match(excel.fold(row[table.cols[k]]))
        for k in ("name", "stt", "code")
        if k in table.cols and not excel.is_blank(row[table.cols[k]])
    )


def check_rate(rate: object, num: int, den: int, where: dict) -> None:
    """Check a printed rate (percent, or 0-1) against num/den to the precision it is printed with."""
    value = excel.parse_decimal(rate, where=where)
    if value is None or den == 0:
        return
    text = str(rate).strip().rstrip("%").strip()
    decimals = len(re.split(r"[.,]", text)[-1]) if re.search(r"[.,]\d+$", text) else 0
    tol = 0.5 * 10 ** (-decimals) + 1e-9
    pct = 100 * num / den
    if abs(value - pct) <= tol or (value <= 1 and abs(value - num / den) <= tol):
        return
    raise InputError(f"printed rate {excel.quote_cell(rate)} differs from {num}/{den} = {pct:.2f}%", **where)


def finalise(records: list[dict], path: Path) -> pd.DataFrame:
    """Build a validated Counts table from records; schema problems become :class:`InputError`."""
    try:
        return finalise_counts(pd.DataFrame(records))
    except CountsError as exc:
        raise InputError(f"the rows do not form a valid Counts table: {exc}", path=path) from None


def nonblank_sheets(path: Path) -> list[excel.Sheet]:
    """Read the file's sheets and drop blank ones; raise when nothing is left."""
    sheets = excel.read_grids(path)
    out = [s for s in sheets if any(not excel.row_is_blank(r) for r in s.cells)]
    if not out:
        raise InputError(
            "the file is empty (no non-blank sheet)", path=path, sheet=sheets[0].name if sheets else None
        )
    return out


def group_row_level(row: list, table: Table, where: dict) -> str | None:
    """Return the unit level a group row sets ("Sở, ban, ngành", "II Cấp huyện" …), None for other rows.

    A group row has no unit code and a level label, or an upper-case Roman numeral or letter as STT; an
    unknown label with such an STT is an error.
    """
    from analysis.io.bieu06_layout import ROMAN_RE, group_level

    cols = table.cols
    if "code" in cols and not excel.is_blank(row[cols["code"]]):
        return None
    stt = str(row[cols["stt"]]).strip() if "stt" in cols and not excel.is_blank(row[cols["stt"]]) else ""
    name = str(row[cols["name"]]).strip() if "name" in cols and not excel.is_blank(row[cols["name"]]) else ""
    label = name or stt
    level = group_level(excel.fold(label)) if label else None
    if level is None and stt[:1].isupper() and ROMAN_RE.match(excel.fold(stt)):
        raise InputError(
            f"unknown group label {excel.quote_cell(label)}; expected 'Sở, ban, ngành', 'Cấp huyện', "
            "'Cấp xã' …",
            **where,
        )
    return level


def located_tables(path: Path, *, roles: tuple, required: tuple, what: str) -> list[Table]:
    """Locate the table of every non-blank sheet; refuse sheets of figures without the header.

    Raises
    ------
    InputError
        No sheet has the header (the first sheet's problem is named), or a sheet without it holds figures
        (:func:`headerless_sheet`).  A sheet with neither header nor figures is skipped with a warning.
    """
    found: list[Table] = []
    missing: list[tuple[excel.Sheet, InputError]] = []
    for sheet in nonblank_sheets(path):
        try:
            found.append(locate_table(sheet, roles=roles, required=required, what=what, path=path))
        except InputError as exc:
            missing.append((sheet, exc))
    if not found:
        raise missing[0][1]
    for sheet, _ in missing:
        headerless_sheet(sheet, path=path, what=what, read=[t.sheet.name for t in found])
    return found
