"""Findings sentences: a verdict, target, projection, funnel, decomposition or variation in words (vi/en)."""

from __future__ import annotations

import math

import pandas as pd

from analysis import text

#: Direction-neutral verdicts of a YoY row that are worth a sentence.
CLEAR = ("improved", "worsened")


#: Verdicts of rows that have both periods.
COMPARED = ("improved", "stable", "no clear change", "worsened")


#: Order of the variation methods in :func:`variation_sentence`.
METHODS = ("yearly history", "across units", "monthly", "binomial")


def _periods(row: pd.Series) -> tuple[str, str]:
    """Return (current, previous) period labels of a YoY row ("2024 vs 2023")."""
    cur, _, prev = str(row.get("periods", "")).partition(" vs ")
    return cur or "–", prev or "–"


def _label(row: pd.Series, *, lang: str) -> str:
    return text.indicator_label(str(row["indicator"]), lang=lang)


def _ok(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and not pd.isna(value)


def yoy_sentence(row: pd.Series, *, lang: str = "vi") -> str:
    """One sentence for a YoY row: both rates, the change in points with its verdict."""
    cur, prev = _periods(row)
    return text.phrase(
        "yoy",
        lang=lang,
        label=_label(row, lang=lang),
        rate=text.format_percent(row["rate_curr"], lang=lang),
        year=cur,
        period="năm" if cur.isdigit() else "kỳ",
        prev=text.format_percent(row["rate_prev"], lang=lang),
        prev_year=prev,
        change=text.format_points(row["change"], lang=lang),
        verdict=text.label(str(row["label"]), lang=lang),
    )


def target_sentence(row: pd.Series, *, lang: str = "vi") -> str:
    """One sentence comparing a rate (``rate_curr``) with its target (``target``, ``target_year``)."""
    reached = row["rate_curr"] >= row["target"]
    target = text.format_percent(row["target"], lang=lang)
    if _ok(row.get("target_year")):
        target += f" ({int(row['target_year'])})"
    return text.phrase(
        "target",
        lang=lang,
        label=_label(row, lang=lang),
        rate=text.format_percent(row["rate_curr"], lang=lang),
        target=target,
        status=text.label("met" if reached else "not met", lang=lang),
    )


def synthetic_note(synthetic: bool, *, lang: str = "vi") -> list[str]:
    """Return the synthetic-data sentence when ``synthetic`` (else nothing)."""
    return [text.phrase("synthetic", lang=lang)] if synthetic else []


def units_sentences(yoy_units: pd.DataFrame, *, lang: str = "vi") -> list[str]:
    """How many units improved or worsened clearly (naming up to three that worsened), how many are stable."""
    comparable = yoy_units[yoy_units["label"].isin(list(COMPARED))]
    worse = comparable[comparable["label"] == "worsened"].sort_values("change")
    better = comparable[comparable["label"] == "improved"]
    stable = comparable[comparable["label"] == "stable"]
    names = ", ".join(str(n) for n in worse.get("unit_name", pd.Series(dtype=str)).head(3))
    out = [
        text.phrase(
            "units_worse",
            lang=lang,
            n=len(worse),
            total=len(comparable),
            names=f" ({names})" if names else "",
        ),
        text.phrase("units_better", lang=lang, n=len(better), total=len(comparable)),
    ]
    if len(stable):
        m = (
            text.format_points(float(stable["materiality"].iloc[0]), lang=lang)
            if "materiality" in stable
            else "–"
        )
        out.append(
            text.phrase("units_stable", lang=lang, n=len(stable), total=len(comparable), m=m.lstrip("+"))
        )
    return out


def variation_sentence(yoy: pd.DataFrame, *, lang: str = "vi") -> str:
    """Say in words which variation the change intervals of a YoY table allow for, and the materiality.

    Returns "" for a table without a ``method`` column (or no compared row).
    """
    if "method" not in yoy.columns:
        return ""
    rows = yoy[yoy["method"].isin(list(METHODS))]
    if rows.empty:
        return ""
    counts = rows["method"].value_counts()
    parts = [
        text.label(f"method:{m}", lang=lang) + (f" ({int(counts[m])})" if len(counts) > 1 else "")
        for m in METHODS
        if m in counts
    ]
    m = ", ".join(
        sorted(
            {
                text.format_points(v, lang=lang).lstrip("+")
                for v in rows.get("materiality", pd.Series(dtype=float))
            }
        )
    )
    return text.phrase("variation", lang=lang, parts="; ".join(parts), m=m or "–")


def funnel_sentence(funnel: pd.DataFrame, *, lang: str = "vi") -> str:
    """Units below the baseline by more than chance (outside the 99.8 % limits)."""
    if funnel.empty or "significance" not in funnel:
        return text.label("no_data", lang=lang)
    low = funnel[funnel["significance"] == "Low (0.001)"].sort_values("rate")
    names = ", ".join(str(n) for n in low.get("unit_name", pd.Series(dtype=str)).head(3))
    p0 = float(funnel["baseline"].iloc[0]) if len(funnel) else float("nan")
    kind = str(funnel["baseline_kind"].iloc[0]) if "baseline_kind" in funnel and len(funnel) else ""
    return text.phrase(
        "funnel_low_target" if kind == "target" else "funnel_low",
        lang=lang,
        n=len(low),
        p0=text.format_percent(p0, lang=lang),
        names=f" ({names})" if names else "",
    )


def decomposition_sentence(decomposition: pd.DataFrame, *, lang: str = "vi") -> str:
    """Split the change in the overall rate into units' performance and the mix of dossiers."""
    totals = (
        decomposition[decomposition["is_total"].astype(bool)]
        if "is_total" in decomposition
        else decomposition
    )
    if totals.empty:
        return text.label("no_previous", lang=lang)
    total = totals.iloc[0]
    return text.phrase(
        "decomposition",
        lang=lang,
        total=text.format_points(total["contribution"], lang=lang, digits=3),
        rate_effect=text.format_points(total["rate_effect"], lang=lang, digits=3),
        mix=text.format_points(total["mix"], lang=lang, digits=3),
    )


def _as_projection(row: pd.Series) -> pd.Series:
    """Rename a ``projection_table`` row (``year``, ``rate``, ``lower``, ``upper``) to target_table names."""
    if "projection" in row or "rate" not in row:
        return row
    return row.rename(
        {"year": "projection_year", "rate": "projection", "lower": "pi_lower", "upper": "pi_upper"}
    )


def projection_sentence(row: pd.Series, *, lang: str = "vi") -> str:
    """Projection of a target_table or projection_table row with its chance of reaching the target.

    A series too short to project (NaN projection) says so, with the table's reason.
    """
    row = _as_projection(row)
    if not _ok(row.get("projection")):
        return text.phrase(
            "projection_none",
            lang=lang,
            label=_label(row, lang=lang) if "indicator" in row else "–",
            reason=text.label("too_few_years", lang=lang),
            year=int(row["projection_year"]) if _ok(row.get("projection_year")) else "–",
        )
    has_target = _ok(row.get("target"))
    s = text.phrase(
        "projection" if has_target else "projection_only",
        lang=lang,
        year=int(row["projection_year"]),
        rate=text.format_percent(row["projection"], lang=lang),
        lower=text.format_percent(row["pi_lower"], lang=lang),
        upper=text.format_percent(row["pi_upper"], lang=lang),
        target=text.format_percent(row["target"], lang=lang) if has_target else "–",
        prob=text.format_percent(row["prob_reach"], lang=lang, digits=0) if has_target else "–",
    )
    return f"{_label(row, lang=lang)}: {s}" if "indicator" in row else s


def product_sentence(product: pd.DataFrame, *, lang: str = "vi") -> str:
    """Say how a product rate changed through its two factors (``stats.decompose_product_table`` row)."""
    if product is None or product.empty:
        return text.label("no_previous", lang=lang)
    r = product.iloc[0]
    return text.phrase(
        "product",
        lang=lang,
        total=text.format_points(r["change"], lang=lang),
        alpha=text.format_points(r["alpha_effect"], lang=lang),
        beta=text.format_points(r["beta_effect"], lang=lang),
    )


def no_target_sentence(indicator: str, unit_name: str, *, lang: str = "vi") -> str:
    """Say that the sources give no target for this indicator and unit (none is invented)."""
    label = text.indicator_label(indicator, lang=lang)
    return (
        f"{label}: chưa tìm thấy chỉ tiêu cho {unit_name} "
        "trong các nguồn đã rà soát; không vẽ đường chỉ tiêu."
        if lang == "vi"
        else f"{label}: no target for {unit_name} was found in the sources reviewed; no target line is drawn."
    )
