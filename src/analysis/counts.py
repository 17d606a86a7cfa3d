"""Scoping a Counts table, defined once: which rows belong to a unit, to an indicator, to one series.

A unit's scope is the unit itself and every unit coded under it (``77`` holds ``77.S01`` and
``77.H01.X01``).  A unit that matches nothing is an error naming the unit and the codes that exist, never
"all rows".  When a series has both a province row and its units' rows, sums over units drop the province
row (otherwise every dossier would be counted twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from analysis.errors import ParameterError

#: Columns that identify one series (a definition family in one code system); never mixed.
SERIES_KEYS = ["indicator", "convention", "code_system"]
#: How many existing codes an error message lists.
SHOWN_CODES = 20


def _under(codes: pd.Series, unit: str) -> pd.Series:
    return (codes == unit) | codes.str.startswith(f"{unit}.") | codes.str.startswith(f"{unit}-")


def has_unit(unit: str, units: Iterable[str]) -> bool:
    """Return True when ``unit`` or a unit under it (code ``unit.…``) is among ``units``.

    Examples
    --------
    >>> has_unit("77", ["77.H01", "77.S02"]), has_unit("7", ["77.H01"]), has_unit("01", ["01"])
    (True, False, True)
    """
    unit = str(unit).strip()
    return any(u == unit or u.startswith((f"{unit}.", f"{unit}-")) for u in map(str, units))


def unit_not_found(unit: str, units: Iterable[str], *, where: str = "") -> ParameterError:
    """Return the error for a unit with no rows: it names the unit and the codes that exist."""
    codes = sorted(set(map(str, units)))
    shown = ", ".join(codes[:SHOWN_CODES]) + (
        f", … ({len(codes)} in all)" if len(codes) > SHOWN_CODES else ""
    )
    prefix = f"{where}: " if where else ""
    return ParameterError(f"{prefix}no data for unit {unit!r}; units with data: {shown or 'none'}")


def in_scope(counts: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Return the rows of ``unit`` and of the units under it (codes ``unit``, ``unit.…`` or ``unit-…``).

    Raises
    ------
    ParameterError
        No row belongs to ``unit``; the message lists the unit codes that exist.

    Examples
    --------
    >>> t = pd.DataFrame({"unit_code": ["77", "77.S01", "770", "01"]})
    >>> list(in_scope(t, "77")["unit_code"])
    ['77', '77.S01']
    >>> in_scope(t, "78")
    Traceback (most recent call last):
    ...
    analysis.errors.ParameterError: no data for unit '78'; units with data: 01, 77, 77.S01, 770
    """
    unit = str(unit).strip()
    codes = counts["unit_code"].astype(str)
    mask = _under(codes, unit)
    if not mask.any():
        raise unit_not_found(unit, codes.unique())
    return counts[mask]


def subset(counts: pd.DataFrame, *, indicator: str | Sequence[str], level: str | None = None) -> pd.DataFrame:
    """Rows of the given indicator(s), optionally of one unit level (e.g. ``"department"``)."""
    ids = [indicator] if isinstance(indicator, str) else list(indicator)
    rows = counts[counts["indicator"].isin(ids)]
    return rows[rows["unit_level"] == level] if level is not None else rows


def drop_double_counting(counts: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Drop a series' province rows if it has unit rows too and units are summed (no ``unit_code`` in by)."""
    if "unit_code" in by or counts.empty:
        return counts
    is_prov = counts["unit_level"] == "province"
    has_units = (~is_prov).groupby([counts[k] for k in SERIES_KEYS]).transform("any")
    return counts[~(is_prov & has_units)]
