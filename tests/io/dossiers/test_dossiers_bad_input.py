"""Bad dossier files: each raises InputError naming file, row (CSV: line) and column; nothing cached."""

from __future__ import annotations

import unicodedata
from datetime import date

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from test_dossiers import pascal_frame, write

from analysis.io import InputError, read_dossiers


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def read_bad(path, cache):
    with pytest.raises(InputError) as info:
        read_dossiers(path, cache_dir=cache)
    return info.value


def test_missing_required_column_lists_aliases(tmp_path, cache):
    df = pascal_frame().drop(columns="NgayHenTra")
    err = read_bad(write(df, tmp_path / "d.parquet", "parquet"), cache)
    assert "NgayHenTra / ngayHenTra" in str(err) and err.path.endswith("d.parquet")
    assert isinstance(err, ValueError)


@pytest.mark.parametrize("fmt, where", [("parquet", 5), ("csv", 6), ("xlsx", 6)])
def test_unknown_channel_code(tmp_path, cache, fmt, where):
    df = pascal_frame()
    df.loc[4, "KenhThucHien"] = 7  # fifth dossier: data row 5, CSV line 6, sheet row 6 (header on row 1)
    err = read_bad(write(df, tmp_path / f"d.{fmt}", fmt), cache)
    assert err.row == where and err.column == "KenhThucHien"
    assert "7" in str(err) and "A5" in str(err) and "trực tuyến" in str(err)


def test_finished_before_received(tmp_path, cache):
    df = pascal_frame()
    df.loc[2, "NgayKetThucXuLy"] = df.loc[2, "NgayTiepNhan"] - __import__("pandas").Timedelta(days=1)
    err = read_bad(write(df, tmp_path / "d.csv", "csv"), cache)
    assert (err.row, err.column) == (4, "NgayKetThucXuLy") and "line 4" in str(err)


def test_supplement_provided_before_requested(tmp_path, cache):
    df = pascal_frame()
    df.loc[3, "NgayCongDanBoSung"] = df.loc[3, "NgayYeuCauBoSung"] - __import__("pandas").Timedelta(days=2)
    err = read_bad(write(df, tmp_path / "d.parquet", "parquet"), cache)
    assert (err.row, err.column) == (4, "NgayCongDanBoSung")


@pytest.mark.parametrize("fmt, where", [("parquet", (11, "row 2")), ("csv", (12, "line 3"))])
def test_duplicate_dossier_id_named(tmp_path, cache, fmt, where):
    # the CSV's first read is parsed into the reader's memory: the duplicate check, which runs on its own
    # cursor beside the stage-1 query, must see that table too
    df = pascal_frame()
    df.loc[10, "MaHoSo"] = "A2"
    err = read_bad(write(df, tmp_path / f"d.{fmt}", fmt), cache)
    assert "'A2'" in str(err) and err.row == where[0] and where[1] in str(err)
    assert read_bad(tmp_path / f"d.{fmt}", cache).row == where[0]  # nothing remembered as passed


def test_duplicate_reported_before_a_later_check(tmp_path, cache):
    # the duplicate check now runs alongside the stage-1 query; the error reported is still the one the
    # checks in sequence report (ids before the checks read from the stage-1 table)
    df = pascal_frame()
    df.loc[10, "MaHoSo"] = "A2"
    df.loc[3, "MaDonVi"] = ""
    err = read_bad(write(df, tmp_path / "d.parquet", "parquet"), cache)
    assert "duplicate dossier id 'A2'" in str(err) and err.row == 11
    df.loc[10, "MaHoSo"] = "A11"
    err = read_bad(write(df, tmp_path / "d.parquet", "parquet"), cache)
    assert err.row == 4 and err.column == "MaDonVi"


def test_duplicate_across_files(tmp_path, cache):
    df = pascal_frame()
    write(df.iloc[:5], tmp_path / "a.parquet", "parquet")
    write(df.iloc[4:], tmp_path / "b.parquet", "parquet")  # A5 in both
    err = read_bad(tmp_path, cache)
    assert "'A5'" in str(err) and "a.parquet" in str(err) and err.path.endswith("b.parquet")


