"""Targets and projections from a Counts table: the one pipeline the notebooks use.

``unit_targets`` picks a unit's targets, ``target_value`` the one that applies to a year, ``target_table``
judges the latest point against each target and projects the trend, ``projection_table`` gives the
projected path year by year with the chance of reaching the target. All projections come from
:func:`analysis.stats.trend.fit_trend` (quasi-binomial, t on k - 2 df) through :func:`project`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import indicators
from analysis.schemas import validate_counts
from analysis.stats.proportions import proportion_ci, target_test
from analysis.stats.tables_periods import SERIES_KEYS, aggregate, drop_double_counting, period_label
from analysis.stats.tables_seasonal import seasonal_table  # noqa: F401  (re-exported)
from analysis.stats.trend import fit_trend

#: Columns a targets table must have.
TARGET_COLUMNS = ("indicator", "unit_code", "year", "target", "source")
#: Fewest whole years for a projection: the year-to-year variation needs k - 2 >= 1 df.
MIN_PROJECTION_YEARS = 3
#: Note of a series too short to project (its projection columns are NaN).
TOO_FEW_YEARS = "too few years to project"


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


def unit_targets(targets: pd.DataFrame | None, *, unit: str, counts: pd.DataFrame) -> pd.DataFrame:
    """Targets of ``unit`` for registry indicators, ready for :func:`target_table`.

    Keeps rows whose ``unit_code`` is ``unit`` and whose target lies strictly between 0 and 1; when the
    Counts table holds the unit only through the units under it, ``unit_code`` is set to NaN (the
    province: units summed), as :func:`target_table` expects.
    """
    if targets is None or len(targets) == 0:
        return pd.DataFrame(columns=list(TARGET_COLUMNS))
    inside = (targets["target"] > 0) & (targets["target"] < 1)
    t = targets[(targets["unit_code"].astype(str) == unit) & inside]
    t = t[t["indicator"].isin(list(indicators.REGISTRY))].copy()
    own = set(counts.loc[counts["unit_level"] != "province", "unit_code"].astype(str))
    if unit not in own:
        t["unit_code"] = np.nan
    return t.reset_index(drop=True)


def latest_targets(targets: pd.DataFrame | None, *, year: int) -> pd.DataFrame:
    """Return the target that applies to ``year`` per indicator: the latest set for ``year`` or before.

    Returns a frame indexed by indicator with ``target`` and ``target_year`` (empty without targets).

    >>> t = pd.DataFrame({"indicator": ["a", "a"], "year": [2023, 2026], "target": [0.98, 0.99]})
    >>> latest_targets(t, year=2024).loc["a"].tolist()
    [0.98, 2023.0]
    """
    if targets is None or len(targets) == 0 or not {"indicator", "target", "year"} <= set(targets.columns):
        return pd.DataFrame(columns=["target", "target_year"], dtype=float)
    t = targets.dropna(subset=["target"])
    t = t[t["year"] <= year].sort_values("year")
    out = t.groupby("indicator").agg(target=("target", "last"), target_year=("year", "last"))
    return out.astype(float)


def target_value(targets: pd.DataFrame | None, indicator: str, *, year: int) -> float | None:
    """Return the target of ``indicator`` that applies to ``year`` (latest set for it or before), or None.

    >>> t = pd.DataFrame({"indicator": ["a", "a"], "year": [2023, 2026], "target": [0.98, 0.99]})
    >>> target_value(t, "a", year=2024), target_value(t, "b", year=2024)
    (0.98, None)
    """
    found = latest_targets(targets, year=year)
    return float(found.loc[indicator, "target"]) if indicator in found.index else None


def attach_targets(table: pd.DataFrame, targets: pd.DataFrame | None, *, year: int) -> pd.DataFrame:
    """Add ``target`` and ``target_year`` (:func:`latest_targets`) to a table with an ``indicator`` column."""
    found = latest_targets(targets, year=year)
    out = table.copy()
    out["target"] = out["indicator"].map(found["target"]).astype(float)
    out["target_year"] = out["indicator"].map(found["target_year"]).astype(float)
    return out


def yearly_counts(sub: pd.DataFrame) -> pd.DataFrame:
    """One row per series and year (``t``, ``numerator``, ``denominator``), units summed.

    Whole-year rows when the series has them; a series reported only for shorter periods (a snapshot
    such as a welfare report) takes the last period of each year. Years without cases are dropped.
    """
    if sub.empty:
        return pd.DataFrame(columns=SERIES_KEYS + ["t", "numerator", "denominator"])
    is_year = sub["period_type"] == "year"
    has_year = is_year.groupby([sub[k] for k in SERIES_KEYS]).transform("any").astype(bool)
    other = sub[~has_year]
    last = other.groupby(SERIES_KEYS + ["year"])["period_end"].transform("max")
    rows = pd.concat([sub[has_year & is_year], other[other["period_end"] == last]])
    years = rows.groupby(SERIES_KEYS + ["year"], sort=True)[["numerator", "denominator"]].sum().reset_index()
    years = years.rename(columns={"year": "t"})
    return years[years["denominator"] > 0].reset_index(drop=True)


def project(
    years: pd.DataFrame, horizons: Sequence[int], *, level: float = 0.95
) -> tuple[object, pd.DataFrame, str]:
    """Fit the trend of ``years`` (:func:`yearly_counts`) and predict ``horizons``.

    Returns ``(fit, prediction, note)``: ``fit`` is None and ``note`` says why when the series is too
    short (fewer than :data:`MIN_PROJECTION_YEARS` whole years) or the fit is refused.
    """
    if len(years) < MIN_PROJECTION_YEARS:
        return None, pd.DataFrame(), (
            f"{TOO_FEW_YEARS}: {len(years)} whole year(s); the year-to-year variation needs "
            f"{MIN_PROJECTION_YEARS} or more")
    x, n, t = (years[c].to_numpy(float) for c in ("numerator", "denominator", "t"))
    fit = fit_trend(x, n, t)
    if not fit.model:
        return None, pd.DataFrame(), f"{TOO_FEW_YEARS}: {fit.note}"
    note = (f"quasi-binomial trend on {len(years)} years, phi = max(1, {fit.dispersion:.3g}), "
            f"t on {fit.df_resid} df; the interval is for the rate observed if the trend continues")
    return fit, fit.predict(list(horizons), level), note


def target_table(counts: pd.DataFrame, targets: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    r"""Point against target, projection with a prediction interval, chance of reaching it, change needed.

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
        ``projection`` with ``pi_lower``/``pi_upper``, ``prob_reach``, ``change_needed_per_year``
        ((target - last whole-year rate) / years left, 0-1 scale), ``model``, ``dispersion``, ``df`` and
        ``note``. With fewer than three whole years the projection columns are NaN and the note says
        "too few years to project".

    Notes
    -----
    Projection: :func:`analysis.stats.trend.fit_trend` on the whole years (logit link, quasi-binomial
    with scale max(1, X²/(k-2))), :meth:`analysis.stats.GlmTrend.predict` with the latest year's
    denominator: on the logit scale :math:`\hat\eta \pm t_{k-2}\sqrt{\mathrm{se}(\hat\eta)^2 +
    \phi/(n\hat\mu(1-\hat\mu))}`, the interval for the rate that will be *observed* if the trend
    continues; ``prob_reach`` from the same t distribution. A normal quantile with an estimated
    dispersion, or the binomial model, under-covers badly with few years (METHODS.md §12), hence no
    projection from two years. The target lies outside the Wilson interval exactly when the score test
    rejects.

    References
    ----------
    McCullagh P, Nelder JA (1989) *Generalized Linear Models*, 2nd ed., ch. 4 and 9. METHODS.md §3
    (score test, ``prop_var`` = target), §9 and §12.
    """
    counts = validate_counts(counts)
    targets = _check_targets(targets)
    records = []
    for _, t in targets.iterrows():
        records.append(_one_target(counts, t, level=level))
    return pd.DataFrame.from_records(records)


def _series(counts: pd.DataFrame, indicator: str, unit: object) -> tuple[pd.DataFrame, list[str]]:
    ind = indicators.get(indicator)
    sub = counts[counts["indicator"] == ind.id]
    province = pd.isna(unit)
    sub = drop_double_counting(sub, []) if province else sub[sub["unit_code"] == str(unit)]
    notes = []
    if sub["convention"].nunique() > 1:
        conv = ind.convention if ind.convention in set(sub["convention"]) else sorted(sub["convention"])[0]
        sub = sub[sub["convention"] == conv]
        notes.append(f"convention {conv} used")
    return sub, notes


def _one_target(counts: pd.DataFrame, t: pd.Series, *, level: float) -> dict:
    ind = indicators.get(t["indicator"])
    target, tyear = float(t["target"]), int(t["year"])
    sub, notes = _series(counts, ind.id, t["unit_code"])
    province = pd.isna(t["unit_code"])
    rec = {"indicator": ind.id, "unit_code": None if province else str(t["unit_code"]), "target_year": tyear,
           "target": target, "target_source": t["source"], "higher_is_better": ind.higher_is_better}
    years = yearly_counts(sub)
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
        rec |= {"numerator": x, "denominator": n, "rate": x / n, "lower": lo, "upper": hi,
                "score_z": test.z, "score_p": test.p_value,
                "versus_target": ("not significantly different" if test.p_value >= 1 - level
                                  else "better" if better else "worse"),
                "reached": bool(x / n >= target) if ind.higher_is_better else bool(x / n <= target)}
    rec |= _projection(years, tyear, target, ind.higher_is_better, level=level, notes=notes)
    rec["note"] = "; ".join(notes)
    return rec


def _projection(
    years: pd.DataFrame, tyear: int, target: float, hib: bool, *, level: float, notes: list
) -> dict:
    out = {"projection_year": np.nan, "projection": np.nan, "pi_lower": np.nan, "pi_upper": np.nan,
           "prob_reach": np.nan, "change_needed_per_year": np.nan, "model": "", "dispersion": np.nan,
           "df": np.nan}
    last = int(years["t"].iloc[-1]) if len(years) else None
    horizon = None if last is None else tyear if tyear > last else last + 1
    fit, pred, note = project(years, [] if horizon is None else [horizon], level=level)
    notes.append(note)
    if last is not None:
        x_last, n_last = float(years["numerator"].iloc[-1]), float(years["denominator"].iloc[-1])
        out |= {"projection_year": horizon,
                "change_needed_per_year": (target - x_last / n_last) / (horizon - last)}
    if fit is None:
        return out
    row = pred.iloc[0]
    out |= {"projection": row["mean"], "pi_lower": row["pi_lower"], "pi_upper": row["pi_upper"],
            "prob_reach": fit.prob_reach(horizon, target, higher_is_better=hib), "model": fit.model,
            "dispersion": fit.dispersion, "df": fit.df_resid}
    return out


def projection_table(
    counts: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    *,
    to_year: int,
    level: float = 0.95,
) -> pd.DataFrame:
    """Projected yearly rate of every series in ``counts`` up to ``to_year``, with the chance of a target.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table already restricted to the unit of interest (units are summed, double counting
        dropped), e.g. ``analysis.counts.subset(in_scope(counts, unit), indicator=...)``.
    targets : pandas.DataFrame, optional
        Targets (``indicator``, ``year``, ``target``): each projected year is compared with the target
        that applies to it (:func:`latest_targets`).
    to_year : int, keyword-only
        Last year to project to.
    level : float, default 0.95, keyword-only
        Level of the prediction interval.

    Returns
    -------
    pandas.DataFrame
        One row per series and projected year (after the last whole year, up to ``to_year``):
        ``indicator``, ``convention``, ``year``, ``rate`` (projection), ``lower``/``upper`` (prediction
        interval: the same columns as :func:`analysis.stats.series.yearly_rates`, so the plots take
        both), ``target``, ``target_year``, ``prob_reach`` (NaN without a target), ``higher_is_better``,
        ``model``, ``dispersion``, ``df`` and ``note``. A series with fewer than three whole years gives
        one row for ``to_year`` with NaN projection and the note "too few years to project".

    Notes
    -----
    The same model as :func:`target_table` (:func:`project`).
    """
    counts = validate_counts(counts)
    records = []
    scoped = drop_double_counting(counts, [])
    by_series = dict(list(yearly_counts(scoped).groupby(SERIES_KEYS)))
    present = scoped[SERIES_KEYS].drop_duplicates().sort_values(SERIES_KEYS)
    for ind, conv, system in present.itertuples(index=False):
        years = by_series.get((ind, conv, system), pd.DataFrame(columns=["t", "numerator", "denominator"]))
        years = years.reset_index(drop=True)
        hib = indicators.get(ind).higher_is_better
        last = int(years["t"].iloc[-1]) if len(years) else to_year - 1
        horizons = list(range(last + 1, max(to_year, last + 1) + 1))
        fit, pred, note = project(years, horizons, level=level)
        for i, y in enumerate(horizons if fit is not None else [max(to_year, last + 1)]):
            found = latest_targets(targets, year=y)
            target = float(found.loc[ind, "target"]) if ind in found.index else np.nan
            rec = {"indicator": ind, "convention": conv, "year": y, "rate": np.nan, "lower": np.nan,
                   "upper": np.nan, "target": target,
                   "target_year": float(found.loc[ind, "target_year"]) if ind in found.index else np.nan,
                   "prob_reach": np.nan, "higher_is_better": hib, "model": "", "dispersion": np.nan,
                   "df": np.nan, "note": note}
            if fit is not None:
                p = pred.iloc[i]
                rec |= {"rate": p["mean"], "lower": p["pi_lower"], "upper": p["pi_upper"], "model": fit.model,
                        "dispersion": fit.dispersion, "df": fit.df_resid}
                if np.isfinite(target):
                    rec["prob_reach"] = fit.prob_reach(y, target, higher_is_better=hib)
            records.append(rec)
    cols = ["indicator", "convention", "year", "rate", "lower", "upper", "target", "target_year",
            "prob_reach", "higher_is_better", "model", "dispersion", "df", "note"]
    return pd.DataFrame.from_records(records, columns=cols)
