"""Rate series from Counts: yearly and per-unit rates with intervals, welfare stages, funnel curves (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.counts import SERIES_KEYS, drop_double_counting, in_scope, subset  # noqa: F401

#: Number of denominators on the grid of a funnel plot's limit curves.
FUNNEL_GRID = 120
#: Welfare indicators giving the payout stages: (indicator, stage column taken from its numerator).
WELFARE_STAGES = (("welfare.account_share", "with_account"), ("welfare.paid_share", "paid"))


def _stats():
    import analysis.stats as stats

    return stats


def with_ci(table: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Add ``rate`` and its Wilson interval ``lower``/``upper`` from ``numerator``/``denominator``."""
    x = table["numerator"].to_numpy(dtype=float)
    n = table["denominator"].to_numpy(dtype=float)
    out = table.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(n > 0, x / n, np.nan)
    out["lower"], out["upper"] = _stats().proportion_ci(x, n, level)
    return out


def yearly_rates(
    counts: pd.DataFrame, *, indicator: str | Sequence[str], by: Sequence[str] = ()
) -> pd.DataFrame:
    """Yearly rates of the units summed, per indicator, convention and year, with Wilson intervals.

    Whole-year rows are used; an indicator reported only for shorter periods (e.g. a welfare report per
    quarter, a stock) takes the last period of each year instead.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table (already restricted to the unit of interest, e.g. by :func:`in_scope`).
    indicator : str or sequence of str
        Indicator id(s) to keep.
    by : sequence of str, keyword-only
        Extra grouping columns (e.g. ``["beneficiary_group"]``).

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``convention``, ``year``, ``numerator``, ``denominator``, ``rate``, ``lower``,
        ``upper`` (and ``by``), one row per series and year; conventions are kept apart.
    """
    ids = [indicator] if isinstance(indicator, str) else list(indicator)
    rows = counts[counts["indicator"].isin(ids)]
    keys = SERIES_KEYS + list(by) + ["year"]
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "numerator", "denominator", "rate", "lower", "upper"])
    has_year = rows.groupby("indicator")["period_type"].transform(lambda s: (s == "year").any()).astype(bool)
    whole = rows[has_year & (rows["period_type"] == "year")]
    other = rows[~has_year]
    last = other.groupby(["indicator", "year"])["period_end"].transform("max")
    rows = pd.concat([whole, other[other["period_end"] == last]])
    rows = drop_double_counting(rows)
    out = rows.groupby(keys, dropna=False, sort=True)[["numerator", "denominator"]].sum().reset_index()
    return with_ci(out)


def late_share_table(
    counts: pd.DataFrame,
    *,
    year: int,
    indicator: str = "timeliness.on_time",
    level: str | None = "department",
) -> pd.DataFrame:
    """Share resolved late per unit and month of ``year`` (1 − on-time rate), for a heatmap.

    Returns ``unit_code``, ``unit_name``, ``month``, ``denominator``, ``late_share``.
    """
    rows = counts[
        (counts["indicator"] == indicator) & (counts["period_type"] == "month") & (counts["year"] == year)
    ]
    if level is not None:
        rows = rows[rows["unit_level"] == level]
    g = rows.groupby(["unit_code", "unit_name", "month"], sort=True)[["numerator", "denominator"]].sum()
    g = g.reset_index()
    g = g[g["denominator"] > 0]
    g["late_share"] = 1 - g["numerator"] / g["denominator"]
    g["month"] = g["month"].astype(int)
    return g[["unit_code", "unit_name", "month", "denominator", "late_share"]].reset_index(drop=True)


def funnel_curves(funnel: pd.DataFrame, *, points: int = FUNNEL_GRID, method: str = "score") -> pd.DataFrame:
    """Limit curves for a funnel plot of one series of ``analysis.stats.funnel_table``.

    The curves use the limits the table's labels use (``limits_used``): the binomial limits, or the
    random-effects limits (Spiegelhalter 2005) when the points were found overdispersed.
    """
    stats = _stats()
    n_max = float(funnel["denominator"].max())
    n_min = max(1.0, float(funnel["denominator"].min()) / 2)
    grid = np.unique(np.round(np.geomspace(n_min, n_max * 1.1, points)))
    p0 = float(funnel["baseline"].iloc[0])
    out = pd.DataFrame({"denominator": grid})
    used = str(funnel["limits_used"].iloc[0]) if "limits_used" in funnel else "binomial"
    if used.startswith("random"):
        x = funnel["numerator"].to_numpy(dtype=float)
        n = funnel["denominator"].to_numpy(dtype=float)
        od = stats.overdispersion(x, n, p0=p0)
        for lvl, tag in ((0.95, "95"), (0.998, "998")):
            out[f"lower{tag}"], out[f"upper{tag}"] = od.limits(grid, lvl, kind="additive")
    else:
        for lvl, tag in ((0.95, "95"), (0.998, "998")):
            out[f"lower{tag}"], out[f"upper{tag}"] = stats.funnel_limits(grid, p0, lvl, method=method)
    return out


