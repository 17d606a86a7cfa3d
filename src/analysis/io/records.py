"""Per-record exports read whole with pandas: column aliases, header location, cell parsing with row errors.

The helpers of a reader whose files list one record per row and are small enough for memory (PAKN lists,
ratings of a province's dossiers): CSV (UTF-8 with or without BOM; comma, semicolon or tab), xlsx (header
below a title block, several sheets) or Parquet.  Columns are matched through an alias table ignoring
case, diacritics, spaces and "_"; cells are parsed once per distinct value; every problem is one
:class:`InputError` naming file, sheet, row (file row, header = its row) and column as written.
The dossier reader (``analysis.io.dossiers``) streams large files through DuckDB instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.io import excel
from analysis.io.dossiers.aggregate import LEVELS
from analysis.io.names import guess_level

#: Rows searched for the header.
HEADER_ROWS = 40
_CODE_RE = re.compile(r"^[0-9A-Za-z._-]+$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][0-9:.+]*)?$")
_DMY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: [0-9:.]*)?$")
_BAD = object()


def column_key(name: object) -> str:
    """Return the matching key of a column name: folded, without spaces or "_".

    >>> column_key("Ngày tiếp nhận") == column_key("NgayTiepNhan") == column_key("ngay_tiep_nhan")
    True
    """
    return re.sub(r"[\s_]+", "", excel.fold(name))


def map_columns(names: list, aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Return canonical name -> position of its column among ``names`` (the first alias found wins)."""
    keys = [column_key(n) if not excel.is_blank(n) else "" for n in names]
    out = {}
    for canon, alts in aliases.items():
        hit = next((keys.index(column_key(a)) for a in alts if column_key(a) in keys), None)
        if hit is not None:
            out[canon] = hit
    return out


def _kind(found: dict[str, dict[str, int]], kinds: dict) -> str | None:
    return next((k for k, (_, req) in kinds.items() if all(c in found[k] for c in req)), None)


def _missing(found: dict[str, dict[str, int]], kinds: dict, hint: str) -> str:
    """Say which required columns the closest kind lacks (``hint`` when no kind is close)."""
    kind = max(kinds, key=lambda k: len(found[k]))
    aliases, required = kinds[kind]
    have = [c for c in required if c in found[kind]]
    if len(have) < 2:
        return hint
    missing = [c for c in required if c not in found[kind]]
    return f"{kind} file without column(s) " + "; ".join(f"{c} ({' / '.join(aliases[c])})" for c in missing)


def read_records(path: Path, kinds: dict[str, tuple[dict, tuple]], *, hint: str
                 ) -> list[tuple[str, str | None, pd.DataFrame, dict[str, str]]]:
    """Read a per-record file into tables of canonical columns, one per sheet.

    Parameters
    ----------
    path : Path
        CSV, xlsx or Parquet.
    kinds : dict
        kind -> (aliases, required canonical columns); a header is the first row (of the first
        :data:`HEADER_ROWS`) that holds every required column of one kind.
    hint : str
        The message when no row comes close to any kind.

    Returns
    -------
    list of (kind, sheet name or None, table, columns)
        ``table`` has the canonical columns found and ``_row`` (the file row of each record; blank rows
        are skipped); ``columns`` maps canonical -> the column name as written, for messages.
    """
    if path.suffix.lower() in {".parquet", ".pq"}:
        import pyarrow.parquet as pq

        try:
            names = list(pq.read_schema(path).names)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input
            raise InputError(f"not a readable Parquet file ({exc})", path=path) from None
        found = {k: map_columns(names, aliases) for k, (aliases, _) in kinds.items()}
        kind = _kind(found, kinds)
        if kind is None:
            raise InputError(_missing(found, kinds, hint), path=path)
        cols = {c: names[i] for c, i in found[kind].items()}
        df = pd.read_parquet(path, columns=list(cols.values()))
        df.columns = list(cols)
        if df.empty:
            raise InputError("a header but no rows", path=path, row=1)
        return [(kind, None, df.assign(_row=np.arange(1, len(df) + 1)), cols)]
    out = []
    sheets = [_csv_sheet(path)] if path.suffix.lower() == ".csv" else excel.read_grids(path)
    for sheet in sheets:
        if all(excel.row_is_blank(r) for r in sheet.cells):
            continue
        best = (0, {k: {} for k in kinds})
        for i, row in enumerate(sheet.cells[:HEADER_ROWS]):
            found = {k: map_columns(row, aliases) for k, (aliases, _) in kinds.items()}
            if _kind(found, kinds) or sum(map(len, found.values())) > sum(map(len, best[1].values())):
                best = (i, found)
            if _kind(found, kinds):
                break
        h, found = best
        kind = _kind(found, kinds)
        if kind is None:
            raise InputError(_missing(found, kinds, hint), path=path, sheet=sheet.name)
        header = sheet.cells[h]
        rows = [(r + 1, cells) for r, cells in enumerate(sheet.cells[h + 1:], start=h + 1)
                if not excel.row_is_blank(cells)]
        width = len(header) - next((i for i, v in enumerate(reversed(header)) if not excel.is_blank(v)), 0)
        for r, cells in rows:
            filled = len(cells) - next((i for i, v in enumerate(reversed(cells)) if not excel.is_blank(v)), 0)
            if sheet.name is None and (filled > width or len(cells) < width):
                raise InputError(f"{len(cells)} fields where the header has {width} (a separator inside an "
                                 "unquoted value, or a missing one?)", path=path, row=r)
        if not rows:
            raise InputError("a header but no rows below it", path=path, sheet=sheet.name, row=h + 1)
        cols = {c: str(header[i]).strip() for c, i in found[kind].items()}
        data = {c: [row[i] if i < len(row) else None for _, row in rows] for c, i in found[kind].items()}
        out.append((kind, sheet.name, pd.DataFrame(data).assign(_row=[r for r, _ in rows]), cols))
    if not out:
        raise InputError("the file is empty; expected a header row and one row per record", path=path)
    return out


