"""Hostile corpus: small broken or hostile exports, each a mutation of a sample-like file, and the result.

Every case is registered in :data:`CASES` by the :func:`case` decorator: a name, the reader that reads it, and
the expectation, either :class:`Refused` (one clear ``InputError`` naming file, sheet, row, column and key
words, with nothing from the file echoed that should not be) or :class:`Reads` (the Counts it must give, from
hand-computed numbers).  The build function writes the case's files into a folder and returns the path to
read.  Nothing binary is committed: every file is generated here.

Extend it by registering more cases, here or in another ``hostile_*.py`` module next to this one or under
``tests/io/dossiers/`` (``load_extensions`` imports those), e.g.::

    from hostile_corpus import Refused, case

    @case("dossier_received_2099", reader="dossiers", expect=Refused(("2099",), row=3, column="NgayTiepNhan"))
    def _(d):
        return write_text(d / "d.csv", "...")

Run ``python tests/io/hostile_corpus.py OUT`` to write every case into ``OUT/<case>/`` for a look.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

# ---------------------------------------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class Refused:
    """The reader must raise one ``InputError`` whose message has these parts."""

    words: tuple[str, ...]  # regular expressions that must all occur (case-insensitive)
    file: str | None = None  # file name named ("file NAME"); default: the file returned by build
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # a fragment of the column named
    absent: tuple[str, ...] = ("Nguyễn Văn A",)  # never echoed (personal data from the signature block)


@dataclass(frozen=True)
class Reads:
    """The reader must return Counts with these (indicator, unit) -> (numerator, denominator) among them."""

    counts: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    rows: int | None = None  # total number of Counts rows, when given
    warns: str | None = None  # a warning that must be issued (regular expression)
    check: Callable | None = None  # further assertions on the table


@dataclass(frozen=True)
class Case:
    name: str
    reader: str  # bieu06 | payment766 | welfare | load | dossiers
    expect: Refused | Reads
    build: Callable[[Path], Path]
    kwargs: dict = field(default_factory=dict)


CASES: dict[str, Case] = {}


def case(name: str, *, reader: str, expect: Refused | Reads, **kwargs) -> Callable:
    """Register the decorated build function as hostile case ``name``."""

    def register(build: Callable[[Path], Path]) -> Callable[[Path], Path]:
        if name in CASES:
            raise ValueError(f"hostile case {name!r} registered twice")
        CASES[name] = Case(name, reader, expect, build, kwargs)
        return build

    return register


def load_extensions() -> None:
    """Import the other ``hostile_*.py`` modules beside this one and under ``tests/io/dossiers/``."""
    here = Path(__file__).resolve().parent
    sys.modules.setdefault("hostile_corpus", sys.modules[__name__])
    for path in sorted([*here.glob("hostile_*.py"), *here.glob("dossiers/hostile_*.py")]):
        if path.name == "hostile_corpus.py" or path.stem in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)


# ---------------------------------------------------------------------------------------------------------
# Writers: a book is a list of sheets (name, rows, merged ranges)


@dataclass
class Sheet:
    name: str
    rows: list[list]
    merges: list[str] = field(default_factory=list)


def write_xlsx(path: Path, sheets: list[Sheet]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    ws.cell(r, c, v)
        for rng in sh.merges:
            ws.merge_cells(rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(
        [["" if v is None else v for v in r] for r in rows]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def rewrite_zip(src: Path, dst: Path, change: Callable[[str, bytes], bytes | None], extra=()) -> Path:
    """Copy an xlsx, passing each part through ``change`` (None drops it), then add ``extra`` parts."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in extra:
            zout.writestr(name, data)
    return dst


def sheet_xml_edit(src: Path, dst: Path, edit: Callable[[str], str], part="xl/worksheets/sheet1.xml") -> Path:
    """Copy an xlsx with one part's XML edited (the edit must change it: a no-op mutation fails loudly)."""

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        new = edit(data.decode())
        assert new != data.decode(), f"mutation of {part} changed nothing"
        return new.encode()

    return rewrite_zip(src, dst, change)


# ---------------------------------------------------------------------------------------------------------
# Sample-like base files (hand-made numbers; the identities hold by construction)

# online, direct, carried, early, on_time, late, in_time, overdue
SO_TU_PHAP = (5120, 300, 80, 4000, 1200, 50, 240, 10)  # received 5500, resolved 5250, pending 250
SO_Y_TE = (900, 95, 5, 700, 280, 10, 8, 2)  # received 1000, resolved 990, pending 10
CHAU_DUC = (1500, 480, 20, 1200, 700, 60, 35, 5)  # received 2000, resolved 1960, pending 40
PERIOD_2024 = "Kỳ báo cáo: Năm 2024 (từ ngày 01/01/2024 đến ngày 31/12/2024)"
PERIOD_Q4 = "Kỳ báo cáo: Quý IV năm 2024 (từ ngày 01/10/2024 đến ngày 31/12/2024)"
SIGNER = "Nguyễn Văn A"  # a personal name in the signature block: never echoed in a message
#: Counts the base Biểu 06 gives (hand-computed: on time = early + on time of resolved; online of new).
BIEU06_COUNTS = {
    ("timeliness.on_time", "000.00.77.H12"): (5200, 5250),
    ("timeliness.on_time", "000.00.77.H20"): (980, 990),
    ("timeliness.on_time", "747"): (1900, 1960),
    ("timeliness.overdue_pending", "000.00.77.H12"): (10, 250),
    ("online.submission", "000.00.77.H12"): (5120, 5420),
    ("online.submission", "747"): (1500, 1980),
}


def full_row(parts) -> list[int]:
    on, di, ca, ea, ot, la, it, ov = parts
    return [on + di + ca, on, di, ca, ea + ot + la, ea, ot, la, it + ov, it, ov]


def add(*rows) -> list[int]:
    return [sum(c) for c in zip(*rows, strict=True)]


BIEU06_DATA_ROW = 9  # 1-based row of the first unit (Sở Tư pháp)


