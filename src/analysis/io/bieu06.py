"""Reader of Biểu số 06/VPCP/KSTT workbooks (dossier timeliness per unit): header by labels, checks, Counts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.io import excel
from analysis.io.errors import InputError, guess_level, slugify
from analysis.io.provenance import source_id, verify_sidecar
from analysis.schemas import CountsError, finalise_counts

#: The 11 count columns of the form, by their printed number (Thông tư 01/2020/TT-VPCP, DOMAIN.md §1.2).
NUMBERS = {
    "received": 3, "online": 4, "direct": 5, "carried": 6, "resolved": 7, "early": 8,
    "on_time": 9, "late": 10, "pending": 11, "in_time": 12, "overdue": 13,
}
LABELS = {
    "received": "tổng số tiếp nhận", "online": "tiếp nhận trực tuyến", "direct": "trực tiếp, bưu chính",
    "carried": "từ kỳ trước", "resolved": "tổng số đã giải quyết", "early": "trước hạn", "on_time": "đúng hạn",
    "late": "quá hạn (đã giải quyết)", "pending": "tổng số đang giải quyết", "in_time": "trong hạn",
    "overdue": "quá hạn (đang giải quyết)",
}
#: Folded fragments naming a header group (checked in this order: pending before resolved before received).
GROUP_WORDS = (
    ("pending", ("dang giai quyet", "dang xu ly", "chua giai quyet", "dang thu ly", "chua xu ly")),
    ("resolved", ("da giai quyet", "da xu ly", "giai quyet xong", "da tra ket qua", "da hoan thanh")),
    ("received", ("tiep nhan", "nhan giai quyet", "so ho so nhan", "ho so nhan", "thu ly")),
)
#: Folded fragments naming a column inside its group; "tong" (total) is tried last.
SUB_WORDS = {
    "received": (("online", ("truc tuyen", "qua mang", "dvctt")),
                 ("carried", ("ky truoc", "ton ", "chuyen sang", "chuyen qua")),
                 ("direct", ("truc tiep", "buu chinh", "bcci"))),
    "resolved": (("early", ("truoc han",)),
                 ("on_time", ("dung han", "dung thoi han", "dung hen")),
                 ("late", ("qua han", "tre han", "cham"))),
    "pending": (("in_time", ("trong han", "chua den han", "chua qua han", "con han")),
                ("overdue", ("qua han", "tre han"))),
}
#: Group-row labels (folded) and the unit level of the rows under them.
GROUP_LEVELS = (
    (("trung tam phuc vu hanh chinh cong", "trung tam hanh chinh cong"), "centre"),
    (("cap tinh", "so ban nganh", "so, ban, nganh", "so, nganh", "so nganh", "cac so", "co quan chuyen mon",
      "co quan cap tinh", "khoi tinh", "nganh doc"), "department"),
    (("cap huyen", "huyen, thi", "huyen thi xa", "quan, huyen", "quan huyen", "khoi huyen", "cac huyen"),
     "district"),
    (("cap xa", "xa, phuong", "xa phuong", "phuong, xa", "khoi xa", "cac xa"), "commune"),
)
TOTAL_RE = re.compile(r"^(tong cong|tong so|tong|cong|toan tinh|toan thanh pho)\s*(\(.*\))?\s*[:.]?\s*"
                      r"(toan tinh|toan thanh pho|chung)?$")
ROMAN_RE = re.compile(r"^(i{1,3}|iv|v|vi{1,3}|ix|x|[a-e])\s*[.)/-]?\s*(.*)$")
CODE_IN_NAME_RE = re.compile(r"^(.*?)\s*[(\[]\s*(?:ma\s*:?\s*)?([0-9A-Za-z][0-9A-Za-z._-]*)\s*[)\]]\s*$")
IDENTITIES = (
    ("received", ("online", "direct", "carried")),
    ("received", ("resolved", "pending")),
    ("resolved", ("early", "on_time", "late")),
    ("pending", ("in_time", "overdue")),
)


@dataclass
class _Group:
    label: str
    level: str
    row: int
    counts: dict | None
    units: list = field(default_factory=list)


def _label(col: dict, key: str) -> str:
    return f"{excel.col_letter(col[key])} ({NUMBERS[key]}) {LABELS[key]}"


def _numbered_row(sheet: excel.Sheet) -> tuple[int, dict] | None:
    """Return (row index, {number: column}) of the row printing (1) ... (13), if any."""
    for i, row in enumerate(sheet.filled[:60]):
        found = {}
        for c, v in enumerate(row):
            s = str(v).strip().strip("()[]").strip() if not excel.is_blank(v) else ""
            if isinstance(v, float) and v.is_integer():
                s = str(int(v))
            if s.isdigit() and 1 <= int(s) <= 20 and int(s) not in found:
                found[int(s)] = c
        if all(k in found for k in range(1, 14)) and all(found[k] < found[k + 1] for k in range(1, 13)):
            return i, found
    return None


def _is_title_row(row: list) -> bool:
    text = " ".join(excel.fold(v) for v in row if not excel.is_blank(v))
    return any(w in text for w in ("ky bao cao", "bieu so", "tinh hinh", "don vi bao cao", "don vi tinh"))


def _looks_like_header(row: list) -> bool:
    """A first header row: an STT cell, or separate cells naming received and resolved/pending dossiers."""
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
            if any(excel.fold(v) in {"stt", "so tt", "tt", "so thu tu"} for v in sheet.filled[r]):
                return r, last
        first = last
        while first - 1 >= 0 and first > numbered - 5 and not excel.row_is_blank(sheet.filled[first - 1]) \
                and not _is_title_row(sheet.filled[first - 1]):
            first -= 1
        return first, last
    start = next((i for i, row in enumerate(sheet.filled[:60]) if _looks_like_header(row)), None)
    if start is None:
        raise ValueError("no header")
    last = start
    while last + 1 < len(sheet.filled) and last - start < 4:
        nxt = sheet.cells[last + 1]
        if excel.row_is_blank(nxt) or any(excel.is_number_like(v) for v in nxt[2:]):
            break
        last += 1
    return start, last


def _column_texts(sheet: excel.Sheet, first: int, last: int) -> list[tuple[str, str]]:
    """Return per column (combined folded header text, bottom-most non-blank header text)."""
    rows = [list(r) for r in sheet.filled[first:last + 1]]
    for r in range(len(rows) - 1):  # spread an unmerged group label over the columns it heads
        for c in range(1, len(rows[r])):
            if excel.is_blank(rows[r][c]) and not excel.is_blank(rows[r][c - 1]) \
                    and not excel.is_blank(rows[r + 1][c]) and not excel.is_blank(rows[r + 1][c - 1]):
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
    if not text or "ty le" in bottom or "%" in bottom:
        return None
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


def _layout(sheet: excel.Sheet, where: dict) -> tuple[dict, int]:
    """Return ({field or 'stt'/'name'/'code': column}, first data row index)."""
    numbered = _numbered_row(sheet)
    try:
        first, last = _header_rows(sheet, numbered[0] if numbered else None)
    except ValueError:
        raise InputError("no Biểu 06 header found; expected a header with 'STT', 'Tiếp nhận', 'Đã giải "
                         "quyết', 'Đang giải quyết' labels or a numbered row (1) … (13)", **where) from None
    texts = _column_texts(sheet, first, last)
    cols: dict[str, int] = {}
    for c, (text, bottom) in enumerate(texts):
        key = _classify(text, bottom)
        if key is None:
            if re.search(r"(^|\W)(stt|so tt|so thu tu)(\W|$)", text) and "stt" not in cols:
                cols["stt"] = c
            elif re.search(r"(^|\W)ma(\W|$)", bottom) and "code" not in cols:
                cols["code"] = c
            elif any(w in text for w in ("don vi", "linh vuc", "ten ", "co quan", "cong viec")) \
                    and "name" not in cols:
                cols["name"] = c
            continue
        if key in cols:
            raise InputError(f"two columns read as ({NUMBERS[key]}) {LABELS[key]}: {excel.col_letter(cols[key])} "
                             f"and {excel.col_letter(c)}; expected one", row=last + 1, **where)
        cols[key] = c
    parts = ["online", "direct", "early", "on_time", "late", "in_time", "overdue"]
    if numbered and not all(k in cols for k in parts):
        nums = numbered[1]
        cols = {k: nums[n] for k, n in NUMBERS.items()} | {"stt": nums[1], "name": nums[2]} \
            | ({"code": cols["code"]} if "code" in cols else {})
    missing = [k for k in parts if k not in cols]
    if missing:
        raise InputError("header lacks the column(s) " + ", ".join(f"({NUMBERS[k]}) {LABELS[k]}" for k in missing)
                         + " (header texts found: " + "; ".join(dict.fromkeys(b for _, b in texts if b))[:400]
                         + ")", row=last + 1, **where)
    if "name" not in cols:
        cols["name"] = (cols.get("stt", -1) + 1) if cols.get("stt", -1) + 1 != cols["online"] else 0
    data_start = (numbered[0] + 1) if numbered else last + 1
    return cols, data_start


def _group_level(label_key: str) -> str | None:
    for words, level in GROUP_LEVELS:
        if any(w in label_key for w in words):
            return level
    return None


def _read_counts(row: list, cols: dict, where: dict) -> dict:
    out = {}
    for key in NUMBERS:
        if key in cols:
            out[key] = excel.parse_count(row[cols[key]], where=where | {"column": _label(cols, key)})
    if "carried" not in out:
        out["carried"] = out.get("received", out["online"] + out["direct"]) - out["online"] - out["direct"]
    out.setdefault("resolved", out["early"] + out["on_time"] + out["late"])
    out.setdefault("pending", out["in_time"] + out["overdue"])
    out.setdefault("received", out["online"] + out["direct"] + out["carried"])
    return out


def check_bieu06_identities(counts: dict, *, cols: dict, where: dict) -> None:
    """Raise :class:`InputError` when a row breaks (3)=(4)+(5)+(6), (3)=(7)+(11), (7)=(8)+(9)+(10), (11)=(12)+(13)."""
    for total, parts in IDENTITIES:
        s = sum(counts[p] for p in parts)
        if counts[total] != s:
            expr = " + ".join(f"({NUMBERS[p]}) {counts[p]}" for p in parts)
            raise InputError(
                f"Biểu 06 identity broken: ({NUMBERS[total]}) {LABELS[total]} = {counts[total]}, expected "
                f"{expr} = {s}", **where, column=_label(cols, total) if total in cols else f"({NUMBERS[total]})")


def _check_sum(label: str, counts: dict, units: list, *, cols: dict, where: dict) -> None:
    for key in NUMBERS:
        s = sum(u["counts"][key] for u in units)
        if counts[key] != s:
            raise InputError(f"{label} = {counts[key]} in column ({NUMBERS[key]}) {LABELS[key]}, but its units sum "
                             f"to {s} (rows {', '.join(str(u['row']) for u in units[:8])}"
                             f"{' …' if len(units) > 8 else ''})", **where,
                             column=_label(cols, key) if key in cols else f"({NUMBERS[key]})")


def _province_code(title: str) -> str | None:
    from analysis.io.crosswalk import province_code_in_text

    return province_code_in_text(title)


def read_sheet(sheet: excel.Sheet, *, path: Path, source: str) -> list[dict]:
    """Read one Biểu 06 sheet into Counts records (3 indicators per unit row)."""
    where = {"path": path, "sheet": sheet.name}
    cols, data_start = _layout(sheet, where)
    title = excel.title_text(sheet, before=data_start)
    start, end, ptype = excel.parse_period(title, where=where)
    code_system = excel.code_system_for(end)
    province = _province_code(excel.title_text(sheet, before=max(1, data_start - 1)))
    groups: list[_Group] = []
    totals: list[tuple[int, dict]] = []
    units: list[dict] = []
    seen: dict[str, int] = {}
    for i in range(data_start, len(sheet.cells)):
        row = sheet.cells[i]
        if excel.row_is_blank(row):
            continue
        rn = i + 1
        stt = row[cols["stt"]] if "stt" in cols else None
        name = str(row[cols["name"]]).strip() if not excel.is_blank(row[cols["name"]]) else ""
        stt_key, name_key = excel.fold(stt), excel.fold(name)
        count_cells = [row[c] for k, c in cols.items() if k in NUMBERS]
        has_num = any(excel.is_number_like(v) for v in count_cells)
        roman = ROMAN_RE.match(stt_key) if stt_key and not stt_key.isdigit() else None
        name_roman = ROMAN_RE.match(name_key) if not stt_key else None
        if name_roman and not _group_level(name_roman.group(2)) and not (name_roman.group(2) or "").strip():
            name_roman = None
        is_total = bool(TOTAL_RE.match(name_key) or TOTAL_RE.match(stt_key))
        is_group = not is_total and (roman is not None
                                     or (not stt_key and _group_level(name_key) not in (None, "centre"))
                                     or (name_roman is not None and _group_level(name_roman.group(2))))
        is_int_stt = stt_key.rstrip(".").isdigit()
        if not (is_total or is_group or has_num or is_int_stt):
            continue  # title remnants, notes, the signature block
        rw = where | {"row": rn}
        if is_group:
            level = _group_level(name_key)
            if level is None:
                raise InputError(f"unknown group label {name or stt!r}; expected a level such as 'Cấp tỉnh' / "
                                 "'Sở, ban, ngành', 'Cấp huyện', 'Cấp xã' or 'Trung tâm Phục vụ hành chính công'",
                                 **rw, column=excel.col_letter(cols["name"]))
            counts = None
            if has_num:
                counts = _read_counts(row, cols, rw)
                check_bieu06_identities(counts, cols=cols, where=rw)
            groups.append(_Group(name, level, rn, counts))
            continue
        counts = _read_counts(row, cols, rw)
        check_bieu06_identities(counts, cols=cols, where=rw)
        if is_total:
            totals.append((rn, counts))
            continue
        code = ""
        if "code" in cols and not excel.is_blank(row[cols["code"]]):
            v = row[cols["code"]]
            code = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
        if m := CODE_IN_NAME_RE.match(name):
            if any(ch.isdigit() for ch in m.group(2)):
                name, code = m.group(1).strip(), code or m.group(2)
        if not name and not code:
            raise InputError("unit row without a name or code", **rw, column=excel.col_letter(cols["name"]))
        if not code:
            code = (f"{province}." if province else "") + slugify(name)
        if not re.fullmatch(r"[0-9A-Za-z._-]+", code):
            raise InputError(f"unit code {code!r} has characters other than letters, digits, '.', '_', '-'",
                             **rw, column="code")
        if code in seen:
            raise InputError(f"unit {code!r} appears twice (rows {seen[code]} and {rn}); expected one row per unit",
                             **rw)
        seen[code] = rn
        level = groups[-1].level if groups else guess_level(name or code)
        unit = {"row": rn, "code": code, "name": name or code, "level": level, "counts": counts}
        units.append(unit)
        if groups:
            groups[-1].units.append(unit)
    if not units:
        raise InputError("no unit rows found below the header; expected rows with STT, unit name and 11 counts",
                         **where)
    for g in groups:
        if g.counts is not None:
            _check_sum(f"subtotal of group {g.label!r}", g.counts, g.units, cols=cols, where=where | {"row": g.row})
    for rn, counts in totals:
        _check_sum("total row", counts, units, cols=cols, where=where | {"row": rn})
    records = []
    for u in units:
        c = u["counts"]
        base = {"unit_code": u["code"], "unit_name": u["name"], "unit_level": u["level"],
                "code_system": code_system, "period_start": start, "period_end": end, "period_type": ptype,
                "source": source}
        records.append(base | {"indicator": "timeliness.on_time", "numerator": c["early"] + c["on_time"],
                               "denominator": c["resolved"], "convention": "bieu06"})
        records.append(base | {"indicator": "timeliness.overdue_pending", "numerator": c["overdue"],
                               "denominator": c["pending"], "convention": "bieu06"})
        records.append(base | {"indicator": "online.submission", "numerator": c["online"],
                               "denominator": c["online"] + c["direct"], "convention": "qd766"})
    return records


def read_bieu06(path: str | Path) -> pd.DataFrame:
    """Read a Biểu số 06/VPCP/KSTT workbook into a validated Counts table.

    Parameters
    ----------
    path
        An xlsx workbook as one-stop software exports it (title block with the reporting period, merged
        header rows, numbered row (1) … (13), group rows with subtotals, total row, signature block).
        Every sheet with a Biểu 06 header is read.

    Returns
    -------
    pandas.DataFrame
        Counts: per unit row, ``timeliness.on_time`` = (8 + 9) / (7) and ``timeliness.overdue_pending`` =
        (13) / (11) (convention ``bieu06``), ``online.submission`` = (4) / (4 + 5) (convention ``qd766``).

    Raises
    ------
    InputError
        Missing columns or period, text or negative numbers in counts, broken identities, subtotal or total
        rows that differ from their units, unknown group labels, an empty workbook, a sidecar hash mismatch.

    Notes
    -----
    Group and total rows are checked, never read as units. Unit codes come from a "Mã" column, a code in
    brackets after the name (with at least one digit), or else a slug of the name prefixed by the province
    code found in the title ("77.so-tu-phap").
    """
    path = Path(path)
    record = verify_sidecar(path) if path.exists() else None
    sheets = excel.read_grids(path)
    source = source_id(path, record)
    records: list[dict] = []
    errors: list[InputError] = []
    nonblank = [s for s in sheets if any(not excel.row_is_blank(r) for r in s.cells)]
    if not nonblank:
        raise InputError("the workbook is empty; expected a Biểu 06 sheet", path=path,
                         sheet=sheets[0].name if sheets else None)
    for sheet in nonblank:
        try:
            records.extend(read_sheet(sheet, path=path, source=source))
        except InputError as exc:
            if "no Biểu 06 header found" not in str(exc):
                raise
            errors.append(exc)
    if not records:
        raise errors[0]
    try:
        return finalise_counts(pd.DataFrame(records))
    except CountsError as exc:
        raise InputError(f"the workbook's rows do not form a valid Counts table: {exc}", path=path) from None
