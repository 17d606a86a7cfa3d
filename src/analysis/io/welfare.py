"""Reader of welfare payout reports (Đề án 06): beneficiaries, account holders, paid via account."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.io import excel, periods
from analysis.io.rows import Trailer, claim_row, is_header_repeat, read_counts, require_counts
from analysis.io.tables import (
    finalise,
    group_row_level,
    is_total_row,
    located_tables,
    row_period,
    title_period,
    unit_identity,
)
from analysis.provenance import source_id, verify_sidecar

#: Column roles of the welfare report, tried in this order for each header cell (folded fragments).
WELFARE_COLUMNS = (
    ("amount", ("kinh phi", "so tien", "amount")),
    ("paid", ("duoc chi tra", "chi tra qua tai khoan", "da chi tra", "paid")),
    ("holders", ("co tai khoan", "mo tai khoan", "tai khoan", "with_account", "holders")),
    ("group", ("nhom", "loai doi tuong", "beneficiary_group")),
    ("total", ("tong so doi tuong", "so doi tuong", "tong so", "beneficiaries", "doi tuong")),
    ("code", ("ma don vi", "ma dinh danh", "madonvi", "ma")),
    ("name", ("ten don vi", "don vi", "xa, phuong", "dia ban", "unit_name")),
    ("stt", ("stt", "so tt")),
)
#: Beneficiary groups: folded label -> code (DOMAIN.md §1.5: bảo trợ xã hội, người có công).
GROUPS = {
    "btxh": "BTXH",
    "bao tro xa hoi": "BTXH",
    "doi tuong bao tro xa hoi": "BTXH",
    "tro cap xa hoi": "BTXH",
    "ncc": "NCC",
    "nguoi co cong": "NCC",
    "nguoi co cong voi cach mang": "NCC",
    "uu dai nguoi co cong": "NCC",
}
INDICATORS = (
    ("welfare.account_share", "holders", "total"),
    ("welfare.paid_share", "paid", "total"),
    ("welfare.paid_of_holders", "paid", "holders"),
)
LABELS = {
    "total": "Tổng số đối tượng",
    "holders": "Số có tài khoản",
    "paid": "Số được chi trả qua tài khoản",
    "group": "Nhóm đối tượng",
    "amount": "Kinh phí chi trả qua tài khoản",
}


def beneficiary_group(value: object, *, where: dict) -> str:
    """Return ``BTXH`` or ``NCC`` for a group label; raise :class:`InputError` for anything else.

    >>> beneficiary_group("Người có công", where={}), beneficiary_group("btxh", where={})
    ('NCC', 'BTXH')
    """
    key = excel.fold(value).strip(" .")
    if key in GROUPS:
        return GROUPS[key]
    raise InputError(
        f"unknown beneficiary group {excel.quote_cell(value)}; expected BTXH (bảo trợ xã hội) or NCC "
        "(người có công)",
        **where,
        column=LABELS["group"],
    )


def _check_totals(rows: list[tuple[int, str | None, dict, list]], where: dict) -> None:
    """Check total or subtotal rows (row, beneficiary group or None, counts, units) against their units."""
    for rn, group, n, units in rows:
        members = [u for g, u in units if group is None or g == group]
        for k in ("total", "holders", "paid"):
            s = sum(u[k] for u in members)
            if n[k] != s:
                raise InputError(
                    f"total row {LABELS[k]} = {n[k]}, but its units sum to {s}",
                    **where,
                    row=rn,
                    column=LABELS[k],
                )


def read_welfare(path: str | Path, *, date_format: str | None = None) -> pd.DataFrame:
    """Read a welfare payout report (xlsx or CSV) into Counts of the three welfare rates (de_an_06).

    Parameters
    ----------
    path
        Columns ``Mã đơn vị | Tên đơn vị | Nhóm đối tượng | Tổng số đối tượng | Số có tài khoản | Số được chi
        trả qua tài khoản | Kinh phí chi trả qua tài khoản (đồng)``; the period from the title or from
        period columns. Without a group column every row counts as group ``ALL``.
    date_format
        strftime format of text dates in the period columns (default: dd/mm/yyyy or yyyy-mm-dd).

    Returns
    -------
    pandas.DataFrame
        Counts with breakdown column ``beneficiary_group``: ``welfare.account_share`` (with account / all),
        ``welfare.paid_share`` (paid via account / all), ``welfare.paid_of_holders`` (paid / with account).

    Raises
    ------
    InputError
        Missing columns or period, text or negative counts, more account holders than beneficiaries or more
        paid than account holders, unknown groups, duplicate unit-group rows, total rows that differ from
        their units, an empty file, a sidecar hash mismatch.
    """
    path = Path(path)
    record = verify_sidecar(path) if path.exists() else None
    source = source_id(path, record)
    records, seen = [], {}
    tables = located_tables(
        path, roles=WELFARE_COLUMNS, required=("total", "holders", "paid"), what="welfare payout"
    )
    for table in tables:
        sheet = table.sheet
        where0 = {"path": path, "sheet": sheet.name}
        default = title_period(table, where0)
        units: list[tuple[str, dict]] = []
        sections: list[dict] = []
        totals: list[tuple[int, str | None, dict]] = []
        trailer = Trailer()
        for i in range(table.data_start, len(sheet.cells)):
            row = sheet.cells[i]
            cells = {k: row[table.cols[k]] for k in ("total", "holders", "paid")}
            if excel.row_is_blank(row):
                continue
            where = where0 | {"row": i + 1}
            if trailer.skip(row, list(cells.values()), where) or is_header_repeat(row, table):
                continue
            total = is_total_row(row, table)
            level = None if total else group_row_level(row, table, where)
            if level is not None:
                sections.append({"level": level, "units": [], "subtotals": []})
            n = read_counts(cells, LABELS, where)
            if n is None:
                if level is None and not total:
                    require_counts(row, table, where)
                continue
            if n["holders"] > n["total"]:
                raise InputError(
                    f"beneficiaries with an account {n['holders']} above all beneficiaries {n['total']}",
                    **where,
                    column=LABELS["holders"],
                )
            if n["paid"] > n["holders"]:
                raise InputError(
                    f"paid via account {n['paid']} above beneficiaries with an account {n['holders']}",
                    **where,
                    column=LABELS["paid"],
                )
            if "amount" in table.cols:
                amount = excel.parse_decimal(
                    row[table.cols["amount"]], where=where | {"column": LABELS["amount"]}
                )
                if amount is not None and amount < 0:
                    raise InputError(
                        f"expected a non-negative amount, found {amount}", **where, column=LABELS["amount"]
                    )
            has_group = "group" in table.cols and not excel.is_blank(row[table.cols["group"]])
            if level is not None:  # a group row with subtotals, checked below
                bgroup = beneficiary_group(row[table.cols["group"]], where=where) if has_group else None
                sections[-1]["subtotals"].append((i + 1, bgroup, n))
                continue
            if total:
                group = beneficiary_group(row[table.cols["group"]], where=where) if has_group else None
                totals.append((i + 1, group, n))
                continue
            if "group" in table.cols and not has_group:
                raise InputError(
                    "missing beneficiary group; expected BTXH or NCC", **where, column=LABELS["group"]
                )
            group = beneficiary_group(row[table.cols["group"]], where=where) if has_group else "ALL"
            code, name, level = unit_identity(row, table, where, default_level="commune")
            if sections:
                level = sections[-1]["level"]
                sections[-1]["units"].append((group, n))
            start, end, ptype = row_period(row, table, where, default, date_format=date_format)
            claim_row(seen, (code, group, start, end), label=f"unit {code!r}, group {group}", where=where)
            units.append((group, n))
            base = {
                "unit_code": code,
                "unit_name": name,
                "unit_level": level,
                "code_system": periods.code_system_for(end),
                "period_start": start,
                "period_end": end,
                "period_type": ptype,
                "convention": "de_an_06",
                "source": source,
                "beneficiary_group": group,
            }
            for ind, num, den in INDICATORS:
                records.append(base | {"indicator": ind, "numerator": n[num], "denominator": n[den]})
        for sec in sections:
            totals_of_sections = [(rn, g, n, sec["units"]) for rn, g, n in sec["subtotals"]]
            _check_totals(totals_of_sections, where0)
        _check_totals([(rn, g, n, units) for rn, g, n in totals], where0)
    if not records:
        raise InputError("no unit rows found below the header", path=path)
    return finalise(records, path)
