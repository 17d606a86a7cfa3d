"""Dossier export columns: the alias table, canonical types, file resolution and DuckDB read expressions.

The lowest layer of the dossier reader (``analysis.io.dossiers``): it names the columns (``ALIASES``; personal
data are never mapped, so never selected) and builds the SQL that reads a Parquet, CSV or xlsx export.
"""

from __future__ import annotations

import csv
import glob as globmod
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from analysis.errors import InputError
from analysis.io.dossiers.rules import INFER
from analysis.io.names import nfc

#: canonical name -> accepted column names (PascalCase DVCQG first, then camelCase one-stop).
ALIASES: dict[str, tuple[str, ...]] = {
    "dossier_id": ("MaHoSo", "maHoSo"),
    "unit_code": ("MaDonVi", "MaCoQuan", "maDinhDanh", "donViId"),
    "unit_name": ("TenDonVi", "TenCoQuan", "tenDonVi"),
    "unit_level": ("CapDonVi", "catalog"),
    "received_at": ("NgayTiepNhan", "ngayTiepNhan"),
    "due_at": ("NgayHenTra", "ngayHenTra"),
    "finished_at": ("NgayKetThucXuLy", "ngayKetThucXuLy"),
    "supplement_requested_at": ("NgayYeuCauBoSung", "ngayYeuCauBoSung"),
    "supplement_provided_at": ("NgayCongDanBoSung", "ngayCongDanBoSung"),
    "supplement_count": ("SoLanBoSung", "soLanBoSung"),
    "channel": ("KenhThucHien", "kenhThucHien"),
    "fee": ("PhiLePhi", "Gia", "soTien"),
    "fee_bearing": ("CoPhiLePhi", "coPhi"),
    "paid_online": ("DuocThanhToanTrucTuyen", "duocThanhToanTrucTuyen"),
}
#: canonical name -> groups of columns summed into it (camelCase exports split the fee into phí + lệ phí).
SUMMED_ALIASES: dict[str, tuple[tuple[str, ...], ...]] = {"fee": (("phi", "lePhi"),)}
#: Columns without which no indicator can be computed.
REQUIRED = ("dossier_id", "unit_code", "received_at", "due_at", "finished_at")
#: DuckDB type of each canonical column.
TYPES: dict[str, str] = {
    "dossier_id": "VARCHAR",
    "unit_code": "VARCHAR",
    "unit_name": "VARCHAR",
    "unit_level": "VARCHAR",
    "received_at": "DATE",
    "due_at": "DATE",
    "finished_at": "DATE",
    "supplement_requested_at": "DATE",
    "supplement_provided_at": "DATE",
    "supplement_count": "BIGINT",
    "channel": "BIGINT",
    "fee": "DOUBLE",
    "fee_bearing": "BIGINT",
    "paid_online": "BIGINT",
}
SUFFIXES = (".parquet", ".csv", ".txt", ".tsv", ".xlsx")
#: Delimited-text suffixes (a ``.txt`` or ``.tsv`` export is read like a CSV; its delimiter is detected).
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
#: Date formats tried, in order, for day-first exports (``dayfirst=True``); ISO dates are read as well.
DAYFIRST_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
)
INTEGER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)


def date_formats(date_format: str | None, dayfirst: bool) -> list[str] | None:
    """Return the strptime formats to try for text dates, or None for ISO dates (DuckDB's own parser).

    >>> date_formats("%d/%m/%Y", False)
    ['%d/%m/%Y', '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M']
    >>> date_formats(None, False) is None, len(date_formats(None, True))
    (True, 8)
    """
    if date_format:
        return [date_format, f"{date_format} %H:%M:%S", f"{date_format} %H:%M"]
    return list(DAYFIRST_FORMATS) if dayfirst else None


def _key(name: str) -> str:
    return str(nfc(str(name))).strip().casefold()


