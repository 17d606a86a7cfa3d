"""Biểu 06 checks: column identities, subtotals against their units, text in counts, a unit on two sheets."""

from __future__ import annotations

from pathlib import Path

from analysis.errors import InputError
from analysis.io import excel, rows
from analysis.io.bieu06_layout import LABELS, NUMBERS, column_label

IDENTITIES = (
    ("received", ("online", "direct", "carried")),
    ("received", ("resolved", "pending")),
    ("resolved", ("early", "on_time", "late")),
    ("pending", ("in_time", "overdue")),
)


def read_counts(row: list, cols: dict, where: dict) -> dict:
    """Read the 11 counts of a row; a form without column (6), (7) or (11) gets it from the others."""
    refuse_text_counts(row, cols, where, named=True)
    out = {}
    for key in NUMBERS:
        if key in cols:
            out[key] = excel.parse_count(row[cols[key]], where=where | {"column": column_label(cols, key)})
    if "carried" not in out:
        out["carried"] = out.get("received", out["online"] + out["direct"]) - out["online"] - out["direct"]
        if out["carried"] < 0:
            raise InputError(
                f"(3) received {out['received']} is below (4) online {out['online']} + (5) direct "
                f"{out['direct']} (the form has no column (6) here)",
                **where,
                column=column_label(cols, "received"),
            )
    out.setdefault("resolved", out["early"] + out["on_time"] + out["late"])
    out.setdefault("pending", out["in_time"] + out["overdue"])
    out.setdefault("received", out["online"] + out["direct"] + out["carried"])
    return out


def check_bieu06_identities(counts: dict, *, cols: dict, where: dict) -> None:
    """Raise :class:`InputError` unless (3)=(4)+(5)+(6), (3)=(7)+(11), (7)=(8)+(9)+(10), (11)=(12)+(13)."""
    for total, parts in IDENTITIES:
        s = sum(counts[p] for p in parts)
        if counts[total] != s:
            expr = " + ".join(f"({NUMBERS[p]}) {counts[p]}" for p in parts)
            raise InputError(
                f"Biểu 06 identity broken: ({NUMBERS[total]}) {LABELS[total]} = {counts[total]}, expected "
                f"{expr} = {s}",
                **where,
                column=column_label(cols, total) if total in cols else f"({NUMBERS[total]})",
            )


def check_sum(label: str, counts: dict, units: list, *, cols: dict, where: dict) -> None:
    """Raise :class:`InputError` when a subtotal or total row differs from the sum of its units."""
    for key in NUMBERS:
        s = sum(u["counts"][key] for u in units)
        if counts[key] != s:
            raise InputError(
                f"{label} = {counts[key]} in column ({NUMBERS[key]}) {LABELS[key]}, but its units sum "
                f"to {s} (rows {', '.join(str(u['row']) for u in units[:8])}"
                f"{' …' if len(units) > 8 else ''})",
                **where,
                column=column_label(cols, key) if key in cols else f"({NUMBERS[key]})",
            )


def refuse_text_counts(row: list, cols: dict, where: dict, *, named: bool) -> None:
    """Raise for a named row whose count cells hold text such as "chưa báo cáo" (never dropped silently)."""
    for key in NUMBERS:
        v = row[cols[key]] if key in cols else None
        if named and isinstance(v, excel.Formula):  # a unit whose counts were never calculated
            excel.parse_count(v, where=where | {"column": column_label(cols, key)})
        if isinstance(v, str) and not isinstance(v, excel.Formula) and not excel.is_blank(v):
            if excel.is_number_like(v):
                continue
            if named and v.strip() not in excel.ZERO_TOKENS:
                raise InputError(
                    f"expected a count (whole number), found text {rows.quote(v.strip())}. A unit that did "
                    "not report: write its numbers, or remove its row and say so in a note (the row is not "
                    "dropped silently)",
                    **where,
                    column=column_label(cols, key),
                )


def claim(owner: dict, record: dict, *, sheet: str, path: Path) -> None:
    """Refuse a unit and period reported on two sheets (a copied sheet such as "Bieu06 (2)")."""
    key = tuple(record.get(k) for k in ("indicator", "unit_code", "period_start", "period_end", "sector"))
    first = owner.setdefault(key, sheet)
    if first != sheet:
        raise InputError(
            f"sheets {first!r} and {sheet!r} both report unit {record['unit_code']!r} for "
            f"{record['period_start']:%d/%m/%Y}-{record['period_end']:%d/%m/%Y}: a copied sheet (Excel names "
            "a copy 'Bieu06 (2)')? Keep one sheet per unit and period and delete the copy",
            path=path,
            sheet=sheet,
            row=record.get("_row"),
        )
