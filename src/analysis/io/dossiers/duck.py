"""The DuckDB side of ``read_dossiers``: the stages' SQL compiled from the Ibis expressions, and stage 2.

``read_dossiers`` runs stage 1 (:func:`analysis.io.dossiers.stages.daily_expr`) and stage 2 as plain DuckDB
SQL compiled from the very Ibis expressions other engines run.  The compiled SQL is shipped in ``sql/``
(compiling takes about a second per process); a test checks it equals a fresh compilation.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from analysis.io.dossiers import stages
from analysis.io.dossiers.aggregate import CANONICAL, build_periods, finish_counts


def stage1_sql(*, labels: bool, checks: bool, table: str = "dossiers") -> str:
    """DuckDB SQL of :func:`~analysis.io.dossiers.stages.daily_expr` over a table named ``table``.

    Compiled from the Ibis expression (the same expression other engines run).
    """
    t = ibis.table(CANONICAL, name=table)
    return str(ibis.to_sql(stages.daily_expr(t, labels=labels, checks=checks), dialect="duckdb"))


#: Names of the small tables stage 2 reads on DuckDB (registered from Arrow for each read).
STAGE2_TABLES = ("daily", "_calendar_step", "_periods")


def stage2_sql(*, labels: bool) -> str:
    """DuckDB SQL of :func:`~analysis.io.dossiers.stages.stage2_expr` over ``STAGE2_TABLES``."""
    daily = ibis.table(
        {"unit_code": "string", "d": "int64", **{c: "int64" for c in stages.DAILY}}
        | ({"unit_name": "string", "unit_level": "string"} if labels else {}),
        name=STAGE2_TABLES[0],
    )
    step = ibis.table({"d": "int64", "e": "date"}, name=STAGE2_TABLES[1])
    periods = ibis.table(
        {"period_start": "date", "period_end": "date", "period_type": "string", "before": "date"},
        name=STAGE2_TABLES[2],
    )
    return str(ibis.to_sql(stages.stage2_expr(daily, step, periods, labels=labels), dialect="duckdb"))


#: The DuckDB SQL that ``read_dossiers`` runs, shipped with the package; ``tests/io/dossiers/
#: test_aggregate.py`` checks that the files equal a fresh compilation.  Rewrite them with
#: ``write_compiled_sql()``.
SQL_DIR = Path(__file__).with_name("sql")
COMPILED = {
    "stage1": lambda: stage1_sql(labels=True, checks=True),
    "stage2": lambda: stage2_sql(labels=False),
}


def write_compiled_sql() -> list[Path]:
    """Compile the DuckDB SQL of ``COMPILED`` from the Ibis expressions and write it to ``SQL_DIR``."""
    SQL_DIR.mkdir(exist_ok=True)
    out = []
    for name, make in COMPILED.items():
        path = SQL_DIR / f"{name}.sql"
        path.write_text(make() + "\n", encoding="utf-8")
        out.append(path)
    return out


@functools.lru_cache(maxsize=4)
def compiled_sql(name: str) -> str:
    """Return the shipped DuckDB SQL ``name`` of ``COMPILED`` (compiled afresh when the file is missing)."""
    path = SQL_DIR / f"{name}.sql"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return COMPILED[name]()


def aggregate_daily_duckdb(
    raw: Any,
    *,
    span: tuple[date, date],
    data_end: date | None,
    labels: pd.DataFrame,
    source: str,
) -> pd.DataFrame:
    """Stage 2 on DuckDB connection ``raw`` whose table ``daily`` holds stage 1; return validated Counts."""
    periods = build_periods(*span, data_end=data_end)
    days = stages.calendar_days(periods)
    start = stages._day_numbers(periods["period_start"])
    tables = {
        "_calendar_step": pa.table({"d": pa.array(days["d"]), "e": _dates(days["e"])}),
        "_periods": pa.table(
            {
                "period_start": _dates(start),
                "period_end": _dates(stages._day_numbers(periods["period_end"])),
                "period_type": pa.array(periods["period_type"].tolist(), type=pa.string()),
                "before": _dates(start - 1),
            }
        ),
    }
    for name, table in tables.items():
        raw.register(name, table)
    try:
        wide = _typed(raw.sql(compiled_sql("stage2")).to_arrow_table()).to_pandas()
    finally:
        for name in tables:
            raw.unregister(name)
    wide = wide.merge(labels, on="unit_code", how="left", validate="many_to_one")
    return finish_counts(wide, source=source)


def _typed(table: pa.Table) -> pa.Table:
    """Stage 2's result with the types of the Ibis expression: counts as int64, dates as timestamps.

    DuckDB sums BIGINT into HUGEINT, which reaches Arrow as decimal128 and pandas as Python ``Decimal``
    objects (the expression's final cast to int64 is dropped in compiling: to Ibis the sums are already
    int64); dates reach pandas as ``datetime.date`` objects.  Building the Counts from such objects took
    0.155 s at 10 M records, 0.08-0.10 s from these types.  The casts are checked: a count beyond int64
    raises.
    """
    fields = []
    for f in table.schema:
        if pa.types.is_decimal(f.type):
            fields.append(pa.field(f.name, pa.int64()))
        elif pa.types.is_date(f.type):
            fields.append(pa.field(f.name, pa.timestamp("ns")))
        else:
            fields.append(f)
    return table.cast(pa.schema(fields), safe=True)


def _dates(day_numbers: Any) -> pa.Array:
    """Day numbers as an Arrow ``date32`` array."""
    return pa.array(day_numbers.astype("int32"), type=pa.int32()).cast(pa.date32())