@dataclass
class Source:
    """One input file, mapped: DuckDB SQL giving canonical columns, and how to locate a bad row."""

    path: Path
    kind: str
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column (as written)
    relation: str = ""  # SELECT ... giving canonical columns (+ ``<c>__raw`` text for typed-from-text)
    stats: str = ""  # the same columns for min/max, uncast where the cast keeps order (Parquet statistics)
    locate: str = ""  # the same with ``_pos``: the row (Parquet, xlsx) or line (CSV) to report
    unit: str = "row"
    sheet: str | None = None  # xlsx: the sheet read
    sha: str = ""
    raw_checks: list[str] = field(default_factory=list)  # canonical columns converted (text, yyyymmdd ...)
    expected: dict[str, str] = field(default_factory=dict)  # for those: what a value must look like
    rows: int | None = None  # number of records, when known without a scan (Parquet metadata)
    level_inferred: bool = False  # no level column: levels come from the unit names (checks.infer_levels)


def resolve_files(path_or_glob: str | Path | list | tuple) -> list[Path]:
    """Return the dossier files named by a path, a folder (its .parquet/.csv/.xlsx), a glob or a list."""
    items = path_or_glob if isinstance(path_or_glob, (list, tuple)) else [path_or_glob]
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files += sorted(
                f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES and not f.name.startswith(".")
            )
        elif any(ch in str(item) for ch in "*?["):
            files += sorted(Path(f) for f in globmod.glob(str(item), recursive=True))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(
                f"no such file or folder (expected dossier records {', '.join(SUFFIXES)})", path=p
            )
    files = [f for f in files if f.suffix.lower() in SUFFIXES]
    if not files:
        raise InputError(f"no dossier files ({', '.join(SUFFIXES)}) match {path_or_glob!s}")
    return files


def map_columns(names: list[str], *, path: Path) -> dict[str, str | tuple[str, ...]]:
    """Map source column names to canonical ones with ``ALIASES`` (case-insensitive, NFC); check required."""
    by_key = {}
    for n in names:
        by_key.setdefault(_key(n), n)
    found: dict[str, str | tuple[str, ...]] = {}
    for canon, aliases in ALIASES.items():
        hit = next((by_key[_key(a)] for a in aliases if _key(a) in by_key), None)
        if hit is not None:
            found[canon] = hit
    for canon, groups in SUMMED_ALIASES.items():
        for group in groups:
            if canon not in found and any(_key(a) in by_key for a in group):
                found[canon] = tuple(by_key[_key(a)] for a in group if _key(a) in by_key)
    for canon in REQUIRED:
        if canon not in found:
            raise InputError(
                f"missing required column {canon!r}: looked for {' / '.join(ALIASES[canon])} "
                f"(case-insensitive); found {', '.join(map(str, names)) or 'no columns'}",
                path=path,
                column=ALIASES[canon][0],
            )
    return found


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


#: Marks a cast that keeps every value and its order (integer to BIGINT ...): min/max need no cast.
WIDEN = "\x00widen"


def _convert(src: str, stype: str, ctype: str, formats: list[str] | None) -> tuple[str, str | None]:
    """Return (SQL converting source column ``src`` of DuckDB type ``stype`` to ``ctype``, expected or None).

    An expected text means the conversion may fail: the source value is kept as ``<canonical>__raw`` and a
    row whose value did not convert is refused naming it (``analysis.io.dossiers.checks``).  ``WIDEN``
    means the cast keeps every value and the order (the statistics of the source column serve).
    """
    col = _q(src)
    base = stype.split("(")[0].upper()
    if base == ctype:
        return col, None  # no cast: DuckDB answers min/max from the Parquet statistics
    if ctype == "DATE":
        if base in INTEGER_TYPES:  # 20240115 stored as a number
            return (
                f"TRY_CAST(TRY_STRPTIME(CAST({col} AS VARCHAR), '%Y%m%d') AS DATE)",
                "a date (YYYY-MM-DD, or yyyymmdd stored as a whole number)",
            )
        if base in ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"):
            return f"CAST({col} AS DATE)", None
        text = f"NULLIF(trim(CAST({col} AS VARCHAR)), '')"
        if formats:
            fmts = "[" + ", ".join(_sql_str(f) for f in formats) + "]"
            return f"TRY_CAST(TRY_STRPTIME({text}, {fmts}) AS DATE)", f"a date ({formats[0]})"
        iso = f"coalesce(TRY_CAST({text} AS DATE), TRY_CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE))"
        return iso, "a date (YYYY-MM-DD)"
    if ctype == "BIGINT":
        if base in INTEGER_TYPES:
            return f"CAST({col} AS BIGINT)", WIDEN
        if base in ("FLOAT", "DOUBLE", "REAL") or base.startswith("DECIMAL"):  # 1.5 is not a code
            return (
                f"CASE WHEN {col} = trunc({col}) THEN TRY_CAST({col} AS BIGINT) END",
                "a whole number (code)",
            )
        return f"TRY_CAST(NULLIF(trim(CAST({col} AS VARCHAR)), '') AS BIGINT)", "a whole number (code)"
    if ctype == "DOUBLE":
        if base in INTEGER_TYPES or base in ("FLOAT", "DOUBLE", "REAL") or base.startswith("DECIMAL"):
            return f"CAST({col} AS DOUBLE)", WIDEN
        return f"TRY_CAST(NULLIF(trim(CAST({col} AS VARCHAR)), '') AS DOUBLE)", "a number"
    return f"CAST({col} AS VARCHAR)", None


