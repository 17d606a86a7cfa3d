"""Funnel plots: control limits around a baseline or target, PHE significance labels, overdispersion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from analysis.stats._checks import as_float, check_counts, check_level, shape_like

#: PHE significance labels (PHEindicatormethods ``assign_funnel_significance``), in order low to high.
PHE_LABELS = ("Low (0.001)", "Low (0.025)", "Not significant", "High (0.025)", "High (0.001)")
#: Funnel limit methods accepted by :func:`funnel_limits`.
FUNNEL_METHODS = ("score", "exact")


def _check_p0(p0: Any) -> np.ndarray:
    arr = as_float(p0, name="p0")
    if not np.all((arr > 0) & (arr < 1)):
        raise ValueError(f"p0 (baseline or target) must be strictly between 0 and 1; got {p0!r}")
    return arr


def funnel_limits(
    n: Any, p0: Any, level: float = 0.95, method: str = "score", *, clip: bool = True
) -> tuple[Any, Any]:
    r"""Funnel-plot control limits for a proportion at denominators ``n`` around ``p0``.

    Parameters
    ----------
    n : array-like
        Denominators (``n = 0`` gives NaN).
    p0 : float or array-like
        Baseline (overall rate) or target, 0-1 scale.
    level : float, default 0.95
        Two-sided coverage: 0.95 ("2 sigma", 0.025 each side) or 0.998 ("3 sigma", 0.001 each side).
    method : {"score", "exact"}, default "score"
        ``score``: normal limits with the variance at ``p0`` (the PHE / Fingertips limits);
        ``exact``: interpolated binomial limits of Spiegelhalter (2005).
    clip : bool, default True, keyword-only
        Clip the limits to [0, 1] (the exact lower limit is negative for small ``n * p0``).

    Returns
    -------
    tuple
        ``(lower, upper)`` on the 0-1 scale.

    Notes
    -----
    Score: :math:`p_0 \pm z\sqrt{p_0(1-p_0)/n}`, :math:`z = \Phi^{-1}(1 - \alpha/2)`; this equals the
    PHE construction (the proportion whose Wilson interval just touches :math:`p_0`).
    Exact: :math:`r_q = F^{-1}_{Bin(n, p_0)}(q)`, :math:`a = (F(r_q) - q)/f(r_q)`, limit
    :math:`(r_q - a)/n`, for :math:`q = \alpha/2` and :math:`1 - \alpha/2` (``scipy.stats.binom``).

    References
    ----------
    Spiegelhalter DJ (2005) Funnel plots for comparing institutional performance. Stat Med 24:1185-1202,
    Appendix A.1.1. PHEindicatormethods ``calculate_funnel_limits`` (UKHSA). METHODS.md §7a-b.

    Examples
    --------
    >>> lo, hi = funnel_limits(100, 0.1, method="exact")
    >>> round(lo, 6), round(hi, 6)
    (0.040381, 0.157719)
    """
    na = as_float(n, name="n")
    if np.any(na < 0):
        raise ValueError(f"n < 0 at index {int(np.flatnonzero(np.atleast_1d(na) < 0)[0])}")
    p = _check_p0(p0)
    z = check_level(level)
    if method not in FUNNEL_METHODS:
        raise ValueError(f"method must be one of {FUNNEL_METHODS}; got {method!r}")
    na, p = np.broadcast_arrays(na, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "score":
            half = z * np.sqrt(p * (1 - p) / na)
            lower, upper = p - half, p + half
        else:
            q = sps.norm.sf(z)
            lower, upper = _exact(na, p, q), _exact(na, p, 1 - q)
    lower = np.where(na > 0, lower, np.nan)
    upper = np.where(na > 0, upper, np.nan)
    if clip:
        lower, upper = np.clip(lower, 0, 1), np.clip(upper, 0, 1)
    return shape_like(lower, n), shape_like(upper, n)


def _exact(n: np.ndarray, p0: np.ndarray, q: float) -> np.ndarray:
    """Interpolated binomial quantile of Spiegelhalter (2005) A.1.1, on the proportion scale."""
    r = sps.binom.ppf(q, n, p0)
    a = (sps.binom.cdf(r, n, p0) - q) / sps.binom.pmf(r, n, p0)
    return (r - a) / n


def funnel_significance(x: Any, n: Any, lower95: Any, upper95: Any, lower998: Any, upper998: Any) -> Any:
    """PHE significance label of each point ``x / n`` against its 95 % and 99.8 % limits.

    Parameters
    ----------
    x, n : array-like
        Numerators and denominators.
    lower95, upper95, lower998, upper998 : array-like
        Limits at each point's denominator (from :func:`funnel_limits` or :meth:`Overdispersion.limits`).

    Returns
    -------
    numpy.ndarray or str
        One of :data:`PHE_LABELS`; ``""`` where ``n = 0``.

    Notes
    -----
    "Low (0.001)" below the lower 99.8 % limit, else "Low (0.025)" below the lower 95 % limit; likewise
    "High" above the upper limits; otherwise "Not significant".

    References
    ----------
    PHEindicatormethods ``assign_funnel_significance`` (UKHSA); METHODS.md §7a.

    Examples
    --------
    >>> lo95, hi95 = funnel_limits(200, 0.8)
    >>> lo998, hi998 = funnel_limits(200, 0.8, level=0.998)
    >>> str(funnel_significance(145, 200, lo95, hi95, lo998, hi998))
    'Low (0.025)'
    """
    xa, na = check_counts(x, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = xa / na
    l95, u95, l998, u998 = (np.asarray(v, dtype=float) for v in (lower95, upper95, lower998, upper998))
    out = np.select(
        [na <= 0, p < l998, p < l95, p > u998, p > u95],
        ["", PHE_LABELS[0], PHE_LABELS[1], PHE_LABELS[4], PHE_LABELS[3]],
        default=PHE_LABELS[2],
    ).astype(object)
    return out.item() if out.ndim == 0 else out


@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter overdispersion of proportions around ``p0`` on the arcsine-square-root scale."""

    phi: float
    tau2: float
    p0: float
    zscores: np.ndarray
    z_winsorised: np.ndarray
    n_units: int

    @property
    def overdispersed(self) -> bool:
        """True when ``N * phi`` exceeds the 95th percentile of chi-squared on N - 1 df."""
        if self.n_units < 2 or not np.isfinite(self.phi):
            return False
        return bool(self.n_units * self.phi > sps.chi2.ppf(0.95, self.n_units - 1))

    def limits(self, n: Any, level: float = 0.95, *, kind: str = "additive") -> tuple[Any, Any]:
        r"""Funnel limits on the arcsine scale, back-transformed and clipped to [0, 1].

        ``kind``: ``"additive"`` (random effects, tau2), ``"multiplicative"`` (phi) or ``"none"`` (binomial).

        Notes
        -----
        :math:`\sin^2(\theta_0 \pm z\sqrt{s^2 + \tau^2})` (additive),
        :math:`\sin^2(\theta_0 \pm z\sqrt{\phi}s)` (multiplicative), with
        :math:`\theta_0 = \arcsin\sqrt{p_0}`, :math:`s = 1/(2\sqrt n)`.
        """
        na = as_float(n, name="n")
        z = check_level(level)
        with np.errstate(divide="ignore"):
            s = np.where(na > 0, 1 / (2 * np.sqrt(na)), np.nan)
        if kind == "additive":
            half = z * np.sqrt(s**2 + self.tau2)
        elif kind == "multiplicative":
            half = z * np.sqrt(self.phi) * s
        elif kind == "none":
            half = z * s
        else:
            raise ValueError(f"kind must be 'additive', 'multiplicative' or 'none'; got {kind!r}")
        theta0 = np.arcsin(np.sqrt(self.p0))
        lower = np.sin(np.clip(theta0 - half, 0, np.pi / 2)) ** 2
        upper = np.sin(np.clip(theta0 + half, 0, np.pi / 2)) ** 2
        return shape_like(lower, n), shape_like(upper, n)