def bieu06_sheet(name: str = "Bieu06", *, period: str = PERIOD_2024, units=None) -> Sheet:
    """Title, two merged header rows, numbered row, groups with subtotals, total, signature block."""
    stp, syt, cd = full_row(SO_TU_PHAP), full_row(SO_Y_TE), full_row(CHAU_DUC)
    rows = [
        [
            "UBND TỈNH BÀ RỊA - VŨNG TÀU",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "Biểu số 06/VPCP/KSTT",
        ],
        ["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"],
        [period],
        [None, None, None, None, None, None, None, None, None, None, "Đơn vị tính: Số hồ sơ TTHC"],
        [
            "STT",
            "Đơn vị",
            "Số hồ sơ nhận giải quyết",
            None,
            None,
            None,
            "Số hồ sơ đã giải quyết",
            None,
            None,
            None,
            "Số hồ sơ đang giải quyết",
            None,
            None,
        ],
        [
            None,
            None,
            "Tổng số",
            "Trực tuyến",
            "Trực tiếp, dịch vụ bưu chính",
            "Từ kỳ trước",
            "Tổng số",
            "Trước hạn",
            "Đúng hạn",
            "Quá hạn",
            "Tổng số",
            "Trong hạn",
            "Quá hạn",
        ],
        ["(1)", "(2)"] + [f"({k})" for k in range(3, 14)],
        ["I", "Cấp tỉnh", *add(stp, syt)],
        [1, "Sở Tư pháp (000.00.77.H12)", *stp],
        [2, "Sở Y tế (000.00.77.H20)", *syt],
        ["II", "Cấp huyện", *cd],
        [1, "UBND huyện Châu Đức (747)", *cd],
        [None, "Tổng cộng", *add(stp, syt, cd)],
        [],
        [None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, None, None, None, "THỦ TRƯỞNG ĐƠN VỊ"],
        [None, "(Ký, ghi rõ họ tên)", None, None, None, None, None, None, None, None, "(Ký tên, đóng dấu)"],
        [],
        [None, SIGNER],
    ]
    merges = ["A1:D1", "A2:M2", "A3:M3", "A5:A6", "B5:B6", "C5:F5", "G5:J5", "K5:M5"]
    return Sheet(name, rows, merges)


def bieu06_file(d: Path, mutate: Callable[[Sheet], None] | None = None, *, name="bieu06_2024.xlsx") -> Path:
    sh = bieu06_sheet()
    if mutate:
        mutate(sh)
    return write_xlsx(d / name, [sh])


PAY_TITLE = "THEO DÕI CHỈ TIÊU THANH TOÁN TRỰC TUYẾN CÁC ĐƠN VỊ - THEO QUYẾT ĐỊNH SỐ 766/QĐ-TTG"
PAY_HEADER = [
    "Mã định danh",
    "Tên đơn vị",
    "Tổng HS có nghĩa vụ tài chính",
    "Số HS đã TTTT",
    "Tỷ lệ TTTT (%)",
]
PAY_DATA_ROW = 5  # 1-based row of the first unit
#: 1.200 fee dossiers, 948 paid online -> 79,00 %; 300 and 150 -> 50 %; total 1.500 and 1.098.
PAY_COUNTS = {("payment.online", "77.S01"): (948, 1200), ("payment.online", "77.H01"): (150, 300)}


def payment_rows(period: str = PERIOD_2024) -> list[list]:
    return [
        [PAY_TITLE],
        [period],
        [],
        PAY_HEADER,
        ["77.S01", "Sở Tư pháp", "1.200", "948", "79,00"],
        ["77.H01", "UBND huyện Châu Đức", 300, 150, 50],
        [None, "Tổng cộng", 1500, 1098, "73,20"],
        [],
        [None, "Người lập biểu", None, "Thủ trưởng đơn vị"],
        [None, SIGNER],
    ]


def payment_file(d: Path, mutate=None, *, name="payment_2024.xlsx", sheet="TTTT") -> Path:
    rows = payment_rows()
    if mutate:
        mutate(rows)
    if name.endswith(".xlsx"):
        return write_xlsx(d / name, [Sheet(sheet, rows)])
    return write_csv(d / name, rows, delimiter="\t" if name.endswith((".txt", ".tsv")) else ",")


WEL_HEADER = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Nhóm đối tượng",
    "Tổng số đối tượng",
    "Số có tài khoản",
    "Số được chi trả qua tài khoản",
    "Kinh phí chi trả qua tài khoản (đồng)",
]
WEL_DATA_ROW = 5
WEL_COUNTS = {
    ("welfare.account_share", "77.H01.X01"): (400, 500),  # BTXH row (the NCC row is a second group)
    ("welfare.paid_of_holders", "77.H01"): (5, 10),
}


def welfare_rows(period: str = PERIOD_2024) -> list[list]:
    return [
        ["BÁO CÁO KẾT QUẢ CHI TRẢ CHẾ ĐỘ QUA TÀI KHOẢN (ĐỀ ÁN 06)"],
        [period],
        [],
        WEL_HEADER,
        ["77.H01.X01", "Xã Ngãi Giao", "BTXH", 500, 400, 300, "1.500.000"],
        ["77.H01.X01", "Xã Ngãi Giao", "Người có công", 100, 90, 90, 0],
        ["77.H01", "Huyện Châu Đức", "NCC", 20, 10, 5, None],
        [],
        [None, "Người lập biểu", None, None, "Thủ trưởng đơn vị"],
        [None, SIGNER],
    ]


def welfare_file(d: Path, mutate=None, *, name="welfare_2024.xlsx", sheet="DA06") -> Path:
    rows = welfare_rows()
    if mutate:
        mutate(rows)
    if name.endswith(".xlsx"):
        return write_xlsx(d / name, [Sheet(sheet, rows)])
    return write_csv(d / name, rows, delimiter="\t" if name.endswith((".txt", ".tsv")) else ",")


def pick_group(df, indicator: str, unit: str, group: str) -> tuple[int, int]:
    r = df[(df["indicator"] == indicator) & (df["unit_code"] == unit) & (df["beneficiary_group"] == group)]
    assert len(r) == 1
    return int(r["numerator"].iloc[0]), int(r["denominator"].iloc[0])


def put(rows: list[list], r: int, c: int, value) -> None:
    """Set the cell at 1-based (row r, column c), growing the grid as needed."""
    while len(rows) < r:
        rows.append([])
    row = rows[r - 1]
    while len(row) < c:
        row.append(None)
    row[c - 1] = value


# ---------------------------------------------------------------------------------------------------------
# Workbook containers: what the file really is, zip bombs, huge grids


