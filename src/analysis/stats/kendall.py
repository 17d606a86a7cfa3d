"""Mann-Kendall trend test with Sen's slope (non-parametric, on a yearly series of proportions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pymannkendall as mk
from scipy import stats as sps

from analysis.stats._checks import as_float


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall test (tie-corrected, continuity-corrected) with Sen's slope."""

    z: float
    p_value: float
    slope: float
    s: float
    var_s: float
    tau: float
    intercept: float
    n: int


def mann_kendall(values: Any) -> MannKendall:
    r"""Mann-Kendall trend test and Sen slope of a series (e.g. yearly proportions), in time order.

    Parameters
    ----------
    values : array-like
        The series; all values must be finite.

    Returns
    -------
    MannKendall
        ``z``, two-sided ``p_value``, Sen ``slope`` per step, ``s``, ``var_s``, ``tau`` (tau-a, S over
        n(n-1)/2, not Kendall's tau-b), ``intercept``; NaN for fewer than three values.

    Notes
    -----
    .. math:: S = \sum_{i<j} \mathrm{sign}(x_j - x_i), \quad
              Z = \frac{S - \mathrm{sign}(S)}{\sqrt{\mathrm{Var}\,S}}, \quad
              \mathrm{slope} = \mathrm{median}_{i<j} \frac{x_j - x_i}{j - i}

    with the tie-corrected variance, by ``pymannkendall.original_test``. The two-sided p-value is
    :math:`2\,\bar\Phi(|Z|)` with the normal survival function (``scipy.stats.norm.sf``), which keeps its
    precision far in the tail (``2 * (1 - cdf)`` loses it below 1e-12 and gives 0 beyond z = 8.3). It
    ignores denominators: a year with 20 cases counts as much as one with 20 000; with fewer than ten
    points it has little power.

    References
    ----------
    Mann HB (1945) Econometrica 13:245-259. Kendall MG (1975) *Rank Correlation Methods*. Sen PK (1968)
    JASA 63:1379-1389. Gilbert RO (1987) *Statistical Methods for Environmental Pollution Monitoring*, ch. 16.

    Examples
    --------
    >>> r = mann_kendall([0.90, 0.91, 0.93, 0.92, 0.95])
    >>> r.s, round(r.slope, 4)
    (8.0, 0.0112)
    """
    arr = np.atleast_1d(as_float(values, name="values"))
    if arr.size < 3:
        return MannKendall(*(np.nan,) * 7, n=int(arr.size))
    res = mk.original_test(arr)
    z = float(res.z)
    return MannKendall(
        z=z,
        p_value=float(2 * sps.norm.sf(abs(z))),
        slope=float(res.slope),
        s=float(res.s),
        var_s=float(res.var_s),
        tau=float(res.Tau),
        intercept=float(res.intercept),
        n=int(arr.size),
    )
