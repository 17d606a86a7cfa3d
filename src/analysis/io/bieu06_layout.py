"""Biểu 06 layout: find the header by its labels (or the numbered row) and map columns to the 11 counts."""

from __future__ import annotations

import re

from analysis.errors import InputError
from analysis.io import excel

NUMBERS = {
    "received": 3,
    "online": 4,
    "direct": 5,
    "carried": 6,
    "resolved": 7,
    "early": 8,
    "on_time": 9,
    "late": 10,
    "pending": 11,
    "in_time": 12,
    "overdue": 13,
}
LABELS = {
    "received": "tổng số tiếp nhận",
    "online": "tiếp nhận trực tuyến",
    "direct": "trực tiếp, bưu chính",
    "carried": "từ kỳ trước",
    "resolved": "tổng số đã giải quyết",
    "early": "trước hạn",
    "on_time": "đúng hạn",
    "late": "quá hạn (đã giải quyết)",
    "pending": "tổng số đang giải quyết",
    "in_time": "trong hạn",
    "overdue": "quá hạn (đang giải quyết)",
}
#: Folded fragments naming a header group (checked in this order: pending before resolved before received).
GROUP_WORDS = (
    ("pending", ("dang giai quyet", "dang xu ly", "chua giai quyet", "dang thu ly", "chua xu ly")),
    (
        "resolved",
        (
            "da giai quyet",
            "da xu ly",
            "giai quyet xong",
            "da tra ket qua",
            "da hoan thanh",
            "ket qua giai quyet",
            "ket qua xu ly",
        ),
    ),
    (
        "received",
        (
            "tiep nhan",
            "nhan giai quyet",
            "so ho so nhan",
            "ho so nhan",
            "thu ly",
            "phai giai quyet",
            "can giai quyet",
            "can xu ly",
            "phai xu ly",
        ),
    ),
)
#: "thời hạn", "hẹn" read as "hạn" ("Trả trước thời hạn", "Đúng hẹn").
HAN_RE = re.compile(r"\b(thoi )?h[ae]n\b")
#: Folded fragments naming a column inside its group; "tong" (total) is tried last.
SUB_WORDS = {
    "received": (
        ("online", ("truc tuyen", "qua mang", "dvctt")),
        ("carried", ("ky truoc", "ton ", "chuyen sang", "chuyen qua")),
        ("direct", ("truc tiep", "buu chinh", "bcci")),
    ),
    "resolved": (
        ("early", ("truoc han", "som han")),
        ("on_time", ("dung han", "dung thoi han", "dung hen")),
        ("late", ("qua han", "tre han", "cham")),
    ),
    "pending": (
        ("in_time", ("trong han", "chua den han", "chua qua han", "con han")),
        ("overdue", ("qua han", "tre han")),
    ),
}


def column_label(col: dict, key: str) -> str:
    """Return 'letter (number) label' of a count column, for messages."""
    return f"{excel.col_letter(col[key])} ({NUMBERS[key]}) {LABELS[key]}"


NUMBER_CELL_RE = re.compile(r"^\s*[(\[]?\s*(\d{1,2})\s*[)\]]?\s*(=.*)?$")


#: Cell texts that open the data block (a group row) rather than continue the header.
FIRST_DATA_RE = re.compile(r"^((i{1,3}|iv|v|[a-e])[.)]?|(i{1,3}|iv|v)[.)]?\s+\S.*|cap (tinh|huyen|xa)\b.*)$")


def _numbered_row(sheet: excel.Sheet) -> tuple[int, dict] | None:
    """Return (row index, {number: column}) of the row printing (1) ... (13), if any."""
    for i, row in enumerate(sheet.filled[:60]):
        found = {}
        for c, v in enumerate(row):
            s = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) if v is not None else ""
            m = NUMBER_CELL_RE.match(s)  # "(3)", "3", "[3]", "(3)=(4)+(5)+(6)", "3=7+11"
            if m and 1 <= int(m.group(1)) <= 20 and int(m.group(1)) not in found:
                found[int(m.group(1))] = c
        if all(k in found for k in range(1, 14)) and all(found[k] < found[k + 1] for k in range(1, 13)):
            return i, found
    return None


