"""Verdicts on a change: an interval widened for process variation, its p-value, materiality and "stable"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats as sps

from analysis import indicators
from analysis.stats._checks import check_counts, check_level

#: Verdicts of a change (``label`` in the YoY table; English keys), in reading order.
LABELS = ("improved", "stable", "no clear change", "worsened", "not comparable")
#: Verdicts of a multi-year trend (``label`` in the trend table).
TREND_LABELS = ("improving", "stable", "no clear trend", "worsening", "not comparable")
#: Vietnamese text of every verdict (``label_vi`` columns; ``analysis.text`` has the same words).
LABELS_VI = {
    "improved": "cải thiện",
    "stable": "ổn định",
    "no clear change": "chưa rõ thay đổi",
    "worsened": "xấu đi",
    "not comparable": "không so sánh được",
    "improving": "đang cải thiện",
    "no clear trend": "chưa rõ xu hướng",
    "worsening": "đang xấu đi",
}
#: Trend verdict of each change verdict.
TREND_OF = {"improved": "improving", "worsened": "worsening", "no clear change": "no clear trend",
            "stable": "stable", "not comparable": "not comparable"}
#: Bisection steps of the interval inversions (log-spaced bracket 1e-8..1e8: far below float precision).
_STEPS = 90


def materiality_for(indicator: str, materiality: float | Mapping[str, float] | None = None) -> float:
    """Smallest change that matters for ``indicator`` (0-1 scale): the override, else the registry's.

    Parameters
    ----------
    indicator : str
        Registry id.
    materiality : float or mapping indicator -> float, optional
        A run's override: one value for every indicator, or per indicator (others keep the registry's).

    Returns
    -------
    float
        ``Indicator.materiality`` unless overridden (:data:`analysis.indicators.MATERIALITY_ASSUMPTION`).

    Raises
    ------
    ValueError
        An override outside (0, 1) (e.g. 0.5 meant as points: write 0.005).

    Examples
    --------
    >>> materiality_for("timeliness.on_time"), materiality_for("payment.online", {"payment.online": 0.02})
    (0.005, 0.02)
    """
    value: Any = None
    if isinstance(materiality, Mapping):
        value = materiality.get(indicator)
    elif materiality is not None:
        value = materiality
    if value is None:
        return float(indicators.get(indicator).materiality)
    if not (isinstance(value, int | float | np.number) and 0 < float(value) < 1):
        raise ValueError(
            f"materiality for {indicator!r} must be a proportion in (0, 1) (0.005 = 0.5 points); "
            f"got {value!r}"
        )
    return float(value)


def _quantile(level: float, df: Any) -> np.ndarray:
    check_level(level)
    return np.asarray(sps.t.ppf(0.5 + float(level) / 2, np.asarray(df, dtype=float)), dtype=float)


def _wilson(p: np.ndarray, n_eff: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson limits of a proportion ``p`` observed on ``n_eff`` effective cases, quantile ``q``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = (p + q**2 / (2 * n_eff)) / (1 + q**2 / n_eff)
        half = q / (1 + q**2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + q**2 / (4 * n_eff**2))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def _limits(p1, e1, p2, e2, q):
    l1, u1 = _wilson(p1, e1, q)
    l2, u2 = _wilson(p2, e2, q)
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return np.clip(lower, -1, 1), np.clip(upper, -1, 1)


def _prepare(x1, n1, x2, n2, deff1, deff2, df):
    a1, b1 = check_counts(x1, n1, xname="x1", nname="n1")
    a2, b2 = check_counts(x2, n2, xname="x2", nname="n2")
    arrays = np.broadcast_arrays(a1, b1, a2, b2, np.asarray(deff1, float), np.asarray(deff2, float),
                                 np.asarray(df, float))
    a1, b1, a2, b2, f1, f2, dfa = (np.atleast_1d(v).astype(float) for v in arrays)
    if np.any(~(f1 >= 1)) or np.any(~(f2 >= 1)):
        raise ValueError("deff1 and deff2 (variance inflation of each period) must be >= 1")
    ok = (b1 > 0) & (b2 > 0) & (dfa > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = np.where(ok, a1 / b1, np.nan), np.where(ok, a2 / b2, np.nan)
    return p1, b1 / f1, p2, b2 / f2, dfa, ok


def change_ci(
    x1: Any, n1: Any, x2: Any, n2: Any, level: float = 0.95, *, deff1: Any = 1.0, deff2: Any = 1.0,
    df: Any = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Interval for ``p1 - p2`` widened for process variation: Newcombe's method on effective counts.

    Parameters
    ----------
    x1, n1, x2, n2 : array-like
        Counts of the later (1) and earlier (2) period.
    level : float, default 0.95
        Confidence level.
    deff1, deff2 : array-like, default 1, keyword-only
        Variance inflation of each period's proportion (>= 1): total variance over binomial variance.
    df : array-like, default inf, keyword-only
        Degrees of freedom of the estimated inflation (t quantile); ``inf`` for the normal quantile.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``; NaN where a denominator is 0.

    Notes
    -----
    Each period's Wilson interval is computed on its effective sample, :math:`n_e = n/\mathrm{deff}`
    cases with the observed proportion (the design-effect device of Kish 1965 and Korn & Graubard 1998),
    with the quantile :math:`q = t_{1-\alpha/2,\,df}`; the two are combined by Newcombe's
    square-and-add (method 10):

    .. math:: L = d - \sqrt{(p_1 - l_1)^2 + (u_2 - p_2)^2}, \quad
              U = d + \sqrt{(u_1 - p_1)^2 + (p_2 - l_2)^2}

    With ``deff = 1`` and ``df = inf`` this is exactly :func:`analysis.stats.diff_ci` (statsmodels
    ``newcomb``): purely binomial data keep the ordinary interval, its size and its power.

    References
    ----------
    Newcombe RG (1998) Stat Med 17:873-890. Korn EL, Graubard BI (1998) Confidence intervals for
    proportions with small expected number of positive counts estimated from survey data. Survey
    Methodology 24:193-201. Kish L (1965) *Survey Sampling*. METHODS.md §2, §12.

    Examples
    --------
    >>> lo, hi = change_ci(56, 70, 48, 80)
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.0524, 0.3339)
    """
    p1, e1, p2, e2, dfa, ok = _prepare(x1, n1, x2, n2, deff1, deff2, df)
    lower, upper = _limits(p1, e1, p2, e2, _quantile(level, dfa))
    return np.where(ok, lower, np.nan), np.where(ok, upper, np.nan)


