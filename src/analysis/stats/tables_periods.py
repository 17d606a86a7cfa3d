"""Counts-table plumbing for the stats tables: province roll-up and like-for-like period selection."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import indicators
from analysis.counts import SERIES_KEYS, drop_double_counting  # noqa: F401  (re-used by the tables)
from analysis.schemas import BREAKDOWN_COLUMNS, finalise_counts, validate_counts

#: Default grouping of the tables: one row per unit.
DEFAULT_BY = ("unit_code",)


def raw_keys(counts: pd.DataFrame) -> list[str]:
    """Series keys, unit and breakdown columns present: what identifies one raw series."""
    return SERIES_KEYS + ["unit_code"] + [c for c in BREAKDOWN_COLUMNS if c in counts.columns]


def check_by(counts: pd.DataFrame, by: Sequence[str] | str | None) -> list[str]:
    """Return ``by`` as a list of existing columns (``None`` = per unit); raise ``ValueError`` otherwise."""
    cols = list(DEFAULT_BY) if by is None else [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in counts.columns]
    if missing:
        raise ValueError(f"by= names column(s) {missing} not in the Counts table: {list(counts.columns)}")
    return [c for c in cols if c not in SERIES_KEYS]


def aggregate(rows: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Sum numerators and denominators over everything but the series keys and ``by``."""
    keys = SERIES_KEYS + list(by)
    agg = {"numerator": ("numerator", "sum"), "denominator": ("denominator", "sum")}
    if "unit_code" in by:
        agg["unit_name"] = ("unit_name", "first")
    if not len(rows):
        return pd.DataFrame(columns=keys + list(agg))
    return rows.groupby(keys, dropna=False, sort=True).agg(**agg).reset_index()


def rollup(
    counts: pd.DataFrame,
    level: str | Sequence[str] | None = None,
    *,
    by: Sequence[str] = (),
    code: str = "total",
    name: str = "Toàn tỉnh",
) -> pd.DataFrame:
    """Sum units into one province total per indicator, period and convention (a Counts table).

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table.
    level : str or sequence of str, optional
        Unit levels to sum (e.g. ``"department"``); default every level below the province. Province rows
        are kept as they are for a series that has no unit rows.
    by : sequence of str, keyword-only
        Breakdown columns to keep (e.g. ``["beneficiary_group"]``); others are summed over.
    code, name : str, keyword-only
        ``unit_code`` and ``unit_name`` of the total rows.

    Returns
    -------
    pandas.DataFrame
        A validated Counts table with ``unit_level = "province"``.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"indicator": "online.submission", "unit_code": ["01", "02"],
    ...     "unit_name": ["A", "B"], "unit_level": "department", "code_system": "gso2004",
    ...     "period_start": "2024-01-01", "period_end": "2024-12-31", "numerator": [5, 7],
    ...     "denominator": [10, 10], "convention": "qd766", "source": "example"})
    >>> tot = rollup(finalise_counts(rows))
    >>> int(tot["numerator"].iloc[0]), int(tot["denominator"].iloc[0])
    (12, 20)
    """
    counts = validate_counts(counts)
    levels = None if level is None else [level] if isinstance(level, str) else list(level)
    rows = counts if levels is None else counts[counts["unit_level"].isin(levels)]
    rows = drop_double_counting(rows, by=())
    keys = SERIES_KEYS + ["period_start", "period_end", "period_type"] + list(by)
    out = rows.groupby(keys, dropna=False, sort=True).agg(
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        source=("source", lambda s: ";".join(sorted(set(s)))),
    ).reset_index()
    out["unit_code"], out["unit_name"], out["unit_level"] = code, name, "province"
    return finalise_counts(out)


def period_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """Short label of a period: ``2024``, ``01–06/2025``, ``06/2025`` or ``15/12/2023–14/12/2024``.

    Examples
    --------
    >>> period_label(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-30"))
    '01–06/2025'
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    month_end = (end + pd.Timedelta(days=1)).day == 1
    if start.day == 1 and month_end and start.year == end.year:
        if start.month == 1 and end.month == 12:
            return f"{end.year}"
        if start.month == end.month:
            return f"{end.month:02d}/{end.year}"
        return f"{start.month:02d}–{end.month:02d}/{end.year}"
    return f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"


def _span_rows(sub: pd.DataFrame, ptype: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    return sub[(sub["period_type"] == ptype) & (sub["period_start"] == start) & (sub["period_end"] == end)]


def _from_months(sub: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, *, stock: bool) -> pd.DataFrame:
    """One row per raw series over [start, end] from monthly rows: flows summed, stocks the last month."""
    inside = (sub["period_start"] >= start) & (sub["period_end"] <= end)
    months = sub[(sub["period_type"] == "month") & inside]
    if months.empty:
        return months
    keys = raw_keys(sub)
    expected = (end.year - start.year) * 12 + end.month - start.month + 1
    if stock:
        last = months[months["period_end"] == end]
        out = last.assign(note="built from the last monthly row (stock indicator)")
    else:
        n_months = months.groupby(keys, dropna=False)["period_start"].transform("nunique")
        full = months[n_months == expected]
        out = full.groupby(keys, dropna=False, sort=False).agg(
            numerator=("numerator", "sum"), denominator=("denominator", "sum"),
            unit_name=("unit_name", "first"), unit_level=("unit_level", "first"),
        ).reset_index().assign(note=f"built by summing {expected} monthly rows")
    return out.assign(period_start=start, period_end=end, period_type="ytd")


def _modes(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Most frequent ``column`` per series (the smallest on ties, as ``Series.mode().iloc[0]``)."""
    k = rows.groupby(SERIES_KEYS + [column], sort=False).size().reset_index(name="_k")
    k = k.sort_values(["_k", column], ascending=[False, True]).drop_duplicates(SERIES_KEYS)
    return k[SERIES_KEYS + [column]].rename(columns={column: f"_{column}"})


