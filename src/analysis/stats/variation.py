"""Process (extra-binomial) variation of a change, estimated from the data: across units, history, months.

Administrative counts are near-censuses: a unit's rate moves from year to year and month to month for
reasons that are not sampling, so a binomial interval alone calls that movement a change (METHODS.md §12).
Three estimators, each returning the variance inflation (``deff`` >= 1) of each period's proportion and
the degrees of freedom of its estimate:

* :func:`change_overdispersion` - the spread of many units' changes (Spiegelhalter funnel of changes);
* :func:`history_variation` - the unit's yearly history (quasi-binomial trend, t on k - 2 df);
* :func:`monthly_dispersion` - the unit's months in the two periods (quasi-binomial, year + month-of-year).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from scipy import stats as sps

from analysis.stats._checks import check_counts
from analysis.stats.trend import fit_trend

#: Fewest comparable units for the across-units estimate (fewer: each unit's own history or months).
MIN_UNITS = 10
#: Fewest whole years of history before the compared year (k - 2 >= 2 df for the dispersion).
MIN_HISTORY_YEARS = 4
#: Level of the test for overdispersion that switches the across-units and monthly estimates on.
OVERDISPERSION_LEVEL = 0.95


def empirical_logit(x: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Empirical logit :math:`\log\frac{x + 1/2}{n - x + 1/2}` and its variance (Cox & Snell 1989 §2.1.6).

    >>> y, v = empirical_logit(9, 10)
    >>> round(float(y), 4), round(float(v), 4)
    (2.9444, 0.7719)
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
    r"""Variance inflation of a proportion with log-odds process variance ``tau2``: :math:`1 + n\tilde p\tilde q\tau^2`.

    On the proportion scale the process adds :math:`(pq)^2\tau^2` (delta method) to the binomial
    :math:`pq/n`; :math:`\tilde p = (x + 1/2)/(n + 1)` keeps it finite at 0 and 1.
    """
    xa, na = check_counts(x, n)
    pt = (xa + 0.5) / (na + 1)
    return 1 + na * pt * (1 - pt) * np.asarray(tau2, dtype=float)


@dataclass(frozen=True)
class HistoryVariation:
    """Year-level process variation of a unit from its yearly history (quasi-binomial trend)."""

    phi: float
    tau2: float
    df: int
    years: int
    note: str


def history_variation(x: Any, n: Any, t: Any) -> HistoryVariation:
    r"""Process variation of a unit's yearly rate from its whole years (quasi-binomial linear trend).

    Parameters
    ----------
    x, n, t : array-like
        Numerators, denominators and years of the history (the years *before* the compared year, so a
        real change in that year does not inflate the estimate).

    Returns
    -------
    HistoryVariation
        ``phi`` (:math:`\max(1, X^2/(k-2))`), ``tau2`` on the log-odds scale, ``df = k - 2``; NaN with a
        ``note`` when fewer than :data:`MIN_HISTORY_YEARS` years or the trend fit is refused.

    Notes
    -----
    :func:`analysis.stats.trend.fit_trend` on the k years; the residual variation around the trend is
    year-level process variation plus sampling. As an additive log-odds variance,
    :math:`\hat\tau^2 = (\hat\phi - 1)/\overline{n\hat\mu(1-\hat\mu)}` (moment estimate:
    :math:`\phi \approx 1 + n\mu(1-\mu)\tau^2`), so it applies to periods of any size (a year-to-date
    span, a grown unit) through :func:`deff_from_tau2`. Intervals then use t on k - 2 df. No pre-test:
    on so few df it has no power, and the floor at 1 keeps binomial data binomial in expectation.

    References
    ----------
    McCullagh P, Nelder JA (1989) *Generalized Linear Models*, 2nd ed., §4.5. METHODS.md §12.
    """
    xa, na = check_counts(x, n)
    keep = np.atleast_1d(na) > 0
    k = int(keep.sum())
    if k < MIN_HISTORY_YEARS:
        return HistoryVariation(np.nan, np.nan, 0, k, f"{k} whole years of history (needs {MIN_HISTORY_YEARS})")
    fit = fit_trend(x, n, t)
    if not fit.model:
        return HistoryVariation(np.nan, np.nan, 0, k, f"yearly history: {fit.note}")
    eta = fit.params[0] + fit.params[1] * fit.t_obs
    mu = 1 / (1 + np.exp(-eta))
    scale = float(fit.scale)
    tau2 = (scale - 1) / float(np.mean(fit.nobs * mu * (1 - mu)))
    return HistoryVariation(scale, tau2, fit.df_resid, k, "")


@dataclass(frozen=True)
class MonthlyDispersion:
    """Quasi-binomial dispersion of a unit's months in two periods (year + month-of-year effects)."""

    phi: float
    df: int
    months: int
    overdispersed: bool
    note: str