def _is_title_row(row: list) -> bool:
    text = " ".join(excel.fold(v) for v in row if not excel.is_blank(v))
    return any(w in text for w in ("ky bao cao", "bieu so", "tinh hinh", "don vi bao cao", "don vi tinh"))


def _has_stt(row: list) -> bool:
    return any(excel.fold(v) in {"stt", "so tt", "tt", "so thu tu"} for v in row)


def _looks_like_header(row: list) -> bool:
    """Tell a first header row: an STT cell, or separate cells naming received and resolved/pending."""
    if _is_title_row(row):
        return False
    keys = [excel.fold(v) for v in row if not excel.is_blank(v)]
    if any(k in {"stt", "so tt", "tt", "so thu tu"} for k in keys):
        return True
    groups = {g for k in keys for g, words in GROUP_WORDS if any(w in k for w in words)}
    return len(groups) >= 2


def _header_rows(sheet: excel.Sheet, numbered: int | None) -> tuple[int, int]:
    """Return (first, last) header row indices (inclusive)."""
    if numbered is not None:
        last = numbered - 1
        for r in range(last, max(-1, numbered - 7), -1):
            if _has_stt(sheet.filled[r]):
                while r - 1 >= 0 and _has_stt(sheet.filled[r - 1]):  # STT merged over several header rows
                    r -= 1
                return r, last
        first = last
        while (
            first - 1 >= 0
            and first > numbered - 5
            and not excel.row_is_blank(sheet.filled[first - 1])
            and not _is_title_row(sheet.filled[first - 1])
        ):
            first -= 1
        return first, last
    start = next((i for i, row in enumerate(sheet.filled[:60]) if _looks_like_header(row)), None)
    if start is None:
        raise ValueError("no header")
    last = start
    while last + 1 < len(sheet.filled) and last - start < 4:
        nxt = sheet.cells[last + 1]
        lead = [excel.fold(v) for v in nxt if not excel.is_blank(v)][:2]
        if (
            excel.row_is_blank(nxt)
            or any(excel.is_number_like(v) for v in nxt[2:])
            or any(FIRST_DATA_RE.match(t) for t in lead)
        ):
            break
        last += 1
    return start, last


def _column_texts(sheet: excel.Sheet, first: int, last: int) -> list[tuple[str, str]]:
    """Return per column (combined folded header text, bottom-most non-blank header text)."""
    rows = [list(r) for r in sheet.filled[first : last + 1]]
    for r in range(len(rows) - 1):  # spread an unmerged group label over the columns it heads
        for c in range(1, len(rows[r])):
            if (
                excel.is_blank(rows[r][c])
                and not excel.is_blank(rows[r][c - 1])
                and not excel.is_blank(rows[r + 1][c])
                and not excel.is_blank(rows[r + 1][c - 1])
            ):
                rows[r][c] = rows[r][c - 1]
    out = []
    for c in range(len(rows[0]) if rows else 0):
        parts = []
        for r in rows:
            t = excel.fold(r[c])
            if t and (not parts or parts[-1] != t):
                parts.append(t)
        out.append((" | ".join(parts), parts[-1] if parts else ""))
    return out


def _classify(text: str, bottom: str) -> str | None:
    """Return the count a header names ("received", "online", … "overdue"), or None.

    >>> _classify("so ho so da giai quyet | tra truoc thoi han", "tra truoc thoi han")
    'early'
    >>> _classify("ket qua giai quyet | dung hen", "dung hen")
    'on_time'
    """
    if not text or "ty le" in bottom or "%" in bottom:
        return None
    text, bottom = HAN_RE.sub("han", text), HAN_RE.sub("han", bottom)
    group = next((g for g, words in GROUP_WORDS if any(w in text for w in words)), None)
    if group is None:
        return None
    for probe in (bottom + " ", text + " "):
        for key, words in SUB_WORDS[group]:
            if any(w in probe for w in words):
                return key
    if "tong" in bottom or "tong" in text or "cong" in bottom:
        return {"received": "received", "resolved": "resolved", "pending": "pending"}[group]
    return None


