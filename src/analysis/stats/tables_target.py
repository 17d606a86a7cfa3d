"""Target attainment and seasonal tables from a Counts table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import indicators
from analysis.schemas import validate_counts
from analysis.stats.proportions import proportion_ci, target_test
from analysis.stats.seasonal import seasonal_adjust
from analysis.stats.tables_periods import SERIES_KEYS, aggregate, check_by, drop_double_counting, period_label
from analysis.stats.trend import glm_trend

#: Columns a targets table must have.
TARGET_COLUMNS = ("indicator", "unit_code", "year", "target", "source")


def _check_targets(targets: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in TARGET_COLUMNS if c not in targets.columns]
    if missing:
        raise ValueError(f"targets lacks column(s) {missing}; expected {list(TARGET_COLUMNS)}")
    for i, row in targets.reset_index(drop=True).iterrows():
        t = row["target"]
        if not (isinstance(t, int | float | np.number) and 0 < float(t) < 1):
            raise ValueError(f"targets row {i}, column 'target': expected a proportion in (0, 1); got {t!r}")
        if row["indicator"] not in indicators.REGISTRY:
            raise ValueError(f"targets row {i}, column 'indicator': unknown indicator {row['indicator']!r}")
    return targets.reset_index(drop=True)


def target_table(counts: pd.DataFrame, targets: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Point against target, projection with a prediction interval, chance of reaching it, change needed.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table.
    targets : pandas.DataFrame
        Columns ``indicator``, ``unit_code`` (NaN = the province: units summed), ``year``, ``target``
        (0-1 scale) and ``source``.
    level : float, default 0.95, keyword-only
        Level of the Wilson interval and of the projection's intervals.

    Returns
    -------
    pandas.DataFrame
        One row per target: the observed point (``observed_period``: the target year, its year-to-date
        span when the year is partial, else the latest whole year before it) with Wilson interval,
        ``score_z``/``score_p`` (score test with the variance at the target), ``versus_target`` ("better" /
        "not significantly different" / "worse", honouring direction) and ``reached``; then
        ``projection_year`` (the target year if later than the last whole year, else the next year),
        ``projection`` with ``pi_lower``/``pi_upper``, ``prob_reach`` and ``change_needed_per_year``
        ((target - last whole-year rate) / years left, 0-1 scale), ``model`` and ``note``.

    Notes
    -----
    Projection: binomial GLM on whole years (logit link; quasi-binomial when the Pearson dispersion
    exceeds 1 with three or more years), :meth:`analysis.stats.GlmTrend.predict` with the last whole
    year's denominator; the prediction interval is for the rate that will be observed if the trend
    continues. The target lies outside the Wilson interval exactly when the score test rejects.

    References
    ----------
    METHODS.md §3 (score test, ``prop_var`` = target) and §9.
    """
    counts = validate_counts(counts)
    targets = _check_targets(targets)
    records = []
    for _, t in targets.iterrows():
        records.append(_one_target(counts, t, level=level))
    return pd.DataFrame.from_records(records)


def _one_target(counts: pd.DataFrame, t: pd.Series, *, level: float) -> dict:
    ind = indicators.get(t["indicator"])
    target, tyear = float(t["target"]), int(t["year"])
    sub = counts[counts["indicator"] == ind.id]
    province = pd.isna(t["unit_code"])
    by = [] if province else ["unit_code"]
    sub = drop_double_counting(sub, by) if province else sub[sub["unit_code"] == str(t["unit_code"])]
    rec = {"indicator": ind.id, "unit_code": None if province else str(t["unit_code"]), "target_year": tyear,
           "target": target, "target_source": t["source"], "higher_is_better": ind.higher_is_better}
    notes = []
    if sub["convention"].nunique() > 1:
        conv = ind.convention if ind.convention in set(sub["convention"]) else sorted(sub["convention"])[0]
        sub = sub[sub["convention"] == conv]
        notes.append(f"convention {conv} used")
    years = aggregate(sub[sub["period_type"] == "year"].assign(t=sub["year"]), ["t"]).sort_values("t")
    years = years[years["denominator"] > 0]
    ytd = sub[(sub["period_type"] == "ytd") & (sub["year"] == tyear)]
    if (years["t"] == tyear).any():
        point = years[years["t"] == tyear].iloc[0]
        rec["observed_period"] = str(tyear)
    elif len(ytd):
        s, e = ytd["period_start"].mode().iloc[0], ytd["period_end"].mode().iloc[0]
        point = aggregate(ytd[(ytd["period_start"] == s) & (ytd["period_end"] == e)], []).iloc[0]
        rec["observed_period"] = period_label(s, e)
        notes.append("partial year: year to date")
    elif len(years[years["t"] < tyear]):
        point = years[years["t"] < tyear].iloc[-1]
        rec["observed_period"] = str(int(point["t"]))
        notes.append("target year not observed: latest whole year")
    else:
        point = None
        rec["observed_period"] = ""
        notes.append("no data")
    if point is not None:
        x, n = float(point["numerator"]), float(point["denominator"])
        lo, hi = proportion_ci(x, n, level)
        test = target_test(x, n, target)
        better = (x / n > target) == ind.higher_is_better
        alpha = 1 - level
        rec |= {"numerator": x, "denominator": n, "rate": x / n, "lower": lo, "upper": hi,
                "score_z": test.z, "score_p": test.p_value,
                "versus_target": ("not significantly different" if test.p_value >= alpha
                                  else "better" if better else "worse"),
                "reached": bool(x / n >= target) if ind.higher_is_better else bool(x / n <= target)}
    rec |= _projection(years, tyear, target, ind.higher_is_better, level=level, notes=notes)
    rec["note"] = "; ".join(notes)
    return rec


