"""Year-over-year and multi-year trend tables from a Counts table (per unit or any grouping)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from analysis import indicators
from analysis.schemas import validate_counts
from analysis.stats.proportions import diff_ci, diff_test, proportion_ci
from analysis.stats.tables_periods import (
    SERIES_KEYS,
    aggregate,
    check_by,
    comparable_periods,
    drop_double_counting,
)
from analysis.stats.trend import glm_trend, mann_kendall, trend_test

#: Plain labels of a change (English keys) and their Vietnamese text for plots.
LABELS = ("improved", "no clear change", "worsened", "not comparable")
LABELS_VI = {
    "improved": "cải thiện",
    "no clear change": "chưa rõ thay đổi",
    "worsened": "xấu đi",
    "not comparable": "không so sánh được",
    "improving": "đang cải thiện",
    "no clear trend": "chưa rõ xu hướng",
    "worsening": "đang xấu đi",
}
#: Trend labels used by :func:`trend_table`.
TREND_LABELS = ("improving", "no clear trend", "worsening", "not comparable")


class YoyTable(pa.DataFrameModel):
    """One row per series and group: two like-for-like periods, their rates and the change between them."""

    indicator: Series[str] = pa.Field(description="indicator id")
    convention: Series[str] = pa.Field(description="definition family (never mixed in a row)")
    code_system: Series[str] = pa.Field(description="unit code system")
    periods: Series[str] = pa.Field(description="periods compared, e.g. '01–06/2025 vs 01–06/2024'")
    basis: Series[str] = pa.Field(isin=["year", "ytd"], description="whole years or year-to-date spans")
    numerator_prev: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="earlier numerator")
    denominator_prev: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="earlier denominator")
    rate_prev: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="earlier rate, 0-1")
    rate_prev_lower: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="Wilson lower")
    rate_prev_upper: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="Wilson upper")
    numerator_curr: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="later numerator")
    denominator_curr: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="later denominator")
    rate_curr: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="later rate, 0-1")
    rate_curr_lower: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="Wilson lower")
    rate_curr_upper: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="Wilson upper")
    change: Series[float] = pa.Field(nullable=True, ge=-1, le=1, description="rate_curr - rate_prev, 0-1")
    change_lower: Series[float] = pa.Field(nullable=True, ge=-1, le=1, description="Newcombe lower")
    change_upper: Series[float] = pa.Field(nullable=True, ge=-1, le=1, description="Newcombe upper")
    p_value: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="pooled two-proportion z test")
    higher_is_better: Series[bool] = pa.Field(description="indicator direction")
    label: Series[str] = pa.Field(isin=list(LABELS), description="plain label from the interval")
    note: Series[str] = pa.Field(description="how periods were built; absent units")

    class Config:
        """Grouping columns (``by``) and ``unit_name`` are extra columns."""

        strict = False
        coerce = True


def change_label(lower: np.ndarray, upper: np.ndarray, higher_is_better: np.ndarray) -> np.ndarray:
    """Label a change from its interval: excluding 0 on the good side "improved", on the bad side "worsened".

    Examples
    --------
    >>> lo, hi = np.array([0.01, -0.02, -0.03]), np.array([0.05, 0.01, -0.01])
    >>> change_label(lo, hi, np.array([True, True, False]))
    array(['improved', 'no clear change', 'improved'], dtype=object)
    """
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    up, down = lower > 0, upper < 0
    hib = np.asarray(higher_is_better, dtype=bool)
    return np.select(
        [~(np.isfinite(lower) & np.isfinite(upper)), (up & hib) | (down & ~hib), (down & hib) | (up & ~hib)],
        ["not comparable", "improved", "worsened"],
        default="no clear change",
    ).astype(object)


def yoy_table(
    counts: pd.DataFrame,
    year: int,
    *,
    by: Sequence[str] | str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Compare ``year`` with the like-for-like period a year earlier, per indicator and group.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table (``analysis.schemas``).
    year : int
        The later year. Whole years are compared when ``year`` has year rows; otherwise its year-to-date
        span (e.g. January-June 2025) is compared with the same span of the year before (see
        :func:`analysis.stats.tables_periods.comparable_periods`).
    by : str or sequence of str, optional, keyword-only
        Grouping columns besides indicator, convention and code system; default ``["unit_code"]`` (one row
        per unit). ``[]`` gives the province total (units summed); ``["beneficiary_group"]`` a breakdown.
    level : float, default 0.95, keyword-only
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Validated by :class:`YoyTable`: both periods' counts and rates with Wilson intervals, ``change``
        (0-1 scale; x100 for percentage points) with the Newcombe interval, the pooled-test ``p_value``,
        ``label`` ("improved" / "no clear change" / "worsened" / "not comparable") honouring the
        indicator's direction, ``periods`` (what was compared) and ``note``.

    Notes
    -----
    A change is labelled only when its Newcombe interval excludes 0. Groups absent in one period get
    "not comparable". Vietnamese labels: :data:`LABELS_VI`.

    References
    ----------
    Newcombe RG (1998) Stat Med 17:873-890; Wilson EB (1927) JASA 22:209-212; METHODS.md §1-3.
    """
    counts = validate_counts(counts)
    by = check_by(counts, by)
    rows = comparable_periods(drop_double_counting(counts, by), year)
    keys = SERIES_KEYS + by
    if rows.empty:
        return YoyTable.validate(_empty_yoy(keys))
    meta = rows.groupby(SERIES_KEYS).agg(periods=("periods", "first"), basis=("basis", "first")).reset_index()
    notes = rows[rows["note"] != ""].groupby(keys, dropna=False)["note"].agg(
        lambda s: "; ".join(sorted(set(s)))).rename("note_built").reset_index()
    curr = aggregate(rows[rows["side"] == "curr"], by)
    prev = aggregate(rows[rows["side"] == "prev"], by)
    out = curr.merge(prev, on=keys, how="outer", suffixes=("_curr", "_prev"))
    out = out.merge(meta, on=SERIES_KEYS, how="left").merge(notes, on=keys, how="left")
    if "unit_code" in by:
        out["unit_name"] = out["unit_name_curr"].fillna(out["unit_name_prev"])
        out = out.drop(columns=["unit_name_curr", "unit_name_prev"])
    return YoyTable.validate(_add_yoy_stats(out, year=year, level=level))