def find_layout(sheet: excel.Sheet, where: dict) -> tuple[dict, int]:
    """Return ({field or 'stt'/'name'/'code': column}, first data row index)."""
    numbered = _numbered_row(sheet)
    try:
        first, last = _header_rows(sheet, numbered[0] if numbered else None)
    except ValueError:
        raise InputError(
            "no Biểu 06 header found; expected a header with 'STT', 'Tiếp nhận', 'Đã giải "
            "quyết', 'Đang giải quyết' labels or a numbered row (1) … (13)",
            **where,
        ) from None
    texts = _column_texts(sheet, first, last)
    cols: dict[str, int] = {}
    for c, (text, bottom) in enumerate(texts):
        key = _classify(text, bottom)
        if key is None:
            if re.search(r"(^|\W)(stt|so tt|so thu tu)(\W|$)", text) and "stt" not in cols:
                cols["stt"] = c
            elif re.search(r"(^|\W)ma(\W|$)", bottom) and "code" not in cols:
                cols["code"] = c
            elif (
                any(
                    w in text
                    for w in ("don vi", "linh vuc", "ten ", "co quan", "cong viec", "noi dung", "chi tieu")
                )
                and "name" not in cols
            ):
                cols["name"] = c
            continue
        if key in cols:
            raise InputError(
                f"two columns read as ({NUMBERS[key]}) {LABELS[key]}: {excel.col_letter(cols[key])} "
                f"and {excel.col_letter(c)}; expected one",
                row=last + 1,
                **where,
            )
        cols[key] = c
    parts = ["online", "direct", "early", "on_time", "late", "in_time", "overdue"]
    if numbered and not all(k in cols for k in parts):
        nums = numbered[1]
        cols = (
            {k: nums[n] for k, n in NUMBERS.items()}
            | {"stt": nums[1], "name": nums[2]}
            | ({"code": cols["code"]} if "code" in cols else {})
        )
    missing = [k for k in parts if k not in cols]
    if missing:
        raise InputError(
            "header lacks the column(s) "
            + ", ".join(f"({NUMBERS[k]}) {LABELS[k]}" for k in missing)
            + " (header texts found: "
            + "; ".join(dict.fromkeys(b for _, b in texts if b))[:400]
            + ")",
            row=last + 1,
            **where,
        )
    if "name" not in cols:
        cols["name"] = (cols.get("stt", -1) + 1) if cols.get("stt", -1) + 1 != cols["online"] else 0
    data_start = (numbered[0] + 1) if numbered else last + 1
    return cols, data_start


#: Group-row labels (folded) and the unit level of the rows under them.
GROUP_LEVELS = (
    (("trung tam phuc vu hanh chinh cong", "trung tam hanh chinh cong"), "centre"),
    (
        (
            "cap tinh",
            "so ban nganh",
            "so, ban, nganh",
            "so, nganh",
            "so nganh",
            "cac so",
            "co quan chuyen mon",
            "co quan cap tinh",
            "khoi tinh",
            "nganh doc",
        ),
        "department",
    ),
    (
        ("cap huyen", "huyen, thi", "huyen thi xa", "quan, huyen", "quan huyen", "khoi huyen", "cac huyen"),
        "district",
    ),
    (("cap xa", "xa, phuong", "xa phuong", "phuong, xa", "khoi xa", "cac xa"), "commune"),
)
ROMAN_RE = re.compile(r"^(i{1,3}|iv|v|vi{1,3}|ix|x|[a-e])\s*[.)/-]?\s*(.*)$")


def group_level(label_key: str) -> str | None:
    """Return the unit level named by a folded group label ("cap huyen" -> district), or None."""
    for words, level in GROUP_LEVELS:
        if any(w in label_key for w in words):
            return level
    return None