def _touch(p1, e1, p2, e2, side: str, value: np.ndarray) -> np.ndarray:
    """Quantile q at which the ``side`` limit equals ``value`` (limits move out monotonically with q)."""
    lo = np.full(p1.shape, np.log(1e-8))
    hi = np.full(p1.shape, np.log(1e8))
    for _ in range(_STEPS):
        mid = (lo + hi) / 2
        lower, upper = _limits(p1, e1, p2, e2, np.exp(mid))
        inside = lower > value if side == "lower" else upper < value
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    return np.exp((lo + hi) / 2)


def change_p_value(
    x1: Any, n1: Any, x2: Any, n2: Any, *, deff1: Any = 1.0, deff2: Any = 1.0, df: Any = np.inf
) -> np.ndarray:
    r"""Two-sided p-value of "no change" from the same interval as :func:`change_ci` (its inversion).

    Returns
    -------
    numpy.ndarray
        :math:`p = 2\,\bar F_{t,df}(q^*)`, with :math:`q^*` the quantile at which the interval's limit on
        the side of 0 touches 0 (bisection); 1 when ``p1 = p2``, NaN where a denominator is 0. So
        ``p < 1 - level`` exactly when the ``level`` interval excludes 0: p-value and label always agree.

    Examples
    --------
    >>> round(float(change_p_value(4, 30, 0, 30)[0]), 3) > 0.05  # Newcombe's interval includes 0 too
    True
    """
    p1, e1, p2, e2, dfa, ok = _prepare(x1, n1, x2, n2, deff1, deff2, df)
    d = p1 - p2
    qd = np.where(d > 0, _touch(p1, e1, p2, e2, "lower", np.zeros_like(d)),
                  _touch(p1, e1, p2, e2, "upper", np.zeros_like(d)))
    p = np.minimum(1.0, 2 * sps.t.sf(qd, dfa))
    p = np.where(d == 0, 1.0, p)
    return np.where(ok, p, np.nan)