def _add_yoy_stats(out: pd.DataFrame, *, year: int, level: float) -> pd.DataFrame:
    out = out.copy()
    absent_prev, absent_curr = out["denominator_prev"].isna(), out["denominator_curr"].isna()
    for side in ("prev", "curr"):
        x = out[f"numerator_{side}"].fillna(0).astype(float)
        n = out[f"denominator_{side}"].fillna(0).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"rate_{side}"] = np.where(n > 0, x / n, np.nan)
        lo, hi = proportion_ci(x.to_numpy(), n.to_numpy(), level)
        out[f"rate_{side}_lower"], out[f"rate_{side}_upper"] = lo, hi
        out[f"numerator_{side}"] = out[f"numerator_{side}"].astype("Int64")
        out[f"denominator_{side}"] = out[f"denominator_{side}"].astype("Int64")
    args = [out[c].fillna(0).astype(float).to_numpy()
            for c in ("numerator_curr", "denominator_curr", "numerator_prev", "denominator_prev")]
    out["change"] = out["rate_curr"] - out["rate_prev"]
    out["change_lower"], out["change_upper"] = diff_ci(*args, level)
    out["p_value"] = diff_test(*args).p_value
    out["higher_is_better"] = [indicators.get(i).higher_is_better for i in out["indicator"]]
    out["label"] = change_label(out["change_lower"], out["change_upper"], out["higher_is_better"])
    note = out.pop("note_built").fillna("").astype(str)
    prev_label = out["periods"].str.split(" vs ").str[1]
    curr_label = out["periods"].str.split(" vs ").str[0]
    note = note.where(~absent_prev, note + "; no row for the earlier period " + prev_label
                      + " (nor complete monthly rows to build it)")
    note = note.where(~absent_curr, note + "; no row for " + curr_label)
    out["note"] = note.str.strip("; ")
    first = [c for c in out.columns if c not in YoyTable.to_schema().columns]
    return out[first + list(YoyTable.to_schema().columns)]


