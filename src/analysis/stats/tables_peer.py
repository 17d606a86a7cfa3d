"""Peer comparison tables from a Counts table: funnel (units vs the overall rate), Kitagawa decomposition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import indicators
from analysis.schemas import validate_counts
from analysis.stats.decompose import decompose_change, decompose_product
from analysis.stats.funnel import PHE_LABELS, funnel_limits, funnel_significance, overdispersion
from analysis.stats.tables_periods import (
    SERIES_KEYS,
    aggregate,
    check_by,
    comparable_periods,
    drop_double_counting,
)

#: Direction-aware reading of a PHE label: (higher is better, label) -> assessment.
ASSESSMENT = {
    (True, "High"): "better", (True, "Low"): "worse", (False, "High"): "worse", (False, "Low"): "better",
}


def _target_for(target: float | Mapping[str, float] | None, indicator: str) -> float | None:
    if target is None:
        return None
    if isinstance(target, Mapping):
        return None if target.get(indicator) is None else float(target[indicator])
    return float(target)


def funnel_table(
    counts: pd.DataFrame,
    year: int,
    target: float | Mapping[str, float] | None = None,
    method: str = "score",
    *,
    by: Sequence[str] | str | None = None,
    trim: float = 0.1,
) -> pd.DataFrame:
    """Each unit's rate in ``year`` against the overall rate, with funnel limits, labels and a target line.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table; the period is chosen as in :func:`analysis.stats.tables.yoy_table` (the whole
        year, or the year-to-date span of a partial year).
    year : int
        Year to compare.
    target : float or mapping indicator -> float, optional
        A target (0-1 scale) shown as a reference line (``target`` column). It is not the centre: the
        limits, the overdispersion and the labels are always around the overall rate of the units
        (Spiegelhalter 2005; FunnelPlotR, PHE), so the funnel answers "which units differ from the
        others" whatever the target.
    method : {"score", "exact"}, default "score"
        Binomial limits: PHE score limits or Spiegelhalter exact limits.
    by : str or sequence of str, optional, keyword-only
        Grouping columns (default one point per unit).
    trim : float, default 0.1, keyword-only
        Winsorising fraction for the overdispersion estimate.

    Returns
    -------
    pandas.DataFrame
        Per point: counts, ``rate``, ``baseline`` (the overall rate) and ``baseline_kind``, ``target``
        (NaN when none),
        binomial limits ``lower95``..``upper998``, random-effects limits ``od_lower95``..``od_upper998``,
        ``phi``, ``tau2``, ``limits_used`` (which limits the label uses), ``significance`` (PHE label) and
        ``assessment`` ("better" / "similar" / "worse", honouring the indicator's direction).

    Notes
    -----
    The random-effects limits (Spiegelhalter 2005, arcsine scale) are used when the points are
    overdispersed: ``N * phi`` above the 95th percentile of chi-squared on N - 1 df. phi and tau2 are
    estimated around the overall rate: around a target they would measure the distance to the target,
    not the spread between units (20 units all at 0.95 against a 0.99 target would give phi in the
    thousands and every unit "similar").

    References
    ----------
    Spiegelhalter DJ (2005) Stat Med 24:1185-1202; Qual Saf Health Care 14:347-351. PHEindicatormethods
    (UKHSA). METHODS.md §7.
    """
    counts = validate_counts(counts)
    by = check_by(counts, by)
    rows = comparable_periods(drop_double_counting(counts, by), year)
    rows = rows[rows["side"] == "curr"]
    pieces = []
    for key, sub in rows.groupby(SERIES_KEYS, sort=True):
        pts = aggregate(sub, by).assign(period=sub["periods"].iloc[0].split(" vs ")[0])
        pieces.append(_funnel_points(pts, key[0], _target_for(target, key[0]), method=method, trim=trim))
    if not pieces:
        return pd.DataFrame(columns=SERIES_KEYS + by + ["rate", "significance"])
    return pd.concat(pieces, ignore_index=True)


def _funnel_points(pts: pd.DataFrame, indicator: str, target: float | None, *, method: str, trim: float):
    x, n = pts["numerator"].to_numpy(dtype=float), pts["denominator"].to_numpy(dtype=float)
    p0 = x.sum() / n.sum() if n.sum() > 0 else np.nan
    out = pts.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(n > 0, x / n, np.nan)
    out["baseline"] = p0
    out["baseline_kind"] = "overall rate"
    out["target"] = np.nan if target is None else float(target)
    if not 0 < p0 < 1:
        out["limits_used"], out["significance"], out["assessment"] = "none (baseline is 0 or 1)", "", ""
        return out
    limits = {}
    for lvl, tag in ((0.95, "95"), (0.998, "998")):
        limits[f"lower{tag}"], limits[f"upper{tag}"] = funnel_limits(n, p0, lvl, method=method)
    od = overdispersion(x, n, trim=trim)  # around the overall rate, never a target
    for lvl, tag in ((0.95, "95"), (0.998, "998")):
        limits[f"od_lower{tag}"], limits[f"od_upper{tag}"] = od.limits(n, lvl, kind="additive")
    for k, v in limits.items():
        out[k] = v
    out["phi"], out["tau2"] = od.phi, od.tau2
    used = "od_" if od.overdispersed else ""
    out["limits_used"] = (
        f"random effects (Spiegelhalter 2005; phi = {od.phi:.3g}, tau2 = {od.tau2:.3g})"
        if od.overdispersed else f"binomial ({method})"
    )
    out["significance"] = funnel_significance(
        x, n, *(limits[f"{used}{s}"] for s in ("lower95", "upper95", "lower998", "upper998"))
    )
    hib = indicators.get(indicator).higher_is_better
    out["assessment"] = [
        "" if s == "" else "similar" if s == PHE_LABELS[2] else ASSESSMENT[(hib, s.split(" ")[0])]
        for s in out["significance"]
    ]
    return out


def decompose_table(
    counts: pd.DataFrame, year: int, *, by: Sequence[str] | str | None = None
) -> pd.DataFrame:
    """How much of the change in the province-wide rate comes from units' performance vs the dossier mix.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table; periods compared like for like as in :func:`analysis.stats.tables.yoy_table`.
    year : int
        The later year.
    by : str or sequence of str, optional, keyword-only
        The groups whose mix changes (default units).

    Returns
    -------
    pandas.DataFrame
        Per group: ``share_prev``/``share_curr`` (share of the denominator), ``rate_prev``/``rate_curr``,
        ``mix``, ``rate_effect`` and ``contribution`` (= mix + rate_effect); then one row per series with
        ``is_total`` True holding the province-wide ``rate_prev``, ``rate_curr`` and the totals
        (``contribution`` = the change in the overall rate). A group absent in one period contributes
        through the mix only.

    Notes
    -----
    Kitagawa (1955) symmetric decomposition, :func:`analysis.stats.decompose_change`.

    References
    ----------
    Kitagawa EM (1955) JASA 50:1168-1194; METHODS.md §8.
    """
    counts = validate_counts(counts)
    by = check_by(counts, by)
    rows = comparable_periods(drop_double_counting(counts, by), year)
    keys = SERIES_KEYS + by
    pieces = []
    for _, sub in rows.groupby(SERIES_KEYS, sort=True):
        curr = aggregate(sub[sub["side"] == "curr"], by)
        prev = aggregate(sub[sub["side"] == "prev"], by)
        g = curr.merge(prev, on=keys, how="outer", suffixes=("_curr", "_prev"))
        n1 = g["denominator_prev"].fillna(0).to_numpy(float)
        n2 = g["denominator_curr"].fillna(0).to_numpy(float)
        if n1.sum() <= 0 or n2.sum() <= 0:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            r1 = np.where(n1 > 0, g["numerator_prev"].fillna(0).to_numpy(float) / n1, np.nan)
            r2 = np.where(n2 > 0, g["numerator_curr"].fillna(0).to_numpy(float) / n2, np.nan)
        d = decompose_change(n1, r1, n2, r2)
        part = g[keys].copy()
        if "unit_code" in by:
            part["unit_name"] = g["unit_name_curr"].fillna(g["unit_name_prev"])
        part = part.assign(periods=sub["periods"].iloc[0], share_prev=d.by_group["w1"].to_numpy(),
                           share_curr=d.by_group["w2"].to_numpy(), rate_prev=r1, rate_curr=r2,
                           mix=d.by_group["mix"].to_numpy(), rate_effect=d.by_group["rate"].to_numpy(),
                           contribution=d.by_group["total"].to_numpy(), is_total=False)
        total = {k: part[k].iloc[0] for k in SERIES_KEYS} | {c: "total" for c in by}
        total |= {"periods": part["periods"].iloc[0], "share_prev": 1.0, "share_curr": 1.0,
                  "rate_prev": d.crude1, "rate_curr": d.crude2, "mix": d.mix, "rate_effect": d.rate,
                  "contribution": d.total, "is_total": True}
        pieces += [part, pd.DataFrame([total])]
    if not pieces:
        return pd.DataFrame(columns=keys + ["mix", "rate_effect", "contribution", "is_total"])
    return pd.concat(pieces, ignore_index=True)


#: The welfare product: paid share = account share x paid-of-holders share (DOMAIN.md §1.5).
WELFARE_PRODUCT = ("welfare.paid_share", ("welfare.account_share", "welfare.paid_of_holders"))


def decompose_product_table(
    counts: pd.DataFrame,
    year: int,
    *,
    rate: str = WELFARE_PRODUCT[0],
    factors: tuple[str, str] = WELFARE_PRODUCT[1],
    by: Sequence[str] | str | None = (),
) -> pd.DataFrame:
    r"""Split the change in a product rate (default the welfare paid share) into its two factors' effects.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table with both factor indicators; periods compared like for like as in
        :func:`analysis.stats.yoy_table`.
    year : int
        The later year.
    rate : str, keyword-only
        The product indicator (reported for checking: its rate should equal the product of the factors).
    factors : (str, str), keyword-only
        The two factor indicators, alpha then beta; alpha's numerator must be beta's denominator
        (account holders), so that alpha * beta = ``rate``.
    by : str or sequence of str, default () (units summed), keyword-only
        Grouping columns, e.g. ``["beneficiary_group"]``.

    Returns
    -------
    pandas.DataFrame
        Per group: ``periods``, ``alpha``/``beta`` (the factor ids), ``alpha_prev``, ``alpha_curr``,
        ``beta_prev``, ``beta_curr``, ``rate_prev``, ``rate_curr`` (= alpha x beta), ``change``,
        ``alpha_effect``, ``beta_effect`` (they add up to ``change``) and ``note``. Groups missing a
        factor in a period are left out (note in the others is empty).

    Notes
    -----
    :func:`analysis.stats.decompose_product` (Das Gupta 1993, ch. 2): alpha effect
    :math:`(\alpha_2 - \alpha_1)(\beta_1 + \beta_2)/2`, beta effect
    :math:`(\beta_2 - \beta_1)(\alpha_1 + \alpha_2)/2`. For welfare: the effect of more beneficiaries
    holding an account, and of more holders being paid through it.

    References
    ----------
    Das Gupta P (1993) *Standardization and Decomposition of Rates: A User's Manual*, US Census Bureau
    P23-186, ch. 2. METHODS.md §13.
    """
    counts = validate_counts(counts)
    by = check_by(counts, by)
    keys = ["indicator"] + by
    wanted = counts[counts["indicator"].isin([rate, *factors])]
    rows = comparable_periods(drop_double_counting(wanted, by), year)
    if rows.empty:
        return pd.DataFrame(columns=by + ["periods", "alpha_effect", "beta_effect", "change"])
    sides = {}
    for side in ("prev", "curr"):
        agg = aggregate(rows[rows["side"] == side], by)
        agg["share"] = agg["numerator"] / agg["denominator"].where(agg["denominator"] > 0)
        if by:
            sides[side] = agg.pivot_table(index=by, columns="indicator", values="share", aggfunc="first")
        else:
            sides[side] = agg.set_index("indicator")["share"].to_frame().T
    prev, curr = sides["prev"], sides["curr"]
    if not set(factors) <= set(prev.columns) & set(curr.columns):
        return pd.DataFrame(columns=by + ["periods", "alpha_effect", "beta_effect", "change"])
    both = prev.index.intersection(curr.index)
    prev, curr = prev.loc[both], curr.loc[both]
    d = decompose_product(prev[factors[0]], prev[factors[1]], curr[factors[0]], curr[factors[1]])
    out = pd.DataFrame(
        {"periods": rows.loc[rows["indicator"] == factors[0], "periods"].iloc[0], "alpha": factors[0],
         "beta": factors[1], "alpha_prev": prev[factors[0]].to_numpy(),
         "alpha_curr": curr[factors[0]].to_numpy(),
         "beta_prev": prev[factors[1]].to_numpy(), "beta_curr": curr[factors[1]].to_numpy(),
         "rate_prev": np.asarray(d.rate1), "rate_curr": np.asarray(d.rate2), "change": np.asarray(d.total),
         "alpha_effect": np.asarray(d.alpha_effect), "beta_effect": np.asarray(d.beta_effect)},
        index=both,
    )
    note = pd.Series("", index=both)
    if rate in prev.columns and rate in curr.columns:
        gap = np.maximum(np.abs(prev[rate] - out["rate_prev"]), np.abs(curr[rate] - out["rate_curr"]))
        note = note.where(~(gap > 1e-9), f"{rate} differs from the product of its factors by up to "
                          + gap.map(lambda g: f"{100 * g:.2g}") + " points")
    out["note"] = note
    out = out.reset_index() if by else out.reset_index(drop=True)
    return out[[c for c in out.columns if c not in keys or c in by]]
