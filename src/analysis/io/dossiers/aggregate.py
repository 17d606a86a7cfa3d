"""The dossier-to-Counts aggregation, written once as an Ibis expression; runs on DuckDB, Spark, PostgreSQL.

The expression takes a table with the canonical columns of ``docs/DATA_FORMATS.md`` §1 (``CANONICAL``) and a
small table of periods, and returns numerator and denominator per indicator x unit x period.  DuckDB
(embedded, streaming, spilling to disk) runs it by default; any Ibis backend holding such a table runs the
same expression.  Only the small aggregated result is brought back to pandas.
"""

from __future__ import annotations

import calendar
import tempfile
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.io.dossiers import stages
from analysis.io.dossiers.rules import LEVELS  # noqa: F401  (public name)
from analysis.io.dossiers.stages import COMPONENTS, PERIOD_KEYS  # noqa: F401  (public names)
from analysis.schemas import finalise_counts

#: Canonical columns the aggregation reads, with their Ibis types (dates are calendar dates).
CANONICAL: dict[str, str] = {
    "unit_code": "string",
    "unit_name": "string",
    "unit_level": "string",
    "received_at": "date",
    "due_at": "date",
    "finished_at": "date",
    "supplement_requested_at": "date",
    "supplement_provided_at": "date",
    "supplement_count": "int64",
    "channel": "int64",
    "fee": "float64",
    "fee_bearing": "int64",
    "paid_online": "int64",
}
#: Indicator id -> (convention, numerator component, denominator component).
INDICATORS: dict[str, tuple[str, str, str]] = {
    "timeliness.on_time": ("bieu06", "on_time", "finished"),
    "timeliness.on_time_766": ("qd766", "ok_766", "base_766"),
    "timeliness.overdue_pending": ("bieu06", "overdue", "pending"),
    "online.submission": ("qd766", "online", "received"),
    "payment.online": ("qd766", "paid", "fee_base"),
}
#: First day of the 34-province code system (Nghị quyết 202/2025/QH15); earlier periods use gso2004 codes.
NSO2025_FROM = date(2025, 7, 1)


def build_periods(first: date, last: date, *, data_end: date | None = None) -> pd.DataFrame:
    """Return the periods to aggregate: every calendar month and year, and like-for-like ``ytd`` spans.

    ``data_end`` defaults to the last day of the month of ``last``.  When it is not 31 December, the last year
    gets no ``year`` row; instead every year gets a ``ytd`` row from 1 January to the same month-day (none
    when that day is 31 January: the span is the January month, already a row).

    Examples
    --------
    >>> p = build_periods(date(2024, 11, 3), date(2025, 2, 10))
    >>> p.groupby("period_type").size().to_dict()
    {'month': 4, 'year': 1, 'ytd': 2}
    >>> p[p.period_type == "ytd"].period_end.astype(str).tolist()
    ['2024-02-29', '2025-02-28']
    """
    end = data_end or date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])
    rows = []
    y, m = first.year, first.month
    while (y, m) <= (end.year, end.month):
        rows.append((date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), "month"))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    full_year = (end.month, end.day) == (12, 31)
    for year in range(first.year, end.year + (1 if full_year else 0)):
        rows.append((date(year, 1, 1), date(year, 12, 31), "year"))
    if not full_year and (end.month, end.day) != (1, 31):  # a ytd span 1/1-31/1 is the January month
        for year in range(first.year, end.year + 1):
            last_day = calendar.monthrange(year, end.month)[1]
            same = date(
                year,
                end.month,
                last_day
                if end.day == calendar.monthrange(end.year, end.month)[1]
                else min(end.day, last_day),
            )
            rows.append((date(year, 1, 1), same, "ytd"))
    rows = [r for r in rows if r[1] <= end]
    return pd.DataFrame(rows, columns=["period_start", "period_end", "period_type"])


def counts_expr(t: ir.Table, periods: pd.DataFrame, *, labels: bool = True) -> ir.Table:
    """Build the aggregation: one row per unit x period with the ten component counts and the unit's name.

    Parameters
    ----------
    t : ibis.Table
        Dossier records with the ``CANONICAL`` columns (extra columns are ignored).
    periods : pandas.DataFrame
        ``period_start``, ``period_end`` (dates) and ``period_type``, as from :func:`build_periods`.
    labels : bool
        Add each unit's name and level (the largest value seen); False when the caller knows them.

    Returns
    -------
    ibis.Table
        Columns ``PERIOD_KEYS`` + ``COMPONENTS``; see ``docs/DATA_FORMATS.md`` §1 for their definitions.

    Notes
    -----
    On time (Biểu 06): finished on or before the due date plus the supplement pause; no due date = on time.
    On time (QĐ 766 §2.1): the same and at most one supplement request.  Pending at a period end ``e``:
    received on or before ``e`` and not finished by ``e``; overdue when ``e - due > pause(e)``, the pause up
    to ``e`` being the days from the supplement request to the citizen's supplement (or to ``e``).
    Computed in two stages (``analysis.io.dossiers.stages``): one pass over the records giving flows and
    stock changes per unit x day, then sums over each period's days and cumulative sums up to each end.
    """
    daily = stages.daily_expr(t, labels=labels)
    return stages.stage2_expr(daily, *stages.calendar_tables(periods), labels=labels)