def _projection(
    years: pd.DataFrame, tyear: int, target: float, hib: bool, *, level: float, notes: list
) -> dict:
    out = {"projection_year": np.nan, "projection": np.nan, "pi_lower": np.nan, "pi_upper": np.nan,
           "prob_reach": np.nan, "change_needed_per_year": np.nan, "model": ""}
    if len(years) < 2:
        notes.append("fewer than two whole years: no projection")
        return out
    x, n, tt = (years[c].to_numpy(float) for c in ("numerator", "denominator", "t"))
    fit = glm_trend(x, n, tt)
    quasi = len(years) >= 3 and fit.dispersion > 1
    if quasi:
        fit = glm_trend(x, n, tt, quasi=True)
    last = int(tt[-1])
    horizon = tyear if tyear > last else last + 1
    pred = fit.predict([horizon], level).iloc[0]
    out |= {"projection_year": horizon, "projection": pred["mean"], "pi_lower": pred["pi_lower"],
            "pi_upper": pred["pi_upper"], "prob_reach": fit.prob_reach(horizon, target, higher_is_better=hib),
            "change_needed_per_year": (target - x[-1] / n[-1]) / (horizon - last),
            "model": "quasi-binomial" if quasi else "binomial"}
    return out


def seasonal_table(
    counts: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    period: int = 12,
    seasonal: int = 7,
    level: float = 0.95,
) -> pd.DataFrame:
    """Monthly rate with its Wilson interval, STL trend and seasonally adjusted series, per group.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table; its monthly rows are used.
    by : str or sequence of str, optional, keyword-only
        Grouping columns (default per unit; ``[]`` for the province total).
    period, seasonal : int, keyword-only
        STL settings (R ``stl`` parity, :func:`analysis.stats.seasonal_adjust`).
    level : float, default 0.95, keyword-only
        Level of the monthly Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        Per group and month: ``period_start``, ``numerator``, ``denominator``, ``rate``, ``lower``,
        ``upper``, ``trend``, ``seasonal``, ``adjusted`` (rate minus seasonal) and ``note``. STL columns
        are NaN (with a note) when the series is shorter than two years, has a gap, or a month without cases.

    References
    ----------
    Cleveland RB et al. (1990) J Off Stat 6:3-73; METHODS.md §5.
    """
    counts = validate_counts(counts)
    by = check_by(counts, by)
    rows = drop_double_counting(counts, by)
    rows = rows[rows["period_type"] == "month"]
    agg = aggregate(rows, by + ["period_start"])
    keys = SERIES_KEYS + by
    pieces = []
    for _, g in agg.groupby(keys, dropna=False, sort=True):
        g = g.sort_values("period_start").reset_index(drop=True)
        x, n = g["numerator"].to_numpy(float), g["denominator"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            g["rate"] = np.where(n > 0, x / n, np.nan)
        g["lower"], g["upper"] = proportion_ci(x, n, level)
        starts = pd.DatetimeIndex(g["period_start"])
        expected = pd.date_range(starts.min(), starts.max(), freq="MS")
        note = ""
        if len(expected) != len(starts) or not (starts == expected).all():
            note = "months missing: no seasonal adjustment"
        elif (n == 0).any():
            note = "a month without cases: no seasonal adjustment"
        elif len(g) < 2 * period:
            note = f"fewer than {2 * period} months: no seasonal adjustment"
        if note:
            g["trend"] = g["seasonal"] = g["adjusted"] = np.nan
        else:
            dec = seasonal_adjust(g["rate"], period=period, seasonal=seasonal)
            g["trend"], g["seasonal"], g["adjusted"] = dec["trend"], dec["seasonal"], dec["adjusted"]
        pieces.append(g.assign(note=note))
    if not pieces:
        return pd.DataFrame(columns=keys + ["period_start", "rate", "trend", "seasonal", "adjusted", "note"])
    return pd.concat(pieces, ignore_index=True)
