"""Dossier files prepared for DuckDB: Parquet read in place, CSV and xlsx converted once to cached Parquet.

Each file becomes a :class:`~analysis.io.dossiers.Source`: SQL giving the canonical columns, and SQL that
locates a bad row (Parquet row, CSV line, sheet row).  Parse errors become InputError naming line and column.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.errors import InputError
from analysis.io.dossiers import cache
from analysis.io.dossiers.columns import (
    ALIASES,
    TEXT_SUFFIXES,
    TYPES,
    Source,
    _sql_str,
    csv_header,
    csv_read_sql,
    csv_types,
    date_formats,
    map_columns,
    not_utf8_message,
    parquet_source,
    select_list,
)
from analysis.io.dossiers.rules import INFER
from analysis.io.names import nfc

#: A CSV up to this size is parsed into the reading connection's memory the first time it is read (no Parquet
#: conversion is written); bigger ones, and any file parsed a second time, stream into the conversion.
IN_MEMORY_MAX_BYTES = 512 * 1024 * 1024

#: Rows of a sheet searched for the header row.
SHEET_ROWS_SCAN = 30


def prepare(
    path: Path,
    *,
    con: Any,
    unit_level: str | None,
    date_format: str | None,
    cache_dir: str | Path | None,
    dayfirst: bool = False,
    sha: str | None = None,
) -> Source:
    """Return the :class:`Source` of one file; CSV (.csv/.txt/.tsv) and xlsx become cached Parquet first.

    ``sha`` is the file's content digest when the caller has it (else computed here).
    """
    sha = sha or cache.file_digest(path)
    suffix = path.suffix.lower()
    formats = date_formats(date_format, dayfirst)
    if suffix == ".parquet":
        return parquet_source(path, unit_level=unit_level, sha=sha, formats=formats)
    if suffix in TEXT_SUFFIXES:
        return _csv_source(
            path, con=con, unit_level=unit_level, formats=formats, sha=sha, cache_dir=cache_dir
        )
    return _xlsx_source(path, con=con, unit_level=unit_level, formats=formats, sha=sha, cache_dir=cache_dir)


def _cached_relation(folder: Path) -> str:
    return f"read_parquet({_sql_str(cache.parquet_glob(folder))}, hive_partitioning=false)"


def _copy_parquet(con: Any, select_sql: str, out: Path) -> None:
    """Write canonical rows as one snappy Parquet file in the folder ``out`` (created when missing).

    One file, not partitioned by year: a year-partitioned write took 0.15-0.2 s more for a 2 M-row CSV and
    nothing reads the partitions (the cache is read by a glob over every Parquet file in ``out``, so
    conversions written partitioned by earlier versions are read as before).  Snappy rather than zstd: the
    conversion of a 2 M-row CSV took 1.2-1.3 s instead of 1.5-2.1 s (files twice the size, read back as
    fast).  DuckDB streams the rows into row groups (``preserve_insertion_order`` is off): converting a
    10 M-row CSV peaked at 375-382 MB in a process of its own (464-473 MB partitioned), in 3.9-4.7 s
    (4.9-5.2 s).
    """
    out.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"COPY ({select_sql}) TO {_sql_str(out / 'part-0.parquet')} (FORMAT parquet, COMPRESSION snappy)"
    )


def _csv_source(
    path: Path,
    *,
    con: Any,
    unit_level: str | None,
    formats: list[str] | None,
    sha: str,
    cache_dir: str | Path | None,
) -> Source:
    names, delim = csv_header(path)
    mapping = map_columns(names, path=path)
    typed = csv_types(mapping, formats)
    read = csv_read_sql(path, names, delim, typed)
    sel, raw, infer = select_list(mapping, typed, unit_level=unit_level, path=path, formats=formats)
    layout = json.dumps([names, delim, unit_level, formats])
    folder = cache.converted_dir(sha, layout, cache_dir=cache_dir)
    relation = f"SELECT * FROM {_cached_relation(folder)}"
    if not cache.is_complete(folder):
        parsed = cache.entry_key("parsed", sha, layout)
        small = path.stat().st_size <= IN_MEMORY_MAX_BYTES
        try:
            if small and cache.read_memo(parsed, cache_dir=cache_dir) is None:
                # the first parse: into the memory of the reader's own in-memory database (a table, not
                # TEMP, so that the duplicate check's cursor sees it too; it ends with the connection)
                table = f"csv_{parsed[:16]}"
                con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {sel} FROM {read}")
                cache.write_memo(parsed, {"source": path.name, "sha256": sha}, cache_dir=cache_dir)
                relation = f"SELECT * FROM {table}"
            else:
                manifest = {"source": path.name, "sha256": sha, "columns": mapping, "format": "csv"}
                cache.write_converted(
                    folder, lambda out: _copy_parquet(con, f"SELECT {sel} FROM {read}", out), manifest
                )
        except duckdb.Error as exc:
            raise csv_error(path, str(exc)) from None
    return Source(
        path=path,
        kind="csv",
        sha=sha,
        unit="line",
        columns={k: " + ".join(v) if isinstance(v, tuple) else str(v) for k, v in mapping.items()},
        relation=relation,
        stats=relation,
        locate=f"SELECT {sel}, row_number() OVER () + 1 AS _pos FROM {read}",
        raw_checks=list(raw),
        expected=raw,
        level_inferred=infer,
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
    # DuckDB's message repeats the original line, which may hold personal data: keep only a known reason
    known = re.search(r"(Value with unterminated quote found|Maximum line size[^\n.]*)", message)
    reason = known.group(1).strip() if known else "the CSV parser could not read it"
    where = f"line {row}: " if row else ""
    why = reason.rstrip(".")
    return InputError(
        f"{where}malformed CSV row ({why}); expected fields delimited and quoted as in the header",
        path=path,
        row=row,
    )


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


def _parse_date(text: str, formats: list[str] | None) -> date:
    if not formats:
        return date.fromisoformat(text[:10])
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _cell(value: Any, ctype: str, *, formats: list[str] | None, where: dict) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if ctype == "DATE":
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            if isinstance(value, (int, float)) and 19000101 <= value <= 29991231 and value == int(value):
                return datetime.strptime(str(int(value)), "%Y%m%d").date()  # 20240115 typed as a number
            return _parse_date(str(value).strip(), formats)
        if ctype in ("BIGINT", "DOUBLE"):
            num = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
            if ctype == "BIGINT" and num != int(num):
                raise ValueError
            return int(num) if ctype == "BIGINT" else num
    except (ValueError, TypeError):
        what = {"DATE": "a date", "BIGINT": "a whole number (code)", "DOUBLE": "a number"}[ctype]
        if ctype == "DATE":
            what += f" ({formats[0]})" if formats else " (YYYY-MM-DD, or a date cell)"
        raise InputError(f"found {value!r}; expected {what}", **where) from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(nfc(str(value))).strip()


def _xlsx_source(
    path: Path,
    *,
    con: Any,
    unit_level: str | None,
    formats: list[str] | None,
    sha: str,
    cache_dir: str | Path | None,
) -> Source:
    import openpyxl

    folder = cache.converted_dir(sha, json.dumps(["xlsx", unit_level, formats]), cache_dir=cache_dir)
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
                            formats=formats,
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
            "columns": {k: " + ".join(v) if isinstance(v, tuple) else str(v) for k, v in mapping.items()},
            "format": "xlsx",
            "sheet": ws.title,
        }

        def write(out: Path) -> None:
            out.mkdir(parents=True)
            raw = out.parent / "raw.parquet"
            pq.write_table(arrow, raw)
            _copy_parquet(con, f"SELECT * FROM read_parquet({_sql_str(raw)})", out)
            raw.unlink()

        cache.write_converted(folder, write, manifest)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return Source(
        path=path,
        kind="xlsx",
        sha=sha,
        sheet=manifest.get("sheet"),
        level_inferred=unit_level is None and "unit_level" not in manifest["columns"],
        columns=manifest["columns"],
        relation=f"SELECT * FROM {_cached_relation(folder)}",
        stats=f"SELECT * FROM {_cached_relation(folder)}",
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
        return INFER if unit_level is None else unit_level  # INFER: from the unit names (checks)
    if canon == "fee_bearing" and table["fee"] and "fee" in table:
        return None if table["fee"][-1] is None else 1
    return None


def _arrow_type(ctype: str) -> pa.DataType:
    return {"VARCHAR": pa.string(), "DATE": pa.date32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64()}[ctype]
