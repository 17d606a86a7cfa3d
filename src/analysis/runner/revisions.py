"""Revisions: earlier years' values in this year's figures that moved since those years' sets were published.

Building year Y, every figure's data (its CSV) may hold earlier years: rows with a ``year`` or ``period``
column, and ``<name>_prev`` columns (last year's ``<name>``, in year-over-year tables).  Each such value is
compared with the set published for that year, ``figures/<E>/<unit>/<figure>.csv``: rows are matched on the
figure's text and time columns, values are its other numeric columns.  A value "moved beyond rounding" when
it differs by more than floating-point rounding (:data:`REL_TOL` relative, :data:`ABS_TOL` absolute; an
assumption: any change in the data behind a published number is listed, however small).  Each revision names
the input files whose hashes differ between the two manifests.  A year without a published set is said so.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

REL_TOL = 1e-9
ABS_TOL = 1e-12
#: Columns that place a row in time (keys, never values).
TIME_COLUMNS = ("year", "period", "month", "period_start", "period_end")
PREV_SUFFIX = "_prev"
MAX_LISTED = 2000


def _year_of(value: Any) -> int | None:
    text = str(value)
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def _split(df: Any) -> tuple[list[str], list[str]]:
    """Key columns (text, booleans, time) and value columns (other numbers) of a figure's data."""
    import pandas as pd

    keys, values = [], []
    for col in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
        (values if numeric and col not in TIME_COLUMNS else keys).append(col)
    return keys, values


