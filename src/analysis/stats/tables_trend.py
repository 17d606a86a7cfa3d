"""Multi-year trend table from a Counts table: quasi-binomial slope with t intervals, and its verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import indicators
from analysis.schemas import validate_counts
from analysis.stats.tables_periods import SERIES_KEYS, aggregate, check_by, drop_double_counting
from analysis.stats.trend import fit_trend, mann_kendall, trend_test
from analysis.stats.verdicts import LABELS_VI, TREND_LABELS, TREND_OF, materiality_for, verdict

__all__ = ["TREND_LABELS", "trend_table"]


def trend_table(
    counts: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    years: Sequence[int] | None = None,
    link: str = "logit",
    level: float = 0.95,
    materiality: float | Mapping[str, float] | None = None,
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
        GLM link; a logit slope is converted to points per year (``GlmTrend.slope_points``). An identity
        fit without a valid line inside (0, 1) is refused (note) rather than labelled.
    level : float, default 0.95, keyword-only
        Confidence level of the slope interval.
    materiality : float or mapping indicator -> float, optional, keyword-only
        Smallest change per year that matters (0-1 scale), overriding the registry's.

    Returns
    -------
    pandas.DataFrame
        Per group: ``first_year``, ``last_year``, ``n_years``, ``slope`` (0-1 scale per year; x100 =
        points per year) with ``slope_lower``/``slope_upper``, ``p_value`` (same model and quantile),
        ``model``, ``dispersion`` (Pearson X²/(k-2)), ``df``, ``materiality``, Cochran-Armitage
        ``ca_chi2``/``ca_p_value``, Mann-Kendall ``mk_z``/``mk_p_value`` and ``sen_slope`` (robustness
        columns, binomial / unweighted), ``label``, ``label_vi`` and ``note``.

    Notes
    -----
    The slope comes from :func:`analysis.stats.trend.fit_trend`: with three or more years a
    quasi-binomial GLM whose scale is max(1, X²/(k-2)), Wald interval and p-value on t with k - 2 df
    (year-to-year process variation is estimated, never assumed away). Two years give no dispersion:
    the slope is shown but not judged ("not comparable", note: use the year-over-year table). Verdict
    as in the YoY table (:func:`analysis.stats.verdicts.verdict`): "stable" when the slope interval lies
    inside ± materiality per year; "improving" / "worsening" when it excludes 0 on the good / bad side;
    else "no clear trend". Separation (rates of 0 before, of 1 after) has no finite logit fit: the
    weighted least-squares slope and the Cochran-Armitage test are reported instead (binomial, note).

    References
    ----------
    Armitage P (1955) Biometrics 11:375-386; Agresti A (2007) §3.2; McCullagh P, Nelder JA (1989)
    *Generalized Linear Models*, ch. 4 and 9; METHODS.md §4, §12.
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
        ind = str(g["indicator"].iloc[0])
        records.append(dict(zip(keys, key, strict=True))
                       | _trend_row(g, link=link, level=level, materiality=materiality_for(ind, materiality)))
    cols = keys + list(_trend_row(agg.iloc[0:0], link=link, level=level, materiality=0.01))
    return pd.DataFrame.from_records(records, columns=cols)


def _trend_row(g: pd.DataFrame, *, link: str, level: float, materiality: float) -> dict:
    x, n, t = (g[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "t"))
    ok = n > 0
    row = {"unit_name": g["unit_name"].iloc[0] if "unit_name" in g and len(g) else None,
           "first_year": int(t[ok].min()) if ok.any() else None,
           "last_year": int(t[ok].max()) if ok.any() else None, "n_years": int(ok.sum()),
           "slope": np.nan, "slope_lower": np.nan, "slope_upper": np.nan, "p_value": np.nan, "model": "",
           "dispersion": np.nan, "df": np.nan, "materiality": materiality, "ca_chi2": np.nan,
           "ca_p_value": np.nan, "mk_z": np.nan, "mk_p_value": np.nan, "sen_slope": np.nan,
           "label": "not comparable", "label_vi": LABELS_VI["not comparable"], "note": ""}
    if ok.sum() < 2:
        row["note"] = "fewer than two years with data"
        return row
    hib = indicators.get(g["indicator"].iloc[0]).higher_is_better
    ca = trend_test(x, n, scores=t)
    mk = mann_kendall(x[ok] / n[ok])
    row.update(ca_chi2=ca.chi2, ca_p_value=ca.p_value, mk_z=mk.z, mk_p_value=mk.p_value, sen_slope=mk.slope)
    if np.all(x[ok] == 0) or np.all(x[ok] == n[ok]):
        row.update(slope=0.0, model="none", label="no clear trend", label_vi=LABELS_VI["no clear trend"],
                   note="rate is 0 or 1 in every year: no trend to estimate")
        return row
    fit = fit_trend(x, n, t, link=link)
    if not fit.model and fit.note.startswith("separation"):
        sig = ca.p_value < 1 - level
        label = "no clear trend" if not sig else "improving" if (ca.slope > 0) == hib else "worsening"
        row.update(slope=ca.slope, p_value=ca.p_value,
                   model="least squares (GLM not estimable: rates of 0 or 1)",
                   label=label, label_vi=LABELS_VI[label],
                   note=f"{fit.note}; slope from weighted least squares, Cochran-Armitage test (binomial); "
                        "no interval")
        return row
    if not fit.model:
        row["note"] = fit.note
        return row
    lo, hi = fit.slope_ci(level)
    row.update(slope=fit.slope_points(), slope_lower=lo, slope_upper=hi, p_value=fit.slope_p_value(),
               model=fit.model, dispersion=fit.dispersion, df=fit.df_resid if fit.quasi else np.inf)
    if not fit.quasi:
        row["note"] = fit.note + "; a trend needs three years or more (see the year-over-year table)"
        return row
    label = TREND_OF[verdict(np.array([lo]), np.array([hi]), np.array([hib]), np.array([materiality]))[0]]
    row.update(label=label, label_vi=LABELS_VI[label],
               note=f"quasi-binomial, phi = max(1, {fit.dispersion:.3g}), t on {fit.df_resid} df")
    return row
