"""Dossier files prepared for DuckDB (CSV/xlsx converted once to cached Parquet), and the named input checks.

Each check is a SQL predicate over canonical columns, counted in one scan per file; only when a count is not
zero is the first offending row located (Parquet: ``file_row_number``; CSV: line number; xlsx: sheet row) and
reported as :class:`~analysis.io.errors.InputError`.  Results are remembered by file content
(``analysis.cache``).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from analysis import cache
from analysis.aggregate import LEVELS
from analysis.io.dossiers import (
    ALIASES,
    TYPES,
    Source,
    _q,
    _sql_str,
    csv_header,
    csv_read_sql,
    map_columns,
    not_utf8_message,
    parquet_source,
    select_list,
)
from analysis.io.errors import InputError, nfc

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
SHEET_ROWS_SCAN = 30
HASH_BATCH = 1_000_000


def prepare(
    path: Path, *, con: Any, unit_level: str | None, date_format: str | None, cache_dir: str | Path | None
) -> Source:
    """Return the :class:`Source` of one file; CSV and xlsx are converted to cached Parquet first."""
    sha = cache.file_sha256(path, cache_dir=cache_dir)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return parquet_source(path, unit_level=unit_level, sha=sha)
    if suffix == ".csv":
        return _csv_source(
            path, con=con, unit_level=unit_level, date_format=date_format, sha=sha, cache_dir=cache_dir
        )
    return _xlsx_source(
        path, con=con, unit_level=unit_level, date_format=date_format, sha=sha, cache_dir=cache_dir
    )


def _cached_relation(folder: Path) -> str:
    return f"read_parquet({_sql_str(cache.parquet_glob(folder))}, hive_partitioning=false)"


def _copy_partitioned(con: Any, select_sql: str, out: Path) -> None:
    con.raw_sql(
        f"COPY (SELECT *, coalesce(year(received_at), 0) AS year FROM ({select_sql})) TO {_sql_str(out)} "
        "(FORMAT parquet, PARTITION_BY (year), COMPRESSION zstd)"
    )


def _csv_source(
    path: Path,
    *,
    con: Any,
    unit_level: str | None,
    date_format: str | None,
    sha: str,
    cache_dir: str | Path | None,
) -> Source:
    names, delim = csv_header(path)
    mapping = map_columns(names, path=path)
    read = csv_read_sql(path, names, delim, mapping, date_format)
    typed = {
        name: (TYPES[c] if not isinstance(src, tuple) else "DOUBLE")
        for c, src in mapping.items()
        for name in (src if isinstance(src, tuple) else (src,))
    }
    sel, _ = select_list(mapping, typed, unit_level=unit_level, path=path)
    folder = cache.converted_dir(
        sha, json.dumps([names, delim, unit_level, date_format]), cache_dir=cache_dir
    )
    if not cache.is_complete(folder):
        manifest = {"source": path.name, "sha256": sha, "columns": mapping, "format": "csv"}
        try:
            cache.write_converted(
                folder, lambda out: _copy_partitioned(con, f"SELECT {sel} FROM {read}", out), manifest
            )
        except duckdb.Error as exc:
            raise csv_error(path, str(exc)) from None
    return Source(
        path=path,
        kind="csv",
        sha=sha,
        unit="line",
        columns={k: str(v) for k, v in mapping.items()},
        relation=f"SELECT * FROM {_cached_relation(folder)}",
        locate=f"SELECT {sel}, row_number() OVER () + 1 AS _pos FROM {read}",
    )


def csv_error(path: Path, message: str) -> InputError:
    """Translate a DuckDB CSV error into an InputError naming the line and column."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    row = int(line.group(1)) if line else None
    col = re.search(r'converting column "([^"]+)"', message)
    column = col.group(1) if col else None
    conv = re.search(r"Could not convert string \"(.*?)\" to '(\w+)'", message)
    if "Invalid unicode" in message or "not utf-8" in message.lower():
        return InputError(not_utf8_message(_line_bytes(path, row)), path=path, row=row)
    if conv:
        what = {"DATE": "a date (YYYY-MM-DD)", "BIGINT": "a whole number (code)", "DOUBLE": "a number"}
        return InputError(
            f"line {row}: found {conv.group(1)!r}; expected {what.get(conv.group(2), conv.group(2))}",
            path=path,
            row=row,
            column=column,
        )
    cols = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if cols:
        return InputError(
            f"line {row}: malformed row with {cols.group(2)} fields; expected {cols.group(1)} "
            "(as many as the header)",
            path=path,
            row=row,
        )
    first = message.strip().splitlines()[0] if message.strip() else "unreadable CSV"
    return InputError(f"cannot read the CSV ({first})", path=path, row=row)


def _line_bytes(path: Path, line: int | None) -> bytes:
    """Return the bytes of line ``line`` (or of the first line with non-ASCII bytes), streaming the file."""
    with open(path, "rb") as fh:
        for i, raw in enumerate(fh, start=1):
            if (line is not None and i == line) or (line is None and any(b > 127 for b in raw)):
                return raw
    return b""


