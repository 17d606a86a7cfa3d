"""Input checks and output shaping shared by the statistics functions (arrays in, same shape out)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps


def as_float(value: Any, *, name: str) -> np.ndarray:
    """Return ``value`` as a float array; raise ``ValueError`` naming the first non-finite position.

    Parameters
    ----------
    value : scalar, sequence, numpy array or pandas Series
        Input values.
    name : str
        Argument name used in the error message.

    Returns
    -------
    numpy.ndarray
        Float array (0-d for a scalar).

    Examples
    --------
    >>> as_float([1, 2], name="x")
    array([1., 2.])
    """
    try:
        arr = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric; got {value!r}") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = _position(value, bad)
        raise ValueError(f"{name} is not finite at {pos}: {float(np.asarray(arr)[bad].ravel()[0])!r}")
    return arr


def _position(value: Any, mask: np.ndarray) -> str:
    """Describe the first True position of ``mask`` (Series label when the input was a Series)."""
    flat = np.flatnonzero(np.atleast_1d(mask))[0]
    if isinstance(value, pd.Series):
        return f"index {value.index[flat]!r} (position {flat})"
    if np.ndim(mask) == 0:
        return "the scalar input"
    return f"index {flat}"


def check_counts(x: Any, n: Any, *, xname: str = "x", nname: str = "n") -> tuple[np.ndarray, np.ndarray]:
    """Validate a numerator/denominator pair: finite, ``n >= 0``, ``0 <= x <= n``; broadcast together.

    Parameters
    ----------
    x, n : array-like
        Numerators and denominators (non-integer values are allowed, as in PHEindicatormethods).
    xname, nname : str
        Names used in error messages.

    Returns
    -------
    tuple of numpy.ndarray
        Broadcast float arrays ``(x, n)``.

    Raises
    ------
    ValueError
        Naming the offending position when ``x < 0``, ``n < 0``, ``x > n`` or a value is not finite.

    Examples
    --------
    >>> check_counts([1, 5], [10, 4])
    Traceback (most recent call last):
    ...
    ValueError: x > n at index 1: x = 5.0, n = 4.0
    """
    xa = as_float(x, name=xname)
    na = as_float(n, name=nname)
    try:
        xa, na = np.broadcast_arrays(xa, na)
    except ValueError:
        raise ValueError(f"{xname} and {nname} have different lengths: {xa.shape} vs {na.shape}") from None
    ref = x if isinstance(x, pd.Series) else n
    for mask, what in ((xa < 0, f"{xname} < 0"), (na < 0, f"{nname} < 0"), (xa > na, f"{xname} > {nname}")):
        if mask.any():
            i = np.flatnonzero(np.atleast_1d(mask))[0]
            raise ValueError(
                f"{what} at {_position(ref, mask)}: {xname} = {float(np.atleast_1d(xa)[i])!r}, "
                f"{nname} = {float(np.atleast_1d(na)[i])!r}"
            )
    return xa, na


def check_level(level: float) -> float:
    """Return the two-sided normal quantile for confidence ``level`` (0 < level < 1).

    Examples
    --------
    >>> round(check_level(0.95), 6), round(check_level(0.998), 6)
    (1.959964, 3.090232)
    """
    if not 0 < float(level) < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95); got {level!r}")
    return float(sps.norm.ppf(0.5 + float(level) / 2))


def shape_like(arr: np.ndarray, *templates: Any) -> Any:
    """Return ``arr`` as a float for scalar input, a Series when a template is a Series, else an array."""
    for t in templates:
        if isinstance(t, pd.Series) and np.ndim(arr) == 1 and len(t) == len(arr):
            return pd.Series(arr, index=t.index)
    if np.ndim(arr) == 0:
        return float(arr)
    return arr
