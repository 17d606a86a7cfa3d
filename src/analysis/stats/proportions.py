"""One and two proportions: Wilson and Newcombe intervals, score tests against a target or a year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_chisquare,
)

from analysis.stats._checks import check_counts, check_level, shape_like

#: statsmodels ``proportion_confint`` methods offered by :func:`proportion_ci` (``binom_test`` left out:
#: statsmodels issue #4190, METHODS.md §11 row 8).
CI_METHODS = {"wilson": "wilson", "exact": "beta", "clopper-pearson": "beta", "jeffreys": "jeffreys"}
#: statsmodels ``confint_proportions_2indep`` methods offered by :func:`diff_ci` (``score`` left out:
#: statsmodels issue #10269, METHODS.md §11 row 1).
DIFF_METHODS = {"newcombe": "newcomb", "wald": "wald", "agresti-caffo": "agresti-caffo"}


def proportion_ci(x: Any, n: Any, level: float = 0.95, *, method: str = "wilson") -> tuple[Any, Any]:
    r"""Confidence interval for a proportion ``x / n`` (Wilson score by default), vectorised.

    Parameters
    ----------
    x, n : array-like
        Numerators and denominators (``0 <= x <= n``). ``n = 0`` gives NaN limits.
    level : float, default 0.95
        Confidence level; 0.998 gives the PHE "3 sigma" limits (z = 3.090232).
    method : {"wilson", "exact", "jeffreys"}, keyword-only
        Wilson score (default), Clopper-Pearson exact, or Jeffreys.

    Returns
    -------
    tuple
        ``(lower, upper)`` on the 0-1 scale: floats for scalar input, Series for Series input, else arrays.

    Raises
    ------
    ValueError
        When ``x < 0``, ``x > n``, ``n < 0`` or a value is not finite (the message names the position).

    Notes
    -----
    With :math:`z = \Phi^{-1}(1 - \alpha/2)` the Wilson limits are

    .. math:: L, U = \frac{2x + z^2 \mp z\sqrt{z^2 + 4x(1 - x/n)}}{2(n + z^2)}

    computed by ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    References
    ----------
    Wilson EB (1927) JASA 22:209-212. Newcombe RG, Altman DG (2000) in *Statistics with Confidence*, BMJ
    Books. PHEindicatormethods ``phe_proportion`` (UKHSA). METHODS.md §1.

    Examples
    --------
    >>> lo, hi = proportion_ci(65, 100)
    >>> round(lo, 6), round(hi, 6)
    (0.552544, 0.736358)
    >>> proportion_ci(0, 0)
    (nan, nan)
    """
    xa, na = check_counts(x, n)
    if method not in CI_METHODS:
        raise ValueError(f"method must be one of {sorted(CI_METHODS)}; got {method!r}")
    z = check_level(level)
    alpha = 2 * (1 - sps.norm.cdf(z))
    ok = na > 0
    lower = np.full(na.shape, np.nan)
    upper = np.full(na.shape, np.nan)
    if ok.any():
        lo, hi = proportion_confint(xa[ok], na[ok], alpha=alpha, method=CI_METHODS[method])
        lower[ok] = np.clip(lo, 0.0, 1.0)
        upper[ok] = np.clip(hi, 0.0, 1.0)
    # exact endpoints (the formula gives 0 and 1 there; rounding leaves ~1e-17)
    lower[ok & (xa == 0)] = 0.0
    upper[ok & (xa == na)] = 1.0
    return shape_like(lower, x, n), shape_like(upper, x, n)


def diff_ci(
    x1: Any, n1: Any, x2: Any, n2: Any, level: float = 0.95, *, method: str = "newcombe"
) -> tuple[Any, Any]:
    r"""Confidence interval for the difference ``x1/n1 - x2/n2`` (Newcombe hybrid score by default).

    Parameters
    ----------
    x1, n1 : array-like
        Numerators and denominators of the first proportion (e.g. this year).
    x2, n2 : array-like
        Numerators and denominators of the second proportion (e.g. last year).
    level : float, default 0.95
        Confidence level.
    method : {"newcombe", "wald", "agresti-caffo"}, keyword-only
        Newcombe hybrid score (default); Wald and Agresti-Caffo for comparison, clipped to [-1, 1].

    Returns
    -------
    tuple
        ``(lower, upper)`` for p1 - p2 on the 0-1 scale; NaN where ``n1 = 0`` or ``n2 = 0``.

    Notes
    -----
    With :math:`(l_i, u_i)` the Wilson limits of :math:`p_i` and :math:`d = p_1 - p_2`
    ("square-and-add", Newcombe 1998 method 10):

    .. math:: L = d - \sqrt{(p_1 - l_1)^2 + (u_2 - p_2)^2}, \quad
              U = d + \sqrt{(u_1 - p_1)^2 + (p_2 - l_2)^2}

    computed by ``statsmodels ... confint_proportions_2indep(method="newcomb", compare="diff")``. The
    ``"score"`` (Miettinen-Nurminen) method of statsmodels is not offered (statsmodels issue #10269).

    References
    ----------
    Newcombe RG (1998) Interval estimation for the difference between independent proportions: comparison
    of eleven methods. Stat Med 17:873-890. METHODS.md §2.

    Examples
    --------
    >>> lo, hi = diff_ci(56, 70, 48, 80)
    >>> round(lo, 4), round(hi, 4)
    (0.0524, 0.3339)
    """
    a1, b1 = check_counts(x1, n1, xname="x1", nname="n1")
    a2, b2 = check_counts(x2, n2, xname="x2", nname="n2")
    if method not in DIFF_METHODS:
        raise ValueError(f"method must be one of {sorted(DIFF_METHODS)}; got {method!r}")
    z = check_level(level)
    alpha = 2 * (1 - sps.norm.cdf(z))
    try:
        a1, b1, a2, b2 = np.broadcast_arrays(a1, b1, a2, b2)
    except ValueError:
        raise ValueError("x1, n1, x2, n2 have different lengths") from None
    ok = (b1 > 0) & (b2 > 0)
    lower = np.full(b1.shape, np.nan)
    upper = np.full(b1.shape, np.nan)
    if ok.any():
        lo, hi = confint_proportions_2indep(
            a1[ok], b1[ok], a2[ok], b2[ok], method=DIFF_METHODS[method], compare="diff", alpha=alpha
        )
        lower[ok] = np.clip(lo, -1.0, 1.0)
        upper[ok] = np.clip(hi, -1.0, 1.0)
    return shape_like(lower, x1, n1, x2, n2), shape_like(upper, x1, n1, x2, n2)


@dataclass(frozen=True)
class ScoreTest:
    """Result of a score (z) test: statistic, chi-squared (= z squared), two-sided p-value."""

    z: Any
    chi2: Any
    p_value: Any


def target_test(x: Any, n: Any, target: Any) -> ScoreTest:
    r"""Score test of a proportion against a target value (R ``prop.test(x, n, p, correct=FALSE)``).

    Parameters
    ----------
    x, n : array-like
        Numerators and denominators; ``n = 0`` gives NaN.
    target : float or array-like
        Target proportion on the 0-1 scale, strictly between 0 and 1.

    Returns
    -------
    ScoreTest
        ``z`` (positive when above target), ``chi2`` and two-sided ``p_value``.

    Notes
    -----
    .. math:: z = \frac{x/n - p_0}{\sqrt{p_0 (1 - p_0) / n}}

    the variance is taken at the target (``proportions_ztest(..., prop_var=p0)``), not at the sample
    proportion (statsmodels' default, a Wald test: METHODS.md §3 and §11 row 4). The target lies outside the
    Wilson interval exactly when this test rejects at the same level.

    References
    ----------
    Wilson EB (1927) JASA 22:209-212. R ``stats::prop.test``. METHODS.md §3, §9.

    Examples
    --------
    >>> t = target_test(73, 86, 0.9)
    >>> round(t.chi2, 6), round(t.p_value, 6)
    (2.501292, 0.113753)
    """
    xa, na = check_counts(x, n)
    p0 = np.asarray(target, dtype=float)
    if not np.all((p0 > 0) & (p0 < 1)):
        raise ValueError(f"target must be strictly between 0 and 1 (0-1 scale); got {target!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(na > 0, (xa / na - p0) / np.sqrt(p0 * (1 - p0) / na), np.nan)
    p = 2 * sps.norm.sf(np.abs(z))
    return ScoreTest(shape_like(z, x, n), shape_like(z**2, x, n), shape_like(p, x, n))


def diff_test(x1: Any, n1: Any, x2: Any, n2: Any) -> ScoreTest:
    r"""Pooled two-proportion z test (Pearson chi-squared on the 2x2 table, no continuity correction).

    Parameters
    ----------
    x1, n1, x2, n2 : array-like
        Counts of the two samples; NaN where either denominator is 0 or the pooled rate is 0 or 1.

    Returns
    -------
    ScoreTest
        ``z`` (positive when p1 > p2), ``chi2 = z**2`` and the two-sided ``p_value``.

    Notes
    -----
    .. math:: \bar p = \frac{x_1 + x_2}{n_1 + n_2},\quad
              z = \frac{p_1 - p_2}{\sqrt{\bar p(1 - \bar p)(1/n_1 + 1/n_2)}}

    the same as ``proportions_ztest([x1, x2], [n1, n2])`` and R ``prop.test(correct=FALSE)``; not the
    Agresti-Caffo default of ``test_proportions_2indep`` (METHODS.md §11 row 3).

    References
    ----------
    R ``stats::prop.test``; METHODS.md §3.

    Examples
    --------
    >>> t = diff_test(56, 70, 48, 80)
    >>> round(t.chi2, 6), round(t.p_value, 6)
    (7.023411, 0.008045)
    """
    a1, b1 = check_counts(x1, n1, xname="x1", nname="n1")
    a2, b2 = check_counts(x2, n2, xname="x2", nname="n2")
    with np.errstate(divide="ignore", invalid="ignore"):
        pbar = (a1 + a2) / (b1 + b2)
        se = np.sqrt(pbar * (1 - pbar) * (1 / b1 + 1 / b2))
        z = np.where((b1 > 0) & (b2 > 0) & (se > 0), (a1 / b1 - a2 / b2) / se, np.nan)
    p = 2 * sps.norm.sf(np.abs(z))
    return ScoreTest(shape_like(z, x1, n1), shape_like(z**2, x1, n1), shape_like(p, x1, n1))


@dataclass(frozen=True)
class EqualityTest:
    """Result of the k-sample test of equal proportions."""

    chi2: float
    df: int
    p_value: float


def equality_test(x: Any, n: Any) -> EqualityTest:
    r"""Pearson chi-squared test that k proportions are equal (R ``prop.test`` on k groups).

    Parameters
    ----------
    x, n : array-like
        Numerators and denominators of the k groups; groups with ``n = 0`` are dropped.

    Returns
    -------
    EqualityTest
        ``chi2``, ``df = k - 1`` and ``p_value`` (NaN with fewer than two groups or a pooled rate of 0 or 1).

    Notes
    -----
    :math:`\chi^2 = \sum_i \sum_{j} (O_{ij} - E_{ij})^2 / E_{ij}` over the k x 2 table, by
    ``statsmodels.stats.proportion.proportions_chisquare``.

    References
    ----------
    R ``stats::prop.test``; METHODS.md §3.

    Examples
    --------
    >>> t = equality_test([83, 90, 129, 70], [86, 93, 136, 82])
    >>> round(t.chi2, 4), t.df, round(t.p_value, 6)
    (12.6004, 3, 0.005585)
    """
    xa, na = check_counts(x, n)
    xa, na = np.atleast_1d(xa)[np.atleast_1d(na) > 0], np.atleast_1d(na)[np.atleast_1d(na) > 0]
    pooled = xa.sum() / na.sum() if na.size else np.nan
    if xa.size < 2 or not 0 < pooled < 1:
        return EqualityTest(np.nan, max(int(xa.size) - 1, 0), np.nan)
    chi2, p, _ = proportions_chisquare(xa, na)
    return EqualityTest(float(chi2), int(xa.size) - 1, float(p))