def welfare_stage_table(counts: pd.DataFrame, *, year: int, by: str = "beneficiary_group") -> pd.DataFrame:
    """Count people at each payout stage per group in ``year``.

    Columns ``group``, ``beneficiaries``, ``with_account``, ``paid``.

    Beneficiaries are the denominator of ``welfare.account_share``; account holders its numerator; paid
    the numerator of ``welfare.paid_share`` (DOMAIN.md §1.5).  The latest period of the year is used.
    """
    rows = counts[counts["indicator"].isin([i for i, _ in WELFARE_STAGES]) & (counts["year"] == year)]
    if rows.empty:
        return pd.DataFrame(columns=["group", "beneficiaries", "with_account", "paid"])
    rows = rows[rows["period_end"] == rows["period_end"].max()]
    rows = drop_double_counting(rows)
    group = by if by in rows.columns else None
    keys = ["indicator"] + ([group] if group else [])
    g = rows.groupby(keys, dropna=False)[["numerator", "denominator"]].sum().reset_index()
    if group is None:
        g["group"] = "all"
    else:
        g = g.rename(columns={group: "group"})
        g["group"] = g["group"].fillna("all").astype(str)
    acc = g[g["indicator"] == "welfare.account_share"].set_index("group")
    paid = g[g["indicator"] == "welfare.paid_share"].set_index("group")
    out = pd.DataFrame(
        {
            "beneficiaries": acc["denominator"],
            "with_account": acc["numerator"],
            "paid": paid["numerator"].reindex(acc.index),
        }
    ).reset_index()
    return out.astype({"beneficiaries": "int64", "with_account": "int64"})


def welfare_rate_table(counts: pd.DataFrame, *, year: int, by: str = "beneficiary_group") -> pd.DataFrame:
    """Return the three welfare rates per group and for all groups (``group`` "all"), with intervals.

    The latest period of the year is used (a welfare report is a snapshot).
    """
    ids = ["welfare.account_share", "welfare.paid_share", "welfare.paid_of_holders"]
    rows = counts[counts["indicator"].isin(ids) & (counts["year"] == year)]
    if rows.empty:
        return pd.DataFrame(
            columns=["indicator", "group", "numerator", "denominator", "rate", "lower", "upper"]
        )
    rows = drop_double_counting(rows[rows["period_end"] == rows["period_end"].max()])
    total = rows.groupby("indicator")[["numerator", "denominator"]].sum().reset_index().assign(group="all")
    parts = [total]
    if by in rows.columns and rows[by].notna().any():
        g = (
            rows[rows[by].notna()]
            .groupby(["indicator", by])[["numerator", "denominator"]]
            .sum()
            .reset_index()
        )
        parts.insert(0, g.rename(columns={by: "group"}).astype({"group": str}))
    return with_ci(pd.concat(parts, ignore_index=True))


def unit_rates(counts: pd.DataFrame, *, indicator: str, year: int, level: str | None = None) -> pd.DataFrame:
    """Rates per unit in ``year`` (latest period of the year) with Wilson intervals, optionally one level."""
    rows = counts[(counts["indicator"] == indicator) & (counts["year"] == year)]
    rows = rows[rows["period_type"] == "year"] if (rows["period_type"] == "year").any() else rows
    if level is not None:
        rows = rows[rows["unit_level"] == level]
    g = rows.groupby(["unit_code", "unit_name"], sort=True)[["numerator", "denominator"]].sum().reset_index()
    return with_ci(g[g["denominator"] > 0].assign(indicator=indicator))


def province_name(crosswalk: pd.DataFrame, unit: str) -> str | None:
    """Pre-2025 province name of a unit code (its first two digits) from the crosswalk."""
    row = crosswalk[crosswalk["old_code"] == unit.split(".")[0]]
    return str(row["old_name"].iloc[0]) if len(row) else None


def published_table(published: pd.DataFrame, *, registry_ids: Sequence[str]) -> pd.DataFrame:
    """Select published rates that match a registry definition, one row per figure (for the dot plot).

    Returns ``indicator`` (the registry id: one panel per definition), ``province`` (with the period or
    scope qualifier), ``year``, ``value`` (0–1) and ``source`` (title and URL).
    """
    t = published[published["registry_id"].isin(list(registry_ids)) & published["value"].notna()].copy()
    qual = t["qualifier"].fillna("").astype(str)
    t["province"] = t["province"].where(qual == "", t["province"] + " [" + qual + "]")
    t["indicator"] = t["registry_id"]
    t["source"] = t["source_title"].astype(str) + " — " + t["source_url"].astype(str)
    return t[["indicator", "province", "year", "value", "source"]].reset_index(drop=True)


def province_totals(counts: pd.DataFrame, *, unit: str, unit_name: str) -> pd.DataFrame:
    """Whole-year totals of a province (units summed) keyed by its ``gso2004`` code, for the 2025 crosswalk.

    Empty when ``unit`` is not a two-digit province code.
    """
    if not (len(unit) == 2 and unit.isdigit()):
        return counts.iloc[0:0]
    rows = counts[(counts["period_type"] == "year") & (counts["code_system"] == "gso2004")]
    return _stats().rollup(rows, code=unit, name=unit_name)
