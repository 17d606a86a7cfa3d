"""read_dossiers on a small hand-built table whose Counts are worked out by hand below (not by the code)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis.io import read_dossiers
from analysis.io.dossiers.aggregate import duckdb_connection

D = date
# PascalCase layout (docs/DATA_FORMATS.md §1).  Unit 77.S01 (a department) exercises timeliness, unit 77.H01
# (a district) channels and payment.  Columns: id, unit, received, due, finished, supplement requested,
# supplement provided, number of supplement requests, channel, fee, fee-bearing, paid online.
ROWS = [
    # --- 77.S01: channel 1, not fee-bearing ----------------------------------------------------------------
    ("A1", "77.S01", D(2024, 1, 3), D(2024, 1, 10), D(2024, 1, 5), None, None, 0),  # early
    ("A2", "77.S01", D(2024, 1, 4), D(2024, 1, 10), D(2024, 1, 10), None, None, 0),  # on the due day
    ("A3", "77.S01", D(2024, 1, 5), D(2024, 1, 10), D(2024, 1, 12), None, None, 0),  # late
    # 5-day pause (7 -> 12 Jan): due becomes 15 Jan, finished 15 Jan = on time
    ("A4", "77.S01", D(2024, 1, 6), D(2024, 1, 10), D(2024, 1, 15), D(2024, 1, 7), D(2024, 1, 12), 1),
    # same, but two supplement requests: on time for Biểu 06, overdue for QĐ 766
    ("A5", "77.S01", D(2024, 1, 6), D(2024, 1, 10), D(2024, 1, 15), D(2024, 1, 7), D(2024, 1, 12), 2),
    ("A6", "77.S01", D(2024, 1, 8), None, D(2024, 1, 30), None, None, 0),  # no deadline = on time
    ("A7", "77.S01", D(2024, 1, 20), D(2024, 1, 25), None, None, None, 0),  # pending, overdue at both ends
    ("A8", "77.S01", D(2024, 1, 25), D(2024, 2, 5), D(2024, 2, 3), None, None, 0),  # pending at 31/1, on time
    # waiting for the citizen since 29/1: pause grows to the period end (2 days at 31/1, 31 days at 29/2)
    ("A9", "77.S01", D(2024, 1, 28), D(2024, 2, 10), None, D(2024, 1, 29), None, 1),
    ("A10", "77.S01", D(2024, 2, 1), D(2024, 2, 5), D(2024, 2, 20), None, None, 0),  # late, in February
    ("A11", "77.S01", D(2024, 2, 10), D(2024, 2, 20), None, None, None, 0),  # pending overdue at 29/2
    ("A12", "77.S01", D(2024, 1, 30), None, None, None, None, 0),  # pending, no deadline
    # pending at 29/2, due 28/2 + 2-day pause = 1/3: within time (Biểu 06), but 2 requests (QĐ 766: overdue)
    ("A13", "77.S01", D(2024, 2, 1), D(2024, 2, 28), None, D(2024, 2, 2), D(2024, 2, 4), 2),
]
S01 = [r + (1, None, 0, None) for r in ROWS]
H01 = [  # id, unit, received, due, finished, req, prov, n, channel, fee, fee-bearing, paid online
    ("B0", "77.H01", D(2023, 2, 10), D(2023, 2, 20), D(2023, 2, 15), None, None, 0, 2, None, 0, None),
    ("B1", "77.H01", D(2024, 1, 15), D(2024, 1, 20), D(2024, 1, 15), None, None, 0, 1, 0, 1, 1),  # fee 0
    ("B2", "77.H01", D(2024, 1, 15), D(2024, 1, 20), D(2024, 1, 15), None, None, 0, 2, 50000, 1, 1),
    ("B3", "77.H01", D(2024, 1, 15), D(2024, 1, 20), D(2024, 1, 15), None, None, 0, 3, 20000, 1, 2),
    ("B4", "77.H01", D(2024, 1, 15), D(2024, 1, 20), D(2024, 1, 15), None, None, 0, None, 10000, 1, 0),
    ("B5", "77.H01", D(2024, 1, 15), D(2024, 1, 20), D(2024, 1, 15), None, None, 0, 2, 10000, 1, None),
    ("B6", "77.H01", D(2024, 2, 10), D(2024, 2, 20), D(2024, 2, 10), None, None, 0, 2, None, 0, 1),  # no fee
]
PASCAL = [
    "MaHoSo",
    "MaDonVi",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayYeuCauBoSung",
    "NgayCongDanBoSung",
    "SoLanBoSung",
    "KenhThucHien",
    "PhiLePhi",
    "CoPhiLePhi",
    "DuocThanhToanTrucTuyen",
]
CAMEL = {
    "MaHoSo": "maHoSo",
    "MaDonVi": "maDinhDanh",
    "TenDonVi": "tenDonVi",
    "CapDonVi": "catalog",
    "NgayTiepNhan": "ngayTiepNhan",
    "NgayHenTra": "ngayHenTra",
    "NgayKetThucXuLy": "ngayKetThucXuLy",
    "NgayYeuCauBoSung": "ngayYeuCauBoSung",
    "NgayCongDanBoSung": "ngayCongDanBoSung",
    "SoLanBoSung": "soLanBoSung",
    "KenhThucHien": "kenhThucHien",
    "CoPhiLePhi": "coPhi",
    "DuocThanhToanTrucTuyen": "duocThanhToanTrucTuyen",
}
NAMES = {"77.S01": ("Sở Tư pháp", "so-ban-nganh"), "77.H01": ("Huyện Côn Đảo", "quan-huyen")}

M = "month"
# (indicator, unit, start, end, period type) -> (numerator, denominator), worked out from the rows above.
EXPECTED = {
    # 77.S01 January: finished A1-A6, on time all but A3; pending at 31/1 A7 (overdue), A8, A9, A12.
    ("timeliness.on_time", "77.S01", D(2024, 1, 1), D(2024, 1, 31), M): (5, 6),
    ("timeliness.on_time_766", "77.S01", D(2024, 1, 1), D(2024, 1, 31), M): (4 + 3, 6 + 4),
    ("timeliness.overdue_pending", "77.S01", D(2024, 1, 1), D(2024, 1, 31), M): (1, 4),
    ("online.submission", "77.S01", D(2024, 1, 1), D(2024, 1, 31), M): (0, 10),
    # February: finished A8 (on time), A10 (late); pending at 29/2 A7, A11 (overdue), A9, A12, A13.
    ("timeliness.on_time", "77.S01", D(2024, 2, 1), D(2024, 2, 29), M): (1, 2),
    ("timeliness.on_time_766", "77.S01", D(2024, 2, 1), D(2024, 2, 29), M): (1 + 2, 2 + 5),
    ("timeliness.overdue_pending", "77.S01", D(2024, 2, 1), D(2024, 2, 29), M): (2, 5),
    ("online.submission", "77.S01", D(2024, 2, 1), D(2024, 2, 29), M): (0, 3),
    # 1 January - 29 February 2024 (data end mid-year: ytd, no 2024 year row)
    ("timeliness.on_time", "77.S01", D(2024, 1, 1), D(2024, 2, 29), "ytd"): (6, 8),
    ("timeliness.on_time_766", "77.S01", D(2024, 1, 1), D(2024, 2, 29), "ytd"): (5 + 2, 8 + 5),
    ("timeliness.overdue_pending", "77.S01", D(2024, 1, 1), D(2024, 2, 29), "ytd"): (2, 5),
    ("online.submission", "77.S01", D(2024, 1, 1), D(2024, 2, 29), "ytd"): (0, 13),
    # 77.H01 in 2023: B0 only (month, year and the like-for-like 1/1-28/2 span)
    **{
        (ind, "77.H01", s, e, pt): (1, 1)
        for ind in ("timeliness.on_time", "timeliness.on_time_766", "online.submission")
        for s, e, pt in (
            (D(2023, 2, 1), D(2023, 2, 28), M),
            (D(2023, 1, 1), D(2023, 12, 31), "year"),
            (D(2023, 1, 1), D(2023, 2, 28), "ytd"),
        )
    },
    # 77.H01 January 2024: B1-B5 all on time; online B2, B5; fee base B2-B5 (B1 fee 0), paid B2 (1), B3 (2)
    ("timeliness.on_time", "77.H01", D(2024, 1, 1), D(2024, 1, 31), M): (5, 5),
    ("timeliness.on_time_766", "77.H01", D(2024, 1, 1), D(2024, 1, 31), M): (5, 5),
    ("online.submission", "77.H01", D(2024, 1, 1), D(2024, 1, 31), M): (2, 5),
    ("payment.online", "77.H01", D(2024, 1, 1), D(2024, 1, 31), M): (2, 4),
    # February 2024: B6 (online, not fee-bearing)
    ("timeliness.on_time", "77.H01", D(2024, 2, 1), D(2024, 2, 29), M): (1, 1),
    ("timeliness.on_time_766", "77.H01", D(2024, 2, 1), D(2024, 2, 29), M): (1, 1),
    ("online.submission", "77.H01", D(2024, 2, 1), D(2024, 2, 29), M): (1, 1),
    ("timeliness.on_time", "77.H01", D(2024, 1, 1), D(2024, 2, 29), "ytd"): (6, 6),
    ("timeliness.on_time_766", "77.H01", D(2024, 1, 1), D(2024, 2, 29), "ytd"): (6, 6),
    ("online.submission", "77.H01", D(2024, 1, 1), D(2024, 2, 29), "ytd"): (3, 6),
    ("payment.online", "77.H01", D(2024, 1, 1), D(2024, 2, 29), "ytd"): (2, 4),
}


def pascal_frame() -> pd.DataFrame:
    """The fixture in PascalCase, with names, levels and a personal-data column that must not be read."""
    df = pd.DataFrame(S01 + H01, columns=PASCAL)
    df.insert(2, "TenDonVi", df["MaDonVi"].map(lambda c: NAMES[c][0]))
    df.insert(3, "CapDonVi", df["MaDonVi"].map(lambda c: NAMES[c][1]))
    df["ChuHoSo"] = "Nguyễn Văn Giả Lập"  # personal data (fake)
    for c in ("SoLanBoSung", "KenhThucHien", "CoPhiLePhi", "DuocThanhToanTrucTuyen", "PhiLePhi"):
        df[c] = df[c].astype("Int64")
    for c in [c for c in df.columns if c.startswith("Ngay")]:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ms]")
    return df


def camel_frame() -> pd.DataFrame:
    """The same rows with camelCase names and the fee split into phí + lệ phí (summed back by the reader)."""
    df = pascal_frame().rename(columns=CAMEL)
    fee = df.pop("PhiLePhi")
    df["phi"] = (fee * 0.6).round().astype("Int64")
    df["lePhi"] = fee - df["phi"]
    return df


def write(df: pd.DataFrame, path, fmt: str):
    if fmt == "parquet":
        df.to_parquet(path, index=False)
    elif fmt == "csv":
        out = df.copy()
        for c in [c for c in out.columns if c.lower().startswith("ngay")]:
            if pd.api.types.is_datetime64_any_dtype(out[c]):
                out[c] = out[c].dt.strftime("%Y-%m-%d")
        out.to_csv(path, index=False, encoding="utf-8")
    else:
        df.to_excel(path, index=False)
    return path


def as_dict(counts: pd.DataFrame) -> dict:
    return {
        (r.indicator, r.unit_code, r.period_start.date(), r.period_end.date(), r.period_type): (
            r.numerator,
            r.denominator,
        )
        for r in counts.itertuples()
    }


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


@pytest.mark.parametrize("fmt", ["parquet", "csv", "xlsx"])
def test_counts_match_hand_computation(tmp_path, cache, fmt):
    path = write(pascal_frame(), tmp_path / f"dossiers.{fmt}", fmt)
    counts = read_dossiers(path, cache_dir=cache)
    got = as_dict(counts)
    assert set(got) == set(EXPECTED), (sorted(set(got) - set(EXPECTED)), sorted(set(EXPECTED) - set(got)))
    for key, value in EXPECTED.items():
        assert got[key] == value, key


def test_labels_levels_code_system_source(tmp_path, cache):
    counts = read_dossiers(write(pascal_frame(), tmp_path / "d.parquet", "parquet"), cache_dir=cache)
    levels = counts.groupby("unit_code")["unit_level"].unique().map(list).to_dict()
    assert levels == {"77.H01": ["district"], "77.S01": ["department"]}
    assert set(counts["unit_name"]) == {"Sở Tư pháp", "Huyện Côn Đảo"}
    assert set(counts["code_system"]) == {"gso2004"}
    assert set(counts["source"]) == {"d.parquet"}
    assert (
        not (counts["period_type"] == "year").any()
        or counts.loc[counts.period_type == "year", "year"].eq(2023).all()
    )


def test_pascal_and_camel_give_identical_counts(tmp_path, cache):
    a = read_dossiers(write(pascal_frame(), tmp_path / "p.parquet", "parquet"), cache_dir=cache)
    b = read_dossiers(write(camel_frame(), tmp_path / "c.csv", "csv"), cache_dir=cache)
    pd.testing.assert_frame_equal(a.drop(columns="source"), b.drop(columns="source"))


def test_formats_identical(tmp_path, cache):
    frames = [
        read_dossiers(write(pascal_frame(), tmp_path / f"d.{f}", f), cache_dir=cache).drop(columns="source")
        for f in ("parquet", "csv", "xlsx")
    ]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_files_read_together(tmp_path, cache):
    """A dossier in the 2023 file that is still pending counts at the 2024 period ends of the other file."""
    df = pascal_frame()
    write(df[df["MaDonVi"] == "77.S01"], tmp_path / "a.parquet", "parquet")
    write(camel_frame()[lambda d: d["maDinhDanh"] == "77.H01"], tmp_path / "b.csv", "csv")
    counts = read_dossiers(tmp_path, cache_dir=cache)
    assert as_dict(counts) == EXPECTED
    assert set(counts["source"]) == {"a.parquet; b.csv"}


def test_nfd_text_is_normalised(tmp_path, cache):
    import unicodedata

    df = pascal_frame()
    df["TenDonVi"] = df["TenDonVi"].map(lambda s: unicodedata.normalize("NFD", s))
    counts = read_dossiers(write(df, tmp_path / "nfd.csv", "csv"), cache_dir=cache)
    assert set(counts["unit_name"]) == {"Sở Tư pháp", "Huyện Côn Đảo"}  # NFC literals in this file
    assert all(unicodedata.is_normalized("NFC", s) for s in counts["unit_name"])


def test_data_end_option_and_second_run_from_cache(tmp_path, cache):
    path = write(pascal_frame(), tmp_path / "d.csv", "csv")
    first = read_dossiers(path, cache_dir=cache)
    second = read_dossiers(path, cache_dir=cache)  # the remembered Counts: the CSV is not parsed again
    pd.testing.assert_frame_equal(first, second)
    assert not list((cache / "dossiers").glob("*/manifest.json"))  # parsed once, into memory only
    full = read_dossiers(path, cache_dir=cache, data_end=date(2024, 12, 31))  # parsed a second time
    assert len(list((cache / "dossiers").glob("*/manifest.json"))) == 1
    assert list((cache / "dossiers").glob("*/data/*.parquet"))  # the Parquet conversion
    assert "ytd" not in set(full["period_type"])
    assert (full["period_type"] == "year").sum() > 0


def test_a_csv_is_parsed_into_memory_first_then_converted_then_read_from_its_conversion(tmp_path, cache):
    """First parse: a table of the reading connection; second: the Parquet conversion; after: the conversion.

    The Counts are the same each way, and equal those of the same rows read from Parquet.
    """
    from analysis.io.dossiers import sources

    path = write(pascal_frame(), tmp_path / "d.csv", "csv")
    def source():
        con = duckdb_connection()
        src = sources.prepare(path, con=con, unit_level=None, date_format=None, cache_dir=cache)
        rows = con.execute(f"SELECT count(*) FROM ({src.relation})").fetchone()[0]
        con.close()
        return src.relation, rows

    first, second, third = source(), source(), source()
    assert "read_parquet" not in first[0] and "csv_" in first[0]
    assert "read_parquet" in second[0] and "read_parquet" in third[0]
    assert first[1] == second[1] == third[1] == len(pascal_frame())
    end = date(2024, 12, 31)
    memory = as_dict(read_dossiers(path, cache_dir=tmp_path / "c1", data_end=end))  # parsed into memory
    converted = as_dict(read_dossiers(path, cache_dir=cache, data_end=end))  # from the conversion above
    parquet = write(pascal_frame(), tmp_path / "d.parquet", "parquet")
    assert memory == converted == as_dict(read_dossiers(parquet, cache_dir=tmp_path / "c3", data_end=end))


def test_a_csv_too_big_for_memory_streams_into_its_conversion_at_once(tmp_path, cache, monkeypatch):
    from analysis.io.dossiers import sources

    monkeypatch.setattr(sources, "IN_MEMORY_MAX_BYTES", 10)
    path = write(pascal_frame(), tmp_path / "d.csv", "csv")
    counts = read_dossiers(path, cache_dir=cache)
    assert len(list((cache / "dossiers").glob("*/manifest.json"))) == 1
    monkeypatch.setattr(sources, "IN_MEMORY_MAX_BYTES", 10**9)
    assert as_dict(counts) == as_dict(read_dossiers(path, cache_dir=tmp_path / "other"))


def test_csv_dialects_and_datetimes(tmp_path, cache):
    """BOM + CRLF, semicolons, and date-times (cut to the day: finished 16:30 on the due day is on time)."""
    base = write(pascal_frame(), tmp_path / "base.csv", "csv").read_bytes()
    (tmp_path / "crlf.csv").write_bytes(b"\xef\xbb\xbf" + base.replace(b"\n", b"\r\n"))
    (tmp_path / "semi.csv").write_bytes(base.replace(b",", b";"))
    df = pascal_frame()
    for c in [c for c in df.columns if c.startswith("Ngay")]:
        df[c] = (df[c] + pd.Timedelta(hours=16, minutes=30)).dt.strftime("%Y-%m-%d %H:%M:%S")
    write(df, tmp_path / "times.csv", "csv")
    for name in ("crlf.csv", "semi.csv", "times.csv"):
        assert as_dict(read_dossiers(tmp_path / name, cache_dir=cache)) == EXPECTED, name
