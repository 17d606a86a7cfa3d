"""Workbook and CSV helpers shared by the readers: grids with merged cells, labels, Vietnamese numbers."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import InputError
from analysis.io.names import nfc
from analysis.io.xlsx_guard import SAVE_AGAIN, check_xlsx  # noqa: F401  (check_xlsx: public here)

#: Cell texts that mean "zero" in a count column.
ZERO_TOKENS = frozenset({"", "-", "–", "—", "x", "0"})
#: Letters special to Vietnamese that do not decompose under NFD.
_FOLD = str.maketrans({"đ": "d", "Đ": "d"})
_INT_RE = re.compile(r"^[+-]?\d+$")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}([.,\u00a0 ]\d{3})+$")
_DECIMAL_RE = re.compile(r"^[+-]?\d+([.,]\d+)?$")
#: Workbooks smaller than this are also opened for their formulas (to tell unsaved formulas from blanks).
FORMULA_SCAN_BYTES = 20_000_000
#: Characters frequent in Vietnamese text decoded from Windows-1258 (combining tone marks, ư, ơ, đ).
CP1258_HINTS = "\u0300\u0301\u0303\u0309\u0323ưƯơƠđĐăĂ"


class Formula(str):
    """A cell holding a formula whose value was never saved (the workbook was not recalculated)."""


@dataclass(frozen=True)
class Sheet:
    """A sheet as a grid of cell values (row 0 = the file's row 1), merged ranges filled for headers."""

    name: str | None
    cells: list[list[object]]
    filled: list[list[object]]


def fold(text: object) -> str:
    """Return ``text`` as a label key: NFC, lower case, no diacritics, single spaces.

    >>> fold("  Trả ĐÚNG  thời hạn ")
    'tra dung thoi han'
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFD", str(text)).translate(_FOLD)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(s.lower().split())


def col_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index.

    >>> col_letter(0), col_letter(27)
    ('A', 'AB')
    """
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def is_blank(value: object) -> bool:
    """Return True for None, empty or whitespace-only text (and NaN)."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and not value.strip()


def is_number_like(value: object) -> bool:
    """Return True when ``value`` is a number or a text that reads as one ("5.120", "12", "-").

    >>> is_number_like("5.120"), is_number_like("abc"), is_number_like(3)
    (True, False, True)
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value == value
    if not isinstance(value, str):
        return False
    s = value.strip().replace("\u00a0", " ")
    return bool(s) and (_INT_RE.match(s) or _GROUPED_RE.match(s) or _DECIMAL_RE.match(s)) is not None


#: Longest cell text quoted in a message; longer text (prose, perhaps a name or a phone number) is not echoed.
QUOTE_LIMIT = 24


def quote_cell(value: object) -> str:
    """Return a cell's text for a message: quoted when short, else only its length (never echo prose).

    >>> quote_cell("chưa báo cáo"), quote_cell("liên hệ ông Nguyễn Văn A, số điện thoại 0912 345 678")
    ("'chưa báo cáo'", 'of 52 characters (not quoted)')
    """
    text = str(value).strip()
    return repr(text) if len(text) <= QUOTE_LIMIT else f"of {len(text)} characters (not quoted)"


def parse_count(value: object, *, where: dict, allow_negative: bool = False) -> int:
    """Read a count cell: integers, whole floats, texts with "." or "," thousands; blank or "-" is 0.

    Parameters
    ----------
    value
        The cell value.
    where
        Keyword arguments of :class:`InputError` locating the cell (path, sheet, row, column).
    allow_negative
        Accept negative numbers (never for counts).

    Returns
    -------
    int
        The count.

    Raises
    ------
    InputError
        Text that is not a number, a fraction, or a negative count.

    Examples
    --------
    >>> parse_count("5.120", where={}), parse_count("1,234,567", where={}), parse_count("-", where={})
    (5120, 1234567, 0)
    >>> parse_count(12.0, where={}), parse_count(" 7 ", where={})
    (12, 7)
    """
    if isinstance(value, Formula):
        raise InputError(
            f"the cell holds a formula without a saved value ({value}); open and save the workbook in "
            "Excel or LibreOffice so that its values are stored",
            **where,
        )
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise InputError(f"expected a count (whole number), found {value!r}", **where)
        return 0
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if value != value:
            return 0
        if not value.is_integer():
            raise InputError(
                f"expected a count (whole number), found {value!r} (a thousands separator read as a "
                "decimal point? store counts as whole numbers)",
                **where,
            )
        number = int(value)
    elif isinstance(value, str):
        s = nfc(value).strip().replace("\u00a0", " ")
        if s in ZERO_TOKENS:
            return 0
        if _INT_RE.match(s):
            number = int(s)
        elif _GROUPED_RE.match(s):
            number = int(re.sub(r"[.,  ]", "", s))
        else:
            raise InputError(f"expected a count (whole number), found text {quote_cell(s)}", **where)
    else:
        raise InputError(
            f"expected a count (whole number), found {type(value).__name__} {quote_cell(value)}", **where
        )
    if number < 0 and not allow_negative:
        raise InputError(f"expected a non-negative count, found {number}", **where)
    return number


def parse_decimal(value: object, *, where: dict) -> float | None:
    """Read a rate or amount cell ("78,9", "78.90 %", 0.789); blank gives None.

    >>> parse_decimal("78,9 %", where={}), parse_decimal(None, where={})
    (78.9, None)
    """
    if is_blank(value) or (isinstance(value, str) and value.strip() in {"-", "–"}):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    s = str(value).strip().rstrip("%").strip().replace("\u00a0", "").replace(" ", "")
    if _GROUPED_RE.match(s) and "," not in s[-3:]:
        s = re.sub(r"[.,]", "", s)
    elif "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        raise InputError(f"expected a number, found text {quote_cell(value)}", **where) from None


def decode_text(data: bytes, *, path: str | Path) -> str:
    """Decode a CSV's bytes as UTF-8 (with or without BOM) and return NFC text.

    Raises
    ------
    InputError
        When the bytes are not UTF-8; the message says when they look like Windows-1258 (the Vietnamese
        ANSI code page) and how to re-save the file.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        guess = "an unknown encoding"
        try:
            alt = data.decode("cp1258")
            if any(ch in alt for ch in CP1258_HINTS):
                guess = "Windows-1258 (the Vietnamese ANSI code page)"
        except UnicodeDecodeError:
            pass
        raise InputError(
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); it looks like "
            f"{guess}. Re-save it as 'CSV UTF-8' (Excel) or convert it, e.g. "
            "`iconv -f WINDOWS-1258 -t UTF-8`",
            path=path,
            row=line,
        ) from None
    return nfc(text)


def guess_delimiter(sample: str, candidates: str = ",;\t") -> str:
    r"""Return the delimiter that splits the most lines of ``sample`` into the same number (>1) of fields.

    Title lines above the header (one field each) do not disturb it, nor do decimal commas in a tab- or
    semicolon-separated file.

    >>> guess_delimiter("BÁO CÁO NĂM 2024\nMã\tTên\tSố\n1\tSở Y tế\t5,5\n2\tSở Tư pháp\t7\n")
    '\t'
    """
    lines = [ln for ln in sample.splitlines()[:200] if ln.strip()]
    best, score = ",", 0
    for d in candidates:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=d)]
        except csv.Error:  # e.g. a NUL byte: this delimiter tells nothing; the strict read reports the line
            continue
        multi = [w for w in widths if w > 1]
        if multi:
            mode = max(set(multi), key=multi.count)
            if multi.count(mode) > score:
                best, score = d, multi.count(mode)
    return best


def read_csv_grid(path: str | Path) -> Sheet:
    """Read a CSV (UTF-8; comma, semicolon or tab separated) into a :class:`Sheet` of NFC strings."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty; expected a header row and data rows", path=path)
    text = decode_text(data, path=path)
    delimiter = guess_delimiter(text[:20000])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = [list(r) for r in reader]
    except csv.Error as exc:
        raise InputError(
            f"malformed CSV ({exc}): an unbalanced double quote (\") at or above this line? Save the file "
            "again as CSV from the spreadsheet",
            path=path,
            row=reader.line_num,
        ) from None
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]  # short rows (trailing cells left out) padded
    return Sheet(name=None, cells=rows, filled=rows)