def _ole(names: list[str], size: int = 4096) -> bytes:
    """A minimal OLE compound file whose directory lists ``names`` (what the guard looks at)."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    entries = b"".join(
        n.encode("utf-16-le") + b"\0\0" + b"\0" * (126 - 2 * len(n)) for n in ["Root Entry", *names]
    )
    return head + entries + b"\0" * max(0, size - len(head) - len(entries))


@case(
    "xlsx_password_protected",
    reader="bieu06",
    expect=Refused(("password-protected", "encrypted", "remove the password")),
)
def _(d):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = bieu06_file(d, name="plain.xlsx")
    out = io.BytesIO()
    with open(plain, "rb") as fh:
        OOXMLFile(fh).encrypt("mật khẩu", out)
    plain.unlink()
    return write_bytes(d / "bieu06_protected.xlsx", out.getvalue())


@case("xlsx_is_html_page", reader="bieu06", expect=Refused(("web page", "HTML", "save it again as .xlsx")))
def _(d):
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><table><tr><td>STT</td>"
        "<td>Đơn vị</td></tr><tr><td>1</td><td>Sở Tư pháp</td></tr></table></body></html>"
    )
    return write_bytes(d / "bieu06_portal.xlsx", html.encode())


@case("xlsx_is_html_table_fragment", reader="payment766", expect=Refused(("web page", "HTML")))
def _(d):
    return write_bytes(
        d / "tttt.xlsx", "\ufeff  <table border=1><tr><th>Mã định danh</th></tr></table>".encode()
    )


@case("xlsx_is_mhtml_archive", reader="welfare", expect=Refused(("MHTML", "web page archive")))
def _(d):
    text = "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n<html></html>"
    return write_bytes(d / "da06.xlsx", text.encode())


@case("xlsx_is_xml_spreadsheet_2003", reader="bieu06", expect=Refused(("Excel 2003 XML spreadsheet",)))
def _(d):
    text = '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    return write_bytes(d / "b.xlsx", text.encode())


@case("xlsx_is_legacy_xls", reader="bieu06", expect=Refused((r"Excel 97-2003 workbook \(\.xls\)",)))
def _(d):
    return write_bytes(d / "bieu06_old.xlsx", _ole(["Workbook", "\x05SummaryInformation"]))


@case("xlsx_is_other_ole_document", reader="payment766", expect=Refused(("OLE compound document",)))
def _(d):
    return write_bytes(d / "tttt.xlsx", _ole(["WordDocument"]))


@case("xlsx_is_csv_text", reader="payment766", expect=Refused(("text file", "rename it to .csv")))
def _(d):
    return write_bytes(d / "tttt.xlsx", "Mã định danh,Tên đơn vị\n77.S01,Sở Tư pháp\n".encode())


@case("xlsx_is_pdf", reader="welfare", expect=Refused(("PDF document",)))
def _(d):
    return write_bytes(d / "da06.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")


@case("xlsx_empty_file", reader="bieu06", expect=Refused(("empty",)))
def _(d):
    return write_bytes(d / "bieu06.xlsx", b"")


@case("xlsx_random_bytes", reader="bieu06", expect=Refused(("not an xlsx workbook", "zip archive")))
def _(d):
    return write_bytes(d / "bieu06.xlsx", bytes(range(256)) * 8)


@case("xlsx_truncated_download", reader="bieu06", expect=Refused(("damaged or truncated|not an xlsx",)))
def _(d):
    full = bieu06_file(d, name="full.xlsx").read_bytes()
    (d / "full.xlsx").unlink()
    return write_bytes(d / "bieu06.xlsx", full[: len(full) * 2 // 3])


@case("xlsx_corrupt_part_crc", reader="payment766", expect=Refused(("damaged or truncated",)))
def _(d):
    src = payment_file(d, name="src.xlsx")
    data = bytearray(src.read_bytes())
    src.unlink()
    # flip bytes inside the compressed worksheet part: its CRC no longer matches
    start = data.find(b"xl/worksheets/sheet1.xml") + 40
    for k in range(start, start + 30):
        data[k] ^= 0x55
    return write_bytes(d / "tttt.xlsx", bytes(data))


@case("xlsx_is_ods", reader="bieu06", expect=Refused(("OpenDocument",)))
def _(d):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return write_bytes(d / "bieu06.xlsx", buf.getvalue())


@case("xlsx_is_docx", reader="welfare", expect=Refused(("Word document",)))
def _(d):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return write_bytes(d / "da06.xlsx", buf.getvalue())


@case("xlsx_is_xlsb", reader="payment766", expect=Refused((r"binary workbook \(\.xlsb\)",)))
def _(d):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return write_bytes(d / "tttt.xlsx", buf.getvalue())


@case("xlsx_zip_entries_encrypted", reader="bieu06", expect=Refused(("encrypted",)))
def _(d):
    data = bytearray(bieu06_file(d, name="src.xlsx").read_bytes())
    (d / "src.xlsx").unlink()
    for sig, off in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):  # set the 'encrypted' flag of every entry
        for m in re.finditer(re.escape(sig), bytes(data)):
            data[m.start() + off] |= 0x01
    return write_bytes(d / "bieu06.xlsx", bytes(data))


@case(
    "xlsx_stray_cell_M1048576",
    reader="bieu06",
    expect=Refused(("too large", "M1048576", "Ctrl\\+End"), sheet="Bieu06", row=1048576, column="M"),
)
def _(d):
    src = bieu06_file(d, name="src.xlsx")
    return sheet_xml_edit(
        src,
        d / "bieu06_stray.xlsx",
        lambda s: s.replace(
            "</sheetData>", '<row r="1048576"><c r="M1048576" t="n"><v>0</v></c></row></sheetData>'
        ),
    )


@case(
    "xlsx_stray_cell_XFD1048576",
    reader="payment766",
    expect=Refused(("too large", "XFD1048576"), sheet="TTTT", row=1048576, column="XFD"),
)
def _(d):
    src = payment_file(d, name="src.xlsx")
    return sheet_xml_edit(
        src,
        d / "tttt_stray.xlsx",
        lambda s: s.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>'),
    )


@case("xlsx_declares_A1_M1048576", reader="bieu06", expect=Reads(BIEU06_COUNTS, rows=9))
def _(d):
    """The dimension is a hint: a wrong one is ignored and the real cells are read."""
    src = bieu06_file(d, name="src.xlsx")
    return sheet_xml_edit(
        src,
        d / "bieu06_dim.xlsx",
        lambda s: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:M1048576"/>', s),
    )


@case("xlsx_declares_A1_XFD1048576_loose_sniffed", reader="load", expect=Reads(PAY_COUNTS, rows=2))
def _(d):
    """A loose file is sniffed in read-only mode, which trusts the dimension: the real extent is used."""
    src = payment_file(d / "tmp", name="src.xlsx")
    sheet_xml_edit(
        src,
        d / "data" / "tttt.xlsx",
        lambda s: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', s),
    )
    return d / "data"


@case(
    "xlsx_merged_range_to_XFD1048576",
    reader="bieu06",
    expect=Refused(("too large", "XFD1048576"), sheet="Bieu06"),
)
def _(d):
    src = bieu06_file(d, name="src.xlsx")
    return sheet_xml_edit(
        src,
        d / "bieu06_merge.xlsx",
        lambda s: re.sub(r'<mergeCell ref="A1:D1"\s*/>', '<mergeCell ref="A20:XFD1048576"/>', s),
    )


@case(
    "xlsx_hyperlink_over_a_million_rows",
    reader="welfare",
    expect=Refused(("too large", "Z1048576"), sheet="DA06"),
)
def _(d):
    src = welfare_file(d, name="src.xlsx")
    return sheet_xml_edit(
        src,
        d / "da06_link.xlsx",
        lambda s: s.replace(
            "</sheetData>", '</sheetData><hyperlinks><hyperlink ref="A20:Z1048576" display="x"/></hyperlinks>'
        ),
    )


def _streamed(zout: zipfile.ZipFile, name: str, head: bytes, unit: bytes, total: int, tail: bytes) -> None:
    """Write part ``name``: ``head``, ``unit`` repeated to about ``total`` bytes, ``tail``, deflated."""
    info = zipfile.ZipInfo(name, date_time=(2025, 7, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zout.open(info, "w", force_zip64=True) as fh:
        fh.write(head)
        per_block = (1 << 20) // len(unit) + 1
        left = total // len(unit)  # whole units only: the part stays well-formed XML
        while left > 0:
            fh.write(unit * min(per_block, left))
            left -= per_block
        fh.write(tail)


def _with_part(src: Path, dst: Path, name: str, head: bytes, unit: bytes, total: int, tail: bytes) -> Path:
    """Copy an xlsx and add (or replace) part ``name`` streamed by :func:`_streamed`."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info.filename, zin.read(info.filename))
        _streamed(zout, name, head, unit, total, tail)
    return dst


