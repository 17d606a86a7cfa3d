"""Dossier-level records (CSV, Parquet, xlsx; PascalCase or camelCase), read by DuckDB, aggregated to Counts.

One alias table (``ALIASES``) maps the national portal's and the one-stop systems' column names to canonical
names; only mapped columns are ever selected (personal data are never read).  CSV and xlsx are converted once
to Parquet in the cache (``analysis.io.dossiers.cache``); ``analysis.io.dossiers.checks`` checks the input
(row scans once per content); ``analysis.io.dossiers.aggregate`` computes the indicators.  See
``docs/DATA_FORMATS.md`` §1.
"""

from __future__ import annotations

import json
import warnings
from datetime import date
from pathlib import Path

import pandas as pd

from analysis.io.dossiers import aggregate, cache, duck
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
    dayfirst: bool = False,
    cache_dir: str | Path | None = None,
    memory_limit: str = "2GB",
    threads: int | None = None,
) -> pd.DataFrame:
    """Read dossier records and aggregate them to a validated Counts table (``docs/DATA_FORMATS.md`` §1).

    Parameters
    ----------
    path_or_glob : str, Path or list
        A file, a folder (every .parquet/.csv/.txt/.tsv/.xlsx inside), a glob, or a list of these.  Files
        may mix formats and naming (PascalCase and camelCase); they are read together (a dossier received in
        one year's file and pending at the next year's period ends counts there too).
    data_end : date, optional
        Last day the data cover; default the last day of the month of the latest received date.  Without
        it, a finished date after that day is refused (it would be a typing error or a later export).
    unit_level : str, optional
        Level for every unit when the export has no level column; without it, the level is inferred from
        each unit's Vietnamese name ("Sở …", "UBND huyện …", "UBND xã …"), with a note in
        ``attrs["notes"]``.
    date_format : str, optional
        strptime format of text dates (CSV, xlsx text cells, Parquet text columns), e.g. ``"%d/%m/%Y"``;
        a time after the date is accepted.  Default ISO ``YYYY-MM-DD[ HH:MM:SS]``.
    dayfirst : bool
        Text dates are day first (``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy``, with or without a time);
        ISO dates are read too.  Ignored when ``date_format`` is given.
    cache_dir : str or Path, optional
        Cache folder for conversions, check results and Counts (default ``analysis.paths.PROCESSED_DIR``).
    memory_limit, threads
        DuckDB settings; above ``memory_limit`` DuckDB spills to a temporary folder.

    Returns
    -------
    pandas.DataFrame
        Counts: five indicators per unit for every month and year (``ytd`` rows when the data end mid-year).
        A repeated read of the same file contents with the same options returns the remembered Counts.

    Raises
    ------
    InputError
        Bad input, naming the file, row (CSV: line) and column, and what was expected.
    """
    files = resolve_files(path_or_glob)
    digests = [cache.file_digest(f) for f in files]
    options = [str(data_end), unit_level, date_format, bool(dayfirst)]
    key = cache.entry_key("counts", *digests, *(f.name for f in files), json.dumps(options))
    hit = cache.read_result(key, cache_dir=cache_dir)
    if hit is not None:
        return hit
    con = aggregate.duckdb_connection(memory_limit=memory_limit, threads=threads)
    sources = [
        dossier_checks.prepare(
            f,
            con=con,
            unit_level=unit_level,
            date_format=date_format,
            dayfirst=dayfirst,
            cache_dir=cache_dir,
            sha=sha,
        )
        for f, sha in zip(files, digests, strict=True)
    ]
    union = " UNION ALL BY NAME ".join(f"SELECT {', '.join(TYPES)} FROM ({s.relation})" for s in sources)
    raw = con
    raw.execute(f"CREATE OR REPLACE TEMP VIEW dossiers AS {union}")
    limits = dossier_checks.Limits.now(data_end)
    with dossier_checks.checking_sources(sources, con=con, limits=limits, cache_dir=cache_dir):
        raw.execute(f"CREATE OR REPLACE TEMP TABLE daily AS {duck.compiled_sql('stage1')}")
    meta = dossier_checks.check_daily("daily", sources, con=con, limits=limits)
    span = (date.fromisoformat(meta["first"]), date.fromisoformat(meta["last"]))
    labels = pd.DataFrame(meta["units"], columns=["unit_code", "unit_name", "unit_level"])
    source = "; ".join(s.path.name for s in sources)
    counts = duck.aggregate_daily_duckdb(raw, span=span, data_end=data_end, labels=labels, source=source)
    if meta["notes"]:
        counts.attrs["notes"] = meta["notes"]
        for note in meta["notes"]:
            warnings.warn(note, stacklevel=2)
    cache.write_result(key, counts, cache_dir=cache_dir)
    return counts