def equivalence_p_value(
    x1: Any, n1: Any, x2: Any, n2: Any, margin: Any, *, deff1: Any = 1.0, deff2: Any = 1.0, df: Any = np.inf
) -> np.ndarray:
    r"""TOST p-value that the change lies inside ``(-margin, +margin)`` (Schuirmann 1987), same interval.

    Returns
    -------
    numpy.ndarray
        :math:`\max(\bar F(q_L), \bar F(q_U))` where :math:`q_L`, :math:`q_U` are the quantiles at which
        the lower limit touches :math:`-\delta` and the upper limit touches :math:`+\delta`; 1 when the
        estimate itself is outside. The ``level`` interval lies inside :math:`\pm\delta` exactly when this
        is below :math:`(1 - \mathrm{level})/2`.

    References
    ----------
    Schuirmann DJ (1987) A comparison of the two one-sided tests procedure and the power approach for
    assessing the equivalence of average bioavailability. J Pharmacokinet Biopharm 15:657-680.
    """
    p1, e1, p2, e2, dfa, ok = _prepare(x1, n1, x2, n2, deff1, deff2, df)
    m = np.broadcast_to(np.asarray(margin, dtype=float), p1.shape)
    d = p1 - p2
    q_low = _touch(p1, e1, p2, e2, "lower", -m)
    q_up = _touch(p1, e1, p2, e2, "upper", m)
    p = np.maximum(sps.t.sf(q_low, dfa), sps.t.sf(q_up, dfa))
    p = np.where(np.abs(d) >= m, 1.0, p)
    return np.where(ok, p, np.nan)


def verdict(lower: Any, upper: Any, higher_is_better: Any, materiality: Any = None) -> np.ndarray:
    """Verdict of a change from its interval, the indicator's direction and the materiality.

    Parameters
    ----------
    lower, upper : array-like
        Interval of the change (0-1 scale), already widened for process variation.
    higher_is_better : array-like of bool
        Direction of each indicator.
    materiality : array-like, optional
        Smallest change that matters (0-1 scale); without it there is no "stable".

    Returns
    -------
    numpy.ndarray of str
        "stable" when the interval lies inside (-materiality, +materiality) (an equivalence finding,
        even if it also excludes 0: the change is real but smaller than what matters); else "improved" /
        "worsened" when it excludes 0 on the good / bad side; else "no clear change"; "not comparable"
        without an interval.

    Examples
    --------
    >>> verdict([0.01, -0.02, -0.002, 0.001], [0.05, 0.01, 0.003, 0.002], [True, True, True, True], 0.005)
    array(['improved', 'no clear change', 'stable', 'stable'], dtype=object)
    """
    lo, hi = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    hib = np.asarray(higher_is_better, dtype=bool)
    m = np.full(lo.shape, np.nan) if materiality is None else np.asarray(materiality, dtype=float)
    finite = np.isfinite(lo) & np.isfinite(hi)
    with np.errstate(invalid="ignore"):
        stable = (lo > -m) & (hi < m)
    up, down = lo > 0, hi < 0
    return np.select(
        [~finite, stable, (up & hib) | (down & ~hib), (down & hib) | (up & ~hib)],
        ["not comparable", "stable", "improved", "worsened"],
        default="no clear change",
    ).astype(object)


def labels_vi(labels: Any) -> np.ndarray:
    """Vietnamese text of verdict keys (unknown keys unchanged).

    >>> list(labels_vi(["stable", "improved"]))
    ['ổn định', 'cải thiện']
    """
    return np.array([LABELS_VI.get(str(k), str(k)) for k in np.atleast_1d(labels)], dtype=object)
