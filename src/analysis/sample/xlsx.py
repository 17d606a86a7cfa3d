"""Workbook layouts of the synthetic sample: Biểu 06/VPCP/KSTT, 766 payment and welfare exports.

The layouts follow docs/DATA_FORMATS.md §2-§4 (title block with "Kỳ báo cáo: … (từ ngày … đến ngày …)",
header rows, one row per unit); every workbook says SYNTHETIC in its title block and properties, and is
serialised reproducibly (fixed document dates and zip entry times).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

PRODUCER = "analysis.sample (SYNTHETIC)"
SYNTHETIC_NOTE = "DỮ LIỆU MÔ PHỎNG (SYNTHETIC) – không phải số liệu thật của tỉnh"
PROVINCE_HEAD = "UBND TỈNH BÀ RỊA - VŨNG TÀU"
FIXED_TIME = dt.datetime(2025, 7, 1, 0, 0, 0)
BIEU06_COLUMNS = (
    ("Số hồ sơ nhận giải quyết", "Tổng số"), (None, "Trực tuyến"),
    (None, "Trực tiếp, dịch vụ bưu chính"), (None, "Từ kỳ trước"),
    ("Số hồ sơ đã giải quyết", "Tổng số"), (None, "Trước hạn"), (None, "Đúng hạn"), (None, "Quá hạn"),
    ("Số hồ sơ đang giải quyết", "Tổng số"), (None, "Trong hạn"), (None, "Quá hạn"),
)
BIEU06_KEYS = ("c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13")
BIEU06_GROUPS = (
    ("I", "Cấp tỉnh", "department"), ("II", "Cấp huyện", "district"), ("III", "Cấp xã", "commune"),
)
BIEU06_TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
BIEU06_FORM = ("Biểu số 06/VPCP/KSTT", "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020")
PAYMENT_HEADER = ("Mã định danh", "Tên đơn vị", "Tổng HS có nghĩa vụ tài chính", "Số HS đã TTTT",
                  "Tỷ lệ TTTT (%)")
WELFARE_HEADER = ("Mã đơn vị", "Tên đơn vị", "Nhóm đối tượng", "Tổng số đối tượng", "Số có tài khoản",
                  "Số được chi trả qua tài khoản", "Kinh phí chi trả qua tài khoản (đồng)")
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

def period_of(year: int) -> tuple[dt.date, dt.date, str]:
    """Return (start, end, Vietnamese label) of the sample's report period for ``year``.

    Examples
    --------
    >>> period_of(2025)[2]
    '6 tháng đầu năm 2025 (từ ngày 01/01/2025 đến ngày 30/06/2025)'
    """
    if year == 2025:
        start, end, name = dt.date(2025, 1, 1), dt.date(2025, 6, 30), "6 tháng đầu năm 2025"
    else:
        start, end, name = dt.date(year, 1, 1), dt.date(year, 12, 31), f"Năm {year}"
    return start, end, f"{name} (từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y})"


def workbook_bytes(wb: Workbook) -> bytes:
    """Serialise ``wb`` reproducibly: fixed document dates and zip entry times."""
    wb.properties.creator = PRODUCER
    wb.properties.lastModifiedBy = PRODUCER
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()


def _title_block(ws, *, title: str, label: str, width: int, right: tuple[str, ...] = ()) -> int:
    """Write the heading lines; return the next free row."""
    ws.cell(1, 1, PROVINCE_HEAD).font = BOLD
    for i, text in enumerate(right, start=1):
        ws.cell(i, width - 2, text).font = BOLD if i == 1 else Font(italic=True)
    ws.cell(3, 1, SYNTHETIC_NOTE).font = Font(bold=True, color="C00000")
    ws.cell(4, 1, title).font = Font(bold=True, size=13)
    ws.cell(5, 1, f"Kỳ báo cáo: {label}").font = Font(italic=True)
    for r in (3, 4, 5):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.cell(r, 1).alignment = CENTER
    return 6


def bieu06_workbook(table: pd.DataFrame, units: pd.DataFrame, *, year: int) -> Workbook:
    """Lay out a Biểu 06 workbook: title block, merged header rows, (1)-(13), groups, total, signatures."""
    start, end, label = period_of(year)
    wb = Workbook()
    ws = wb.active
    ws.title = "Bieu06"
    r = _title_block(ws, title=BIEU06_TITLE, label=label, width=13, right=BIEU06_FORM)
    ws.cell(r, 1, "Đơn vị báo cáo: UBND tỉnh Bà Rịa - Vũng Tàu")
    ws.cell(r + 1, 1, "Đơn vị nhận báo cáo: Văn phòng Chính phủ")
    ws.cell(r + 1, 11, "Đơn vị tính: Số hồ sơ TTHC").font = Font(italic=True)
    h1, h2 = r + 3, r + 4
    ws.cell(h1, 1, "STT")
    ws.cell(h1, 2, "Lĩnh vực, công việc giải quyết theo cấp")
    ws.merge_cells(start_row=h1, start_column=1, end_row=h2, end_column=1)
    ws.merge_cells(start_row=h1, start_column=2, end_row=h2, end_column=2)
    for j, (group, text) in enumerate(BIEU06_COLUMNS, start=3):
        if group:
            ws.cell(h1, j, group)
        ws.cell(h2, j, text)
    for first, last in ((3, 6), (7, 10), (11, 13)):
        ws.merge_cells(start_row=h1, start_column=first, end_row=h1, end_column=last)
    for j in range(1, 14):
        ws.cell(h2 + 1, j, f"({j})")
        for row in (h1, h2, h2 + 1):
            ws.cell(row, j).alignment, ws.cell(row, j).border, ws.cell(row, j).font = CENTER, BOX, BOLD
    row = h2 + 2
    data = table.set_index("unit_code")
    for roman, name, level in BIEU06_GROUPS:
        members = units[units["unit_level"] == level]
        _bieu06_row(ws, row, roman, name, data.loc[members["unit_code"]].sum(), bold=True)
        row += 1
        for k, (code, uname) in enumerate(zip(members["unit_code"], members["unit_name"], strict=True), 1):
            _bieu06_row(ws, row, k, f"{uname} ({code})", data.loc[code], bold=False)
            row += 1
    _bieu06_row(ws, row, None, "Tổng cộng", data.sum(), bold=True)
    signed = end + dt.timedelta(days=5)
    ws.cell(row + 2, 10, f"Bà Rịa - Vũng Tàu, ngày {signed:%d} tháng {signed:%m} năm {signed:%Y}")
    for col, (who, how) in ((2, ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)")),
                            (10, ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)"))):
        ws.cell(row + 3, col, who).font = BOLD
        ws.cell(row + 4, col, how).font = Font(italic=True)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 52
    ws.freeze_panes = ws.cell(h2 + 2, 3)
    wb.properties.title = f"Biểu số 06/VPCP/KSTT – {label} – SYNTHETIC"
    return wb


def _bieu06_row(ws, row: int, stt, name: str, values: pd.Series, *, bold: bool) -> None:
    ws.cell(row, 1, stt)
    ws.cell(row, 2, name)
    for j, key in enumerate(BIEU06_KEYS, start=3):
        ws.cell(row, j, int(values[key]))
    for j in range(1, 14):
        ws.cell(row, j).border = BOX
        if bold:
            ws.cell(row, j).font = BOLD


def table_workbook(header: tuple[str, ...], rows: list[tuple], *, title: str, year: int,
                   sheet: str, subtitle: str | None = None) -> Workbook:
    """Lay out a one-header-row export (766 payment, welfare): title block, header, one row per line."""
    _, _, label = period_of(year)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    r = _title_block(ws, title=title, label=label, width=len(header))
    if subtitle:
        ws.cell(2, 1, subtitle).font = BOLD
    h = r + 1
    for j, text in enumerate(header, start=1):
        cell = ws.cell(h, j, text)
        cell.alignment, cell.border, cell.font = CENTER, BOX, BOLD
        ws.column_dimensions[cell.column_letter].width = 34 if j == 2 else 18
    for i, values in enumerate(rows, start=h + 1):
        for j, v in enumerate(values, start=1):
            ws.cell(i, j, v).border = BOX
    wb.properties.title = f"{title} – {label} – SYNTHETIC"
    return wb


def payment_rows(table: pd.DataFrame, units: pd.DataFrame) -> list[tuple]:
    """Rows of the 766 payment export: code, name, denominator, numerator, rate in % (2 decimals)."""
    names = units.set_index("unit_code")["unit_name"]
    return [
        (code, names[code], int(den), int(num), round(100 * num / den, 2) if den else None)
        for code, den, num in zip(table["unit_code"], table["denominator"], table["numerator"], strict=True)
    ]
