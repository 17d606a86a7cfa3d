"""Seasonal adjustment of a monthly series by STL with the settings that reproduce R ``stl``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

from analysis.stats._checks import as_float


def _nextodd(value: float) -> int:
    v = int(round(value))
    return v + 1 if v % 2 == 0 else v


def stl_parity_settings(period: int, seasonal: int) -> dict[str, int]:
    """Return the statsmodels ``STL`` arguments equivalent to R ``stl(x, s.window=seasonal)``.

    Examples
    --------
    >>> s = stl_parity_settings(12, 7)
    >>> s["trend"], s["low_pass"], s["seasonal_jump"], s["trend_jump"], s["low_pass_jump"]
    (23, 13, 1, 3, 2)
    """
    trend = _nextodd(math.ceil(1.5 * period / (1 - 1.5 / seasonal)))
    low_pass = _nextodd(period)
    return {
        "period": period,
        "seasonal": seasonal,
        "trend": trend,
        "low_pass": low_pass,
        "seasonal_deg": 0,
        "trend_deg": 1,
        "low_pass_deg": 1,
        "seasonal_jump": math.ceil(seasonal / 10),
        "trend_jump": math.ceil(trend / 10),
        "low_pass_jump": math.ceil(low_pass / 10),
    }


def seasonal_adjust(y: Any, period: int = 12, seasonal: int | str = 7) -> pd.DataFrame:
    r"""Decompose a monthly series into trend, seasonal and remainder (STL, R ``stl`` parity).

    Parameters
    ----------
    y : array-like or pandas Series
        Equally spaced, gap-free values (e.g. monthly proportions), more than two full periods (R ``stl``
        refuses ``n <= 2 * period``: "series is not periodic or has less than two periods").
    period : int, default 12
        Season length.
    seasonal : int or "periodic", default 7
        Seasonal smoother span (R ``s.window``), at least 3; an even span is raised to the next odd number
        as R's Fortran code does. ``"periodic"``: R ``s.window = "periodic"`` (span 10 n + 1, then each
        cycle position replaced by its mean).

    Returns
    -------
    pandas.DataFrame
        Columns ``observed``, ``trend``, ``seasonal``, ``resid`` and ``adjusted`` (= observed - seasonal),
        indexed like ``y``.

    Raises
    ------
    ValueError
        ``2 * period`` values or fewer (as R), a non-finite value, or a ``seasonal`` below 3.

    Notes
    -----
    R ``stl(x, s.window=s)`` equals ``STL(x, period=p, seasonal=s, trend=t, low_pass=l, seasonal_deg=0,
    trend_deg=1, low_pass_deg=1, seasonal_jump=ceil(s/10), trend_jump=ceil(t/10),
    low_pass_jump=ceil(l/10)).fit(inner_iter=2, outer_iter=0)`` with
    :math:`t = \mathrm{nextodd}(\lceil 1.5p / (1 - 1.5/s) \rceil)`, :math:`l = \mathrm{nextodd}(p)`
    (METHODS.md §5; statsmodels defaults differ, issue #7212). Not robust (R ``robust=TRUE`` is not matched).
    Decompose the proportion for display; keep the counts for inference.

    References
    ----------
    Cleveland RB, Cleveland WS, McRae JE, Terpenning I (1990) STL: A seasonal-trend decomposition procedure
    based on loess. J Off Stat 6:3-73. R ``stats::stl``.

    Examples
    --------
    >>> import numpy as np
    >>> y = 0.9 + 0.02 * np.sin(2 * np.pi * np.arange(36) / 12)
    >>> out = seasonal_adjust(y)
    >>> bool(np.allclose(out["trend"] + out["seasonal"] + out["resid"], y))
    True
    """
    values = np.atleast_1d(as_float(y, name="y"))
    periodic = isinstance(seasonal, str)
    if periodic and seasonal != "periodic":
        raise ValueError(f"seasonal must be an odd integer >= 3 or 'periodic'; got {seasonal!r}")
    span = 10 * values.size + 1 if periodic else int(seasonal)
    if span < 3:
        raise ValueError(f"seasonal must be >= 3 (R s.window); got {seasonal!r}")
    if period < 2:
        raise ValueError(f"period must be >= 2; got {period!r}")
    if values.size <= 2 * period:  # R stl refuses n <= 2 * period ("less than two periods")
        raise ValueError(
            f"STL needs more than two full periods (more than {2 * period} values, as R stl); "
            f"got {values.size}"
        )
    settings = stl_parity_settings(period, span)
    settings["seasonal"] = span + 1 if span % 2 == 0 else span  # R's Fortran makes the span odd
    res = STL(values, **settings).fit(inner_iter=2, outer_iter=0)
    trend, season = np.asarray(res.trend), np.asarray(res.seasonal)
    if periodic:  # R: seasonal <- tapply(seasonal, cycle(x), mean)[cycle(x)]
        position = np.arange(values.size) % period
        means = np.bincount(position, weights=season) / np.bincount(position)
        season = means[position]
    index = y.index if isinstance(y, pd.Series) else pd.RangeIndex(values.size)
    out = pd.DataFrame(
        {"observed": values, "trend": trend, "seasonal": season, "resid": values - trend - season},
        index=index,
    )
    out["adjusted"] = out["observed"] - out["seasonal"]
    return out
