"""Reader of the QĐ 766 online-payment export (fee dossiers with a financial obligation, paid online)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.io import excel, periods
from analysis.io.rows import Trailer, claim_row, is_header_repeat, read_counts, require_counts
from analysis.io.tables import (
    check_rate,
    finalise,
    group_row_level,
    is_total_row,
    located_tables,
    row_period,
    title_period,
    unit_identity,
)
from analysis.provenance import source_id, verify_sidecar

#: Column roles of the payment export: folded label fragments, tried in this order for each header cell.
PAYMENT_COLUMNS = (
    ("rate", ("ty le", "%")),
    (
        "paid",
        (
            "hosothuocthutuccophidatttt",
            "da tttt",
            "da thanh toan truc tuyen",
            "thanh toan truc tuyen",
            "tttt",
        ),
    ),
    ("due", ("hosothuocthutuccophi", "nghia vu tai chinh", "co phi", "co thu phi", "phi, le phi")),
    ("code", ("ma dinh danh", "ma don vi", "ma co quan", "madinhdanh", "madonvi", "ma")),
    ("name", ("ten don vi", "don vi", "ten co quan", "co quan", "tendonvi")),
    ("stt", ("stt", "so tt")),
)
#: Column labels used in messages.
LABELS = {"due": "Tổng HS có nghĩa vụ tài chính", "paid": "Số HS đã TTTT"}


def read_payment766(path: str | Path, *, date_format: str | None = None) -> pd.DataFrame:
    """Read a QĐ 766 online-payment export (xlsx or CSV) into Counts of ``payment.online`` (convention qd766).

    Parameters
    ----------
    path
        Columns ``Mã định danh | Tên đơn vị | Tổng HS có nghĩa vụ tài chính | Số HS đã TTTT | Tỷ lệ TTTT (%)``
        (or the field names ``hoSoThuocThuTucCoPhi``, ``hoSoThuocThuTucCoPhiDaTTTT``); the period from the
        title or from ``Từ ngày``/``Đến ngày`` or ``Năm`` [``Tháng``] columns.
    date_format
        strftime format of text dates in the period columns (default: dd/mm/yyyy or yyyy-mm-dd).

    Returns
    -------
    pandas.DataFrame
        Counts: numerator = dossiers paid online, denominator = dossiers with a financial obligation
        (QĐ 766 indicator 3.6).

    Raises
    ------
    InputError
        Missing columns or period, text or negative counts, paid above due, a printed rate that differs
        from the counts, a total row that differs from its units, duplicate units, empty file, bad sidecar.
    """
    path = Path(path)
    record = verify_sidecar(path) if path.exists() else None
    source = source_id(path, record)
    records, seen = [], {}
    for table in located_tables(path, roles=PAYMENT_COLUMNS, required=("due", "paid"), what="766 payment"):
        sheet = table.sheet
        where0 = {"path": path, "sheet": sheet.name}
        default = title_period(table, where0)
        units, totals, groups = [], [], []
        trailer = Trailer()
        for i in range(table.data_start, len(sheet.cells)):
            row = sheet.cells[i]
            cells = {k: row[table.cols[k]] for k in ("due", "paid")}
            if excel.row_is_blank(row):
                continue
            where = where0 | {"row": i + 1}
            if trailer.skip(row, list(cells.values()), where) or is_header_repeat(row, table):
                continue
            total = is_total_row(row, table)
            level = None if total else group_row_level(row, table, where)
            if level is not None:
                group = {"row": i + 1, "level": level, "units": [], "counts": None}
                groups.append(group)
            n = read_counts(cells, LABELS, where)
            if n is None:
                if level is None and not total:
                    require_counts(row, table, where)
                continue
            due, paid = n["due"], n["paid"]
            if level is not None:
                group["counts"] = (due, paid)
                continue
            if paid > due:
                raise InputError(
                    f"paid online {paid} is above dossiers with a financial obligation {due}",
                    **where,
                    column=LABELS["paid"],
                )
            if "rate" in table.cols:
                check_rate(row[table.cols["rate"]], paid, due, where | {"column": "Tỷ lệ TTTT (%)"})
            if total:
                totals.append((i + 1, due, paid))
                continue
            code, name, level = unit_identity(row, table, where, default_level="department")
            if groups:
                level = groups[-1]["level"]
                groups[-1]["units"].append((due, paid))
            start, end, ptype = row_period(row, table, where, default, date_format=date_format)
            claim_row(seen, (code, start, end), label=f"unit {code!r}", where=where)
            units.append((due, paid))
            records.append(
                {
                    "indicator": "payment.online",
                    "unit_code": code,
                    "unit_name": name,
                    "unit_level": level,
                    "code_system": periods.code_system_for(end),
                    "period_start": start,
                    "period_end": end,
                    "period_type": ptype,
                    "numerator": paid,
                    "denominator": due,
                    "convention": "qd766",
                    "source": source,
                }
            )
        for g in groups:
            sums = (sum(u[0] for u in g["units"]), sum(u[1] for u in g["units"]))
            if g["counts"] is not None and g["counts"] != sums:
                raise InputError(
                    f"group subtotal {g['counts']} differs from the sum of its units {sums}",
                    **where0,
                    row=g["row"],
                )
        for rn, due, paid in totals:
            sums = (sum(u[0] for u in units), sum(u[1] for u in units))
            if (due, paid) != sums:
                raise InputError(
                    f"total row ({due}, {paid}) differs from the sum of its units {sums}", **where0, row=rn
                )
    if not records:
        raise InputError("no unit rows found below the header", path=path)
    return finalise(records, path)