def to_long(wide: pd.DataFrame) -> pd.DataFrame:
    """Turn the wide component table into one row per indicator (rows with a zero denominator dropped).

    Indicators come in alphabetical order, each with the rows of ``wide`` in their order.
    """
    comp = {c: wide[c].to_numpy(dtype="int64") for c in COMPONENTS}
    comp["base_766"] = comp["finished"] + comp["pending"]
    comp["ok_766"] = comp["on_time_766"] + comp["within_766"]
    rows, names, conventions, nums, dens = [], [], [], [], []
    for ind in sorted(INDICATORS):
        conv, num, den = INDICATORS[ind]
        keep = np.flatnonzero(comp[den] > 0)
        rows.append(keep)
        names.append(np.full(len(keep), ind, dtype=object))
        conventions.append(np.full(len(keep), conv, dtype=object))
        nums.append(comp[num][keep])
        dens.append(comp[den][keep])
    take = np.concatenate(rows)
    cols = [c for c in (*PERIOD_KEYS, "unit_name", "unit_level", "code_system") if c in wide.columns]
    long = wide[cols].iloc[take].reset_index(drop=True)
    long["indicator"] = np.concatenate(names)
    long["convention"] = np.concatenate(conventions)
    long["numerator"] = np.concatenate(nums)
    long["denominator"] = np.concatenate(dens)
    return long


def _clean(value: Any, *, fold: bool = False) -> str:
    text = "" if pd.isna(value) else unicodedata.normalize("NFC", str(value)).strip()
    return text.lower() if fold else text


