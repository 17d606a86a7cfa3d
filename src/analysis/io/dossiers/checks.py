"""The named checks of dossier records: one counting scan per file, the first bad row located only on failure.

Each check is a SQL predicate over canonical columns, counted in one scan per file; only when a count is not
zero is the first offending row located (Parquet: ``file_row_number``; CSV: line number; xlsx: sheet row) and
reported as :class:`~analysis.errors.InputError`.  Results are remembered by file content
(``analysis.io.dossiers.cache``).  Files are prepared by :mod:`analysis.io.dossiers.sources`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import InputError
from analysis.io.dossiers import cache
from analysis.io.dossiers.aggregate import LEVELS
from analysis.io.dossiers.columns import TYPES, Source, _q
from analysis.io.dossiers.sources import prepare
from analysis.io.names import nfc

__all__ = ["CHECKS", "check_all", "prepare"]

#: (name, canonical column, predicate of a bad row, what was expected) — checked in this order.
CHECKS: tuple[tuple[str, str, str, str], ...] = (
    ("empty received", "received_at", "received_at IS NULL", "a received date (it is empty)"),
    (
        "unknown channel",
        "channel",
        "channel IS NOT NULL AND channel NOT IN (1, 2, 3)",
        "a channel code 1 (trực tiếp), 2 (trực tuyến), 3 (bưu chính công ích) or empty",
    ),
    (
        "unknown payment",
        "paid_online",
        "paid_online IS NOT NULL AND paid_online NOT IN (0, 1, 2)",
        "a payment code 1 (DVCQG), 2 (provincial gateway), 0 or empty",
    ),
    ("negative fee", "fee", "fee < 0", "a fee of 0 or more VND"),
    (
        "finished before received",
        "finished_at",
        "finished_at < received_at",
        "a finished date on or after the received date",
    ),
    (
        "supplement before request",
        "supplement_provided_at",
        "supplement_provided_at < supplement_requested_at",
        "the supplement provided on or after it was requested",
    ),
)
#: Checks made on the per-unit result (empty unit) and on the sorted id hashes (empty id), not per row.
EMPTY_UNIT = (
    "empty unit",
    "unit_code",
    "unit_code IS NULL OR trim(unit_code) = ''",
    "a unit code (it is empty)",
)
EMPTY_ID = (
    "empty id",
    "dossier_id",
    "dossier_id IS NULL OR trim(dossier_id) = ''",
    "a dossier id (it is empty)",
)
HASH_BATCH = 1_000_000


def _raise_first(s: Source, con: Any, canon: str, pred: str, expected: str, label: str) -> None:
    col = s.columns.get(canon, canon)
    shown = f"{canon}__raw" if canon in s.raw_checks and "__raw" in pred else canon
    row = con.con.execute(
        f"SELECT _pos, CAST({_q(shown)} AS VARCHAR), dossier_id FROM ({s.locate}) "
        f"WHERE {pred} ORDER BY _pos LIMIT 1"
    ).fetchone()
    pos, value, dossier = row if row else (None, None, None)
    where = f"line {pos}: " if s.unit == "line" and pos else ""
    raise InputError(
        f"{where}{label}: found {value!r} (dossier {dossier}); expected {expected}",
        path=s.path,
        row=pos,
        column=col,
    )


def _check_levels(s: Source, con: Any, units: list[tuple[str, str, str]]) -> None:
    """Raise InputError for an unknown unit level, or a unit given two levels (rows carry min and max)."""
    for code, high, low in units:
        for value in (low, high):
            if value is None or str(nfc(str(value))).strip().lower() not in LEVELS:
                pred = "unit_level IS NULL" if value is None else "unit_level = " + _sql_lit(value)
                expected = f"a unit level: {', '.join(LEVELS)}"
                _raise_first(s, con, "unit_level", pred, expected, "unknown level")
        if str(nfc(str(low))).strip().lower() != str(nfc(str(high))).strip().lower():
            pred = f"unit_code = {_sql_lit(code)} AND unit_level = {_sql_lit(low)}"
            _raise_first(
                s, con, "unit_level", pred, f"one level per unit ({code} is also {high!r})", "two levels"
            )


def _sql_lit(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def check_all(sources: list[Source], *, con: Any, cache_dir: str | Path | None) -> dict[str, Any]:
    """Run every check over every source and the duplicate-id check over all; remember the result.

    Returns ``first``/``last`` dates (ISO), ``rows`` and ``units`` (code, name, level) for the aggregation.
    """
    key = cache.entry_key("checks", *(f"{s.sha}|{s.relation}" for s in sources))
    memo = cache.read_memo(key, cache_dir=cache_dir)
    if memo is not None:
        return memo
    units: dict[str, tuple[str, str]] = {}
    first, last, rows = None, None, 0
    for s in sources:
        checks = [
            (
                f"text in {c}",
                c,
                f"{c}__raw IS NOT NULL AND trim({c}__raw) <> '' AND {c} IS NULL",
                "a date (YYYY-MM-DD)" if TYPES[c] == "DATE" else "a number",
            )
            for c in s.raw_checks
        ]
        checks += list(CHECKS)
        counts = ", ".join(f"count(*) FILTER ({p})" for _, _, p, _ in checks)
        res = con.con.execute(
            "SELECT unit_code, max(unit_name), max(unit_level), count(*), min(received_at), "
            f"max(received_at), max(finished_at), {counts}, min(unit_level) "
            f"FROM ({s.relation}) GROUP BY unit_code"
        ).fetchall()
        n = sum(r[3] for r in res)
        if n == 0:
            raise InputError(
                "empty file: no dossier rows", path=s.path, row=2 if s.kind != "parquet" else None
            )
        if any(r[0] is None or not str(r[0]).strip() for r in res):
            _raise_first(s, con, *EMPTY_UNIT[1:], EMPTY_UNIT[0])
        _check_levels(s, con, [(r[0], r[2], r[-1]) for r in res])
        for i, (label, canon, pred, expected) in enumerate(checks):
            if sum(r[7 + i] for r in res):
                _raise_first(s, con, canon, pred, expected, label)
        rows += n
        for code, name, level, _, f0, l0, l1, *_ in res:
            units.setdefault(code, (name, level))
            first = min(x for x in (first, f0) if x is not None)
            last = max(x for x in (last, l0, l1) if x is not None)
    _check_duplicates(sources, con, rows=rows)
    meta = {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "rows": rows,
        "units": [[k, v[0], v[1]] for k, v in sorted(units.items())],
    }
    cache.write_memo(key, meta, cache_dir=cache_dir)
    return meta


def _check_duplicates(sources: list[Source], con: Any, *, rows: int) -> None:
    """Raise InputError for an empty dossier id or an id present twice (in one file or across files).

    The 64-bit hashes of the ids are streamed into one NumPy array (8 bytes per dossier) and sorted; equal
    neighbours are candidates, confirmed on the ids themselves (a hash collision is not a duplicate).
    """
    h_null, h_empty = con.con.execute("SELECT hash(NULL::VARCHAR), hash('')").fetchall()[0]
    hashes = np.empty(rows, dtype=np.uint64)
    n = 0
    reader = con.con.sql("SELECT hash(dossier_id) AS h FROM dossiers").to_arrow_reader(HASH_BATCH)
    for batch in reader:
        col = batch.column(0).to_numpy()
        hashes[n : n + len(col)] = col
        n += len(col)
    hashes = hashes[:n]
    hashes.sort()
    for h in (h_null, h_empty):
        at = int(np.searchsorted(hashes, np.uint64(h)))
        if at < n and hashes[at] == h:
            for s in sources:
                if con.con.execute(f"SELECT count(*) FROM ({s.relation}) WHERE {EMPTY_ID[2]}").fetchall()[0][
                    0
                ]:
                    _raise_first(s, con, *EMPTY_ID[1:], EMPTY_ID[0])
    candidates = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    del hashes
    for h in candidates[:100]:
        dup = con.con.execute(
            "SELECT dossier_id FROM dossiers WHERE hash(dossier_id) = ? "
            "GROUP BY 1 HAVING count(*) > 1 LIMIT 1",
            [int(h)],
        ).fetchall()
        if dup:
            _raise_duplicate(sources, con, dup[0][0])


def _raise_duplicate(sources: list[Source], con: Any, dossier_id: str) -> None:
    places = []
    for s in sources:
        for (pos,) in con.con.execute(
            f"SELECT _pos FROM ({s.locate}) WHERE dossier_id = ? ORDER BY _pos LIMIT 2", [dossier_id]
        ).fetchall():
            places.append((s, pos))
    (s1, p1), (s2, p2) = places[0], places[1]
    unit = "line" if s2.unit == "line" else "row"
    raise InputError(
        f"duplicate dossier id {dossier_id!r}: also at {unit} {p1} of {s1.path.name}; "
        "expected each dossier once",
        path=s2.path,
        row=p2,
        column=s2.columns.get("dossier_id"),
    )