def _manifest(fig_dir: Path) -> dict[str, dict[str, Any]]:
    try:
        doc = json.loads((fig_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    listed = doc.get("figures", []) if isinstance(doc, dict) else doc
    return {str(e.get("id")): e for e in listed if isinstance(e, dict)}


def changed_inputs(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Input files (paths) added, removed or changed between two manifest entries.

    >>> changed_inputs({"inputs": [{"path": "a", "sha256": "1"}, {"path": "b", "sha256": "2"}]},
    ...                {"inputs": [{"path": "a", "sha256": "9"}, {"path": "c", "sha256": "3"}]})
    ['a', 'b', 'c']
    """
    before = {i.get("path"): i.get("sha256") for i in old.get("inputs", [])}
    after = {i.get("path"): i.get("sha256") for i in new.get("inputs", [])}
    return sorted(str(p) for p in set(before) | set(after) if before.get(p) != after.get(p))


def _moved(old: Any, new: Any) -> bool:
    try:
        a, b = float(old), float(new)
    except (TypeError, ValueError):
        return str(old) != str(new)
    if math.isnan(a) and math.isnan(b):
        return False
    if math.isnan(a) or math.isnan(b):
        return True
    return not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    try:
        if isinstance(value, float) and math.isnan(value):
            return None
    except TypeError:
        pass
    return value.item() if hasattr(value, "item") else value


def _keyed(df: Any, keys: list[str]) -> dict[tuple, dict[str, Any]]:
    """Rows by their key values (a running number added where keys repeat)."""
    out: dict[tuple, dict[str, Any]] = {}
    seen: dict[tuple, int] = {}
    for row in df.to_dict("records"):
        key = tuple(str(row[k]) for k in keys)
        n = seen.get(key, 0)
        seen[key] = n + 1
        out[(*key, n)] = row
    return out


def compare_figure(
    new: Any, old: Any, *, year: int, earlier: int, prev_only: bool = False
) -> list[dict[str, Any]]:
    """Values of year ``earlier`` in ``new`` (a figure's data built for ``year``) that moved against ``old``.

    Rows of ``earlier`` (``year``/``period`` columns) are compared column by column; ``<x>_prev`` columns of
    ``new`` (last year's values, when ``earlier == year - 1``) are compared with ``old``'s ``<x>``.
    """
    keys, values = _split(new)
    time_col = next((c for c in ("year", "period", "period_start") if c in new.columns), None)
    found = []
    if time_col is not None and not prev_only and time_col in old.columns:
        pick_new = new[[_year_of(v) == earlier for v in new[time_col]]]
        pick_old = old[[_year_of(v) == earlier for v in old[time_col]]]
        common = [k for k in keys if k in old.columns]
        before = _keyed(pick_old, common)
        for key, row in _keyed(pick_new, common).items():
            if key not in before:
                continue
            for col in (c for c in values if c in old.columns):
                if _moved(before[key][col], row[col]):
                    found.append(
                        {
                            "row": {k: _plain(row[k]) for k in common},
                            "column": col,
                            "old": _plain(before[key][col]),
                            "new": _plain(row[col]),
                        }
                    )
    prev = [c for c in values if c.endswith(PREV_SUFFIX) and c[: -len(PREV_SUFFIX)] in old.columns]
    if prev and earlier == year - 1:
        common = [k for k in keys if k in old.columns and k not in TIME_COLUMNS]
        before = _keyed(old, common)
        for key, row in _keyed(new, common).items():
            for col in prev:
                base = col[: -len(PREV_SUFFIX)]
                if key in before and _moved(before[key][base], row[col]):
                    found.append(
                        {
                            "row": {k: _plain(row[k]) for k in common},
                            "column": col,
                            "old": _plain(before[key][base]),
                            "new": _plain(row[col]),
                        }
                    )
    return found


def earlier_years(df: Any, year: int) -> set[int]:
    """Years before ``year`` that a figure's data holds (time columns, and last year for ``_prev``)."""
    found: set[int] = set()
    for col in ("year", "period", "period_start"):
        if col in df.columns:
            found |= {y for y in map(_year_of, df[col]) if y is not None and y < year}
    if any(str(c).endswith(PREV_SUFFIX) for c in df.columns):
        found.add(year - 1)
    return found


def find_revisions(new_figures: Path, published_root: Path, year: int) -> dict[str, Any]:
    """Compare the figures of the set being built (``new_figures``: its ``figures/<year>``) with earlier sets.

    ``published_root`` is the output's ``figures/`` folder, where ``<E>/<unit>/`` is the published set of
    year E.  Returns the ``revisions.json`` document.
    """
    import pandas as pd

    revisions: list[dict[str, Any]] = []
    years_seen: set[int] = set()
    compared: dict[int, int] = {}
    for unit_dir in sorted(p for p in new_figures.iterdir() if p.is_dir()) if new_figures.is_dir() else []:
        entries = _manifest(unit_dir)
        for fig_id, entry in sorted(entries.items()):
            csv = unit_dir / f"{fig_id}.csv"
            if not csv.is_file():
                continue
            new = pd.read_csv(csv)
            for earlier in sorted(earlier_years(new, year)):
                years_seen.add(earlier)
                old_dir = published_root / str(earlier) / unit_dir.name
                old_csv = old_dir / f"{fig_id}.csv"
                if not old_csv.is_file():
                    continue
                compared[earlier] = compared.get(earlier, 0) + 1
                old_entry = _manifest(old_dir).get(fig_id, {})
                moved = compare_figure(new, pd.read_csv(old_csv), year=year, earlier=earlier)
                inputs = changed_inputs(old_entry, entry)
                for item in moved:
                    revisions.append(
                        {
                            "unit": unit_dir.name,
                            "figure": fig_id,
                            "year": earlier,
                            **item,
                            "changed_inputs": inputs,
                            "old_commit": old_entry.get("commit"),
                            "new_commit": entry.get("commit"),
                        }
                    )
    no_set = sorted(y for y in years_seen if not (published_root / str(y)).is_dir())
    return {
        "year": year,
        "rule": f"values of earlier years that differ from their published set by more than rounding "
        f"(relative {REL_TOL:g}, absolute {ABS_TOL:g})",
        "compared": [{"year": y, "figures": n, "set": f"figures/{y}"} for y, n in sorted(compared.items())],
        "no_published_set": no_set,
        "count": len(revisions),
        "revisions": revisions[:MAX_LISTED],
    }