@pytest.mark.parametrize("fmt, row", [("csv", 3), ("xlsx", 3), ("parquet", 2)])
def test_text_in_a_date_column(tmp_path, cache, fmt, row):
    df = pascal_frame()
    df["NgayHenTra"] = df["NgayHenTra"].dt.strftime("%Y-%m-%d").astype(object)
    df.loc[1, "NgayHenTra"] = "mười tháng giêng"
    err = read_bad(write(df, tmp_path / f"d.{fmt}", fmt), cache)
    assert err.row == row and err.column == "NgayHenTra" and "mười tháng giêng" in str(err)
    assert "date" in str(err)


def test_empty_files(tmp_path, cache):
    (tmp_path / "zero.csv").write_bytes(b"")
    assert "empty file" in str(read_bad(tmp_path / "zero.csv", cache))
    header_only = pascal_frame().iloc[:0]
    err = read_bad(write(header_only, tmp_path / "h.csv", "csv"), cache)
    assert "empty file" in str(err) and err.path.endswith("h.csv")
    err = read_bad(write(pascal_frame().iloc[:0], tmp_path / "h.parquet", "parquet"), cache)
    assert "empty file" in str(err)


def _cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters precomposed where it can, tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", d[0] + "".join(m for m in d[1:] if m not in tones))
            out += (base + "".join(m for m in d[1:] if m in tones)).encode("cp1258")
    return out


def test_windows_1258_csv_detected(tmp_path, cache):
    path = write(pascal_frame(), tmp_path / "d.csv", "csv")
    path.write_bytes(_cp1258(path.read_text(encoding="utf-8")))
    err = read_bad(path, cache)
    assert "not UTF-8" in str(err) and "Windows-1258" in str(err)
    assert err.row == 2  # first data row carries "Sở Tư pháp"


def test_malformed_row_deep_in_large_csv(tmp_path, cache):
    n = 200_000
    ids = [f"X{i}" for i in range(n)]
    t = pa.table(
        {
            "MaHoSo": ids,
            "MaDonVi": ["77.S01"] * n,
            "CapDonVi": ["so-ban-nganh"] * n,
            "NgayTiepNhan": ["2024-01-02"] * n,
            "NgayHenTra": ["2024-01-09"] * n,
            "NgayKetThucXuLy": ["2024-01-05"] * n,
            "KenhThucHien": [2] * n,
        }
    )
    path = tmp_path / "big.csv"
    pacsv.write_csv(t, path)
    lines = path.read_bytes().split(b"\n")
    lines[150_001] = b'"X150000","77.S01","so-ban-nganh","2024-01-02"'  # a short row at line 150 002
    path.write_bytes(b"\n".join(lines))
    err = read_bad(path, cache)
    assert err.row == 150_002 and "line 150002" in str(err) and "expected 7" in str(err)
    assert not list((cache / "dossiers").glob("*/manifest.json"))  # nothing half-written in the cache
    assert not list((cache / "dossiers").glob(".tmp*"))
    assert not list((cache / "checked").glob("*.json"))  # nor remembered as parsed


def test_malformed_row_found_when_streaming_into_the_conversion(tmp_path, cache, monkeypatch):
    """The same error when the CSV streams into its Parquet conversion (too big to parse into memory)."""
    import analysis.io.dossiers.sources as sources

    monkeypatch.setattr(sources, "IN_MEMORY_MAX_BYTES", 0)
    df = pascal_frame()
    path = write(df, tmp_path / "d.csv", "csv")
    lines = path.read_bytes().split(b"\n")
    lines[5] = lines[5].rsplit(b",", 2)[0]  # line 6 loses its last two fields
    path.write_bytes(b"\n".join(lines))
    err = read_bad(path, cache)
    assert err.row == 6 and "line 6" in str(err)
    assert not list((cache / "dossiers").glob("*/manifest.json"))
    assert not list((cache / "dossiers").glob(".tmp*"))


def test_personal_data_never_reaches_the_cache(tmp_path, cache):
    import pyarrow.parquet as pq

    from analysis.io.dossiers.checks import prepare

    path = write(pascal_frame(), tmp_path / "d.csv", "csv")
    read_dossiers(path, cache_dir=cache)
    read_dossiers(path, cache_dir=cache, data_end=date(2024, 12, 31))  # parsed again: converted
    files = list((cache / "dossiers").glob("*/data/**/*.parquet"))
    assert files and all("ChuHoSo" not in pq.read_schema(f).names for f in files)
    src = prepare(
        write(pascal_frame(), tmp_path / "d.parquet", "parquet"),
        con=None,
        unit_level=None,
        date_format=None,
        cache_dir=cache,
    )
    assert "ChuHoSo" not in src.relation and "MaHoSo" in src.relation


