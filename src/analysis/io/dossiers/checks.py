"""The input checks of dossier records, found without a full scan of their own, located only on failure.

Three cheap ways to find a bad value, then one query to locate it:

1. per file, minimum and maximum of each code, amount and date column (DuckDB answers them from the Parquet
   statistics, so they cost next to nothing), plus one row scan only for what needs two columns of a row
   (supplement provided before requested) or a converted value (text in a date column, 1.5 as a code);
2. the stage-1 table of the aggregation (one row per unit x day, ``analysis.io.dossiers.stages``): empty
   units, unit levels, the earliest due and finished date of each received day (due or finished before
   received), the latest finished day (after the export's end);
3. duplicate and empty dossier ids: the 64-bit hashes of all ids sorted in NumPy (8 bytes per dossier), in a
   thread beside the reader's stage-1 query (:func:`checking_sources`).

When a check fails, the first offending row is located (:mod:`analysis.io.dossiers.locate`; Parquet: row;
CSV: line, header = line 1; xlsx: sheet row) and reported as one :class:`~analysis.errors.InputError` naming
the file, row, column, the value found and what was expected.  Row scans and the duplicate check are
remembered by file content (``cache``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import InputError
from analysis.io.dossiers import cache
from analysis.io.dossiers.columns import Source
from analysis.io.dossiers.locate import lit, raise_anywhere, raise_duplicate, raise_first
from analysis.io.dossiers.rules import EARLIEST, INFER, LEVELS, Limits, day_month_year, month_end
from analysis.io.dossiers.sources import prepare
from analysis.io.names import guess_level, nfc

__all__ = ["EARLIEST", "Limits", "check_daily", "check_sources", "checking_sources", "prepare"]

HASH_BATCH = 1_000_000
#: Up to this many records the duplicate-id check runs beside the stage-1 query; above it, before it, so
#: that its hash array (8 bytes a record) and the stage-1 query's memory are not held at once (the 100 M-row
#: peak stays under 1.5 GB).
ALONGSIDE_MAX_ROWS = 25_000_000


def _range(col: str, low: date, high: date, what: str) -> tuple[str, str, str, str, date, date]:
    pred = f"{col} < {lit(low)} OR {col} > {lit(high)}"
    return (
        f"{what} out of range",
        col,
        pred,
        f"{what} from {day_month_year(low)} to {day_month_year(high)}",
        low,
        high,
    )


def stats_checks(lim: Limits) -> list[tuple]:
    """(label, column, predicate of a bad row, expected, lowest, highest) found from minimum and maximum."""
    return [
        _range("received_at", EARLIEST, lim.today, "a received date"),
        _range("finished_at", EARLIEST, lim.today, "a finished date"),
        _range("due_at", EARLIEST, lim.due_latest, "a due date"),
        _range("supplement_requested_at", EARLIEST, lim.today, "a supplement request date"),
        _range("supplement_provided_at", EARLIEST, lim.today, "a supplement date"),
        (
            "unknown channel",
            "channel",
            "channel NOT IN (1, 2, 3)",
            "a channel code 1 (trực tiếp), 2 (trực tuyến), 3 (bưu chính công ích) or empty",
            1,
            3,
        ),
        (
            "unknown payment",
            "paid_online",
            "paid_online NOT IN (0, 1, 2)",
            "a payment code 1 (DVCQG), 2 (provincial gateway), 0 or empty",
            0,
            2,
        ),
        ("negative fee", "fee", "fee < 0", "a fee of 0 or more VND", 0, None),
        (
            "negative count",
            "supplement_count",
            "supplement_count < 0",
            "a number of supplement requests (0 or more)",
            0,
            None,
        ),
    ]


def _stats(s: Source, con: Any, checks: list[tuple]) -> int:
    """Minimum, maximum and counts of one file; the first check out of range is located and raised.

    Returns the number of records.
    """
    names = [c[1] for c in checks]
    cols = ", ".join(f"min({c}), max({c})" for c in names)
    res = con.execute(f"SELECT count(*), count(*) - count(received_at), {cols} FROM ({s.stats})").fetchone()
    if res[0] == 0:
        raise InputError("empty file: no dossier rows", path=s.path, row=2 if s.kind != "parquet" else None)
    if res[1]:
        pred, exp = "received_at IS NULL", "a received date (it is empty)"
        raise_first(s, con, "received_at", pred, exp, "empty received")
    for i, (label, canon, pred, expected, low, high) in enumerate(checks):
        lo, hi = res[2 + 2 * i], res[3 + 2 * i]
        if lo is None:
            continue
        if (low is not None and lo < low) or (high is not None and hi > high):
            raise_first(s, con, canon, pred, expected, label)
    return res[0]


def _row_scan(s: Source, con: Any) -> None:
    """Run the checks needing a row: values that did not convert (text in a date ...), supplement dates."""
    checks = [
        (
            f"not {e.split(' (')[0]}",
            c,
            f"{c}__raw IS NOT NULL AND trim({c}__raw) <> '' AND {c} IS NULL",
            e,
        )
        for c, e in s.expected.items()
    ]
    if "supplement_provided_at" in s.columns and "supplement_requested_at" in s.columns:
        checks.append(
            (
                "supplement before request",
                "supplement_provided_at",
                "supplement_provided_at < supplement_requested_at",
                "the supplement provided on or after it was requested",
            )
        )
    if not checks:
        return
    counts = ", ".join(f"count(*) FILTER ({p})" for _, _, p, _ in checks)
    res = con.execute(f"SELECT {counts} FROM ({s.relation})").fetchone()
    for n, (label, canon, pred, expected) in zip(res, checks, strict=True):
        if n:
            raise_first(s, con, canon, pred, expected, label)


def check_sources(sources: list[Source], *, con: Any, limits: Limits, cache_dir: str | Path | None) -> None:
    """Per-file checks (statistics, row scans) and the duplicate-id check over all files."""
    with checking_sources(sources, con=con, limits=limits, cache_dir=cache_dir):
        pass


@contextlib.contextmanager
def checking_sources(
    sources: list[Source], *, con: Any, limits: Limits, cache_dir: str | Path | None
) -> Iterator[None]:
    """Run the per-file checks, then the duplicate-id check alongside the body of the ``with`` block.

    The statistics and row scans run first and raise at once.  The duplicate check (a scan of every id,
    then a sort in NumPy that uses one core) runs in a thread on its own cursor of ``con`` while the body
    runs (the reader computes the stage-1 table there, which DuckDB spreads over the other cores); the view
    ``dossiers`` must exist on ``con`` and every source relation must be visible to a cursor (no TEMP
    tables); above :data:`ALONGSIDE_MAX_ROWS` records it runs before the body.  Leaving the block waits
    for the check: its InputError is raised first, even when the body failed too, so the error reported is
    the one the checks in sequence would report.
    """
    checks = stats_checks(limits)
    rows = sum(_stats(s, con, checks) for s in sources)
    key = cache.entry_key("rows+ids", *(f"{s.sha}|{s.relation}" for s in sources))
    if cache.read_memo(key, cache_dir=cache_dir) is not None:
        yield
        return
    for s in sources:
        _row_scan(s, con)
    if rows > ALONGSIDE_MAX_ROWS:
        _check_duplicates(sources, con, rows=rows)
        yield
        cache.write_memo(key, {"passed": True}, cache_dir=cache_dir)
        return
    view = con.execute(
        "SELECT sql FROM duckdb_views() WHERE view_name = 'dossiers' AND temporary"
    ).fetchone()
    cur = con.cursor()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            if view is not None:
                cur.execute(view[0])  # TEMP views belong to one connection: the cursor makes its own
            _check_duplicates(sources, cur, rows=rows)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="dossier-id-check", daemon=True)
    worker.start()
    try:
        yield
    finally:
        worker.join()
        cur.close()
        if failure:
            raise failure[0]
    cache.write_memo(key, {"passed": True}, cache_dir=cache_dir)


def check_daily(daily: str, sources: list[Source], *, con: Any, limits: Limits) -> dict[str, Any]:
    """Run the checks read from the stage-1 table ``daily`` (a DuckDB table); return span and unit labels.

    Returns ``first``, ``last`` (received dates), ``units`` ([code, name, level]) and ``notes`` (levels
    inferred from unit names).
    """
    q = con.execute
    bad_unit = q(f"SELECT count(*) FROM {daily} WHERE unit_code IS NULL OR trim(unit_code) = ''").fetchone()
    if bad_unit[0]:
        pred = "unit_code IS NULL OR trim(unit_code) = ''"
        raise_anywhere(sources, con, "unit_code", pred, "a unit code (it is empty)", "empty unit")
    early = q(
        f"SELECT count(*) FILTER (min_due < make_date(1970, 1, 1) + d::INTEGER), "
        f"count(*) FILTER (min_finished < make_date(1970, 1, 1) + d::INTEGER) FROM {daily} WHERE received > 0"
    ).fetchone()
    if early[1]:
        pred, exp = "finished_at < received_at", "a finished date on or after the received date"
        raise_anywhere(sources, con, "finished_at", pred, exp, "finished before received")
    if early[0]:
        pred, exp = "due_at < received_at", "a due date on or after the received date"
        raise_anywhere(sources, con, "due_at", pred, exp, "due before received")
    first, last, last_fin = q(
        f"SELECT min(d) FILTER (received > 0), max(d) FILTER (received > 0), max(d) FILTER (finished > 0) "
        f"FROM {daily}"
    ).fetchone()
    to_date = date(1970, 1, 1).__add__
    first, last = to_date(timedelta(days=first)), to_date(timedelta(days=last))
    end = limits.data_end or month_end(last)
    if last_fin is not None and limits.data_end is None and to_date(timedelta(days=last_fin)) > end:
        pred = f"finished_at > {lit(end)}"
        exp = (
            f"a finished date on or before {day_month_year(end)}, the end of the export "
            "(the month of its latest "
            "received date); pass data_end= when the export really runs later"
        )
        raise_anywhere(sources, con, "finished_at", pred, exp, "finished after the export's end")
    pairs = q(
        f"SELECT unit_code, unit_level, max(unit_name) FROM {daily} WHERE received > 0 "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    units, notes = _levels(pairs, sources, con)
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "units": units,
        "notes": notes,
    }


def _levels(pairs: list[tuple], sources: list[Source], con: Any) -> tuple[list[list[str]], list[str]]:
    """Check unit levels (known, one per unit); infer the missing ones from unit names."""
    by_unit: dict[str, dict[str, Any]] = {}
    for code, level, name in pairs:
        u = by_unit.setdefault(code, {"name": name, "levels": {}})
        u["name"] = max(u["name"], name) if name is not None and u["name"] is not None else u["name"] or name
        if level == INFER:
            u["infer"] = True
            continue
        key = None if level is None else str(nfc(str(level))).strip().lower()
        if key not in LEVELS:
            pred = "unit_level IS NULL" if level is None else f"unit_level = {lit(level)}"
            raise_anywhere(
                sources, con, "unit_level", pred, f"a unit level: {', '.join(LEVELS)}", "unknown level"
            )
        u["levels"].setdefault(LEVELS[key], level)
    units, inferred = [], {}
    for code, u in by_unit.items():
        if len(u["levels"]) > 1:
            (l1, v1), (_, v2) = sorted(u["levels"].items())[:2]
            pred = f"unit_code = {lit(code)} AND unit_level = {lit(v2)}"
            exp = f"one level per unit ({code} is also {v1!r})"
            raise_anywhere(sources, con, "unit_level", pred, exp, "two levels")
        if u["levels"]:
            level = next(iter(u["levels"].values()))
        else:
            level = infer_level(code, u["name"], [s for s in sources if s.level_inferred])
            inferred[level] = inferred.get(level, 0) + 1
        units.append([code, u["name"], level])
    notes = []
    if inferred:
        files = ", ".join(s.path.name for s in sources if s.level_inferred)
        counts = ", ".join(f"{n} {LEVELS.get(k, k)}" for k, n in sorted(inferred.items()))
        notes.append(
            f"{files}: no unit-level column; the level of {sum(inferred.values())} unit(s) was inferred "
            f"from the unit name ({counts}): 'Sở …' department, 'UBND huyện/thị xã/thành phố …' district, "
            "'UBND xã/phường/thị trấn …' commune"
        )
    return units, notes


def infer_level(code: str, name: str | None, sources: list[Source]) -> str:
    """Return the level a unit's Vietnamese name tells ('Sở …' department, 'UBND huyện …' district, ...).

    Raises InputError naming the unit when the name says nothing (e.g. only a code, or 'Ban Quản lý …').

    >>> infer_level("77.S01", "Sở Tư pháp", []), infer_level("x", "UBND thị trấn Ngãi Giao", [])
    ('department', 'commune')
    """
    level = None
    if name:
        folded = " ".join(str(nfc(name)).lower().split())
        level = "department" if folded.startswith(("sở ", "so ")) else guess_level(folded, default=None)
    if level is None:
        where = sources[0].path if sources else None
        raise InputError(
            f"no unit-level column, and the level of unit {code!r} ({name or 'no name'}) cannot be told "
            "from its name; expected a level column (CapDonVi / catalog), names such as 'Sở …', "
            "'UBND huyện …', 'UBND xã …', or unit_level='department' (district, commune ...)",
            path=where,
            column="CapDonVi",
        )
    return level


def _check_duplicates(sources: list[Source], con: Any, *, rows: int) -> None:
    """Raise InputError for an empty dossier id or an id present twice (in one file or across files).

    The 64-bit hashes of the ids are streamed into one NumPy array (8 bytes per dossier) and sorted; equal
    neighbours are candidates, confirmed on the ids themselves (a hash collision is not a duplicate).
    """
    h_null, h_empty = con.execute("SELECT hash(NULL::VARCHAR), hash('')").fetchall()[0]
    hashes = np.empty(max(rows, 1), dtype=np.uint64)
    n = 0
    for batch in con.sql("SELECT hash(dossier_id) AS h FROM dossiers").to_arrow_reader(HASH_BATCH):
        col = batch.column(0).to_numpy()
        if n + len(col) > len(hashes):
            hashes = np.concatenate([hashes, np.empty(max(len(col), len(hashes)), dtype=np.uint64)])
        hashes[n : n + len(col)] = col
        n += len(col)
    hashes = hashes[:n]
    # NumPy's default sort of 64-bit integers is its vectorised quicksort (AVX2/AVX-512 where the CPU has
    # them): 0.08-0.3 s for 10 M hashes, against 0.2-0.55 s for batch sorts in threads merged by a stable
    # sort; equal neighbours are all that is needed, so stability buys nothing
    hashes.sort()
    empty_id = "dossier_id IS NULL OR trim(dossier_id) = ''"
    for h in (h_null, h_empty):
        at = int(np.searchsorted(hashes, np.uint64(h)))
        if at < n and hashes[at] == h:
            raise_anywhere(sources, con, "dossier_id", empty_id, "a dossier id (it is empty)", "empty id")
    candidates = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    del hashes
    for h in candidates[:100]:
        dup = con.execute(
            "SELECT dossier_id FROM dossiers WHERE hash(dossier_id) = ? "
            "GROUP BY 1 HAVING count(*) > 1 LIMIT 1",
            [int(h)],
        ).fetchall()
        if dup:
            raise_duplicate(sources, con, dup[0][0])