def _find_header(rows: list[tuple], path: Path, sheet: str) -> int:
    for i, row in enumerate(rows):
        names = [str(v) for v in row if v is not None and str(v).strip()]
        keys = {str(nfc(n)).strip().casefold() for n in names}
        if any(a.casefold() in keys for a in ALIASES["dossier_id"] + ALIASES["received_at"]):
            return i
    first = next((i for i, r in enumerate(rows) if any(v is not None and str(v).strip() for v in r)), None)
    if first is None:
        raise InputError("empty sheet (expected a header row and dossier rows)", path=path, sheet=sheet)
    return first


def _cell(value: Any, ctype: str, *, date_format: str | None, where: dict) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if ctype == "DATE":
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            text = str(value).strip()
            return (
                datetime.strptime(text, date_format).date() if date_format else date.fromisoformat(text[:10])
            )
        if ctype in ("BIGINT", "DOUBLE"):
            num = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
            if ctype == "BIGINT" and num != int(num):
                raise ValueError
            return int(num) if ctype == "BIGINT" else num
    except (ValueError, TypeError):
        what = {"DATE": "a date", "BIGINT": "a whole number (code)", "DOUBLE": "a number"}[ctype]
        raise InputError(f"found {value!r}; expected {what}", **where) from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(nfc(str(value))).strip()


def _xlsx_source(
    path: Path,
    *,
    con: Any,
    unit_level: str | None,
    date_format: str | None,
    sha: str,
    cache_dir: str | Path | None,
) -> Source:
    import openpyxl

    folder = cache.converted_dir(sha, json.dumps(["xlsx", unit_level, date_format]), cache_dir=cache_dir)
    if not cache.is_complete(folder):
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is bad input
            raise InputError(f"not a readable xlsx workbook ({exc})", path=path) from None
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        head_rows = [r for _, r in zip(range(SHEET_ROWS_SCAN), it, strict=False)]
        h = _find_header(head_rows, path, ws.title)
        names = [str(nfc(str(v))).strip() if v is not None else "" for v in head_rows[h]]
        mapping = map_columns([n for n in names if n], path=path)
        pos = {n: i for i, n in reversed(list(enumerate(names)))}
        flat = {c: ([s] if not isinstance(s, tuple) else list(s)) for c, s in mapping.items()}
        table: dict[str, list] = {c: [] for c in TYPES}
        table["_row"] = []
        rows = iter(head_rows[h + 1 :])
        import itertools

        for r_no, row in enumerate(itertools.chain(rows, it), start=h + 2):
            if not any(v is not None and str(v).strip() for v in row):
                continue
            table["_row"].append(r_no)
            for canon, ctype in TYPES.items():
                srcs = flat.get(canon)
                vals = (
                    [
                        _cell(
                            row[pos[s]] if pos[s] < len(row) else None,
                            "DOUBLE" if len(srcs) > 1 else ctype,
                            date_format=date_format,
                            where=dict(path=path, sheet=ws.title, row=r_no, column=s),
                        )
                        for s in srcs
                    ]
                    if srcs
                    else []
                )
                table[canon].append(_combine(canon, vals, srcs, table, unit_level, path))
        wb.close()
        if not table["_row"]:
            raise InputError(
                "empty sheet: a header row but no dossier rows", path=path, sheet=ws.title, row=h + 2
            )
        arrow = pa.table({c: pa.array(v, type=_arrow_type(TYPES.get(c, "BIGINT"))) for c, v in table.items()})
        manifest = {
            "source": path.name,
            "sha256": sha,
            "columns": {k: str(v) for k, v in mapping.items()},
            "format": "xlsx",
            "sheet": ws.title,
        }

        def write(out: Path) -> None:
            out.mkdir(parents=True)
            raw = out.parent / "raw.parquet"
            pq.write_table(arrow, raw)
            _copy_partitioned(con, f"SELECT * FROM read_parquet({_sql_str(raw)})", out)
            raw.unlink()

        cache.write_converted(folder, write, manifest)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return Source(
        path=path,
        kind="xlsx",
        sha=sha,
        columns=manifest["columns"],
        relation=f"SELECT * FROM {_cached_relation(folder)}",
        locate=f"SELECT *, _row AS _pos FROM {_cached_relation(folder)}",
    )


def _combine(
    canon: str, vals: list, srcs: list | None, table: dict, unit_level: str | None, path: Path
) -> Any:
    if srcs and len(srcs) > 1:
        return None if all(v is None for v in vals) else sum(v or 0 for v in vals)
    if srcs:
        return vals[0]
    if canon == "unit_name":
        return table["unit_code"][-1]
    if canon == "unit_level":
        if unit_level is None:
            raise InputError(
                f"missing column 'unit_level': looked for {' / '.join(ALIASES['unit_level'])}; "
                "or pass unit_level=...",
                path=path,
                column=ALIASES["unit_level"][0],
            )
        return unit_level
    if canon == "fee_bearing" and table["fee"] and "fee" in table:
        return None if table["fee"][-1] is None else 1
    return None


def _arrow_type(ctype: str) -> pa.DataType:
    return {"VARCHAR": pa.string(), "DATE": pa.date32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64()}[ctype]


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
    reader = con.con.execute("SELECT hash(dossier_id) AS h FROM dossiers").to_arrow_reader(HASH_BATCH)
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