def _whole_years(whole: pd.DataFrame, year: int) -> list[pd.DataFrame]:
    """Curr and prev rows of every series with whole-year rows in ``year`` (all series at once)."""
    cy = whole[whole["year"] == year]
    if cy.empty:
        return []
    modes = _modes(cy, "period_start").merge(_modes(cy, "period_end"), on=SERIES_KEYS)
    curr = cy.merge(modes, on=SERIES_KEYS)
    curr = curr[(curr["period_start"] == curr["_period_start"]) & (curr["period_end"] == curr["_period_end"])]
    labels = {}
    for start, end in modes[["_period_start", "_period_end"]].drop_duplicates().itertuples(index=False):
        prev = (start - pd.DateOffset(years=1), end - pd.DateOffset(years=1))
        labels[(start, end)] = f"{period_label(start, end)} vs {period_label(*prev)}"
    spans = zip(modes["_period_start"], modes["_period_end"], strict=True)
    modes["periods"] = [labels[span] for span in spans]
    curr = curr.drop(columns=["_period_start", "_period_end"]).merge(modes[SERIES_KEYS + ["periods"]])
    prev = whole[whole["year"] == year - 1].merge(modes[SERIES_KEYS + ["periods"]], on=SERIES_KEYS)
    return [curr.assign(note="", side="curr", basis="year"), prev.assign(note="", side="prev", basis="year")]


def comparable_periods(counts: pd.DataFrame, year: int) -> pd.DataFrame:
    """Rows of ``year`` and of the like-for-like period one year earlier, per series.

    A whole year is compared with the previous whole year. When ``year`` has no whole-year row but ``ytd``
    rows (a partial latest year), the ytd span is compared with the same span one year earlier; a missing
    earlier ytd row is built from monthly rows (flows summed, stocks from the last month) and ``note`` says
    so. With monthly rows only, both spans are built from months. A ytd period is never compared with a
    whole year.

    Parameters
    ----------
    counts : pandas.DataFrame
        A validated Counts table.
    year : int
        The later year.

    Returns
    -------
    pandas.DataFrame
        The selected raw rows with ``side`` (``"curr"`` / ``"prev"``), ``periods`` (e.g.
        ``"01–06/2025 vs 01–06/2024"``), ``basis`` (``year`` / ``ytd``) and ``note``.
    """
    whole = counts[counts["period_type"] == "year"]
    pieces = _whole_years(whole, year)
    done = set()
    if pieces:
        done = set(pieces[0][SERIES_KEYS].drop_duplicates().itertuples(index=False, name=None))
    kinds = {k: dict(list(counts[counts["period_type"] == k].groupby(SERIES_KEYS, sort=True)))
             for k in ("ytd", "month")}
    empty = counts.iloc[0:0]
    for key in sorted(set().union(*kinds.values()) - done):
        stock = indicators.get(key[0]).stock
        spans, monthly = (kinds[k].get(key, empty) for k in ("ytd", "month"))
        ytd = spans[spans["year"] == year]
        months = monthly[monthly["year"] == year]
        if not (len(ytd) or len(months)):
            continue
        sub = pd.concat([whole[(whole[SERIES_KEYS] == pd.Series(key, index=SERIES_KEYS)).all(axis=1)], spans,
                         monthly])
        if len(ytd):
            start, end = ytd["period_start"].mode().iloc[0], ytd["period_end"].mode().iloc[0]
            curr = _span_rows(spans, "ytd", start, end).assign(note="")
        else:
            start, end = pd.Timestamp(year, 1, 1), months["period_end"].max()
            curr = _from_months(sub, start, end, stock=stock)
        pstart, pend = start - pd.DateOffset(years=1), end - pd.DateOffset(years=1)
        prev = _span_rows(spans, "ytd", pstart, pend).assign(note="")
        built = _from_months(sub, pstart, pend, stock=stock)
        if len(built):
            have = prev.set_index(raw_keys(sub)).index
            built = built[~built.set_index(raw_keys(sub)).index.isin(have)]
            prev = pd.concat([prev, built], ignore_index=True)
        label = f"{period_label(start, end)} vs {period_label(pstart, pend)}"
        pieces += [curr.assign(side="curr", periods=label, basis="ytd"),
                   prev.assign(side="prev", periods=label, basis="ytd")]
    if not pieces:
        return counts.iloc[0:0].assign(side="", periods="", basis="", note="")
    return pd.concat(pieces, ignore_index=True)
