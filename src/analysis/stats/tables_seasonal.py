"""Seasonal table from a Counts table: monthly rates with Wilson intervals and the STL decomposition."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.schemas import validate_counts
from analysis.stats.proportions import proportion_ci
from analysis.stats.seasonal import seasonal_adjust
from analysis.stats.tables_periods import SERIES_KEYS, aggregate, check_by, drop_double_counting


def seasonal_table(
    counts: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    period: int = 12,
    seasonal: int = 7,
    level: float = 0.95,
) -> pd.DataFrame:
    """Monthly rate with its Wilson interval, STL trend and seasonally adjusted series, per group.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table; its monthly rows are used.
    by : str or sequence of str, optional, keyword-only
        Grouping columns (default per unit; ``[]`` for the province total).
    period, seasonal : int, keyword-only
        STL settings (R ``stl`` parity, :func:`analysis.stats.seasonal_adjust`).
    level : float, default 0.95, keyword-only
        Level of the monthly Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        Per group and month: ``period_start``, ``numerator``, ``denominator``, ``rate``, ``lower``,
        ``upper``, ``trend``, ``seasonal``, ``adjusted`` (rate minus seasonal) and ``note``. STL columns
        are NaN (with a note) when the series has two years or less, has a gap, or a month without cases.

    References
    ----------
    Cleveland RB et al. (1990) J Off Stat 6:3-73; METHODS.md §5.
    """
    counts = validate_counts(counts)
    by = check_by(counts, by)
    rows = drop_double_counting(counts, by)
    rows = rows[rows["period_type"] == "month"]
    agg = aggregate(rows, by + ["period_start"])
    keys = SERIES_KEYS + by
    pieces = []
    for _, g in agg.groupby(keys, dropna=False, sort=True):
        g = g.sort_values("period_start").reset_index(drop=True)
        x, n = g["numerator"].to_numpy(float), g["denominator"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            g["rate"] = np.where(n > 0, x / n, np.nan)
        g["lower"], g["upper"] = proportion_ci(x, n, level)
        starts = pd.DatetimeIndex(g["period_start"])
        expected = pd.date_range(starts.min(), starts.max(), freq="MS")
        note = ""
        if len(expected) != len(starts) or not (starts == expected).all():
            note = "months missing: no seasonal adjustment"
        elif (n == 0).any():
            note = "a month without cases: no seasonal adjustment"
        elif len(g) <= 2 * period:
            note = f"{2 * period} months or fewer (STL needs more than two years): no seasonal adjustment"
        if note:
            g["trend"] = g["seasonal"] = g["adjusted"] = np.nan
        else:
            dec = seasonal_adjust(g["rate"], period=period, seasonal=seasonal)
            g["trend"], g["seasonal"], g["adjusted"] = dec["trend"], dec["seasonal"], dec["adjusted"]
        pieces.append(g.assign(note=note))
    if not pieces:
        return pd.DataFrame(columns=keys + ["period_start", "rate", "trend", "seasonal", "adjusted", "note"])
    return pd.concat(pieces, ignore_index=True)