def _csv_sheet(path: Path) -> excel.Sheet:
    """Read a CSV (UTF-8, BOM or not) as a grid; the separator is the one of , ; tab most used at the top."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty; expected a header row and one row per record", path=path)
    text = excel.decode_text(data, path=path)
    lines = text.splitlines()[:HEADER_ROWS]
    delimiter = max(",;\t", key=lambda d: sum(line.count(d) for line in lines))
    rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return excel.Sheet(name=None, cells=rows, filled=rows)


def per_value(values: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct value (exports repeat few values); blanks get ``fn(None)``."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:] = [fn(v) for v in uniques] + [fn(None)]
    return pd.Series(mapped[codes], index=values.index)


def _text1(v: object) -> str:
    if excel.is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(excel.nfc(str(v))).strip()


def text(values: pd.Series) -> pd.Series:
    """Return cell values as stripped NFC text; blank (None, NaN, whitespace) = ""."""
    if isinstance(values.dtype, pd.StringDtype):  # a Parquet text column: ASCII ones (ids) in Arrow
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(values, from_pandas=True)
        if pc.all(pc.string_is_ascii(arr)).as_py() is not False:
            trimmed = pc.fill_null(pc.utf8_trim_whitespace(arr), "")
            return pd.Series(trimmed.to_numpy(zero_copy_only=False), index=values.index, dtype=object)
    return per_value(values, _text1)


def _date1(v: object):
    """Return one cell as numpy day, NaT when blank, ``_BAD`` when it is not a date."""
    if excel.is_blank(v):
        return np.datetime64("NaT", "D")
    if isinstance(v, dt.date | pd.Timestamp | np.datetime64):
        return np.datetime64(pd.Timestamp(v).date(), "D")
    m = (_ISO_RE.match(v.strip()) or _DMY_RE.match(v.strip())) if isinstance(v, str) else None
    if m is None:
        return _BAD
    y, mo, d = map(int, m.groups() if m.re is _ISO_RE else m.groups()[::-1])
    try:
        return np.datetime64(dt.date(y, mo, d), "D")
    except ValueError:
        return _BAD


def fail(mask: pd.Series, df: pd.DataFrame, message: str, where: dict, column: str | None) -> None:
    """Raise for the first row where ``mask`` holds; ``message`` may use ``{value}`` (from ``df._raw``)."""
    if mask.any():
        i = mask.idxmax()
        value = df.at[i, "_raw"] if "_raw" in df else None
        raise InputError(message.format(value=value), **where, row=int(df.at[i, "_row"]), column=column)


def dates(df: pd.DataFrame, canon: str, cols: dict, where: dict, *, required: bool) -> pd.Series:
    """Parse a date column (date cells, yyyy-mm-dd or dd/mm/yyyy; a time of day is cut off) to days.

    An absent column gives NaT everywhere; a blank cell is NaT unless ``required``.
    """
    if canon not in df:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    values = df[canon]
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.dt.tz_localize(None) if values.dt.tz is not None else values
        out = pd.Series(out.to_numpy().astype("datetime64[D]").astype("datetime64[ns]"), index=df.index)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        parsed = [_date1(v) for v in uniques]
        bad = np.array([p is _BAD for p in parsed] + [False])[codes]
        fail(pd.Series(bad, index=df.index), df.assign(_raw=values),
             "expected a date (yyyy-mm-dd or dd/mm/yyyy), found {value!r}", where, cols[canon])
        days = np.array([p for p in parsed] + [np.datetime64("NaT", "D")], dtype="datetime64[D]")
        out = pd.Series(days[codes].astype("datetime64[ns]"), index=df.index)
    if required:
        fail(out.isna(), df, "empty date; expected a date (yyyy-mm-dd or dd/mm/yyyy)", where, cols[canon])
    return out


def coded(df: pd.DataFrame, canon: str, table: dict, cols: dict, where: dict, what: str) -> pd.Series:
    """Map a coded text column through ``table`` (folded keys, "" = blank); anything else is an error."""
    raw = text(df[canon])
    key = per_value(raw, excel.fold)
    expected = ", ".join(sorted({repr(k) for k in table if k}))
    fail(~key.isin(list(table)), df.assign(_raw=raw),
         f"unknown {what} {{value!r}}; expected blank or one of {expected}", where, cols[canon])
    return key.map(table)


def units(df: pd.DataFrame, cols: dict, where: dict) -> pd.DataFrame:
    """Return ``unit_code``, ``unit_name``, ``unit_level`` per row: the level column, else from the name.

    Levels as the dossier exports write them (so-ban-nganh / quan-huyen / xa-phuong, or the Counts levels);
    without a level column the unit name tells (``analysis.io.names.guess_level``, default department).
    A code without a name is named by its code.
    """
    code = text(df["unit_code"])
    fail(code == "", df, "empty unit code", where, cols["unit_code"])
    fail(~per_value(code, lambda c: bool(_CODE_RE.match(c or ""))).astype(bool), df.assign(_raw=code),
         "unit code {value!r} has characters other than letters, digits, '.', '_', '-'", where,
         cols["unit_code"])
    name = text(df["unit_name"]) if "unit_name" in df else code
    name = name.where(name != "", code)
    if "unit_level" in df:
        raw = text(df["unit_level"])
        level = per_value(raw, lambda v: excel.fold(v).replace(" ", "-"))
        fail(~level.isin(list(LEVELS)), df.assign(_raw=raw),
             f"unknown unit level {{value!r}}; expected one of {', '.join(sorted(LEVELS))}", where,
             cols["unit_level"])
        level = level.map(LEVELS)
    else:
        level = per_value(name, lambda n: guess_level(n or "", default="department"))
    out = pd.DataFrame({"unit_code": code, "unit_name": name, "unit_level": level})
    two = out.groupby("unit_code")["unit_level"].transform("nunique") > 1
    fail(two, df.assign(_raw=code), "unit {value!r} appears with two different levels", where,
         cols.get("unit_level"))
    return out


def unique_ids(parsed: pd.DataFrame, path: Path, what: str) -> None:
    """Refuse an ``_id`` that appears twice (in one sheet or on two), naming both places."""
    dup = parsed["_id"].duplicated(keep=False)
    if dup.any():
        a, b = parsed[parsed["_id"] == parsed.loc[dup, "_id"].iloc[0]].iloc[:2].to_dict("records")
        at = f"sheet {a['_sheet']!r} row {a['_row']}" if a["_sheet"] != b["_sheet"] else f"row {a['_row']}"
        raise InputError(f"{what} {a['_id']!r} appears twice ({at} and row {b['_row']})", path=path,
                         sheet=b["_sheet"], row=int(b["_row"]), column=b["_idcol"])
