"""Process (extra-binomial) variation of a change, estimated from the data: across units, history, months.

Administrative counts are near-censuses: a unit's rate moves from year to year and month to month for
reasons that are not sampling, so a binomial interval alone calls that movement a change (METHODS.md §12).
Three estimators, each returning the variance inflation (``deff`` >= 1) of each period's proportion and
the degrees of freedom of its estimate:

* :func:`change_overdispersion` - the spread of many units' changes (Spiegelhalter funnel of changes);
* :func:`history_variation` - the units' yearly histories (quasi-binomial trend, pooled over units,
  t on the pooled k - 2 df);
* :func:`monthly_dispersion` - the unit's months in the two periods (quasi-binomial, year + month-of-year).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from analysis.stats._checks import check_counts
from analysis.stats.glm_batch import logit_irls

#: Fewest comparable units for the across-units estimate (fewer: each unit's own history or months).
MIN_UNITS = 10
#: Fewest residual degrees of freedom of the (pooled) yearly history: one unit needs 4 years before.
MIN_HISTORY_DF = 2
#: Level of the test for overdispersion that switches the across-units and monthly estimates on.
OVERDISPERSION_LEVEL = 0.95


def empirical_logit(x: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Empirical logit :math:`\log\frac{x + 1/2}{n - x + 1/2}` and its variance (Cox & Snell 1989, ch. 2).

    >>> y, v = empirical_logit(9, 10)
    >>> round(float(y), 4), round(float(v), 4)
    (1.8458, 0.7719)
    """
    xa, na = check_counts(x, n)
    y = np.log((xa + 0.5) / (na - xa + 0.5))
    v = 1 / (xa + 0.5) + 1 / (na - xa + 0.5)
    return y, v


@dataclass(frozen=True)
class ChangeOverdispersion:
    """Overdispersion of many units' changes on the log-odds scale (a funnel of changes)."""

    phi: float
    tau2: float
    centre: float
    zscores: np.ndarray
    z_winsorised: np.ndarray
    n_units: int

    @property
    def overdispersed(self) -> bool:
        """True when ``N * phi`` exceeds the 95th percentile of chi-squared on N - 1 df."""
        if self.n_units < 2 or not np.isfinite(self.phi):
            return False
        return bool(self.n_units * self.phi > sps.chi2.ppf(OVERDISPERSION_LEVEL, self.n_units - 1))


def change_overdispersion(x1: Any, n1: Any, x2: Any, n2: Any, *, trim: float = 0.1) -> ChangeOverdispersion:
    r"""Spiegelhalter overdispersion of the changes of many units, later (1) against earlier (2).

    Parameters
    ----------
    x1, n1, x2, n2 : array-like
        Counts of each unit in the later and the earlier period; units with a 0 denominator are dropped.
    trim : float, default 0.1, keyword-only
        Winsorising fraction at each end.

    Returns
    -------
    ChangeOverdispersion
        ``phi``, ``tau2`` (log-odds scale, variance of a unit's change beyond sampling), ``centre`` (the
        precision-weighted mean change), the z-scores and ``overdispersed``.

    Notes
    -----
    The indicator is the change in log-odds, :math:`y_i = \ell(x_{1i}, n_{1i}) - \ell(x_{2i}, n_{2i})`
    with the empirical logit :math:`\ell`, its sampling variance :math:`s_i^2` the sum of the two
    empirical-logit variances. As for a funnel of proportions (:func:`analysis.stats.overdispersion`),
    :math:`z_i = (y_i - \bar y)/s_i` around the weighted mean :math:`\bar y = \sum w_i y_i / \sum w_i`,
    :math:`w_i = 1/s_i^2`; winsorised at ``trim``; :math:`\hat\phi = \overline{z_w^2}`;
    :math:`\hat\tau^2 = \max\{0, (N\hat\phi - (N - 1))/(\sum w - \sum w^2/\sum w)\}`. The centre is the
    common change, so :math:`\tau^2` measures how much more the units' changes vary than sampling
    allows - the process variation of a change. A change is then judged against
    :math:`s_i^2 + \hat\tau^2`. Real changes that differ between units also widen :math:`\tau^2`
    (the comparison is then conservative); winsorising limits the pull of a few outliers.

    References
    ----------
    Spiegelhalter DJ (2005) Funnel plots for comparing institutional performance. Stat Med 24:1185-1202
    (changes between two periods plotted against their precision). Spiegelhalter DJ (2005) Handling
    over-dispersion of performance indicators. Qual Saf Health Care 14:347-351. DerSimonian R, Laird N
    (1986) Control Clin Trials 7:177-188. METHODS.md §7c, §12.
    """
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5); got {trim!r}")
    a1, b1 = check_counts(x1, n1, xname="x1", nname="n1")
    a2, b2 = check_counts(x2, n2, xname="x2", nname="n2")
    a1, b1, a2, b2 = (np.atleast_1d(v) for v in np.broadcast_arrays(a1, b1, a2, b2))
    keep = (b1 > 0) & (b2 > 0)
    if keep.sum() < 2:
        return ChangeOverdispersion(np.nan, np.nan, np.nan, np.array([]), np.array([]), int(keep.sum()))
    y1, v1 = empirical_logit(a1[keep], b1[keep])
    y2, v2 = empirical_logit(a2[keep], b2[keep])
    y, s2 = y1 - y2, v1 + v2
    w = 1 / s2
    centre = float(np.sum(w * y) / np.sum(w))
    z = (y - centre) / np.sqrt(s2)
    lo, hi = np.quantile(z, [trim, 1 - trim])
    zw = np.clip(z, lo, hi)
    big_n = z.size
    phi = float(np.mean(zw**2))
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (big_n * phi - (big_n - 1)) / denom) if denom > 0 else 0.0
    return ChangeOverdispersion(phi, float(tau2), centre, z, zw, big_n)