def _empty_yoy(keys: list[str]) -> pd.DataFrame:
    cols = keys + [c for c in YoyTable.to_schema().columns if c not in keys]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def trend_table(
    counts: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    years: Sequence[int] | None = None,
    link: str = "logit",
    level: float = 0.95,
) -> pd.DataFrame:
    """Multi-year trend per indicator and group from whole-year rows (ytd rows are not used).

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table.
    by : str or sequence of str, optional, keyword-only
        Grouping columns; default one row per unit, ``[]`` for the province total.
    years : sequence of int, optional, keyword-only
        Years to use (default all whole years present).
    link : {"logit", "identity"}, default "logit", keyword-only
        GLM link; a logit slope is converted to points per year (``GlmTrend.slope_points``).
    level : float, default 0.95, keyword-only
        Confidence level of the slope interval.

    Returns
    -------
    pandas.DataFrame
        Per group: ``first_year``, ``last_year``, ``n_years``, ``slope`` (0-1 scale per year; x100 =
        points per year) with ``slope_lower``/``slope_upper``, ``model`` ("binomial" or "quasi-binomial"),
        ``dispersion``, Cochran-Armitage ``ca_chi2``/``ca_p_value``, Mann-Kendall ``mk_z``/``mk_p_value``
        and ``sen_slope`` (robustness columns), ``label`` and ``note``.

    Notes
    -----
    The GLM is refitted as quasi-binomial when the Pearson dispersion exceeds 1 (with at least three
    years); with two years the dispersion cannot be estimated and the binomial model is used (``note``).
    The label is "improving" / "worsening" when the slope interval excludes 0 on the good / bad side.

    References
    ----------
    Armitage P (1955) Biometrics 11:375-386; Agresti A (2007) §3.2; METHODS.md §4.
    """
    counts = validate_counts(counts)
    by = check_by(counts, by)
    rows = drop_double_counting(counts, by)
    rows = rows[rows["period_type"] == "year"]
    if years is not None:
        rows = rows[rows["year"].isin(list(years))]
    rows = rows.assign(t=rows["year"])
    agg = aggregate(rows, by + ["t"])
    keys = SERIES_KEYS + by
    records = []
    for key, g in agg.groupby(keys, dropna=False, sort=True):
        g = g.sort_values("t")
        records.append(dict(zip(keys, key, strict=True)) | _trend_row(g, link=link, level=level))
    cols = keys + list(_trend_row(agg.iloc[0:0], link=link, level=level))
    return pd.DataFrame.from_records(records, columns=cols)


def _trend_row(g: pd.DataFrame, *, link: str, level: float) -> dict:
    x, n, t = (g[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "t"))
    ok = n > 0
    row = {"unit_name": g["unit_name"].iloc[0] if "unit_name" in g and len(g) else None,
           "first_year": int(t[ok].min()) if ok.any() else None,
           "last_year": int(t[ok].max()) if ok.any() else None, "n_years": int(ok.sum()),
           "slope": np.nan, "slope_lower": np.nan, "slope_upper": np.nan, "model": "", "dispersion": np.nan,
           "ca_chi2": np.nan, "ca_p_value": np.nan, "mk_z": np.nan, "mk_p_value": np.nan, "sen_slope": np.nan,
           "label": "not comparable", "note": ""}
    if ok.sum() < 2:
        row["note"] = "fewer than two years with data"
        return row
    if "indicator" in g:
        hib = indicators.get(g["indicator"].iloc[0]).higher_is_better
    else:  # pragma: no cover - only the empty template
        hib = True
    ca = trend_test(x, n, scores=t)
    mk = mann_kendall(x[ok] / n[ok])
    row.update(ca_chi2=ca.chi2, ca_p_value=ca.p_value, mk_z=mk.z, mk_p_value=mk.p_value, sen_slope=mk.slope)
    if np.all(x[ok] == 0) or np.all(x[ok] == n[ok]):
        row.update(slope=0.0, model="none", label="no clear trend",
                   note="rate is 0 or 1 in every year: no trend to estimate")
        return row
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PerfectSeparationWarning)
        fit = glm_trend(x, n, t, link=link)
        if ok.sum() >= 3 and fit.dispersion > 1:
            fit = glm_trend(x, n, t, link=link, quasi=True)
            row["model"] = "quasi-binomial"
        else:
            row["model"] = "binomial"
            if ok.sum() < 3:
                row["note"] = "two years: dispersion not estimable, binomial model"
    if any(issubclass(w.category, PerfectSeparationWarning) for w in caught):
        row.update(slope=ca.slope, model="least squares (GLM not estimable: rates of 0 or 1)",
                   note="slope from weighted least squares (Cochran-Armitage); no interval")
        sig = ca.p_value < 1 - level
        good = (ca.slope > 0) == hib
        row["label"] = "no clear trend" if not sig else "improving" if good else "worsening"
        return row
    lo, hi = fit.slope_ci(level)
    row.update(slope=fit.slope_points(), slope_lower=lo, slope_upper=hi, dispersion=fit.dispersion)
    lab = change_label(np.array([lo]), np.array([hi]), np.array([hib]))[0]
    row["label"] = {"improved": "improving", "worsened": "worsening",
                    "no clear change": "no clear trend"}.get(lab, lab)
    return row
