"""Trends over years in a proportion: Cochran-Armitage, the binomial / quasi-binomial GLM and its projection.

Mann-Kendall / Sen live in :mod:`analysis.stats.kendall` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import stats as sps

from analysis.stats._checks import as_float, check_counts
from analysis.stats.glm import LINKS, GlmTrend, fit_glm, glm_trend  # noqa: F401  (re-exported)
from analysis.stats.kendall import MannKendall, mann_kendall  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class TrendTest:
    """Cochran-Armitage test for a linear trend: statistic, p-value and least-squares slope per score unit."""

    chi2: float
    p_value: float
    slope: float
    z: float
    n_groups: int


def trend_test(x: Any, n: Any, scores: Any = None) -> TrendTest:
    r"""Chi-squared test for a linear trend in proportions (R ``prop.trend.test`` convention).

    Parameters
    ----------
    x, n : array-like
        Numerators and denominators of the k ordered groups (years); groups with ``n = 0`` are dropped.
    scores : array-like, optional
        Group scores (e.g. the years); default ``1..k`` as in R.

    Returns
    -------
    TrendTest
        ``chi2`` (1 df), two-sided ``p_value``, ``slope`` (change in proportion per score unit, weighted
        least squares), signed ``z`` and the number of groups used. NaN when fewer than two groups remain,
        the scores do not vary, or the pooled proportion is 0 or 1.

    Notes
    -----
    With :math:`N = \sum n_i`, :math:`\bar p = \sum x_i / N`:

    .. math:: T = \sum x_i s_i - \bar p \sum n_i s_i, \quad
              \chi^2 = \frac{T^2}{\bar p(1-\bar p)\,[\sum n_i s_i^2 - (\sum n_i s_i)^2/N]}

    and :math:`b = \sum n_i (p_i - \bar p)(s_i - \bar s) / \sum n_i (s_i - \bar s)^2`. This is the
    denominator-N convention of R and Armitage (1955); statsmodels ``Table.test_ordinal_association``
    returns the (N-1)/N multiple (METHODS.md §4a, §11 row 6), so the formula is computed directly.

    References
    ----------
    Armitage P (1955) Tests for linear trends in proportions and frequencies. Biometrics 11:375-386.
    R ``stats::prop.trend.test``.

    Examples
    --------
    >>> t = trend_test([83, 90, 129, 70], [86, 93, 136, 82])
    >>> round(t.chi2, 4), round(t.p_value, 6)
    (8.2249, 0.004132)
    """
    xa, na = check_counts(x, n)
    xa, na = np.atleast_1d(xa), np.atleast_1d(na)
    s = np.arange(1.0, xa.size + 1) if scores is None else np.atleast_1d(as_float(scores, name="scores"))
    if s.shape != xa.shape:
        raise ValueError(f"scores has {s.size} values for {xa.size} groups")
    keep = na > 0
    xa, na, s = xa[keep], na[keep], s[keep]
    nan = TrendTest(np.nan, np.nan, np.nan, np.nan, int(xa.size))
    if xa.size < 2:
        return nan
    big_n = na.sum()
    pbar = xa.sum() / big_n
    sxx = np.sum(na * s**2) - np.sum(na * s) ** 2 / big_n
    if not 0 < pbar < 1 or sxx <= 0:
        return nan
    t_stat = np.sum(xa * s) - pbar * np.sum(na * s)
    z = t_stat / np.sqrt(pbar * (1 - pbar) * sxx)
    sbar = np.sum(na * s) / big_n
    slope = np.sum(na * (xa / na - pbar) * (s - sbar)) / np.sum(na * (s - sbar) ** 2)
    return TrendTest(float(z**2), float(2 * sps.norm.sf(abs(z))), float(slope), float(z), int(xa.size))


def fit_trend(x: Any, n: Any, t: Any, *, link: str = "logit") -> GlmTrend:
    r"""Fit a trend by the one policy of the tables: quasi-binomial, never narrower than binomial.

    Parameters
    ----------
    x, n, t : array-like
        Numerators, denominators and times (years) of the periods; ``n = 0`` periods are dropped.
    link : {"logit", "identity"}, default "logit", keyword-only
        Link of :func:`glm_trend`.

    Returns
    -------
    GlmTrend
        With three or more periods a quasi-binomial fit whose scale is :math:`\max(1, \hat\phi)` and whose
        intervals use t quantiles on k - 2 df; with two periods the binomial fit with a ``note`` saying the
        dispersion is not estimable (callers refuse verdicts and projections then); refused fits (NaN,
        ``note``) as :func:`glm_trend`.

    Notes
    -----
    Administrative rates move from year to year for reasons that are not sampling, so the dispersion is
    always estimated when it can be (k >= 3): :math:`\hat\phi = X^2/(k-2)`, standard errors times
    :math:`\sqrt{\max(1, \hat\phi)}`, t on k - 2 df (a pre-test for overdispersion on so few df has no
    power, and a normal quantile with an estimated dispersion under-covers: METHODS.md §12). The floor at
    1 keeps the binomial variance as the least variation a proportion can have.

    References
    ----------
    McCullagh P, Nelder JA (1989) *Generalized Linear Models*, 2nd ed., ch. 4 and 9. METHODS.md §4b, §12.
    """
    xa, na = check_counts(x, n)
    ta = as_float(t, name="t")
    _, na_b, ta_b = (np.atleast_1d(v) for v in np.broadcast_arrays(xa, na, ta))
    periods = np.unique(ta_b[na_b > 0]).size
    if periods >= 3:
        return fit_glm(x, n, t, link=link, quasi=True, min_dispersion=1.0)
    fit = fit_glm(x, n, t, link=link, quasi=False)
    if fit.model:
        fit = replace(fit, note="two periods: no residual df, so process variation is not estimable "
                      "(binomial model only)")
    return fit