def overdispersion(x: Any, n: Any, p0: Any = None, trim: float = 0.1) -> Overdispersion:
    r"""Estimate overdispersion of unit proportions around ``p0`` (Spiegelhalter 2005, FunnelPlotR "PR").

    Parameters
    ----------
    x, n : array-like
        Numerators and denominators of the units; units with ``n = 0`` are dropped.
    p0 : float, optional
        Target; default the overall rate ``sum(x) / sum(n)``.
    trim : float, default 0.1
        Winsorising fraction at each end (10 % / 90 %).

    Returns
    -------
    Overdispersion
        ``phi`` (multiplicative), ``tau2`` (additive random-effects variance, arcsine scale), ``p0``,
        the unadjusted and winsorised z-scores, and :meth:`Overdispersion.limits`.

    Notes
    -----
    :math:`Y_i = \arcsin\sqrt{p_i}`, :math:`\theta_0 = \arcsin\sqrt{p_0}`, :math:`s_i = 1/(2\sqrt{n_i})`,
    :math:`z_i = (Y_i - \theta_0)/s_i`; winsorise at the ``trim`` and ``1 - trim`` quantiles (R type 7);
    :math:`\hat\phi = \frac1N\sum z_{w,i}^2`; with :math:`w_i = 1/s_i^2`,
    :math:`\hat\tau^2 = \max\{0, (N\hat\phi - (N-1)) / (\sum w_i - \sum w_i^2/\sum w_i)\}`.

    References
    ----------
    Spiegelhalter DJ (2005) Handling over-dispersion of performance indicators. Qual Saf Health Care
    14:347-351. FunnelPlotR (nhs-r-community), functions ``transformed_zscore``, ``phi_func``, ``tau_func``.

    Examples
    --------
    >>> od = overdispersion([45, 60, 30, 82, 55, 20, 70, 38, 90, 65],
    ...                     [100, 120, 80, 150, 100, 60, 110, 90, 160, 100])
    >>> round(od.phi, 6), round(od.tau2, 8)
    (3.380316, 0.00649075)
    """
    xa, na = check_counts(x, n)
    xa, na = np.atleast_1d(xa), np.atleast_1d(na)
    keep = na > 0
    xa, na = xa[keep], na[keep]
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5); got {trim!r}")
    target = float(xa.sum() / na.sum()) if p0 is None else float(_check_p0(p0))
    if xa.size == 0 or not 0 < target < 1:
        return Overdispersion(np.nan, np.nan, target, np.array([]), np.array([]), int(xa.size))
    s = 1 / (2 * np.sqrt(na))
    z = (np.arcsin(np.sqrt(xa / na)) - np.arcsin(np.sqrt(target))) / s
    lo, hi = np.quantile(z, [trim, 1 - trim])
    zw = np.clip(z, lo, hi)
    big_n = z.size
    phi = float(np.mean(zw**2))
    w = 1 / s**2
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (big_n * phi - (big_n - 1)) / denom) if denom > 0 else 0.0
    return Overdispersion(phi, float(tau2), target, z, zw, big_n)