def _mark_unsaved_formulas(cells: list[list[object]], ws) -> None:
    """Replace empty cached values of formula cells by :class:`Formula` markers."""
    for r, row in enumerate(ws.iter_rows(values_only=True)):
        for c, v in enumerate(row):
            if isinstance(v, str) and v.startswith("=") and r < len(cells) and cells[r][c] is None:
                cells[r][c] = Formula(v)


def read_xlsx_sheets(path: str | Path) -> list[Sheet]:
    """Read every sheet of an xlsx workbook into :class:`Sheet` grids (texts NFC, merged ranges filled).

    ``cells`` holds the stored values (a merged range's value only in its top-left cell); ``filled``
    copies that value into every cell of the range (used to read multi-row headers).  The file first
    passes :func:`check_xlsx` (what it really is, zip-bomb and size limits), so openpyxl never sees a file
    that would take minutes or gigabytes.
    """
    import openpyxl

    path = Path(path)
    if path.stat().st_size == 0:
        raise InputError("the file is empty; expected an xlsx workbook", path=path)
    check_xlsx(path)
    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
        formulas = None
        if path.stat().st_size < FORMULA_SCAN_BYTES:
            formulas = openpyxl.load_workbook(path, data_only=False, read_only=False)
    except Exception as exc:  # openpyxl raises many types on broken files
        raise InputError(
            f"cannot be read as an xlsx workbook ({type(exc).__name__}); {SAVE_AGAIN}", path=path
        ) from None
    sheets = []
    for ws in wb.worksheets:
        cells = [[nfc(v) for v in row] for row in ws.iter_rows(values_only=True)]
        width = max((len(r) for r in cells), default=0)
        cells = [r + [None] * (width - len(r)) for r in cells]
        if formulas is not None:
            _mark_unsaved_formulas(cells, formulas[ws.title])
        filled = [list(r) for r in cells]
        for rng in ws.merged_cells.ranges:
            top = cells[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(cells) else None
            for r in range(rng.min_row - 1, min(rng.max_row, len(filled))):
                for c in range(rng.min_col - 1, min(rng.max_col, width)):
                    filled[r][c] = top
        sheets.append(Sheet(name=ws.title, cells=cells, filled=filled))
    wb.close()
    return sheets


def read_grids(path: str | Path) -> list[Sheet]:
    """Read an xlsx workbook or a CSV file into a list of :class:`Sheet` grids."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx_sheets(path)
    if suffix in {".csv", ".txt", ".tsv"}:
        return [read_csv_grid(path)]
    raise InputError(f"unsupported file type {suffix!r}; expected .xlsx or .csv", path=path)


def row_is_blank(row: list[object]) -> bool:
    """Return True when every cell of ``row`` is blank."""
    return all(is_blank(v) for v in row)


def title_text(sheet: Sheet, *, before: int) -> str:
    """Return the texts of the rows above ``before`` (the title block), joined by newlines, NFC."""
    lines = []
    for row in sheet.cells[:before]:
        texts = [str(v).strip() for v in row if not is_blank(v)]
        if texts:
            lines.append(" ".join(texts))
    return "\n".join(lines)


def find_header_row(sheet: Sheet, required: list[tuple[str, ...]], *, limit: int = 40) -> int | None:
    """Return the index of the first row whose labels (folded) contain one alternative of each group.

    Parameters
    ----------
    sheet
        The grid.
    required
        Groups of folded label fragments; a row matches when, for every group, some cell contains one
        of the group's fragments.
    limit
        Rows searched from the top.
    """
    for i, row in enumerate(sheet.filled[:limit]):
        labels = [fold(v) for v in row if not is_blank(v)]
        if labels and all(any(alt in lab for lab in labels for alt in group) for group in required):
            return i
    return None
