"""Decompositions of a change in a rate: Kitagawa mix vs rate effects; Das Gupta two-factor product."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.stats._checks import as_float


@dataclass(frozen=True)
class Decomposition:
    """Change ``total = crude2 - crude1`` split as ``mix + rate``; per-group terms in ``by_group``."""

    total: float
    mix: float
    rate: float
    crude1: float
    crude2: float
    by_group: pd.DataFrame


def decompose_change(w1: Any, r1: Any, w2: Any, r2: Any) -> Decomposition:
    r"""Split the change in an overall rate into a mix effect and a rate (performance) effect.

    Parameters
    ----------
    w1, w2 : array-like
        Group weights in periods 1 and 2: denominators or shares (normalised to shares here).
    r1, r2 : array-like
        Group rates in periods 1 and 2 (any scale; NaN allowed only where the group's weight is 0).
        A group absent in one period takes its other period's rate there, so it contributes only to the
        mix effect. Index labels of a Series ``w1`` name the groups. A period whose weights sum to 0
        gives NaN results.

    Returns
    -------
    Decomposition
        ``total`` (= ``crude2 - crude1``), ``mix``, ``rate``, ``crude1``, ``crude2`` and ``by_group``
        (columns ``w1, r1, w2, r2, mix, rate, total`` per group; the columns sum to the totals).

    Notes
    -----
    With shares :math:`w` and the overall rate :math:`R = \sum_g w_g r_g` (Kitagawa 1955, symmetric form):

    .. math:: \text{mix} = \sum_g (w_{2g} - w_{1g})\frac{r_{1g} + r_{2g}}{2}, \quad
              \text{rate} = \sum_g (r_{2g} - r_{1g})\frac{w_{1g} + w_{2g}}{2}

    and mix + rate = R2 - R1 algebraically (to rounding in floating point).

    References
    ----------
    Kitagawa EM (1955) Components of a difference between two rates. JASA 50:1168-1194. Das Gupta P (1993)
    *Standardization and Decomposition of Rates: A User's Manual*, US Census Bureau P23-186. METHODS.md §8.

    Examples
    --------
    >>> d = decompose_change([50, 50], [0.9, 0.5], [80, 20], [0.9, 0.5])
    >>> round(d.total, 4), round(d.mix, 4), round(d.rate, 4)
    (0.12, 0.12, 0.0)
    """
    index = w1.index if isinstance(w1, pd.Series) else None
    a1, a2 = (np.atleast_1d(as_float(w, name=nm)) for w, nm in ((w1, "w1"), (w2, "w2")))
    b1, b2 = (np.atleast_1d(np.asarray(r, dtype=float)) for r in (r1, r2))
    try:
        a1, b1, a2, b2 = np.broadcast_arrays(a1, b1, a2, b2)
    except ValueError:
        raise ValueError("w1, r1, w2, r2 have different lengths") from None
    for w, nm in ((a1, "w1"), (a2, "w2")):
        if np.any(w < 0):
            raise ValueError(f"{nm} < 0 at index {int(np.flatnonzero(w < 0)[0])}")
    for r, w, nm in ((b1, a1, "r1"), (b2, a2, "r2")):
        bad = ~np.isfinite(r) & (w > 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{nm} is not finite at index {i} where its weight is > 0")
    if a1.sum() <= 0 or a2.sum() <= 0:  # a period without weight (n = 0): no rate to decompose
        nan = np.full(a1.shape, np.nan)
        cols = {c: nan for c in ("w1", "r1", "w2", "r2", "mix", "rate", "total")}
        return Decomposition(np.nan, np.nan, np.nan, np.nan, np.nan, pd.DataFrame(cols, index=index))
    s1, s2 = a1 / a1.sum(), a2 / a2.sum()
    b1 = np.where(np.isfinite(b1), b1, b2)
    b2 = np.where(np.isfinite(b2), b2, b1)
    b1, b2 = np.nan_to_num(b1), np.nan_to_num(b2)
    mix_g = (s2 - s1) * (b1 + b2) / 2
    rate_g = (b2 - b1) * (s1 + s2) / 2
    by_group = pd.DataFrame(
        {"w1": s1, "r1": b1, "w2": s2, "r2": b2, "mix": mix_g, "rate": rate_g, "total": mix_g + rate_g},
        index=index,
    )
    crude1, crude2 = float(np.sum(s1 * b1)), float(np.sum(s2 * b2))
    return Decomposition(crude2 - crude1, float(mix_g.sum()), float(rate_g.sum()), crude1, crude2, by_group)


@dataclass(frozen=True)
class ProductDecomposition:
    """Change in a product rate ``R = alpha * beta`` split as ``total = alpha_effect + beta_effect``."""

    total: Any
    alpha_effect: Any
    beta_effect: Any
    rate1: Any
    rate2: Any


def decompose_product(alpha1: Any, beta1: Any, alpha2: Any, beta2: Any) -> ProductDecomposition:
    r"""Split the change in a rate that is a product of two factors into the effect of each factor.

    Parameters
    ----------
    alpha1, beta1 : array-like
        The two factors in period 1 (e.g. account share, paid-of-holders share), 0-1 scale.
    alpha2, beta2 : array-like
        The same in period 2. Vectorised; NaN propagates.

    Returns
    -------
    ProductDecomposition
        ``total = alpha2*beta2 - alpha1*beta1``, ``alpha_effect``, ``beta_effect`` (they add up to
        ``total`` exactly), ``rate1``, ``rate2``; floats for scalar input, arrays otherwise.

    Notes
    -----
    Das Gupta's symmetric two-factor decomposition of a product :math:`R = \alpha\beta`:

    .. math:: \Delta R = \underbrace{(\alpha_2 - \alpha_1)\frac{\beta_1 + \beta_2}{2}}_{\alpha\ \text{effect}}
              + \underbrace{(\beta_2 - \beta_1)\frac{\alpha_1 + \alpha_2}{2}}_{\beta\ \text{effect}}

    (expand: the cross terms cancel). Welfare: paid share = account share x paid-of-holders, so a change
    in the paid share is the effect of more beneficiaries holding accounts plus the effect of more
    holders being paid through them. Not Kitagawa's mix/rate split (:func:`decompose_change`), whose
    weights are shares of a population summing to 1.

    References
    ----------
    Das Gupta P (1993) *Standardization and Decomposition of Rates: A User's Manual*, US Census Bureau
    P23-186, ch. 2 (rate as a product of two factors). METHODS.md §13.

    Examples
    --------
    >>> d = decompose_product(0.8, 0.9, 0.9, 0.95)
    >>> round(d.total, 4), round(d.alpha_effect, 4), round(d.beta_effect, 4)
    (0.135, 0.0925, 0.0425)
    """
    a1, b1, a2, b2 = (np.asarray(v, dtype=float) for v in (alpha1, beta1, alpha2, beta2))
    try:
        a1, b1, a2, b2 = np.broadcast_arrays(a1, b1, a2, b2)
    except ValueError:
        raise ValueError("alpha1, beta1, alpha2, beta2 have different lengths") from None
    alpha_effect = (a2 - a1) * (b1 + b2) / 2
    beta_effect = (b2 - b1) * (a1 + a2) / 2
    out = [a2 * b2 - a1 * b1, alpha_effect, beta_effect, a1 * b1, a2 * b2]
    out = [float(v) if v.ndim == 0 else v for v in out]
    return ProductDecomposition(*out)