def select_list(
    mapping: dict,
    types: dict[str, str],
    *,
    unit_level: str | None,
    path: Path,
    formats: list[str] | None = None,
    stats: list[str] | None = None,
) -> tuple[str, dict[str, str], bool]:
    """Return the SQL select list producing canonical columns from source columns of DuckDB ``types``.

    Returns the select list, the canonical columns whose conversion may fail (-> what was expected; their
    source value is kept as ``<canonical>__raw``), and whether the unit level must be inferred from names
    (no level column and no ``unit_level``).  ``stats``, when given, receives the select list of the same
    columns for minimum and maximum (order-keeping casts left out, so that Parquet statistics answer).
    """
    exprs, raw, infer = [], {}, False
    for canon, ctype in TYPES.items():
        src = mapping.get(canon)
        if isinstance(src, tuple):  # summed fee parts
            parts = [f"TRY_CAST({_q(s)} AS DOUBLE)" for s in src]
            nulls = " AND ".join(f"{p} IS NULL" for p in parts)
            expr = f"CASE WHEN {nulls} THEN NULL ELSE {' + '.join(f'coalesce({p}, 0)' for p in parts)} END"
        elif src is None:
            expr = f"CAST(NULL AS {ctype})"
            if canon == "unit_name":
                expr = f"CAST({_q(mapping['unit_code'])} AS VARCHAR)"
            elif canon == "unit_level":
                infer = unit_level is None  # then inferred from the unit names, with a note (checks)
                expr = _sql_str(INFER if infer else unit_level)
            elif canon == "fee_bearing" and "fee" in mapping:
                expr = None  # filled below from fee
        else:
            expr, expected = _convert(src, types.get(src, "VARCHAR"), ctype, formats)
            if stats is not None:
                stats.append(f"{_q(src) if expected == WIDEN else expr} AS {canon}")
            if expected and expected != WIDEN:
                exprs.append(f"CAST({_q(src)} AS VARCHAR) AS {canon}__raw")
                raw[canon] = expected
        if (src is None or isinstance(src, tuple)) and stats is not None and expr is not None:
            stats.append(f"{expr} AS {canon}")
        if expr is not None:
            exprs.append(f"{expr} AS {canon}")
    if "fee_bearing" not in mapping and "fee" in mapping:
        fee_expr = next(e for e in exprs if e.endswith(" AS fee"))[: -len(" AS fee")]
        exprs.append(f"CASE WHEN ({fee_expr}) IS NULL THEN 0 ELSE 1 END AS fee_bearing")
    return ", ".join(exprs), raw, infer


def _sql_str(p: Path | str) -> str:
    return "'" + str(p).replace("'", "''") + "'"