def finish_counts(wide: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Map levels, NFC-normalise names, set ``code_system`` and ``source``; return validated Counts.

    The cleaning runs on the wide table (one row per unit x period, five times fewer than Counts rows),
    which is then put in the Counts order (indicator, unit, period type, start, end) before ``to_long``.
    """
    wide = wide.copy()
    for col, fold in (("unit_code", False), ("unit_name", False), ("unit_level", True)):
        values = wide[col].astype(object)
        wide[col] = values.map({v: _clean(v, fold=fold) for v in values.unique()})
    unknown = sorted(set(wide["unit_level"]) - set(LEVELS))
    if unknown:
        raise ValueError(f"unknown unit level(s) {unknown}; expected one of {sorted(LEVELS)}")
    wide["unit_level"] = wide["unit_level"].map(LEVELS)
    before = pd.to_datetime(wide["period_end"]) < pd.Timestamp(NSO2025_FROM)
    wide["code_system"] = np.where(before, "gso2004", "nso2025")
    wide = wide.sort_values(["unit_code", "period_type", "period_start", "period_end"], kind="stable")
    long = to_long(wide)
    long["source"] = source
    return finalise_counts(long)


def data_span(t: ir.Table) -> tuple[date, date]:
    """Return the first and the latest received date of ``t`` (the data end is the latter's month end).

    Finished dates do not move the data end: a finished date typed in the future would otherwise turn
    every like-for-like ``ytd`` row into a partial ``year`` row (``read_dossiers`` refuses such a date).
    """
    r = t.aggregate(first=t.received_at.min(), last=t.received_at.max()).execute()
    return pd.Timestamp(r.iloc[0]["first"]).date(), pd.Timestamp(r.iloc[0]["last"]).date()


def aggregate_table(
    t: ir.Table,
    *,
    data_end: date | None = None,
    source: str = "",
    span: tuple[date, date] | None = None,
    labels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Run the aggregation on ``t`` (any Ibis backend) and return a validated Counts table.

    Parameters
    ----------
    t : ibis.Table
        Dossier records with the ``CANONICAL`` columns, on any backend (DuckDB, PySpark, PostgreSQL ...).
    data_end : date, optional
        Last day the data cover; default the end of the month of the latest received date.
    source : str
        Provenance written in the ``source`` column.
    span : (date, date), optional
        First and latest date when already known (skips one query).
    labels : DataFrame, optional
        ``unit_code``, ``unit_name``, ``unit_level`` when already known (skips the names in the expression).
    """
    first, last = span or data_span(t)
    periods = build_periods(first, last, data_end=data_end)
    con = t.get_backend()
    daily = stages.daily_expr(t, labels=labels is None).cache()  # stage 1: a small table kept by the engine
    try:
        expr = stages.stage2_expr(daily, *stages.calendar_tables(periods), labels=labels is None)
        wide = con.execute(expr)
    finally:
        daily.release()
    if labels is not None:
        wide = wide.merge(labels, on="unit_code", how="left", validate="many_to_one")
    return finish_counts(wide, source=source)


def duckdb_connection(
    *, memory_limit: str = "2GB", threads: int | None = None, temp_directory: str | Path | None = None
) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB connection with a memory limit, spill directory and thread count set."""
    con = duckdb.connect()
    tmp = Path(temp_directory or Path(tempfile.gettempdir()) / "analysis_duckdb_spill")
    tmp.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{tmp.as_posix()}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def duckdb_backend(
    *, memory_limit: str = "2GB", threads: int | None = None, temp_directory: str | Path | None = None
) -> Any:
    """Return an Ibis DuckDB backend over :func:`duckdb_connection` (for :func:`aggregate_table`)."""
    raw = duckdb_connection(memory_limit=memory_limit, threads=threads, temp_directory=temp_directory)
    return ibis.duckdb.from_connection(raw)


def aggregate_spark(
    session: Any, data: Any, *, data_end: date | None = None, source: str = "", check: bool = True
) -> pd.DataFrame:
    """Run the same aggregation on Spark: ``data`` is a Spark DataFrame or table name with canonical columns.

    With ``check`` (default) the input checks of ``read_dossiers`` run on Spark first
    (:func:`analysis.io.dossiers.dbchecks.check_table`; needs ``dossier_id`` too).

    Examples
    --------
    A cluster job reading canonical Parquet (e.g. the ``data/processed`` cache)::

        df = spark.read.parquet("hdfs:///dossiers/")  # columns of aggregate.CANONICAL and dossier_id
        counts = aggregate_spark(spark, df, source="dossiers 2019-2025")
    """
    con = ibis.pyspark.connect(session)
    name = data if isinstance(data, str) else f"analysis_dossiers_{id(data):x}"
    if not isinstance(data, str):
        data.createOrReplaceTempView(name)
    return _aggregate_checked(con.table(name), data_end=data_end, source=source or name, check=check)


def aggregate_sql(
    con_or_url: Any, table: str, *, data_end: date | None = None, source: str = "", check: bool = True
) -> pd.DataFrame:
    """Run the same aggregation inside a database: an Ibis connection or URL, and a table or view name.

    The table (or a view over the province's dossier table) must expose the ``CANONICAL`` columns, and
    ``dossier_id`` for the checks.  With ``check`` (default) the input checks of ``read_dossiers`` run in
    the database first (:func:`analysis.io.dossiers.dbchecks.check_table`: a few aggregate queries, only
    counts travel); a refusal names the table, the column and the first offending dossier id.

    Examples
    --------
    PostgreSQL (``pip install 'ibis-framework[postgres]'``)::

        counts = aggregate_sql("postgres://analyst@db.example/dvc", "v_dossiers_canonical")
    """
    con = ibis.connect(con_or_url) if isinstance(con_or_url, str) else con_or_url
    schema, _, name = table.rpartition(".")  # "dvc.v_dossiers_canonical": a view in schema dvc
    t = con.table(name, database=schema) if schema else con.table(name)
    return _aggregate_checked(t, data_end=data_end, source=source or table, check=check)


def _aggregate_checked(t: ir.Table, *, data_end: date | None, source: str, check: bool) -> pd.DataFrame:
    if check:
        from analysis.io.dossiers import dbchecks

        dbchecks.check_table(t, name=source, data_end=data_end)
    return aggregate_table(t, data_end=data_end, source=source)


def _warm_validation() -> None:
    """Validate an empty Counts table once, at import.

    Pandera sets up its backends on the first validation of a process (0.2-0.5 s on the 2-core machine):
    paid here, with the imports, rather than by the first read.
    """
    wide = pd.DataFrame(
        {
            "unit_code": pd.Series(dtype=str),
            "period_start": pd.Series(dtype="datetime64[ns]"),
            "period_end": pd.Series(dtype="datetime64[ns]"),
            "period_type": pd.Series(dtype=str),
            **{c: pd.Series(dtype="int64") for c in COMPONENTS},
            "unit_name": pd.Series(dtype=str),
            "unit_level": pd.Series(dtype=str),
        }
    )
    finish_counts(wide, source="")


_warm_validation()