def monthly_dispersion(x: Any, n: Any, later: Any, month: Any) -> MonthlyDispersion:
    r"""Pearson dispersion of monthly counts beyond a period effect and month-of-year effects.

    Parameters
    ----------
    x, n : array-like
        Monthly numerators and denominators of both periods.
    later : array-like of bool
        True for the months of the later period.
    month : array-like of int
        Month of the year (1-12); both periods must have the same months.

    Returns
    -------
    MonthlyDispersion
        ``phi = X^2/df`` with ``df = M - 1`` for M months per period, and ``overdispersed`` (X^2 above the
        95th percentile of chi-squared on df); NaN with a ``note`` when the months do not match, are
        fewer than three per period, or the fit fails.

    Notes
    -----
    Binomial GLM (statsmodels, logit link, ``endog = x/n``, ``var_weights = n``) with an intercept, a
    later-period indicator and M - 1 month dummies; :math:`\hat\phi = X^2/(2M - M - 1)`. The quasi-binomial
    variance of the period effect is :math:`\hat\phi` times the binomial one (R ``glm(cbind(x, n - x) ~
    factor(year) + factor(month), family = quasibinomial)``), so ``deff = phi`` for both periods, with t
    on df. A shock shared by all months of a year is not visible here, only across years or units.

    References
    ----------
    McCullagh P, Nelder JA (1989) *Generalized Linear Models*, 2nd ed., ch. 4 and 9. METHODS.md §12.
    """
    xa, na = check_counts(x, n)
    xa, na = np.atleast_1d(xa), np.atleast_1d(na)
    late = np.atleast_1d(np.asarray(later, dtype=bool))
    mon = np.atleast_1d(np.asarray(month, dtype=int))
    if not (np.array_equal(np.sort(mon[late]), np.sort(mon[~late])) and np.unique(mon[late]).size == late.sum()):
        return MonthlyDispersion(np.nan, 0, 0, False, "monthly: the two periods do not have the same months")
    months = int(late.sum())
    if months < 3 or np.any(na <= 0):
        return MonthlyDispersion(np.nan, 0, months, False, f"monthly: {months} months with cases per period")
    levels = np.unique(mon)
    dummies = (mon[:, None] == levels[None, 1:]).astype(float)
    design = np.column_stack([np.ones(xa.size), late.astype(float), dummies])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(xa / na, design, family=sm.families.Binomial(), var_weights=na).fit(scale=1.0)
    mu = np.asarray(res.mu)
    if not res.converged or np.any(~np.isfinite(mu)) or np.any((mu <= 0) | (mu >= 1)):
        return MonthlyDispersion(np.nan, 0, months, False, "monthly: the fit did not converge")
    df = months - 1
    pearson = float(np.sum(na * (xa / na - mu) ** 2 / (mu * (1 - mu))))
    detected = bool(pearson > sps.chi2.ppf(OVERDISPERSION_LEVEL, df))
    return MonthlyDispersion(pearson / df, df, months, detected, "")
