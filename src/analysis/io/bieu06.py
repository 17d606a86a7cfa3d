"""Reader of Biểu số 06/VPCP/KSTT workbooks (dossier timeliness per unit): rows, checks, Counts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.io import excel, periods, rows
from analysis.io.bieu06_checks import (  # noqa: F401  (check_bieu06_identities: public here)
    IDENTITIES,
    check_bieu06_identities,
    check_sum,
    claim,
    read_counts,
    refuse_text_counts,
)
from analysis.io.bieu06_layout import (  # noqa: F401  (group_level, GROUP_LEVELS: public here too)
    GROUP_LEVELS,
    LABELS,
    NUMBERS,
    ROMAN_RE,
    column_label,
    find_layout,
    group_level,
)
from analysis.io.names import check_unit_code, guess_level, slugify
from analysis.provenance import source_id, verify_sidecar
from analysis.schemas import CountsError, finalise_counts

TOTAL_RE = re.compile(
    r"^(tong cong|tong so|tong|cong|toan tinh|toan thanh pho)\s*(\(.*\))?\s*[:.]?\s*"
    r"(toan tinh|toan thanh pho|chung)?$"
)
#: Title line naming the reporting unit of a per-unit report ("Đơn vị báo cáo: …"; not "Đơn vị tính").
REPORTING_UNIT_RE = re.compile(r"^(ten )?(don vi|co quan)(?! tinh)( bao cao| thuc hien)?\s*:")
#: A subtotal printed after its units ("Cộng cấp huyện", "Tổng cấp xã").
SUBTOTAL_RE = re.compile(r"^(tong cong|tong so|tong|cong)\s*:?\s+(.*)$")
#: STT of a sub-item under a unit ("a)", "b.", "1.1"): the unit above it is then a subtotal.
CHILD_STT_RE = re.compile(r"^([a-zđ][).]?|\d+\.\d+\.?)$")
CODE_IN_NAME_RE = re.compile(r"^(.*?)\s*[(\[]\s*(?:ma\s*:?\s*)?([0-9A-Za-z][0-9A-Za-z._-]*)\s*[)\]]\s*$")


@dataclass
class _Group:
    label: str
    level: str
    row: int
    counts: dict | None
    units: list = field(default_factory=list)


def _province_code(title: str) -> str | None:
    from analysis.io.crosswalk import province_code_in_text

    return province_code_in_text(title)


def _reporting_unit(sheet: excel.Sheet, *, cols: dict, data_start: int, province: str | None) -> dict | None:
    """Return the unit of a per-unit report whose rows are lĩnh vực (sectors), else None.

    That is a sheet whose name column is headed "Lĩnh vực …" (not "… theo cấp", "Đơn vị", "Cơ quan") and
    whose title names the reporting unit ("Đơn vị báo cáo: Sở Tư pháp" or "Cơ quan: …").
    """
    c = cols["name"]
    header = " ".join(excel.fold(sheet.filled[r][c]) for r in range(max(0, data_start - 5), data_start))
    if "linh vuc" not in header or any(w in header for w in ("don vi", "co quan", "theo cap")):
        return None
    cells = [str(v) for row in sheet.cells[:data_start] for v in row if not excel.is_blank(v)]
    for line in cells:
        if REPORTING_UNIT_RE.match(excel.fold(line)) and ":" in line:
            name = line.split(":", 1)[1].strip()
            code = ""
            if (m := CODE_IN_NAME_RE.match(name)) and any(ch.isdigit() for ch in m.group(2)):
                name, code = m.group(1).strip(), m.group(2)
            if name:
                code = code or (f"{province}." if province else "") + slugify(name)
                return {"code": code, "name": name, "level": guess_level(name)}
    return None


def read_sheet(sheet: excel.Sheet, *, path: Path, source: str) -> list[dict]:
    """Read one Biểu 06 sheet into Counts records (3 indicators per unit row)."""
    where = {"path": path, "sheet": sheet.name}
    cols, data_start = find_layout(sheet, where)
    title = excel.title_text(sheet, before=data_start)
    start, end, ptype = periods.parse_period(title, where=where)
    code_system = periods.code_system_for(end)
    province = _province_code(excel.title_text(sheet, before=max(1, data_start - 1)))
    groups: list[_Group] = []
    totals: list[tuple[int, dict]] = []
    trailing: list[tuple[int, str, dict, _Group | None]] = []
    units: list[dict] = []
    seen: dict[str, int] = {}
    trailer = rows.Trailer()
    for i in range(data_start, len(sheet.cells)):
        row = sheet.cells[i]
        if excel.row_is_blank(row):
            continue
        rn = i + 1
        count_cells = [row[c] for k, c in cols.items() if k in NUMBERS]
        if trailer.skip(row, count_cells, where | {"row": rn}):
            continue  # the notes and signature block (no figures may follow it)
        stt = row[cols["stt"]] if "stt" in cols else None
        name = str(row[cols["name"]]).strip() if not excel.is_blank(row[cols["name"]]) else ""
        stt_key, name_key = excel.fold(stt), excel.fold(name)
        has_num = any(excel.is_number_like(v) for v in count_cells)
        has_formula = any(isinstance(v, excel.Formula) for v in count_cells)
        stt_raw = str(stt).strip() if not excel.is_blank(stt) else ""
        roman = ROMAN_RE.match(stt_key) if stt_raw and stt_raw[:1].isupper() else None
        is_child = bool(CHILD_STT_RE.match(stt_raw))
        name_roman = ROMAN_RE.match(name_key) if not stt_key else None
        if name_roman and not group_level(name_roman.group(2)) and not (name_roman.group(2) or "").strip():
            name_roman = None
        is_total = bool(TOTAL_RE.match(name_key) or TOTAL_RE.match(stt_key))
        stt_is_label = bool(stt_key) and not stt_key.rstrip(".").isdigit() and not is_child and roman is None
        label_key = name_key or (stt_key if stt_is_label else "")
        sub = SUBTOTAL_RE.match(label_key)
        is_subtotal = not is_total and sub is not None and group_level(sub.group(2)) is not None
        is_group = not (is_total or is_subtotal) and (
            roman is not None
            or ((not stt_key or stt_is_label) and group_level(label_key) not in (None, "centre"))
            or (name_roman is not None and group_level(name_roman.group(2)))
        )
        is_int_stt = stt_key.rstrip(".").isdigit() or is_child
        if not (is_total or is_subtotal or is_group or has_num or is_int_stt):
            refuse_text_counts(row, cols, where | {"row": rn}, named=bool(name))
            continue  # title remnants, a heading without figures
        rw = where | {"row": rn}
        if is_subtotal:  # "Cộng cấp huyện" after its units: checked against the current group's units
            if has_num and not has_formula:
                counts = read_counts(row, cols, rw)
                check_bieu06_identities(counts, cols=cols, where=rw)
                trailing.append((rn, label_key, counts, groups[-1] if groups else None))
            continue
        if is_group:
            label = name or str(stt).strip()
            level = group_level(excel.fold(label))
            if level is None and roman is not None and roman.group(2):
                level = group_level(roman.group(2))
            if level is None:
                raise InputError(
                    f"unknown group label {excel.quote_cell(label)}; expected a level such as 'Cấp tỉnh' / "
                    "'Sở, ban, ngành', 'Cấp huyện', 'Cấp xã' or 'Trung tâm Phục vụ hành chính công'",
                    **rw,
                    column=excel.col_letter(cols["name"]),
                )
            counts = None
            if has_num and not has_formula:  # unsaved formulas: the subtotal cannot be checked
                counts = read_counts(row, cols, rw)
                check_bieu06_identities(counts, cols=cols, where=rw)
            groups.append(_Group(label, level, rn, counts))
            continue
        if is_total and has_formula:
            continue
        counts = read_counts(row, cols, rw)
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
        code_col = excel.col_letter(cols["code"]) if "code" in cols else excel.col_letter(cols["name"])
        check_unit_code(code, where=rw | {"column": f"{code_col} (unit code)"})
        if code in seen:
            raise InputError(
                f"unit {code!r} appears twice (rows {seen[code]} and {rn}); expected one row per unit", **rw
            )
        seen[code] = rn
        level = groups[-1].level if groups else guess_level(name or code)
        unit = {
            "row": rn,
            "code": code,
            "name": name or code,
            "level": level,
            "counts": counts,
            "children": [],
        }
        pool = groups[-1].units if groups else units
        parent = next((u for u in reversed(pool) if not u.get("child")), None)
        if is_child and parent is not None:  # "a) Xã …" under "1. Huyện …": the parent is a subtotal
            unit |= {"child": True, "level": guess_level(name or code, default=level)}
            parent["children"].append(unit)
        units.append(unit)
        if groups:
            groups[-1].units.append(unit)
    if not units:
        raise InputError(
            "no unit rows found below the header; expected rows with STT, unit name and 11 counts", **where
        )
    for p in [u for u in units if u["children"]]:
        check_sum(
            f"subtotal of {p['name']!r}",
            p["counts"],
            p["children"],
            cols=cols,
            where=where | {"row": p["row"]},
        )
    units = [u for u in units if not u["children"]]
    for g in groups:
        g.units = [u for u in g.units if not u["children"]]
        if g.counts is not None:
            check_sum(
                f"subtotal of group {g.label!r}", g.counts, g.units, cols=cols, where=where | {"row": g.row}
            )
    for rn, label, counts, group in trailing:
        members = group.units if group is not None else units
        check_sum(f"subtotal {label!r}", counts, members, cols=cols, where=where | {"row": rn})
    for rn, counts in totals:
        check_sum("total row", counts, units, cols=cols, where=where | {"row": rn})
    reporting = _reporting_unit(sheet, cols=cols, data_start=data_start, province=province)
    if reporting is not None and groups:
        reporting = None
    records = []
    for u in units:
        c = u["counts"]
        who = reporting or {"code": u["code"], "name": u["name"], "level": u["level"]}
        base = {
            "unit_code": who["code"],
            "unit_name": who["name"],
            "unit_level": who["level"],
            "code_system": code_system,
            "period_start": start,
            "period_end": end,
            "period_type": ptype,
            "source": source,
            "_row": u["row"],
        } | ({"sector": u["name"]} if reporting else {})
        records.append(
            base
            | {
                "indicator": "timeliness.on_time",
                "numerator": c["early"] + c["on_time"],
                "denominator": c["resolved"],
                "convention": "bieu06",
            }
        )
        records.append(
            base
            | {
                "indicator": "timeliness.overdue_pending",
                "numerator": c["overdue"],
                "denominator": c["pending"],
                "convention": "bieu06",
            }
        )
        records.append(
            base
            | {
                "indicator": "online.submission",
                "numerator": c["online"],
                "denominator": c["online"] + c["direct"],
                "convention": "qd766",
            }
        )
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
    return bieu06_from_sheets(sheets, path=path, source=source_id(path, record))


def bieu06_from_sheets(sheets: list[excel.Sheet], *, path: Path, source: str) -> pd.DataFrame:
    """Read the grids of a Biểu 06 workbook (every sheet with a header) into a validated Counts table.

    Sheets without a Biểu 06 header are refused when they hold figures (:func:`rows.headerless_sheet`);
    a unit and period on two sheets is refused (:func:`bieu06_checks.claim`).
    """
    records: list[dict] = []
    errors: list[tuple[excel.Sheet, InputError]] = []
    nonblank = [s for s in sheets if any(not excel.row_is_blank(r) for r in s.cells)]
    if not nonblank:
        raise InputError(
            "the workbook is empty; expected a Biểu 06 sheet",
            path=path,
            sheet=sheets[0].name if sheets else None,
        )
    owner: dict[tuple, str] = {}
    read: list[str] = []
    for sheet in nonblank:
        try:
            sheet_records = read_sheet(sheet, path=path, source=source)
        except InputError as exc:
            if "no Biểu 06 header found" not in str(exc):
                raise
            errors.append((sheet, exc))
            continue
        read.append(sheet.name)
        for r in sheet_records:
            claim(owner, r, sheet=sheet.name, path=path)
        records.extend(sheet_records)
    if not records:
        raise errors[0][1]
    for sheet, _ in errors:
        rows.headerless_sheet(sheet, path=path, what="Biểu 06", read=read)
    records = [{k: v for k, v in r.items() if k != "_row"} for r in records]
    try:
        return finalise_counts(pd.DataFrame(records))
    except CountsError as exc:
        raise InputError(f"the workbook's rows do not form a valid Counts table: {exc}", path=path) from None