SST_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def with_shared_strings(src: Path, dst: Path, *, unit: bytes, total: int, head: bytes = SST_HEAD) -> Path:
    """Copy an xlsx (openpyxl writes inline strings) with a shared-strings part that the workbook uses.

    The part is ``head`` + ``unit`` repeated to ``total`` bytes + ``</sst>``; cell A1 refers to its first
    string, the content types and the workbook's relationships list it, as Excel writes them.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename).decode()
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    "</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    "</Relationships>",
                    f'<Relationship Id="rIdSST" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                    "</Relationships>",
                )
            elif info.filename == "xl/worksheets/sheet1.xml":
                new = re.sub(
                    r'<c r="A1" t="inlineStr"><is><t>[^<]*</t></is></c>', '<c r="A1" t="s"><v>0</v></c>', data
                )
                assert new != data
                data = new
            zout.writestr(info.filename, data)
        _streamed(zout, "xl/sharedStrings.xml", head, unit, total, b"</sst>")
    return dst


@case(
    "xlsx_shared_strings_80MB",
    reader="bieu06",
    expect=Refused(("shared-strings table", "80 MB", "limit 64 MB")),
)
def _(d):
    src = bieu06_file(d, name="src.xlsx")
    si = "<si><t>UBND TỈNH BÀ RỊA - VŨNG TÀU</t></si>".encode()
    return with_shared_strings(src, d / "bieu06_sst.xlsx", unit=si, total=80 << 20)


@case("xlsx_shared_strings_small_read", reader="bieu06", expect=Reads(BIEU06_COUNTS, rows=9))
def _(d):
    """A workbook that keeps its texts in a shared-strings table (as Excel does) is read as usual."""
    src = bieu06_file(d, name="src.xlsx")
    si = "<si><t>UBND TỈNH BÀ RỊA - VŨNG TÀU</t></si>".encode()
    return with_shared_strings(src, d / "bieu06_sst.xlsx", unit=si, total=len(si) * 3)


@case("xlsx_part_inflates_1000_fold", reader="payment766", expect=Refused(("expands", "fold", "zip bomb")))
def _(d):
    src = payment_file(d, name="src.xlsx")
    return _with_part(src, d / "tttt_bomb.xlsx", "xl/media/image1.bin", b"", b"\0", 20 << 20, b"")


@case(
    "xlsx_total_over_256MB",
    reader="welfare",
    expect=Refused(("expands to", "MB when unzipped", "limit 256 MB")),
)
def _(d):
    src = welfare_file(d, name="src.xlsx")
    return _with_part(src, d / "da06_big.xlsx", "xl/media/image1.bin", b"", b"\0", 300 << 20, b"")


@case("xlsx_entity_bomb_in_shared_strings", reader="bieu06", expect=Refused(("DTD or entities",)))
def _(d):
    src = bieu06_file(d, name="src.xlsx")
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main">'
    )
    return with_shared_strings(src, d / "bieu06_lol.xlsx", head=lol, unit=b"<si><t>&lol3;</t></si>", total=22)


# ---------------------------------------------------------------------------------------------------------
# Biểu 06 content


def _bieu06_with(d: Path, mutate: Callable[[Sheet], None], name="bieu06_2024.xlsx") -> Path:
    return bieu06_file(d, mutate, name=name)


@case("bieu06_base_reads", reader="bieu06", expect=Reads(BIEU06_COUNTS, rows=9))
def _(d):
    return bieu06_file(d)


@case(
    "bieu06_second_sheet_q4_without_header",
    reader="bieu06",
    expect=Refused(("figures", "no Biểu 06 header", "Copy the title"), sheet="Q4", row=1),
)
def _(d):
    sh = bieu06_sheet()
    q4 = Sheet("Q4", [list(r) for r in sh.rows[BIEU06_DATA_ROW - 2 : BIEU06_DATA_ROW + 4]])
    return write_xlsx(d / "bieu06_2024.xlsx", [sh, q4])


@case(
    "bieu06_notes_sheet_is_not_data",
    reader="bieu06",
    expect=Reads(BIEU06_COUNTS, rows=9, warns=r"sheet 'Hướng dẫn'.*no figures"),
)
def _(d):
    notes = Sheet(
        "Hướng dẫn",
        [["Cách lập biểu: số liệu lấy từ hệ thống một cửa điện tử."], ["Liên hệ: Văn phòng UBND tỉnh"]],
    )
    return write_xlsx(d / "bieu06_2024.xlsx", [bieu06_sheet(), notes])


@case(
    "bieu06_sheet_copied_as_Bieu06_(2)",
    reader="bieu06",
    expect=Refused(
        ("'Bieu06' and 'Bieu06 \\(2\\)'", "copied sheet"), sheet="Bieu06 (2)", row=BIEU06_DATA_ROW
    ),
)
def _(d):
    return write_xlsx(d / "bieu06_2024.xlsx", [bieu06_sheet(), bieu06_sheet("Bieu06 (2)")])


@case("bieu06_two_periods_on_two_sheets_read", reader="bieu06", expect=Reads(rows=18))
def _(d):
    return write_xlsx(d / "bieu06.xlsx", [bieu06_sheet(), bieu06_sheet("Q4", period=PERIOD_Q4)])


@case(
    "bieu06_q4_pasted_below_signature",
    reader="bieu06",
    expect=Refused(("below the notes / signature block", "row 15"), sheet="Bieu06", row=20),
)
def _(d):
    def m(sh):
        sh.rows += [[], [1, "Sở Tư pháp (000.00.77.H12)", *full_row(SO_TU_PHAP)]]

    return _bieu06_with(d, m)


@case(
    "bieu06_unit_not_reported_text",
    reader="bieu06",
    expect=Refused(("chưa báo cáo", "did not report"), sheet="Bieu06", row=BIEU06_DATA_ROW + 1, column="(3)"),
)
def _(d):
    def m(sh):
        sh.rows[BIEU06_DATA_ROW] = [2, "Sở Y tế (000.00.77.H20)"] + ["chưa báo cáo"] * 11

    return _bieu06_with(d, m)


@case(
    "bieu06_unit_without_stt_text_counts",
    reader="bieu06",
    expect=Refused(("không có số liệu",), row=BIEU06_DATA_ROW + 1, column="(3)"),
)
def _(d):
    def m(sh):
        sh.rows[BIEU06_DATA_ROW] = [None, "Sở Y tế (000.00.77.H20)"] + ["không có số liệu"] * 11

    return _bieu06_with(d, m)


@case(
    "bieu06_long_text_in_count_not_echoed",
    reader="bieu06",
    expect=Refused(
        ("expected a count",),
        row=BIEU06_DATA_ROW,
        column="(4)",
        absent=("Nguyễn Văn A", "số điện thoại 0912"),
    ),
)
def _(d):
    def m(sh):
        sh.rows[BIEU06_DATA_ROW - 1][3] = (
            "liên hệ ông " + SIGNER + ", số điện thoại 0912 345 678 để biết thêm"
        )

    return _bieu06_with(d, m)


@case(
    "bieu06_unit_code_dotdot",
    reader="bieu06",
    expect=Refused(("unit code '\\.\\.'", "folder"), row=BIEU06_DATA_ROW + 3, column="unit code"),
)
def _(d):
    # '..' in brackets after a name is not read as a code (no digit): put it in a code column
    def m2(sh):
        for r in sh.rows[4:]:
            if r:
                r.insert(2, None)
        sh.rows[4][2] = "Mã đơn vị"
        sh.rows[6][2] = None
        sh.rows[BIEU06_DATA_ROW + 2][2] = ".."
        sh.merges[:] = ["A5:A6", "B5:B6", "C5:C6", "D5:G5", "H5:K5", "L5:N5"]

    return _bieu06_with(d, m2)


@case(
    "bieu06_unit_code_with_slash",
    reader="bieu06",
    expect=Refused(("cannot be used",), row=BIEU06_DATA_ROW, column="unit code"),
)
def _(d):
    def m(sh):
        for r in sh.rows[4:]:
            if r:
                r.insert(2, None)
        sh.rows[4][2] = "Mã đơn vị"
        sh.rows[BIEU06_DATA_ROW - 1][2] = "77/../../etc"
        sh.merges[:] = ["A5:A6", "B5:B6", "C5:C6", "D5:G5", "H5:K5", "L5:N5"]

    return _bieu06_with(d, m)


@case(
    "bieu06_identity_broken",
    reader="bieu06",
    expect=Refused(("identity broken", "expected"), row=BIEU06_DATA_ROW, column="(3)"),
)
def _(d):
    def m(sh):
        sh.rows[BIEU06_DATA_ROW - 1][2] += 1

    return _bieu06_with(d, m)


@case("bieu06_subtotal_differs", reader="bieu06", expect=Refused(("subtotal of group 'Cấp tỉnh'",), row=8))
def _(d):
    def m(sh):
        r = sh.rows[7]
        r[3] += 5  # 5 dossiers moved from direct (5) to online (4): the row's identities still hold,
        r[4] -= 5  # only the sum over its units is wrong

    return _bieu06_with(d, m)


@case("bieu06_total_row_differs", reader="bieu06", expect=Refused(("total row",), row=13))
def _(d):
    def m(sh):
        r = sh.rows[12]
        r[7] += 1  # one dossier moved from on time (9) to early (8): the identities still hold
        r[8] -= 1

    return _bieu06_with(d, m)


@case(
    "bieu06_negative_count",
    reader="bieu06",
    expect=Refused(("non-negative",), row=BIEU06_DATA_ROW, column="(13)"),
)
def _(d):
    def m(sh):
        r = sh.rows[BIEU06_DATA_ROW - 1]
        r[12], r[11], r[10] = -10, 260, 250  # (11) = 260 + (-10)

    return _bieu06_with(d, m)


@case(
    "bieu06_fraction_count",
    reader="bieu06",
    expect=Refused(("whole number",), row=BIEU06_DATA_ROW, column="(4)"),
)
def _(d):
    def m(sh):
        sh.rows[BIEU06_DATA_ROW - 1][3] = 5120.5

    return _bieu06_with(d, m)


@case("bieu06_numbers_as_text_with_dots", reader="bieu06", expect=Reads(BIEU06_COUNTS, rows=9))
def _(d):
    def m(sh):
        for r in sh.rows[7:13]:
            r[2:] = [f"{v:,}".replace(",", ".") if isinstance(v, int) else v for v in r[2:]]

    return _bieu06_with(d, m)


@case(
    "bieu06_unknown_group_label",
    reader="bieu06",
    expect=Refused(("unknown group label",), row=11, column="B"),
)
def _(d):
    def m(sh):
        sh.rows[10][1] = "Khối khác"

    return _bieu06_with(d, m)


@case("bieu06_no_period_in_title", reader="bieu06", expect=Refused(("no reporting period",), sheet="Bieu06"))
def _(d):
    def m(sh):
        sh.rows[2] = ["Kỳ báo cáo: (chưa ghi)"]

    return _bieu06_with(d, m)


@case("bieu06_unit_twice", reader="bieu06", expect=Refused(("appears twice",), row=BIEU06_DATA_ROW + 1))
def _(d):
    def m(sh):
        sh.rows[BIEU06_DATA_ROW] = [2, "Sở Tư pháp (000.00.77.H12)", *full_row(SO_TU_PHAP)]
        sh.rows[7][2:] = add(full_row(SO_TU_PHAP), full_row(SO_TU_PHAP))
        sh.rows[12][2:] = add(full_row(SO_TU_PHAP), full_row(SO_TU_PHAP), full_row(CHAU_DUC))

    return _bieu06_with(d, m)


@case("bieu06_header_shifted_down", reader="bieu06", expect=Reads(BIEU06_COUNTS, rows=9))
def _(d):
    def m(sh):
        sh.rows[3:3] = [[], [], ["Ghi chú: số liệu trích từ hệ thống"]]
        sh.merges[:] = [
            re.sub(r"\d+", lambda k: str(int(k.group()) + 3) if int(k.group()) >= 5 else k.group(), g)
            for g in sh.merges
        ]

    return _bieu06_with(d, m)


@case("bieu06_header_not_merged", reader="bieu06", expect=Reads(BIEU06_COUNTS, rows=9))
def _(d):
    def m(sh):
        sh.merges.clear()

    return _bieu06_with(d, m)


@case("bieu06_empty_workbook", reader="bieu06", expect=Refused(("empty",)))
def _(d):
    return write_xlsx(d / "bieu06.xlsx", [Sheet("Sheet1", [])])


@case("bieu06_csv_export", reader="bieu06", expect=Reads(BIEU06_COUNTS, rows=9))
def _(d):
    return write_csv(d / "bieu06.csv", bieu06_sheet().rows)


@case(
    "bieu06_formula_injection_name",
    reader="bieu06",
    expect=Reads(rows=9, check=lambda df: _check_csv_safe(df, '=HYPERLINK("http://x","y")')),
)
def _(d):
    def m(sh):
        sh.rows[BIEU06_DATA_ROW][1] = '=HYPERLINK("http://x","y") (000.00.77.H20)'

    return _bieu06_with(d, m)


def _check_csv_safe(df, raw: str) -> None:
    """The name is kept as data; every CSV output neutralises it."""
    from analysis.provenance import safe_csv_bytes

    assert raw in set(df["unit_name"])
    text = safe_csv_bytes(df).decode()
    assert "'" + raw.replace('"', '""') in text and "\n" + raw not in text and "," + raw not in text


# ---------------------------------------------------------------------------------------------------------
# 766 payment export


@case("payment_base_reads", reader="payment766", expect=Reads(PAY_COUNTS, rows=2))
def _(d):
    return payment_file(d)


@case(
    "payment_chua_bao_cao",
    reader="payment766",
    expect=Refused(("chưa báo cáo", "did not report"), row=PAY_DATA_ROW + 1, column="Tổng HS có nghĩa vụ"),
)
def _(d):
    def m(rows):
        rows[PAY_DATA_ROW] = ["77.H01", "UBND huyện Châu Đức", "chưa báo cáo", "chưa báo cáo", None]
        rows[PAY_DATA_ROW + 1] = [None, "Tổng cộng", 1200, 948, None]

    return payment_file(d, m)


@case(
    "payment_NA_in_one_cell",
    reader="payment766",
    expect=Refused(("'N/A'",), row=PAY_DATA_ROW, column="Số HS đã TTTT"),
)
def _(d):
    def m(rows):
        rows[PAY_DATA_ROW - 1][3] = "N/A"

    return payment_file(d, m)


@case(
    "payment_blank_counts_unit_row",
    reader="payment766",
    expect=Refused(("has no counts", "0 where"), row=PAY_DATA_ROW + 1),
)
def _(d):
    def m(rows):
        rows[PAY_DATA_ROW] = ["77.H01", "UBND huyện Châu Đức", None, None, None]
        rows[PAY_DATA_ROW + 1] = [None, "Tổng cộng", 1200, 948, None]

    return payment_file(d, m)


@case(
    "payment_dashes_are_zero",
    reader="payment766",
    expect=Reads({("payment.online", "77.S01"): (948, 1200), ("payment.online", "77.H01"): (0, 0)}, rows=2),
)
def _(d):
    def m(rows):
        rows[PAY_DATA_ROW] = ["77.H01", "UBND huyện Châu Đức", "-", "-", None]
        rows[PAY_DATA_ROW + 1] = [None, "Tổng cộng", 1200, 948, None]

    return payment_file(d, m)


@case(
    "payment_rows_below_signature",
    reader="payment766",
    expect=Refused(("below the notes / signature block",), sheet="TTTT", row=12),
)
def _(d):
    def m(rows):
        rows += [[], ["77.H02", "UBND huyện Côn Đảo", 40, 20, 50]]

    return payment_file(d, m)


@case(
    "payment_second_sheet_without_header",
    reader="payment766",
    expect=Refused(("no 766 payment header", "figures"), sheet="Q4", row=1),
)
def _(d):
    q4 = Sheet(
        "Q4", [["77.S01", "Sở Tư pháp", 300, 200, 66.67], ["77.H01", "UBND huyện Châu Đức", 80, 40, 50]]
    )
    return write_xlsx(d / "tttt.xlsx", [Sheet("TTTT", payment_rows()), q4])


@case(
    "payment_sheet_copied",
    reader="payment766",
    expect=Refused(
        ("appears twice", "sheet 'TTTT' row 5 and sheet 'TTTT \\(2\\)' row 5"), sheet="TTTT (2)", row=5
    ),
)
def _(d):
    return write_xlsx(d / "tttt.xlsx", [Sheet("TTTT", payment_rows()), Sheet("TTTT (2)", payment_rows())])


@case(
    "payment_notes_sheet_warns",
    reader="payment766",
    expect=Reads(PAY_COUNTS, rows=2, warns="no 766 payment header"),
)
def _(d):
    return write_xlsx(
        d / "tttt.xlsx", [Sheet("TTTT", payment_rows()), Sheet("Ghi chú", [["Số liệu tạm tính"]])]
    )


@case("payment_header_repeated_at_page_break", reader="payment766", expect=Reads(PAY_COUNTS, rows=2))
def _(d):
    def m(rows):
        rows.insert(PAY_DATA_ROW, list(PAY_HEADER))

    return payment_file(d, m)


@case(
    "payment_unit_code_dotdot",
    reader="payment766",
    expect=Refused(("unit code '\\.\\.'", "folder"), row=PAY_DATA_ROW, column="unit code"),
)
def _(d):
    def m(rows):
        rows[PAY_DATA_ROW - 1][0] = ".."

    return payment_file(d, m)


@case(
    "payment_unit_code_too_long",
    reader="payment766",
    expect=Refused(("cannot be used", "1-80"), row=PAY_DATA_ROW),
)
def _(d):
    def m(rows):
        rows[PAY_DATA_ROW - 1][0] = "77." + "S" * 100

    return payment_file(d, m)


@case(
    "payment_paid_above_due",
    reader="payment766",
    expect=Refused(("above",), row=PAY_DATA_ROW, column="Số HS đã TTTT"),
)
def _(d):
    def m(rows):
        rows[PAY_DATA_ROW - 1][2:5] = [900, 948, None]
        rows[PAY_DATA_ROW + 1][2] = 1200

    return payment_file(d, m)


@case(
    "payment_rate_differs",
    reader="payment766",
    expect=Refused(("printed rate",), row=PAY_DATA_ROW, column="Tỷ lệ"),
)
def _(d):
    def m(rows):
        rows[PAY_DATA_ROW - 1][4] = "97,00"

    return payment_file(d, m)


@case("payment_total_differs", reader="payment766", expect=Refused(("total row",), row=PAY_DATA_ROW + 2))
def _(d):
    def m(rows):
        rows[PAY_DATA_ROW + 1][2:5] = [1600, 1098, None]

    return payment_file(d, m)


@case("payment_csv_cp1258", reader="payment766", expect=Refused(("Windows-1258", "iconv")))
def _(d):
    path = payment_file(d, name="tttt.csv")
    text = path.read_text(encoding="utf-8")
    import unicodedata

    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize(
                "NFC", base + "".join(m for m in marks if m in "\u0302\u0306\u031b")
            ).encode("cp1258", errors="replace")
            for mark in marks:
                if mark not in "\u0302\u0306\u031b":
                    out += mark.encode("cp1258", errors="replace")
    return write_bytes(path, bytes(out))


@case("payment_csv_bom_semicolons_crlf", reader="payment766", expect=Reads(PAY_COUNTS, rows=2))
def _(d):
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(
        [["" if v is None else v for v in r] for r in payment_rows()]
    )
    return write_bytes(d / "tttt.csv", b"\xef\xbb\xbf" + buf.getvalue().encode())


@case("payment_csv_cr_line_endings", reader="payment766", expect=Reads(PAY_COUNTS, rows=2))
def _(d):
    path = payment_file(d, name="tttt.csv")
    return write_bytes(path, path.read_bytes().replace(b"\n", b"\r"))  # old Mac line ends


@case(
    "payment_csv_unbalanced_quote",
    reader="payment766",
    expect=Refused(("malformed CSV", "unbalanced double quote"), row=7),
)
def _(d):
    path = payment_file(d, name="tttt.csv")
    # a quote opens the name on line 6 and is never closed there: the field runs on into line 7
    return write_bytes(path, path.read_bytes().replace(b"77.H01,", b'77.H01,"', 1))


@case("payment_tab_separated_txt", reader="payment766", expect=Reads(PAY_COUNTS, rows=2))
def _(d):
    return payment_file(d, name="tttt.txt")


@case("payment_connective_row_passes", reader="payment766", expect=Reads(PAY_COUNTS, rows=2))
def _(d):
    def m(rows):
        rows.insert(PAY_DATA_ROW - 1, [None, "Trong đó:", None, None, None])

    return payment_file(d, m)


def _period_rows(dates: list[tuple[str, str]]) -> list[list]:
    rows = [
        [PAY_TITLE],
        [],
        [
            "Mã định danh",
            "Tên đơn vị",
            "Từ ngày",
            "Đến ngày",
            "Tổng HS có nghĩa vụ tài chính",
            "Số HS đã TTTT",
        ],
    ]
    for k, (a, b) in enumerate(dates):
        rows.append([f"77.S0{k + 1}", f"Sở {k + 1}", a, b, 100, 50 + k])
    return rows


@case(
    "payment_period_columns_month_first_with_date_format",
    reader="payment766",
    date_format="%m/%d/%Y",
    expect=Reads(
        {("payment.online", "77.S01"): (50, 100)},
        rows=1,
        check=lambda df: _check_period(df, "2024-04-01", "2024-04-30"),
    ),
)
def _(d):
    return write_csv(d / "tttt.csv", _period_rows([("04/01/2024", "04/30/2024")]))


@case(
    "payment_period_columns_day_first_default",
    reader="payment766",
    expect=Reads(
        {("payment.online", "77.S01"): (50, 100)},
        rows=1,
        check=lambda df: _check_period(df, "2024-04-01", "2024-04-30"),
    ),
)
def _(d):
    return write_csv(d / "tttt.csv", _period_rows([("01/04/2024", "30/04/2024")]))


def _check_period(df, start: str, end: str) -> None:
    import pandas as pd

    assert (df["period_start"] == pd.Timestamp(start)).all() and (df["period_end"] == pd.Timestamp(end)).all()


@case(
    "payment_period_column_not_a_date",
    reader="payment766",
    expect=Refused(("expected a date",), row=4, column="từ ngày"),
)
def _(d):
    return write_csv(d / "tttt.csv", _period_rows([("đầu tháng 4", "30/04/2024")]))


@case("payment_period_starts_after_end", reader="payment766", expect=Refused(("after it ends",), row=4))
def _(d):
    return write_csv(d / "tttt.csv", _period_rows([("30/04/2024", "01/04/2024")]))


# ---------------------------------------------------------------------------------------------------------
# Welfare payout report


@case(
    "welfare_base_reads",
    reader="welfare",
    expect=Reads(
        WEL_COUNTS,
        rows=9,
        check=lambda df: (
            pick_group(df, "welfare.paid_share", "77.H01.X01", "NCC") == (90, 100) or _fail("NCC row")
        ),
    ),
)
def _(d):
    return welfare_file(d)


def _fail(what: str):
    raise AssertionError(what)


@case(
    "welfare_chua_bao_cao",
    reader="welfare",
    expect=Refused(("chưa báo cáo",), sheet="DA06", row=WEL_DATA_ROW + 2, column="Tổng số đối tượng"),
)
def _(d):
    def m(rows):
        rows[WEL_DATA_ROW + 1][3:7] = ["chưa báo cáo", "chưa báo cáo", "chưa báo cáo", None]

    return welfare_file(d, m)


@case("welfare_blank_counts_row", reader="welfare", expect=Refused(("has no counts",), row=WEL_DATA_ROW + 2))
def _(d):
    def m(rows):
        rows[WEL_DATA_ROW + 1][3:7] = [None, None, None, None]

    return welfare_file(d, m)


@case(
    "welfare_holders_above_total",
    reader="welfare",
    expect=Refused(("above all beneficiaries",), row=WEL_DATA_ROW, column="Số có tài khoản"),
)
def _(d):
    def m(rows):
        rows[WEL_DATA_ROW - 1][4] = 501

    return welfare_file(d, m)


@case(
    "welfare_unknown_group",
    reader="welfare",
    expect=Refused(("unknown beneficiary group",), row=WEL_DATA_ROW, column="Nhóm đối tượng"),
)
def _(d):
    def m(rows):
        rows[WEL_DATA_ROW - 1][2] = "Hộ nghèo"

    return welfare_file(d, m)


@case(
    "welfare_rows_below_signature",
    reader="welfare",
    expect=Refused(("below the notes / signature block",), row=12),
)
def _(d):
    def m(rows):
        rows += [[], ["77.H01.X02", "Xã Xuân Sơn", "BTXH", 50, 40, 30, 0]]

    return welfare_file(d, m)


@case(
    "welfare_second_sheet_without_header",
    reader="welfare",
    expect=Refused(("no welfare payout header",), sheet="Quý 4", row=1),
)
def _(d):
    q4 = Sheet("Quý 4", [["77.H01.X01", "Xã Ngãi Giao", "BTXH", 510, 410, 310, 0]])
    return write_xlsx(d / "da06.xlsx", [Sheet("DA06", welfare_rows()), q4])


@case(
    "welfare_negative_amount",
    reader="welfare",
    expect=Refused(("non-negative amount",), row=WEL_DATA_ROW, column="Kinh phí"),
)
def _(d):
    def m(rows):
        rows[WEL_DATA_ROW - 1][6] = -5

    return welfare_file(d, m)


@case(
    "welfare_amount_text",
    reader="welfare",
    expect=Refused(("expected a number",), row=WEL_DATA_ROW, column="Kinh phí"),
)
def _(d):
    def m(rows):
        rows[WEL_DATA_ROW - 1][6] = "chưa chi"

    return welfare_file(d, m)


@case(
    "welfare_unit_code_dotdot",
    reader="welfare",
    expect=Refused(("unit code '\\.\\.'",), row=WEL_DATA_ROW + 2, column="unit code"),
)
def _(d):
    def m(rows):
        rows[WEL_DATA_ROW + 1][0] = ".."

    return welfare_file(d, m)


@case(
    "welfare_duplicate_unit_group",
    reader="welfare",
    expect=Refused(("appears twice", "rows 5 and 6"), row=WEL_DATA_ROW + 1),
)
def _(d):
    def m(rows):
        rows[WEL_DATA_ROW][2] = "BTXH"

    return welfare_file(d, m)


@case("welfare_tsv_export", reader="welfare", expect=Reads(WEL_COUNTS, rows=9))
def _(d):
    return welfare_file(d, name="da06.tsv")


# ---------------------------------------------------------------------------------------------------------
# Folders (load_counts): discovery, files not read, sources that disagree


def _folder(d: Path) -> Path:
    bieu06_file(d / "data" / "bieu06")
    payment_file(d / "data" / "payment766")
    return d / "data"


@case("load_base_folder", reader="load", expect=Reads({**BIEU06_COUNTS, **PAY_COUNTS}, rows=11))
def _(d):
    return _folder(d)


@case(
    "load_loose_pdf_and_docx_reported",
    reader="load",
    expect=Reads(
        PAY_COUNTS,
        rows=11,
        warns=r"bao_cao.pdf: file type .pdf",
        check=lambda df: _check_skipped(df, {"bao_cao.pdf", "ghi_chu.docx"}),
    ),
)
def _(d):
    root = _folder(d)
    write_bytes(root / "bao_cao.pdf", b"%PDF-1.4\n")
    write_bytes(root / "ghi_chu.docx", b"PK\x05\x06" + b"\0" * 18)
    write_bytes(root / "README.md", b"# notes\n")  # never an export: passed over quietly
    return root


def _check_skipped(df, names: set[str]) -> None:
    got = {Path(f).name for f, _ in df.attrs["skipped"]}
    assert got == names, got


@case(
    "load_json_in_kind_folder_reported",
    reader="load",
    expect=Reads(rows=11, check=lambda df: _check_skipped(df, {"export.json"})),
)
def _(d):
    root = _folder(d)
    write_bytes(root / "bieu06" / "export.json", b"[]")
    return root


@case(
    "load_unrecognised_csv_reported",
    reader="load",
    expect=Reads(rows=11, warns="no known header", check=lambda df: _check_skipped(df, {"danh_sach.csv"})),
)
def _(d):
    root = _folder(d)
    write_csv(root / "danh_sach.csv", [["a", "b"], [1, 2]])
    return root


@case(
    "load_xls_refused",
    reader="load",
    expect=Refused((r"\.xls workbooks are not read", "Save As"), file="cu.xls"),
)
def _(d):
    root = _folder(d)
    write_bytes(root / "bieu06" / "cu.xls", _ole(["Workbook"]))
    return root


@case(
    "load_two_bieu06_disagree",
    reader="load",
    expect=Refused(
        (
            "sources disagree on timeliness.on_time for unit 747 \\(UBND huyện Châu Đức\\)",
            "01/01/2024-31/12/2024",
            "Biểu 06 in a.xlsx gives 1900/1960",
            "Biểu 06 in b.xlsx gives 1901/1960",
        ),
        file="b.xlsx",
        column="numerator",
    ),
)
def _(d):
    bieu06_file(d / "data" / "bieu06", name="a.xlsx")

    def m(sh):  # one dossier moved from late to on time in Châu Đức, the subtotal and the total
        for r in (10, 11, 12):
            sh.rows[r][8] += 1
            sh.rows[r][9] -= 1

    bieu06_file(d / "data" / "bieu06", m, name="b.xlsx")
    return d / "data"


@case("load_loose_html_xlsx_refused", reader="load", expect=Refused(("web page",), file="tai_ve.xlsx"))
def _(d):
    root = _folder(d)
    write_bytes(root / "tai_ve.xlsx", b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    return root


@case("load_payment_txt_in_folder", reader="load", expect=Reads(PAY_COUNTS, rows=2))
def _(d):
    payment_file(d / "data" / "payment766", name="tttt.txt")
    return d / "data"


@case("load_empty_folder", reader="load", expect=Refused(("no exports found",)))
def _(d):
    (d / "data").mkdir(parents=True)
    return d / "data"


@case("load_only_quiet_files", reader="load", expect=Refused(("no exports found",)))
def _(d):
    write_bytes(d / "data" / "SYNTHETIC.md", b"synthetic\n")
    write_bytes(d / "data" / "README.txt", b"notes\n")
    return d / "data"


@case(
    "load_date_format_passed_to_readers",
    reader="load",
    date_format="%m/%d/%Y",
    expect=Reads(
        {("payment.online", "77.S01"): (50, 100)},
        rows=1,
        check=lambda df: _check_period(df, "2024-04-01", "2024-04-30"),
    ),
)
def _(d):
    write_csv(d / "data" / "payment766" / "tttt.csv", _period_rows([("04/01/2024", "04/30/2024")]))
    return d / "data"


# ---------------------------------------------------------------------------------------------------------


def write_corpus(out: Path) -> list[str]:
    """Write every case into ``out/<case>/`` and return the case names."""
    load_extensions()
    for name, c in CASES.items():
        c.build(out / name)
    return list(CASES)


if __name__ == "__main__":
    names = write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile_corpus_out"))
    print(f"{len(names)} cases written")