def deff_from_tau2(x: Any, n: Any, tau2: Any) -> np.ndarray:
    r"""Variance inflation of a proportion with log-odds process variance ``tau2``.

    :math:`\mathrm{deff} = 1 + n\tilde p\tilde q\tau^2`.

    On the proportion scale the process adds :math:`(pq)^2\tau^2` (delta method) to the binomial
    :math:`pq/n`; :math:`\tilde p = (x + 1/2)/(n + 1)` keeps it finite at 0 and 1.
    """
    xa, na = check_counts(x, n)
    pt = (xa + 0.5) / (na + 1)
    return 1 + na * pt * (1 - pt) * np.asarray(tau2, dtype=float)


@dataclass(frozen=True)
class HistoryVariation:
    """Year-level process variation from yearly histories (arrays over units, or one unit's / pooled)."""

    pearson_chi2: np.ndarray
    df: np.ndarray
    weight: np.ndarray
    years: np.ndarray
    note: np.ndarray
    curved: np.ndarray | None = None

    @property
    def tau2(self) -> np.ndarray:
        r"""Log-odds process variance, :math:`\max\{0, (X^2 - df)/\text{weight}\}` (NaN without df)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.df > 0, np.maximum(0.0, (self.pearson_chi2 - self.df) / self.weight), np.nan)

    @property
    def phi(self) -> np.ndarray:
        """Pearson X² over its degrees of freedom (NaN without any)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.df > 0, self.pearson_chi2 / self.df, np.nan)

    @property
    def overdispersed(self) -> np.ndarray:
        """True where X² exceeds the 95th percentile of chi-squared on ``df``."""
        df = np.asarray(self.df, dtype=float)
        crit = sps.chi2.ppf(OVERDISPERSION_LEVEL, np.where(df > 0, df, 1))
        return (df > 0) & (np.asarray(self.pearson_chi2) > crit)

    def pooled(self) -> HistoryVariation:
        r"""All units under one log-odds process variance (units without a usable history left out).

        :math:`\hat\tau^2 = \max\{0, \sum_i (X^2_i - df_i) / \sum_i \text{weight}_i\}` on
        :math:`\sum_i df_i` df - the common additive variance of Spiegelhalter's random-effects model,
        here across years rather than across units.
        """
        use = np.asarray(self.df) > 0
        one = lambda v: np.array([np.sum(np.asarray(v)[use])])  # noqa: E731
        first = str(np.atleast_1d(self.note)[0]) if np.size(self.note) else "no history"
        note = "" if use.any() else first
        years = np.array([int(np.max(self.years, initial=0))])
        curved = np.array([int(np.sum(np.asarray(self.curved)[use]))]) if self.curved is not None else None
        return HistoryVariation(one(self.pearson_chi2), one(self.df).astype(int), one(self.weight), years,
                                np.array([note], dtype=object), curved)


