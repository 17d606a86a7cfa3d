"""What a row or a sheet of a report table is: unit row, notes and signature block, repeated header.

A unit row must carry counts; no figures may follow the notes and signature block under the table; a sheet
of figures without its header is refused.

Shared by the table readers (766 payment, welfare) and the Biểu 06 reader; nothing is dropped silently.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from analysis.errors import InputError
from analysis.io import excel

#: A located table (``analysis.io.tables.Table``; not imported here, which would make a circle).
Table = Any

#: Folded openings of the notes and signature block under a table ("Người lập biểu", "(Ký, ghi rõ họ tên)",
#: "KT. GIÁM ĐỐC", "Ghi chú: …", "Nơi nhận: …", "Vũng Tàu, ngày … tháng … năm …").
TRAILER_RE = re.compile(
    r"^(\(?ky(\s+ten|\s*,|\s+ghi|\s+va|\s*\))|nguoi lap|lap bieu|thu truong|(pho )?giam doc|(pho )?chu tich|"
    r"(kt|tm|tl|tuq|q)\.\s|ke toan|truong (phong|ban)|ghi chu|chu thich|luu y|noi nhan|xac nhan|lanh dao|"
    r"can bo (lap|tong hop)|nguon( so lieu)?\s*:)"
)
_SIGNED_AT_RE = re.compile(r"\bngay\s*(\d{1,2}|[.…]+)\s*thang\s*(\d{1,2}|[.…]+)\s*nam\b")
#: Labels that introduce the rows under them ("Trong đó:"), not units.
CONNECTIVES = frozenset({"trong do", "chia ra", "bao gom", "gom", "trong do:", "chia ra:", "bao gom:"})


def is_trailer_row(row: list) -> bool:
    """Return True for a row of the notes or signature block (its words, or a 'ngày … tháng … năm' line).

    >>> is_trailer_row([None, "NGƯỜI LẬP BIỂU", None, "THỦ TRƯỞNG ĐƠN VỊ"]), is_trailer_row(["1", "Sở Y tế"])
    (True, False)
    """
    for v in row:
        if excel.is_blank(v) or excel.is_number_like(v):
            continue
        key = excel.fold(v)
        if TRAILER_RE.match(key) or _SIGNED_AT_RE.search(key):
            return True
    return False


class Trailer:
    """The notes / signature block under a table: after its first row, no figures may follow."""

    def __init__(self) -> None:
        self.row: int | None = None

    def skip(self, row: list, cells: list, where: dict) -> bool:
        """Return True when ``row`` belongs to the block; raise when figures come after the block began."""
        has_numbers = any(excel.is_number_like(v) for v in cells)
        if self.row is not None:
            if has_numbers:
                raise InputError(
                    f"figures below the notes / signature block that starts at row {self.row}: a second "
                    "table pasted without its header? Put it on its own sheet with its title (period) and "
                    "header, or delete it; it is not read as part of the table above",
                    **where,
                )
            return True
        if not has_numbers and is_trailer_row(row):
            self.row = where["row"]
            return True
        return False


def quote(value: object) -> str:
    """Return a cell's text for a message (:func:`analysis.io.excel.quote_cell`: long text not echoed)."""
    return excel.quote_cell(value)


def read_counts(cells: dict[str, object], labels: dict[str, str], where: dict) -> dict[str, int] | None:
    """Parse a row's count cells; None when all are blank; raise on text ("chưa báo cáo") naming the cell."""
    if all(excel.is_blank(v) for v in cells.values()):
        return None
    out = {}
    for key, value in cells.items():
        w = where | {"column": labels[key]}
        if (
            isinstance(value, str)
            and not isinstance(value, excel.Formula)  # parse_count names an unsaved formula itself
            and not excel.is_blank(value)
            and not excel.is_number_like(value)
        ):
            if value.strip() not in excel.ZERO_TOKENS:
                raise InputError(
                    f"expected a count (whole number), found text {quote(value.strip())}. A unit that did "
                    "not report: write its numbers, or remove its row and say so in a note (the row is not "
                    "dropped silently)",
                    **w,
                )
        out[key] = excel.parse_count(value, where=w)
    return out


def require_counts(row: list, table: Table, where: dict) -> None:
    """Raise for a unit row whose count cells are all blank (a connective such as 'Trong đó:' passes)."""
    cols = table.cols
    label = next(
        (
            str(row[cols[k]]).strip()
            for k in ("name", "code", "stt")
            if k in cols and not excel.is_blank(row[cols[k]])
        ),
        "",
    )
    if excel.fold(label).rstrip(" :") in CONNECTIVES or excel.fold(label) in CONNECTIVES:
        return
    raise InputError(
        f"the row of {quote(label)} has no counts (every count cell is blank); expected numbers, 0 where "
        "there are none. A unit that did not report: remove its row and say so in a note",
        **where,
    )


def is_header_repeat(row: list, table: Table) -> bool:
    """Return True when ``row`` repeats the header row (a page break in a long export)."""
    header = table.sheet.cells[table.header]
    same = [
        excel.fold(row[c]) == excel.fold(header[c])
        for c in table.cols.values()
        if not excel.is_blank(header[c])
    ]
    return bool(same) and sum(same) * 2 > len(same)


def figure_rows(sheet: excel.Sheet) -> list[int]:
    """Return the 1-based rows of ``sheet`` holding at least three numbers (rows of figures)."""
    return [
        i + 1
        for i, r in enumerate(sheet.cells)
        if sum(excel.is_number_like(v) for v in r if not excel.is_blank(v)) >= 3
    ]


def headerless_sheet(sheet: excel.Sheet, *, path: Path, what: str, read: list[str]) -> None:
    """Refuse a sheet without the table's header that holds figures; warn about one without figures.

    A second sheet pasted without its title and header (another quarter's figures, say) is never ignored
    silently: it is refused, naming the sheet and its first row of figures.
    """
    import warnings

    rows = figure_rows(sheet)
    if rows:
        other = f" from sheet {read[0]!r}" if read else ""
        raise InputError(
            f"the sheet holds figures (rows {rows[0]}-{rows[-1]}) but no {what} header: a sheet pasted "
            "without its title and header (another period's figures?). Copy the title with the reporting "
            f"period and the header rows{other} above them, or move them to their own file; the sheet is "
            "neither read nor skipped silently",
            path=path,
            sheet=sheet.name,
            row=rows[0],
        )
    warnings.warn(
        f"{path.name}, sheet {sheet.name!r}: no {what} header and no figures (notes?); not read", stacklevel=3
    )


def claim_row(seen: dict, key: tuple, *, label: str, where: dict) -> None:
    """Refuse a unit (and group) reported twice for one period, naming both rows and sheets."""
    here = (where.get("sheet"), where["row"])
    first = seen.setdefault(key, here)
    if first != here:
        rows = (
            f"rows {first[1]} and {here[1]}"
            if first[0] == here[0]
            else f"sheet {first[0]!r} row {first[1]} and sheet {here[0]!r} row {here[1]}"
        )
        raise InputError(
            f"{label} appears twice for the same period ({rows}); expected one row per unit and period "
            "(a copied sheet or pasted rows?)",
            **where,
        )