def parquet_source(
    path: Path, *, unit_level: str | None, sha: str, formats: list[str] | None = None
) -> Source:
    """Map a Parquet file (read in place by DuckDB; only mapped columns are selected)."""
    try:
        meta = pq.read_metadata(path)
        described = duckdb.connect().sql(f"DESCRIBE SELECT * FROM read_parquet({_sql_str(path)})").fetchall()
    except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input
        reason = str(exc).splitlines()[0][:200]
        raise InputError(f"not a readable Parquet file ({reason})", path=path) from None
    types = {row[0]: row[1] for row in described}
    mapping = map_columns(list(types), path=path)
    stats: list[str] = []
    sel, raw, infer = select_list(
        mapping, types, unit_level=unit_level, path=path, formats=formats, stats=stats
    )
    src = f"read_parquet({_sql_str(path)})"
    return Source(
        path=path,
        kind="parquet",
        columns=_display(mapping),
        sha=sha,
        raw_checks=list(raw),
        expected=raw,
        rows=meta.num_rows,
        level_inferred=infer,
        relation=f"SELECT {sel} FROM {src}",
        stats=f"SELECT {', '.join(stats)} FROM {src}",
        locate=f"SELECT {sel}, file_row_number + 1 AS _pos FROM {src[:-1]}, file_row_number=true)",
    )


def _display(mapping: dict) -> dict[str, str]:
    return {k: (" + ".join(v) if isinstance(v, tuple) else v) for k, v in mapping.items()}


def csv_header(path: Path) -> tuple[list[str], str]:
    """Return the header names and delimiter of a CSV; raise InputError for an empty or non-UTF-8 file."""
    with open(path, "rb") as fh:
        first = fh.readline()
        second = fh.readline()
    if not first.strip():
        raise InputError("empty file (expected a header row and dossier rows)", path=path, row=1)
    try:
        text = first.removeprefix(b"\xef\xbb\xbf").decode("utf-8")  # the utf-8-sig codec costs an import
    except UnicodeDecodeError:
        raise InputError(not_utf8_message(first), path=path, row=1) from None
    delim = "\t" if path.suffix.lower() == ".tsv" else max([",", ";", "\t", "|"], key=text.count)
    try:
        names = [
            str(nfc(n)).strip() for n in next(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
        ]
    except csv.Error:
        raise InputError(
            "malformed header row (a line break inside a column name); expected one line of column names",
            path=path,
            row=1,
        ) from None
    if not second.strip():
        raise InputError("empty file: a header row but no dossier rows", path=path, row=2)
    # an empty header cell (a trailing delimiter on every line, common in exports) names an unused column
    return [n or f"_unnamed_{i + 1}" for i, n in enumerate(names)], delim


def not_utf8_message(sample: bytes) -> str:
    """Say that bytes are not UTF-8 and, when they decode as Windows-1258 Vietnamese, say that."""
    guess = ""
    try:
        text = sample.decode("cp1258")
        marks = sum(text.count(ch) for ch in "\u0300\u0301\u0303\u0309\u0323ĐđƯưƠơĂăÂâÊêÔô")
        if marks:
            guess = "; it looks like Windows-1258 (Vietnamese legacy encoding)"
    except UnicodeDecodeError:
        pass
    return (
        f"the CSV is not UTF-8{guess}: expected UTF-8 text — re-save it as 'CSV UTF-8' "
        "(in Excel: Save As > CSV UTF-8)"
    )


def csv_types(mapping: dict, formats: list[str] | None) -> dict[str, str]:
    """Return the DuckDB type to parse each mapped CSV column as (dates as text when ``formats`` given)."""
    wanted = {}
    for canon, src in mapping.items():
        for s in src if isinstance(src, tuple) else (src,):
            ctype = TYPES[canon] if not isinstance(src, tuple) else "DOUBLE"
            wanted[s] = "VARCHAR" if ctype == "DATE" and formats else ctype
    return wanted


def csv_read_sql(path: Path, names: list[str], delim: str, types: dict[str, str]) -> str:
    """Return DuckDB ``read_csv`` with explicit types (``types`` for mapped columns; text otherwise)."""
    cols = ", ".join(f"{_sql_str(n)}: {_sql_str(types.get(n, 'VARCHAR'))}" for n in names)
    return (
        f"read_csv({_sql_str(path)}, header=true, auto_detect=false, delim={_sql_str(delim)}, quote='\"', "
        f"escape='\"', columns={{{cols}}})"
    )