@pytest.mark.parametrize("column, value", [("MaHoSo", None), ("MaHoSo", ""), ("MaDonVi", " ")])
def test_empty_id_or_unit(tmp_path, cache, column, value):
    df = pascal_frame()
    df[column] = df[column].astype(object)
    df.loc[6, column] = value
    err = read_bad(write(df, tmp_path / "d.parquet", "parquet"), cache)
    assert (err.row, err.column) == (7, column) and "empty" in str(err)


def test_unknown_unit_level(tmp_path, cache):
    df = pascal_frame()
    df.loc[8, "CapDonVi"] = "cap-tinh"
    err = read_bad(write(df, tmp_path / "d.csv", "csv"), cache)
    assert (err.row, err.column) == (10, "CapDonVi") and "cap-tinh" in str(err) and "xa-phuong" in str(err)


def test_unit_with_two_levels(tmp_path, cache):
    df = pascal_frame()
    df.loc[8, "CapDonVi"] = "quan-huyen"  # 77.S01 is so-ban-nganh on its other rows
    err = read_bad(write(df, tmp_path / "d.parquet", "parquet"), cache)
    assert (err.row, err.column) == (9, "CapDonVi") and "one level per unit" in str(err)


def test_unterminated_quote_names_the_line_without_its_content(tmp_path, cache):
    path = write(pascal_frame(), tmp_path / "d.csv", "csv")
    lines = path.read_bytes().split(b"\n")
    lines[7] = b'"' + lines[7]  # line 8: a quote opened and never closed
    path.write_bytes(b"\n".join(lines))
    err = read_bad(path, cache)
    assert err.row == 8 and "line 8" in str(err) and "malformed" in str(err)
    assert "Giả Lập" not in str(err)  # the personal-data column of that line is not echoed


def _checked_sources(path, cache):
    from analysis.io.dossiers import aggregate, checks
    from analysis.io.dossiers.columns import TYPES

    con = aggregate.duckdb_connection()
    options = {"unit_level": None, "date_format": None, "dayfirst": False, "cache_dir": cache}
    sources = [checks.prepare(path, con=con, **options)]
    union = " UNION ALL BY NAME ".join(f"SELECT {', '.join(TYPES)} FROM ({s.relation})" for s in sources)
    con.execute(f"CREATE OR REPLACE TEMP VIEW dossiers AS {union}")
    return con, sources, checks


@pytest.mark.parametrize("alongside", [True, False])
def test_id_check_alongside_a_failing_body(tmp_path, cache, monkeypatch, alongside):
    """checking_sources: the id check's error wins over the body's; with clean ids the body's own error.

    Above ``ALONGSIDE_MAX_ROWS`` records (0 here) the check runs before the body, with the same outcome.
    """
    from analysis.io.dossiers import checks as checks_module

    if not alongside:
        monkeypatch.setattr(checks_module, "ALONGSIDE_MAX_ROWS", 0)
    df = pascal_frame()
    df.loc[10, "MaHoSo"] = "A2"
    path = write(df, tmp_path / "d.parquet", "parquet")
    con, sources, checks = _checked_sources(path, cache)
    limits = checks.Limits.now(None)
    with pytest.raises(InputError, match="duplicate dossier id 'A2'"):
        with checks.checking_sources(sources, con=con, limits=limits, cache_dir=cache):
            raise RuntimeError("the body failed")
    clean = write(pascal_frame(), tmp_path / "clean.parquet", "parquet")
    con, sources, checks = _checked_sources(clean, cache)
    with pytest.raises(RuntimeError, match="the body failed"):
        with checks.checking_sources(sources, con=con, limits=limits, cache_dir=cache):
            raise RuntimeError("the body failed")
    # the body ran while the check was running, on the same connection, and saw the whole file
    with checks.checking_sources(sources, con=con, limits=limits, cache_dir=cache):
        seen = con.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    assert seen == len(df)