def history_variation(x: Any, n: Any, t: Any) -> HistoryVariation:
    r"""Process variation of units' yearly rates from their whole years (residuals around each trend).

    Parameters
    ----------
    x, n : array-like, shape (K,) or (G, K)
        Numerators and denominators of one unit's (or G units') years; ``n = 0`` marks a missing year.
        Use the years *before* the compared year, so a real change in it does not inflate the estimate.
    t : array-like, shape (K,)
        The years.

    Returns
    -------
    HistoryVariation
        Per unit: Pearson ``pearson_chi2`` of the binomial logit trend, its ``df`` (k - 2, or k - 3 when
        ``curved``), ``weight`` :math:`= df\,\overline{n\hat\mu(1-\hat\mu)}`, ``years`` (k), ``note`` and
        ``curved``; ``df = 0`` (with the reason) for fewer than three years, rates of 0 or 1 throughout,
        separation or no convergence. ``tau2``, ``phi``, ``overdispersed`` and
        :meth:`HistoryVariation.pooled` derive from these.

    Notes
    -----
    Binomial GLM of the rate on a linear trend in the log-odds (IRLS,
    :func:`analysis.stats.glm_batch.logit_irls`, the fit of :func:`analysis.stats.glm_trend` batched over
    units), or on a quadratic one when, with five years or more, its curvature is significant (F test of
    the deviance drop against the quadratic fit's dispersion, 1 and k - 3 df, at 5 %: the
    quasi-likelihood F test, McCullagh & Nelder 1989 ch. 9) - adoption curves (online submission rising
    from 12 % to 96 % in five years) bend, and residuals around a straight line would count the bend as
    noise. The residual variation around the trend is year-level process variation plus sampling:
    quasi-binomially :math:`\hat\phi = X^2/df`; as an additive log-odds variance
    :math:`\phi \approx 1 + n\mu(1-\mu)\tau^2`, so :math:`\hat\tau^2 = \max\{0, (X^2 - df)/\text{weight}\}`
    (moment estimate), which applies to periods of any size (a
    year-to-date span, a grown unit) through :func:`deff_from_tau2`.

    References
    ----------
    McCullagh P, Nelder JA (1989) *Generalized Linear Models*, 2nd ed., ch. 4 and 9. Cox DR, Snell EJ
    (1989) *Analysis of Binary Data*, 2nd ed. METHODS.md §12.
    """
    xa, na = (np.atleast_2d(np.asarray(v, dtype=float)) for v in (x, n))
    check_counts(xa, na)
    ta = np.asarray(t, dtype=float)
    has = na > 0
    k = has.sum(axis=1)
    tc = (ta - ta.mean()) / max(float(np.ptp(ta)), 1.0)
    powers = np.stack([np.ones_like(tc), tc, tc**2], axis=1)
    lin = logit_irls(np.broadcast_to(powers[:, :2], (xa.shape[0], ta.size, 2)), xa, na)
    fit_mu, chi2, df_fit, converged = lin.mu, lin.pearson_chi2, k - 2, lin.converged
    curved = np.zeros(xa.shape[0], dtype=bool)
    five = np.flatnonzero(k >= 5)
    if five.size:
        quad = logit_irls(np.broadcast_to(powers, (five.size, ta.size, 3)), xa[five], na[five])
        with np.errstate(divide="ignore", invalid="ignore"):
            f_stat = (lin.deviance[five] - quad.deviance) / (quad.pearson_chi2 / (k[five] - 3))
        bent = quad.converged & (f_stat > sps.f.ppf(OVERDISPERSION_LEVEL, 1, k[five] - 3))
        curved[five[bent]] = True
        fit_mu, chi2, converged = fit_mu.copy(), chi2.copy(), converged.copy()
        fit_mu[five[bent]], chi2[five[bent]] = quad.mu[bent], quad.pearson_chi2[bent]
        converged[five[bent]] = quad.converged[bent]
        df_fit = np.where(curved, k - 3, k - 2)
    succ, fail = has & (xa > 0), has & (xa < na)
    big = np.where(succ, ta, -np.inf).max(axis=1), np.where(fail, ta, -np.inf).max(axis=1)
    small = np.where(succ, ta, np.inf).min(axis=1), np.where(fail, ta, np.inf).min(axis=1)
    separated = ~succ.any(axis=1) | ~fail.any(axis=1) | (big[1] <= small[0]) | (big[0] <= small[1])
    usable = (k >= 3) & ~separated & converged
    with np.errstate(invalid="ignore", divide="ignore"):
        mnq = np.where(has, na * fit_mu * (1 - fit_mu), 0.0).sum(axis=1) / k
    df = np.where(usable, df_fit, 0)
    note = np.where(k < 3, np.char.add(k.astype(str), " whole years of history (needs 3)"),
                    np.where(separated, "yearly history: rates of 0 or 1 (separation)",
                             np.where(converged, "", "yearly history: the trend fit did not converge")))
    chi2 = np.where(usable, chi2, np.nan)
    return HistoryVariation(chi2, df, np.where(usable, df * mnq, np.nan), k, note.astype(object),
                            curved & usable)