def dossier_ids_for(
    path_or_glob: str | Path | list | tuple,
    *,
    unit_code: str,
    period_start: date | str,
    period_end: date | str,
    indicator: str | None = None,
    limit: int = 5,
    unit_level: str | None = None,
    date_format: str | None = None,
    dayfirst: bool = False,
    cache_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Return a few dossiers behind one unit's count for a period, to name them when sources disagree.

    Parameters
    ----------
    path_or_glob
        The dossier files, as given to :func:`read_dossiers` (their cached conversions are reused).
    unit_code, period_start, period_end
        The unit and period of the disputed count.
    indicator : str, optional
        A dossier indicator id (``timeliness.on_time`` ...): the dossiers of its denominator; default the
        dossiers received or finished in the period or pending at its end.
    limit : int
        At most this many dossiers counted in the numerator, and as many counted only in the denominator.

    Returns
    -------
    pandas.DataFrame
        ``dossier_id``, ``file`` (name) and ``in_numerator`` (bool), numerator dossiers first, by id.
        Only ids and file names: no personal data.
    """
    import ibis

    from analysis.io.dossiers import stages

    start, end = (pd.Timestamp(x).date() for x in (period_start, period_end))
    files = resolve_files(path_or_glob)
    raw = aggregate.duckdb_connection()
    sources = [
        dossier_checks.prepare(
            f, con=raw, unit_level=unit_level, date_format=date_format, dayfirst=dayfirst, cache_dir=cache_dir
        )
        for f in files
    ]
    union = " UNION ALL BY NAME ".join(
        f"SELECT {', '.join(TYPES)}, {i} AS _file FROM ({s.relation})" for i, s in enumerate(sources)
    )
    raw.execute(f"CREATE OR REPLACE TEMP VIEW dossiers AS {union}")
    t = ibis.duckdb.from_connection(raw).table("dossiers")
    t = t.filter(t.unit_code == unit_code)
    r, f = t.received_at, t.finished_at
    received = (r >= start) & (r <= end)
    finished = f.notnull() & (f >= start) & (f <= end)
    pending = (r <= end) & (f.isnull() | (f > end))
    first_late, ever = stages.overdue_start(t)
    overdue = pending & ever & (first_late <= stages.day_number(end))
    one = t.supplement_count.fill_null(0) <= 1
    on_time = stages.on_time(t)
    fee_base = (t.fee_bearing == 1) & (t.fee > 0)
    rules = {
        "timeliness.on_time": (finished, finished & on_time),
        "timeliness.on_time_766": (finished | pending, (finished & on_time | pending & ~overdue) & one),
        "timeliness.overdue_pending": (pending, overdue),
        "online.submission": (received, received & (t.channel == 2)),
        "payment.online": (received & fee_base, received & fee_base & t.paid_online.isin([1, 2])),
    }
    if indicator is not None and indicator not in rules:
        raise ValueError(f"unknown dossier indicator {indicator!r}; expected one of {sorted(rules)}")
    base, num = rules[indicator] if indicator else (received | finished | pending, ibis.literal(False))
    sel = t.filter(base).select("dossier_id", "_file", in_numerator=num.fill_null(False))
    frames = []
    for flag in (True, False):
        part = sel.filter(sel.in_numerator == flag).order_by("dossier_id").limit(limit)
        frames.append(part.execute())
    out = pd.concat(frames, ignore_index=True)
    out.insert(1, "file", [sources[int(i)].path.name for i in out.pop("_file")])
    return out.astype({"in_numerator": bool})


def example_dossiers(
    files: str | Path | list | tuple,
    *,
    indicator: str,
    unit_code: str,
    period_start: date | str,
    period_end: date | str,
    limit: int = 5,
    date_format: str | None = None,
) -> list[str]:
    """Return up to ``limit`` ids of dossiers in one count's denominator (the loader's disagreement hook).

    Numerator dossiers first, then those only in the denominator (:func:`dossier_ids_for`).
    """
    ids = dossier_ids_for(
        files,
        unit_code=unit_code,
        period_start=period_start,
        period_end=period_end,
        indicator=indicator,
        limit=limit,
        date_format=date_format,
    )
    return ids["dossier_id"].astype(str).tolist()[:limit]
