"""Dossier-level records (CSV, Parquet, xlsx; PascalCase or camelCase), read by DuckDB, aggregated to Counts.

One alias table (``ALIASES``) maps the national portal's and the one-stop systems' column names to canonical
names; only mapped columns are ever selected (personal data are never read).  CSV and xlsx are converted once
to Parquet in the cache (``analysis.io.dossiers.cache``); the checks of ``analysis.io.dossiers.checks`` run once per
content; ``analysis.io.dossiers.aggregate`` computes the indicators.  See ``docs/DATA_FORMATS.md`` §1.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from analysis.io.dossiers import aggregate
from analysis.io.dossiers import checks as dossier_checks
from analysis.io.dossiers.columns import (  # noqa: F401  (re-exported: the reader's public tables)
    ALIASES,
    REQUIRED,
    SUMMED_ALIASES,
    TYPES,
    Source,
    map_columns,
    resolve_files,
)


def read_dossiers(
    path_or_glob: str | Path | list | tuple,
    *,
    data_end: date | None = None,
    unit_level: str | None = None,
    date_format: str | None = None,
    cache_dir: str | Path | None = None,
    memory_limit: str = "2GB",
    threads: int | None = None,
) -> pd.DataFrame:
    """Read dossier records and aggregate them to a validated Counts table (``docs/DATA_FORMATS.md`` §1).

    Parameters
    ----------
    path_or_glob : str, Path or list
        A file, a folder (every .parquet/.csv/.xlsx inside), a glob, or a list of these.  Files may mix
        formats and naming (PascalCase and camelCase); they are read together (a dossier received in one
        year's file and pending at the next year's period ends counts there too).
    data_end : date, optional
        Last day the data cover; default the last day of the month of the latest date in the data.
    unit_level : str, optional
        Level for every unit when the export has no level column.
    date_format : str, optional
        strftime format of CSV dates (e.g. ``"%d/%m/%Y"``); default ISO ``YYYY-MM-DD[ HH:MM:SS]``.
    cache_dir : str or Path, optional
        Cache folder for conversions and check results (default ``analysis.paths.PROCESSED_DIR``).
    memory_limit, threads
        DuckDB settings; above ``memory_limit`` DuckDB spills to a temporary folder.

    Returns
    -------
    pandas.DataFrame
        Counts: five indicators per unit for every month and year (``ytd`` rows when the data end mid-year).

    Raises
    ------
    InputError
        Bad input, naming the file, row (CSV: line) and column, and what was expected.
    """
    files = resolve_files(path_or_glob)
    con = aggregate.duckdb_backend(memory_limit=memory_limit, threads=threads)
    sources = [
        dossier_checks.prepare(
            f, con=con, unit_level=unit_level, date_format=date_format, cache_dir=cache_dir
        )
        for f in files
    ]
    union = " UNION ALL BY NAME ".join(f"SELECT {', '.join(TYPES)} FROM ({s.relation})" for s in sources)
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW dossiers AS {union}")
    meta = dossier_checks.check_all(sources, con=con, cache_dir=cache_dir)
    span = (date.fromisoformat(meta["first"]), date.fromisoformat(meta["last"]))
    labels = pd.DataFrame(meta["units"], columns=["unit_code", "unit_name", "unit_level"])
    source = "; ".join(s.path.name for s in sources)
    return aggregate.aggregate_table(
        con.table("dossiers"), data_end=data_end, source=source, span=span, labels=labels
    )