@dataclass(frozen=True)
class MonthlyDispersion:
    """Quasi-binomial dispersion of units' months in two periods (period + month-of-year effects)."""

    phi: np.ndarray
    df: np.ndarray
    months: np.ndarray
    overdispersed: np.ndarray
    note: np.ndarray


def monthly_dispersion(x: Any, n: Any) -> MonthlyDispersion:
    r"""Pearson dispersion of monthly counts beyond a period effect and month-of-year effects.

    Parameters
    ----------
    x, n : array-like, shape (2, 12) or (G, 2, 12)
        Monthly numerators and denominators: row 0 the earlier period, row 1 the later, column m-1 the
        month m; ``n = 0`` marks a month outside the periods. Both periods must have the same months.

    Returns
    -------
    MonthlyDispersion
        Per unit ``phi = X^2/df`` with ``df = M - 1`` for M months per period, ``overdispersed`` (X^2
        above the 95th percentile of chi-squared on df); NaN with a ``note`` when the months differ, are
        fewer than three per period, or the fit does not converge.

    Notes
    -----
    Binomial logit GLM with an intercept, a later-period indicator and month dummies (batched IRLS,
    :func:`analysis.stats.glm_batch.logit_irls`); :math:`\hat\phi = X^2/(2M - M - 1)`. The
    quasi-binomial variance of the period effect is :math:`\hat\phi` times the binomial one (R
    ``glm(cbind(x, n - x) ~ factor(year) + factor(month), family = quasibinomial)``), so deff = phi for
    both periods, t on df. A shock shared by all months of a year is not visible here, only across years
    or units.

    References
    ----------
    McCullagh P, Nelder JA (1989) *Generalized Linear Models*, 2nd ed., ch. 4 and 9. METHODS.md §12.
    """
    xa = np.asarray(x, dtype=float).reshape(-1, 2, 12)
    na = np.asarray(n, dtype=float).reshape(-1, 2, 12)
    check_counts(xa, na)
    present = na > 0
    same = (present[:, 0] == present[:, 1]).all(axis=1)
    months = present[:, 1].sum(axis=1)
    design = np.zeros((24, 13))
    design[:, 0] = 1
    design[12:, 1] = 1
    for m in range(1, 12):
        design[[m, 12 + m], 1 + m] = 1
    fit = logit_irls(np.broadcast_to(design, (xa.shape[0], 24, 13)), xa.reshape(-1, 24), na.reshape(-1, 24))
    ok = same & (months >= 3) & fit.converged
    df = np.where(ok, months - 1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(ok, fit.pearson_chi2 / df, np.nan)
    crit = sps.chi2.ppf(OVERDISPERSION_LEVEL, np.where(df > 0, df, 1))
    note = np.where(~same, "monthly: the two periods do not have the same months",
                    np.where(months < 3, np.char.add(months.astype(str), " months with cases per period"),
                             np.where(fit.converged, "", "monthly: the fit did not converge")))
    return MonthlyDispersion(phi, df, months, ok & (fit.pearson_chi2 > crit), note.astype(object))
