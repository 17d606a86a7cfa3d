"""Hostile or careless dossier exports (issue 11): each refused with one clear error, or read right.

Small files generated from the hand-checked fixture of ``test_dossiers.py``; no binary blobs.  Refusals
name the file, the row (CSV: line, header = line 1) and the column, and never echo personal data.
"""

from __future__ import annotations

import os
import warnings
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_dossiers import EXPECTED, as_dict, camel_frame, pascal_frame, write

from analysis.io import InputError
from analysis.io.dossiers import dossier_ids_for, read_dossiers

PERSONAL = "Nguyễn Văn Giả Lập"  # the fixture's fake personal-data column


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def refused(path, cache, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        read_dossiers(path, cache_dir=cache, **kw)
    err = info.value
    assert PERSONAL not in str(err)
    return err


def _set(df: pd.DataFrame, row: int, col: str, value) -> pd.DataFrame:
    df = df.copy()
    df.loc[row, col] = pd.Timestamp(value) if isinstance(value, str) else value
    return df


# --- impossible dates, named by line -----------------------------------------------------------------


@pytest.mark.parametrize("fmt, row", [("csv", 4), ("parquet", 3), ("xlsx", 4)])
def test_finished_after_the_exports_end_is_refused_and_does_not_move_the_data_end(tmp_path, cache, fmt, row):
    df = _set(pascal_frame(), 2, "NgayKetThucXuLy", "2024-12-15")  # export ends 29/02/2024
    err = refused(write(df, tmp_path / f"d.{fmt}", fmt), cache)
    assert (err.row, err.column) == (row, "NgayKetThucXuLy")
    assert "2024-12-15" in str(err) and "29/02/2024" in str(err) and "A3" in str(err)


def test_finished_after_a_declared_data_end_counts_as_pending(tmp_path, cache):
    """With data_end= the analyst says where the export ends: a later finish is pending at that end."""
    df = _set(pascal_frame(), 2, "NgayKetThucXuLy", "2024-03-05")
    got = as_dict(
        read_dossiers(
            write(df, tmp_path / "d.parquet", "parquet"), cache_dir=cache, data_end=date(2024, 2, 29)
        )
    )
    # A3 (received 5/1, due 10/1) is no longer finished in January but pending (and overdue) at both ends
    jan = ("77.S01", date(2024, 1, 1), date(2024, 1, 31), "month")
    assert got[("timeliness.on_time", *jan)] == (5, 5)
    assert got[("timeliness.overdue_pending", *jan)] == (2, 5)


def test_finished_in_the_future_is_refused(tmp_path, cache):
    df = _set(pascal_frame(), 5, "NgayKetThucXuLy", "2099-01-30")
    err = refused(write(df, tmp_path / "d.csv", "csv"), cache, data_end=date(2024, 2, 29))
    assert (
        (err.row, err.column) == (7, "NgayKetThucXuLy") and "2099-01-30" in str(err) and "line 7" in str(err)
    )


@pytest.mark.parametrize(
    "col, value, words",
    [
        ("NgayHenTra", "1900-01-01", ["Excel's zero date", "a due date from 01/01/2000"]),
        ("NgayTiepNhan", "1900-01-01", ["Excel's zero date", "a received date from 01/01/2000"]),
        ("NgayTiepNhan", "2099-03-01", ["2099-03-01", "a received date from 01/01/2000 to"]),
        ("NgayKetThucXuLy", "1999-12-31", ["1999-12-31", "a finished date from"]),
        ("NgayCongDanBoSung", "2201-01-01", ["2201-01-01", "a supplement date from"]),
    ],
)
def test_implausible_years_refused_by_line(tmp_path, cache, col, value, words):
    df = _set(pascal_frame(), 3, col, value)  # A4: line 5
    err = refused(write(df, tmp_path / "d.csv", "csv"), cache)
    assert (err.row, err.column) == (5, col) and "line 5" in str(err)
    assert all(w in str(err) for w in words), str(err)
    assert "duplicate key" not in str(err) and "pandera" not in str(err).lower()


def test_due_before_received_refused_by_line(tmp_path, cache):
    df = _set(pascal_frame(), 9, "NgayHenTra", "2024-01-31")  # A10 received 1/2
    err = refused(write(df, tmp_path / "d.csv", "csv"), cache)
    assert (err.row, err.column) == (11, "NgayHenTra") and "due before received" in str(err)


# --- codes and number types ----------------------------------------------------------------------------


def test_channel_one_and_a_half_in_parquet_is_refused_not_cast(tmp_path, cache):
    df = pascal_frame()
    df["KenhThucHien"] = df["KenhThucHien"].astype("float64")
    df.loc[6, "KenhThucHien"] = 1.5
    err = refused(write(df, tmp_path / "d.parquet", "parquet"), cache)
    assert (err.row, err.column) == (7, "KenhThucHien") and "1.5" in str(err) and "whole number" in str(err)


def test_whole_floats_as_codes_are_read(tmp_path, cache):
    df = pascal_frame()
    for c in ("KenhThucHien", "CoPhiLePhi", "DuocThanhToanTrucTuyen", "SoLanBoSung"):
        df[c] = df[c].astype("float64")
    assert as_dict(read_dossiers(write(df, tmp_path / "d.parquet", "parquet"), cache_dir=cache)) == EXPECTED


def _yyyymmdd(df: pd.DataFrame) -> pa.Table:
    t = pa.Table.from_pandas(df, preserve_index=False)
    for c in [c for c in df.columns if c.startswith("Ngay")]:
        ints = pd.array(df[c].dt.strftime("%Y%m%d").astype("Int64"), dtype="Int64")
        t = t.set_column(t.schema.get_field_index(c), c, pa.array(ints, type=pa.int32()))
    return t


def test_parquet_dates_as_yyyymmdd_integers_are_read(tmp_path, cache):
    pq.write_table(_yyyymmdd(pascal_frame()), tmp_path / "d.parquet")
    assert as_dict(read_dossiers(tmp_path / "d.parquet", cache_dir=cache)) == EXPECTED


def test_parquet_integer_that_is_no_date_is_refused_clearly(tmp_path, cache):
    t = _yyyymmdd(pascal_frame())
    col = t.column("NgayHenTra").to_pylist()
    col[4] = 20241341  # month 13
    t = t.set_column(t.schema.get_field_index("NgayHenTra"), "NgayHenTra", pa.array(col, type=pa.int32()))
    pq.write_table(t, tmp_path / "d.parquet")
    err = refused(tmp_path / "d.parquet", cache)
    assert (err.row, err.column) == (5, "NgayHenTra") and "20241341" in str(err) and "yyyymmdd" in str(err)
    assert "ConversionException" not in str(err)


# --- benign variants read right ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".txt", ".tsv"])
def test_tab_separated_txt_and_tsv_exports_are_read(tmp_path, cache, suffix):
    path = write(pascal_frame(), tmp_path / "d.csv", "csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = tmp_path / f"export{suffix}"
    frame.to_csv(out, sep="\t", index=False)
    counts = read_dossiers(out, cache_dir=cache)
    assert as_dict(counts) == EXPECTED and set(counts["source"]) == {out.name}


def test_a_folder_with_a_txt_export_reads_it(tmp_path, cache):
    folder = tmp_path / "dossiers"
    folder.mkdir()
    frame = pd.read_csv(write(pascal_frame(), tmp_path / "d.csv", "csv"), dtype=str, keep_default_na=False)
    frame.to_csv(folder / "export.txt", sep="\t", index=False)
    assert as_dict(read_dossiers(folder, cache_dir=cache)) == EXPECTED


def test_trailing_delimiter_on_every_line_is_read(tmp_path, cache):
    path = write(pascal_frame(), tmp_path / "d.csv", "csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line + "," for line in lines) + "\n", encoding="utf-8")
    assert as_dict(read_dossiers(path, cache_dir=cache)) == EXPECTED


def _day_first(df: pd.DataFrame, fmt: str) -> pd.DataFrame:
    out = df.copy()
    for c in [c for c in out.columns if c.startswith("Ngay")]:
        out[c] = out[c].dt.strftime(fmt).astype(object).where(out[c].notna(), "")
    return out


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y"])
def test_day_first_dates_with_dayfirst(tmp_path, cache, fmt):
    path = write(_day_first(pascal_frame(), fmt), tmp_path / "d.csv", "csv")
    assert as_dict(read_dossiers(path, cache_dir=cache, dayfirst=True)) == EXPECTED


def test_day_first_dates_with_a_date_format(tmp_path, cache):
    path = write(_day_first(pascal_frame(), "%d/%m/%Y"), tmp_path / "d.csv", "csv")
    assert as_dict(read_dossiers(path, cache_dir=cache, date_format="%d/%m/%Y")) == EXPECTED
    err = refused(path, cache)  # without the option: the first day-first date is named
    assert err.row == 2 and err.column == "NgayTiepNhan" and "03/01/2024" in str(err)


def test_day_first_bad_date_named_by_line(tmp_path, cache):
    df = _day_first(pascal_frame(), "%d/%m/%Y")
    df.loc[3, "NgayHenTra"] = "31/02/2024"
    err = refused(write(df, tmp_path / "d.csv", "csv"), cache, dayfirst=True)
    assert (err.row, err.column) == (5, "NgayHenTra") and "31/02/2024" in str(err) and "%d/%m/%Y" in str(err)


def test_unit_level_inferred_from_vietnamese_names_with_a_note(tmp_path, cache):
    df = camel_frame().drop(columns="catalog")
    df["tenDonVi"] = df["maDinhDanh"].map({"77.S01": "Sở Tư pháp", "77.H01": "UBND huyện Côn Đảo"})
    with pytest.warns(UserWarning, match="inferred from the unit name"):
        counts = read_dossiers(write(df, tmp_path / "d.csv", "csv"), cache_dir=cache)
    levels = counts.groupby("unit_code")["unit_level"].unique().map(list).to_dict()
    assert levels == {"77.H01": ["district"], "77.S01": ["department"]}
    assert as_dict(counts) == EXPECTED
    assert any("1 department" in n and "1 district" in n for n in counts.attrs["notes"])
    with warnings.catch_warnings():  # the note travels with the remembered Counts of a repeated read
        warnings.simplefilter("ignore")
        again = read_dossiers(write(df, tmp_path / "d.csv", "csv"), cache_dir=cache)
    assert again.attrs["notes"] == counts.attrs["notes"]


@pytest.mark.parametrize(
    "name, level",
    [
        ("UBND xã Long Hải", "commune"),
        ("UBND phường 1", "commune"),
        ("UBND thị trấn Ngãi Giao", "commune"),
        ("UBND thị xã Phú Mỹ", "district"),
        ("UBND thành phố Vũng Tàu", "district"),
    ],
)
def test_level_words_of_unit_names(tmp_path, cache, name, level):
    df = pascal_frame().drop(columns="CapDonVi")
    df["TenDonVi"] = name
    with pytest.warns(UserWarning):
        counts = read_dossiers(write(df, tmp_path / "d.parquet", "parquet"), cache_dir=cache)
    assert set(counts["unit_level"]) == {level}


def test_unit_name_that_tells_no_level_is_refused(tmp_path, cache):
    df = pascal_frame().drop(columns="CapDonVi")
    df.loc[df["MaDonVi"] == "77.H01", "TenDonVi"] = "Ban Quản lý các khu công nghiệp"
    err = refused(write(df, tmp_path / "d.parquet", "parquet"), cache)
    assert "77.H01" in str(err) and "Ban Quản lý" in str(err) and "unit_level=" in str(err)
    assert err.path.endswith("d.parquet")


# --- the cache is keyed by content -----------------------------------------------------------------------


def test_file_corrected_in_place_with_the_same_size_and_time_is_read_afresh(tmp_path, cache):
    path = write(pascal_frame(), tmp_path / "d.csv", "csv")
    first = read_dossiers(path, cache_dir=cache)
    st = path.stat()
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[3].startswith("A3,") and "2024-01-12" in lines[3]
    lines[3] = lines[3].replace("2024-01-12", "2024-01-09")  # A3 finished before its due date: on time
    path.write_text("\n".join(lines), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # as cp -p, rsync -t or unzip leave it
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    second = read_dossiers(path, cache_dir=cache)
    jan = ("timeliness.on_time", "77.S01", date(2024, 1, 1), date(2024, 1, 31), "month")
    assert as_dict(first)[jan] == (5, 6) and as_dict(second)[jan] == (6, 6)


# --- the dossiers behind a count -------------------------------------------------------------------------


def test_dossier_ids_for_names_the_dossiers_behind_a_count(tmp_path, cache):
    path = write(pascal_frame(), tmp_path / "d.parquet", "parquet")
    jan = dict(unit_code="77.S01", period_start=date(2024, 1, 1), period_end=date(2024, 1, 31))
    got = dossier_ids_for(path, indicator="timeliness.overdue_pending", cache_dir=cache, **jan)
    # pending at 31/1: A7 (overdue), A8, A9, A12 (worked out in test_dossiers.EXPECTED)
    assert got[got.in_numerator].dossier_id.tolist() == ["A7"]
    assert sorted(got[~got.in_numerator].dossier_id) == ["A12", "A8", "A9"]
    assert set(got.file) == {"d.parquet"}
    late = dossier_ids_for(path, indicator="timeliness.on_time", cache_dir=cache, limit=2, **jan)
    assert late[~late.in_numerator].dossier_id.tolist() == ["A3"]  # the one finished late
    assert len(late[late.in_numerator]) == 2
    with pytest.raises(ValueError, match="unknown dossier indicator"):
        dossier_ids_for(path, indicator="welfare.paid_share", cache_dir=cache, **jan)


def test_unit_level_inferred_in_a_workbook_too(tmp_path, cache):
    df = pascal_frame().drop(columns="CapDonVi")
    df["TenDonVi"] = df["MaDonVi"].map({"77.S01": "Sở Tư pháp", "77.H01": "UBND huyện Côn Đảo"})
    with pytest.warns(UserWarning, match="inferred"):
        counts = read_dossiers(write(df, tmp_path / "d.xlsx", "xlsx"), cache_dir=cache)
    assert as_dict(counts) == EXPECTED
    assert dict(zip(counts.unit_code, counts.unit_level, strict=True)) == {
        "77.S01": "department",
        "77.H01": "district",
    }
