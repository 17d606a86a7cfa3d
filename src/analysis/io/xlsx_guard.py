"""Checks of an xlsx file before a workbook library reads it: what the file really is, zip bombs, sheet sizes.

openpyxl trusts the file: a 10 KB workbook with one stray cell at ``M1048576`` makes it build a grid of 13.6
million cells (minutes, gigabytes), a shared-strings table that inflates to 600 MB takes gigabytes too, and a
password-protected workbook or a web page saved as ``.xlsx`` only says "BadZipFile".  :func:`check_xlsx` looks
at the zip directory and streams the sheet parts (never holding them) to refuse such files in seconds with one
clear :class:`~analysis.errors.InputError`, and returns the real extent of every sheet.

The limits are assumptions of this project, chosen so that a refused file costs seconds and under 500 MB,
while every real Biểu 06, 766-payment or welfare workbook (a few thousand cells) passes with room to spare;
they are documented in ``docs/DATA_FORMATS.md`` §8 and can be raised per call.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from analysis.errors import InputError

#: Largest grid (rows x columns up to the last used cell) the table readers build.  openpyxl's full mode
#: costs about 0.8 KB per grid cell (measured, both passes of ``read_xlsx_sheets``): 250 000 cells is about
#: 200 MB.  A Biểu 06, 766 or welfare workbook has a few thousand.
MAX_GRID_CELLS = 250_000
#: Largest shared-strings part (uncompressed).  openpyxl holds every string; it needs about seven times the
#: part's size in memory (600 MB -> 4.2 GB measured), so 64 MB keeps it near 450 MB.
MAX_SHARED_STRINGS_BYTES = 64 << 20
#: Largest total of all parts, uncompressed (the sizes the zip directory declares; Python's zipfile never
#: inflates a part beyond its declared size).
MAX_UNCOMPRESSED_BYTES = 256 << 20
#: Largest inflation of one part: Apache POI's default ``ZipSecureFile`` minimum inflate ratio is 0.01
#: (100-fold); parts smaller than ``RATIO_GRACE_BYTES`` are exempt, as POI exempts small entries.
MAX_RATIO = 100
RATIO_GRACE_BYTES = 4 << 20
#: Largest number of parts (an xlsx has a few dozen).
MAX_ENTRIES = 10_000
CHUNK = 1 << 20
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16 = {
    name: name.encode("utf-16-le") for name in ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book")
}
_DTD_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DIM_RE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="([A-Za-z]{1,3}\d{1,7}(?::[A-Za-z]{1,3}\d{1,7})?)"'
)
_CELL_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_CELL_REF_RE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br="\$?([A-Z]{1,3})\$?(\d{1,7})"')
_ROW_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_ROW_REF_RE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\s[^>]*?\br="(\d{1,7})"')
#: Ranges for which openpyxl creates a cell object per cell: merged ranges and hyperlinks over a range.
_RANGE_RE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?(?:mergeCell|hyperlink)\s[^>]*?\bref="\$?([A-Za-z]{1,3})\$?(\d{1,7})'
    rb'(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?"'
)
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
SAVE_AGAIN = "open it in Excel or LibreOffice and save it again as .xlsx"


@dataclass(frozen=True)
class SheetExtent:
    """A worksheet as the file holds it: name, zip part, declared dimension, cells present, real extent."""

    name: str
    part: str
    declared: str | None
    cells: int
    max_row: int
    max_col: int

    @property
    def area(self) -> int:
        """Cells of the grid from A1 to the last used cell (what a full-mode reader builds)."""
        return self.max_row * self.max_col


def col_number(letters: bytes | str) -> int:
    """Return the 1-based column number of spreadsheet letters.

    >>> col_number("A"), col_number("M"), col_number("XFD")
    (1, 13, 16384)
    """
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + (ord(ch.upper()) - 64)
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def describe_non_zip(head: bytes, path: Path) -> str:
    """Say what a file that is not a zip archive is (password-protected workbook, web page, .xls, text …).

    >>> describe_non_zip(b"<!DOCTYPE html><html><body><table>", Path("x.xlsx")).split(";")[0]
    'a web page (HTML) saved with an .xlsx name, not a workbook'
    """
    if not head:
        return "the file is empty; expected an xlsx workbook"
    if head.startswith(OLE_MAGIC):
        data = path.read_bytes() if path.stat().st_size <= 64 << 20 else head
        if _UTF16["EncryptionInfo"] in data or _UTF16["EncryptedPackage"] in data:
            return (
                "the workbook is password-protected (encrypted), so it cannot be read; remove the password "
                "(Excel: File > Info > Protect Workbook > Encrypt with Password, clear it; LibreOffice: "
                "File > Save As without 'Save with password') and save it again as .xlsx"
            )
        if _UTF16["Workbook"] in data or _UTF16["Book"] in data:
            return f"an Excel 97-2003 workbook (.xls) with an .xlsx name; {SAVE_AGAIN}"
        return f"an OLE compound document (.doc, .xls …), not an xlsx workbook; {SAVE_AGAIN}"
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
    if text.startswith(b"%pdf"):
        return "a PDF document, not a workbook; ask for the xlsx or CSV export"
    if text.startswith(b"mime-version") or b"multipart/related" in text[:2000]:
        return f"a saved web page archive (MHTML) with an .xlsx name, not a workbook; {SAVE_AGAIN}"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text[:4000]:
        return f"an Excel 2003 XML spreadsheet with an .xlsx name; {SAVE_AGAIN}"
    if any(tag in text[:4000] for tag in (b"<html", b"<!doctype html", b"<table", b"<head", b"<body")):
        return (
            "a web page (HTML) saved with an .xlsx name, not a workbook; portals' 'Export to Excel' often "
            f"sends an HTML table: {SAVE_AGAIN}, or export it as CSV"
        )
    sample = head[:4000]
    printable = sum(32 <= b < 127 or b in (9, 10, 13) or b >= 128 for b in sample)
    if printable >= 0.97 * len(sample):
        return "a text file (CSV or TSV?) with an .xlsx name; rename it to .csv, or save it as .xlsx"
    return (
        f"not an xlsx workbook (an xlsx is a zip archive; this file starts with bytes {head[:4].hex(' ')}); "
        "the file may be damaged or of another kind"
    )


def _part_kind_error(names: set[str]) -> str | None:
    """Return why a zip archive is not an xlsx workbook, or None when it has the workbook part."""
    if "xl/workbook.xml" in names:
        return None
    if "xl/workbook.bin" in names:
        return f"an Excel binary workbook (.xlsb), which is not read; {SAVE_AGAIN}"
    if "mimetype" in names or "content.xml" in names:
        return f"an OpenDocument file (.ods) with an .xlsx name; {SAVE_AGAIN}"
    if "word/document.xml" in names:
        return "a Word document (.docx) with an .xlsx name, not a workbook"
    return "a zip archive without the workbook part xl/workbook.xml: not an xlsx workbook (or a damaged one)"


def _check_directory(
    zf: zipfile.ZipFile, path: Path, *, max_uncompressed: int, max_ratio: float, max_shared: int
) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise InputError(
            f"the xlsx holds {len(infos):,} parts (an xlsx has a few dozen); not read", path=path
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputError("parts of the zip archive are encrypted: not an xlsx Excel can write", path=path)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputError(
                f"part {info.filename} uses zip compression method {info.compress_type}, which Excel never "
                f"writes; {SAVE_AGAIN}",
                path=path,
            )
    for info in infos:
        if info.filename.lower().endswith("sharedstrings.xml") and info.file_size > max_shared:
            raise InputError(
                "the workbook's shared-strings table (all its texts) expands to "
                f"{info.file_size / 2**20:,.0f} MB (limit {max_shared / 2**20:,.0f} MB; a report table holds "
                "well under 1 MB of text); not read, to keep memory safe. Check the file's origin; export "
                "the table again or as CSV",
                path=path,
            )
    total = sum(i.file_size for i in infos)
    if total > max_uncompressed:
        raise InputError(
            f"the workbook expands to {total / 2**20:,.0f} MB when unzipped (limit "
            f"{max_uncompressed / 2**20:,.0f} MB for this reader); not read, to keep memory safe. Export "
            "only the table needed, or as CSV",
            path=path,
        )
    for info in infos:
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise InputError(
                f"part {info.filename} expands {ratio:,.0f}-fold ({info.compress_size:,} bytes to "
                f"{info.file_size:,}); more than {max_ratio:g}-fold is the mark of a zip bomb (Apache POI's "
                "limit too); not read",
                path=path,
            )


def _xml_part(zf: zipfile.ZipFile, name: str, path: Path, *, limit: int = 16 << 20):
    import xml.etree.ElementTree as ET

    info = zf.getinfo(name)
    if info.file_size > limit:
        raise InputError(f"part {name} is {info.file_size:,} bytes (limit {limit:,}); not read", path=path)
    data = zf.read(name)
    if _DTD_RE.search(data):
        raise InputError(
            f"part {name} declares a DTD or entities, which xlsx never does; not read", path=path
        )
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(
            f"part {name} is not well-formed XML ({exc}); the workbook is damaged", path=path
        ) from None


def _sheet_parts(zf: zipfile.ZipFile, path: Path) -> list[tuple[str, str]]:
    """Return (sheet name, zip part) of every worksheet, in workbook order."""
    book = _xml_part(zf, "xl/workbook.xml", path)
    rels_name = "xl/_rels/workbook.xml.rels"
    targets = {}
    if rels_name in zf.NameToInfo:
        for rel in _xml_part(zf, rels_name, path):
            if str(rel.get("Type", "")).endswith("/worksheet"):
                target = str(rel.get("Target", ""))
                part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
                targets[rel.get("Id")] = str(PurePosixPath(part))
    out = []
    for el in book.iter():
        if el.tag.rsplit("}", 1)[-1] == "sheet":
            part = targets.get(el.get(f"{_REL_NS}id"))
            if part is not None and part in zf.NameToInfo:
                out.append((str(el.get("name", "")), part))
    return out


def _scan_sheet(
    zf: zipfile.ZipFile, name: str, part: str, path: Path, *, max_grid: int | None
) -> SheetExtent:
    """Stream one worksheet part: count cells and rows and find the last used row and column."""
    declared = None
    cells = rows = max_row = max_col = ranged = 0
    tail = b""
    first = True
    with zf.open(part) as fh:
        while block := fh.read(CHUNK):
            buf = tail + block
            cut = buf.rfind(b"<")
            tail = buf[cut:] if cut >= 0 and len(buf) - cut < 4096 else b""
            buf = buf[:cut] if tail else buf
            if first:
                if m := _DIM_RE.search(buf, 0, 65536):
                    declared = m.group(1).decode().upper()
                first = False
            if _DTD_RE.search(buf, 0, 4096):
                raise InputError(
                    f"part {part} declares a DTD or entities, which xlsx never does", path=path, sheet=name
                )
            cells += len(_CELL_TAG_RE.findall(buf))
            rows += len(_ROW_TAG_RE.findall(buf))
            refs = _CELL_REF_RE.findall(buf)
            if refs:
                letters = max({c for c, _ in refs}, key=lambda b: (len(b), b))
                max_col = max(max_col, col_number(letters))
                max_row = max(max_row, max(int(r) for _, r in refs))
            row_refs = _ROW_REF_RE.findall(buf)
            if row_refs:
                max_row = max(max_row, max(map(int, row_refs)))
            max_row = max(max_row, rows)
            for c1, r1, c2, r2 in _RANGE_RE.findall(buf):
                c2, r2 = (c2, r2) if c2 else (c1, r1)
                lo_c, hi_c = sorted((col_number(c1), col_number(c2)))
                lo_r, hi_r = sorted((int(r1), int(r2)))
                ranged += (hi_c - lo_c + 1) * (hi_r - lo_r + 1)
                max_row, max_col = max(max_row, hi_r), max(max_col, hi_c)
            if max_grid is not None and len(block) == CHUNK and (  # more to come: stop early
                max_row * max_col > max_grid or cells + ranged > max_grid or rows > max_grid
            ):
                _too_large(name, path, max_row, max_col, cells, max_grid, done=False)
    if cells and not max_col:  # cells without references: laid out from column A
        max_col = max(1, -(-cells // max(rows, 1)))
    ext = SheetExtent(name, part, declared, cells, max_row, max_col)
    if max_grid is not None and (ext.area > max_grid or cells + ranged > max_grid or rows > max_grid):
        _too_large(name, path, max_row, max_col, cells, max_grid, done=True)
    return ext


def _too_large(
    name: str, path: Path, max_row: int, max_col: int, cells: int, limit: int, *, done: bool
) -> None:
    last = f"{_col_letters(max_col)}{max_row}" if max_col else f"row {max_row}"
    raise InputError(
        "the sheet is too large to read safely: its used range runs "
        f"{'to' if done else 'at least to'} {last} ({max_row * max_col:,} grid cells, {cells:,} of them "
        f"written; this reader takes at most {limit:,}). "
        "A stray cell or formatting far below or right of the table makes a huge empty grid: press Ctrl+End "
        "in Excel to find the last cell, delete the empty rows and columns up to it, and save",
        path=path,
        sheet=name,
        row=max_row,
        column=_col_letters(max_col) if max_col else None,
    )


def check_xlsx(
    path: str | Path,
    *,
    max_grid_cells: int | None = MAX_GRID_CELLS,
    max_shared_strings_bytes: int = MAX_SHARED_STRINGS_BYTES,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
    max_ratio: float = MAX_RATIO,
) -> list[SheetExtent]:
    """Check an xlsx file before reading it; return the real extent of each worksheet.

    Parameters
    ----------
    path
        The file.
    max_grid_cells
        Largest grid (last used row x last used column) or number of cells of one sheet; ``None`` checks no
        sheet size (a streaming reader, e.g. of dossier records, that reads row by row).
    max_shared_strings_bytes, max_uncompressed_bytes, max_ratio
        Limits of the shared-strings part, of all parts together (uncompressed) and of one part's inflation.

    Returns
    -------
    list of SheetExtent
        Per worksheet: name, part, the dimension it declares (a hint that may be wrong: a streaming reader
        should pass ``max_row`` / ``max_col`` of the real extent to openpyxl's ``iter_rows``), cells, extent.

    Raises
    ------
    InputError
        A file that is not an xlsx (a password-protected workbook, a web page, an .xls, a text file … each
        named), a damaged zip, a zip bomb (parts too large or inflating more than ``max_ratio``-fold), a
        shared-strings table above the limit, a DTD in a part, or a sheet whose grid exceeds
        ``max_grid_cells`` (named with its last cell).

    Examples
    --------
    >>> import io, openpyxl, tempfile, pathlib
    >>> wb = openpyxl.Workbook(); wb.active.title = "Bieu06"; wb.active["C7"] = 5
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.xlsx"; wb.save(p)
    >>> [(e.name, e.cells, e.max_row, e.max_col) for e in check_xlsx(p)]
    [('Bieu06', 1, 7, 3)]
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not zipfile.is_zipfile(path):
        raise InputError(describe_non_zip(head, path), path=path)
    try:
        with zipfile.ZipFile(path) as zf:
            problem = _part_kind_error(set(zf.NameToInfo))
            if problem:
                raise InputError(problem, path=path)
            _check_directory(
                zf,
                path,
                max_uncompressed=max_uncompressed_bytes,
                max_ratio=max_ratio,
                max_shared=max_shared_strings_bytes,
            )
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")) and info.file_size:
                    with zf.open(info) as part:
                        if _DTD_RE.search(part.read(4096)):
                            raise InputError(
                                f"part {info.filename} declares a DTD or entities, which xlsx never does "
                                "(an XML entity bomb?); not read",
                                path=path,
                            )
            return [_scan_sheet(zf, n, p, path, max_grid=max_grid_cells) for n, p in _sheet_parts(zf, path)]
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError, OSError) as exc:
        raise InputError(
            f"the xlsx is damaged or truncated (the zip archive cannot be read: {type(exc).__name__}); "
            "download or export it again",
            path=path,
        ) from None
