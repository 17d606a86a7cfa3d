"""Feedback (PAKN) exports and dossier ratings (``analysis.io.feedback``): counts by hand, and bad files.

Expected counts are worked out by hand from the few rows written in each test (definitions of
docs/DATA_FORMATS.md §5 and ``analysis.indicators.SATISFACTION_ASSUMPTION``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.io import InputError, load_counts, read_feedback, write_sidecar
from analysis.io.load import find_exports

HEADER = "MaPAKN;MaDonVi;TenDonVi;CapDonVi;NgayTiepNhan;HanXuLy;NgayTraLoi;KetQuaDanhGia"
#: Six PAKN of two units, Jan-Feb 2023; the latest date in the file is 10/02/2023 (P3 answered).
ROWS = [
    "P1;77.S01;Sở Tư pháp;so-ban-nganh;05/01/2023;20/01/2023;18/01/2023;Hài lòng",  # on time, satisfied
    "P2;77.S01;Sở Tư pháp;so-ban-nganh;10/01/2023;25/01/2023;30/01/2023;",  # answered late
    "P3;77.S01;Sở Tư pháp;so-ban-nganh;01/02/2023;15/02/2023;10/02/2023;Không hài lòng",  # on time, unhappy
    "P4;77.H01;Thành phố Vũng Tàu;quan-huyen;03/02/2023;28/02/2023;;",  # pending, not yet due on 10/02
    "P5;77.H01;Thành phố Vũng Tàu;quan-huyen;04/01/2023;06/02/2023;;",  # pending, overdue on 10/02
    "P6;77.H01;Thành phố Vũng Tàu;quan-huyen;09/01/2023;20/01/2023;19/01/2023;",  # on time, no response
]


def csv_file(path: Path, rows: list[str] = ROWS, header: str = HEADER, *, bom: bool = True) -> Path:
    text = "\r\n".join([header, *rows]) + "\r\n"
    path.write_bytes(text.encode("utf-8-sig" if bom else "utf-8"))
    return path


def counts_of(df: pd.DataFrame, indicator: str, ptype: str) -> dict:
    rows = df[(df["indicator"] == indicator) & (df["period_type"] == ptype)]
    return {(r.unit_code, r.period_start.strftime("%Y-%m")): (r.numerator, r.denominator)
            for r in rows.itertuples()}


def test_feedback_csv_counts_by_hand(tmp_path):
    df = read_feedback(csv_file(tmp_path / "pakn.csv"))
    assert set(df["convention"]) == {"qd766"} and set(df["code_system"]) == {"gso2004"}
    # on time = not overdue: S01 Jan P1 yes, P2 no; Feb P3 yes; H01 Jan P5 no (pending past due), P6 yes;
    # Feb P4 yes (pending, due 28/02 after the data end 10/02)
    assert counts_of(df, "feedback.on_time", "month") == {
        ("77.S01", "2023-01"): (1, 2), ("77.S01", "2023-02"): (1, 1),
        ("77.H01", "2023-01"): (1, 2), ("77.H01", "2023-02"): (1, 1),
    }
    # 5.3 also drops "không hài lòng" (P3); no response (P6, P4) is not dissatisfied
    assert counts_of(df, "satisfaction.feedback", "month") == {
        ("77.S01", "2023-01"): (1, 2), ("77.S01", "2023-02"): (0, 1),
        ("77.H01", "2023-01"): (1, 2), ("77.H01", "2023-02"): (1, 1),
    }
    # the data end (10/02/2023) cuts 2023 short: a ytd row 1/1-28/2, no year row
    ytd = df[df["period_type"] == "ytd"]
    assert set(ytd["period_end"]) == {pd.Timestamp("2023-02-28")} and not (df["period_type"] == "year").any()
    assert counts_of(df, "satisfaction.feedback", "ytd") == {("77.S01", "2023-01"): (1, 3),
                                                              ("77.H01", "2023-01"): (2, 3)}
    levels = dict(zip(df["unit_code"], df["unit_level"], strict=False))
    assert levels == {"77.S01": "department", "77.H01": "district"}


def test_data_end_decides_pending_items_and_full_years(tmp_path):
    df = read_feedback(csv_file(tmp_path / "pakn.csv"), data_end=dt.date(2023, 12, 31))
    # on 31/12 the pending P4 (due 28/02) is overdue too; the year is complete: year rows, no ytd
    assert counts_of(df, "feedback.on_time", "year") == {("77.S01", "2023-01"): (2, 3),
                                                          ("77.H01", "2023-01"): (1, 3)}
    assert not (df["period_type"] == "ytd").any()
    with pytest.raises(InputError, match=r"pakn.csv, row 4, column 'NgayTiepNhan': 01/02/2023 is after "
                                         r"data_end 20/01/2023"):
        read_feedback(tmp_path / "pakn.csv", data_end=dt.date(2023, 1, 20))


def test_xlsx_with_title_block_and_vietnamese_labels_reads_like_the_csv(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "PAKN"
    ws.append(["DANH SÁCH PHẢN ÁNH, KIẾN NGHỊ"])
    ws.append(["Kỳ báo cáo: Năm 2023"])
    ws.append([])
    ws.append(["Mã PAKN", "Mã đơn vị", "Tên đơn vị", "Cấp đơn vị", "Ngày tiếp nhận", "Hạn xử lý",
               "Ngày trả lời", "Kết quả đánh giá"])
    for line in ROWS:
        cells = line.split(";")
        dates = [dt.datetime.strptime(c, "%d/%m/%Y") if c else None for c in cells[4:7]]
        ws.append([*cells[:4], *dates, cells[7] or None])
    wb.save(tmp_path / "pakn.xlsx")
    from_xlsx = read_feedback(tmp_path / "pakn.xlsx")
    from_csv = read_feedback(csv_file(tmp_path / "pakn.csv"))
    cols = ["indicator", "unit_code", "period_start", "period_end", "period_type", "numerator", "denominator"]
    pd.testing.assert_frame_equal(from_xlsx[cols], from_csv[cols])


def test_nfd_text_and_iso_dates_without_bom_or_level_column(tmp_path):
    rows = [unicodedata.normalize("NFD", r.replace("so-ban-nganh;", "").replace("quan-huyen;", ""))
            for r in ROWS]
    rows = [r.replace("05/01/2023", "2023-01-05 08:30:00") for r in rows]
    header = HEADER.replace("CapDonVi;", "")
    df = read_feedback(csv_file(tmp_path / "pakn.csv", rows, header, bom=False))
    assert set(df["unit_name"]) == {"Sở Tư pháp", "Thành phố Vũng Tàu"}
    assert all(unicodedata.is_normalized("NFC", n) for n in df["unit_name"])
    # without a level column the name tells: "Thành phố …" is district level, "Sở …" department
    assert dict(zip(df["unit_code"], df["unit_level"], strict=False)) == {"77.S01": "department",
                                                                           "77.H01": "district"}
    assert counts_of(df, "satisfaction.feedback", "ytd")[("77.S01", "2023-01")] == (1, 3)


def ratings_file(path: Path, rows: list[tuple], *, camel: bool = False) -> Path:
    names = (["maHoSo", "maDinhDanh", "tenDonVi", "catalog", "ngayHenTra", "ngayKetThucXuLy",
              "ngayYeuCauBoSung", "ngayCongDanBoSung", "danhGia", "coPAKN"] if camel else
             ["MaHoSo", "MaDonVi", "TenDonVi", "CapDonVi", "NgayHenTra", "NgayKetThucXuLy",
              "NgayYeuCauBoSung", "NgayCongDanBoSung", "DanhGia", "CoPAKN"])
    cols = list(zip(*rows, strict=True))
    arrays = [pa.array(c, type=pa.date32()) if 4 <= i <= 7 else pa.array(c) for i, c in enumerate(cols)]
    pq.write_table(pa.table(dict(zip(names, arrays, strict=True))), path)
    return path


D = dt.date
S01 = ("77.S01", "Sở Tư pháp", "so-ban-nganh")


def test_ratings_parquet_counts_by_hand(tmp_path):
    rows = [
        # id, unit, name, level, due, finished, supplement requested, provided, rating, PAKN
        ("H1", *S01, D(2024, 3, 10), D(2024, 3, 8), None, None, "like", 0),
        ("H2", *S01, D(2024, 3, 10), D(2024, 3, 12), None, None, None, 0),
        # late by 4 days but the citizen took 5 to supplement: on time
        ("H3", *S01, D(2024, 3, 10), D(2024, 3, 14), D(2024, 3, 1), D(2024, 3, 6), None, 0),
        ("H4", *S01, D(2024, 3, 20), D(2024, 3, 18), None, None, "dislike", 0),
        ("H5", *S01, None, D(2024, 3, 25), None, None, None, 1),  # PAKN
        # late AND disliked: subtracted once, not twice
        ("H6", *S01, D(2024, 3, 1), D(2024, 3, 5), None, None, "dislike", 0),
        ("H7", *S01, None, D(2024, 4, 2), None, None, "like", 0),
    ]
    df = read_feedback(ratings_file(tmp_path / "ratings.parquet", rows))
    assert set(df["indicator"]) == {"satisfaction.dossiers"}
    # March: H1 ok, H2 late, H3 ok (pause), H4 dislike, H5 PAKN, H6 late + dislike -> 2 of 6
    assert counts_of(df, "satisfaction.dossiers", "month") == {("77.S01", "2024-03"): (2, 6),
                                                                ("77.S01", "2024-04"): (1, 1)}
    assert counts_of(df, "satisfaction.dossiers", "ytd") == {("77.S01", "2024-01"): (3, 7)}
    # the formula's "100 % - (late share + flagged share)" would give 1 - 2/7 - 3/7 = 2/7: this project's
    # count form is higher by the share both late and flagged (H6: 1/7), as SATISFACTION_ASSUMPTION says
    camel = read_feedback(ratings_file(tmp_path / "ratings_camel.parquet", rows, camel=True))
    assert counts_of(camel, "satisfaction.dossiers", "ytd") == {("77.S01", "2024-01"): (3, 7)}


def test_load_counts_reads_a_feedback_folder_and_sniffs_a_loose_file(tmp_path):
    (tmp_path / "feedback").mkdir()
    csv_file(tmp_path / "feedback" / "pakn.csv")
    loose = tmp_path / "pakn_2024.csv"
    csv_file(loose, [r.replace("2023", "2024").replace("P", "Q", 1) for r in ROWS])
    assert {k for _, k in find_exports(tmp_path)} == {"feedback"}
    counts = load_counts(tmp_path)
    assert set(counts["indicator"]) == {"feedback.on_time", "satisfaction.feedback"}
    assert set(counts["year"]) == {2023, 2024}


def test_sidecar_hash_is_checked(tmp_path):
    path = csv_file(tmp_path / "pakn.csv")
    write_sidecar(path, producer="test", title="t", licence="none", synthetic=True, document="test")
    read_feedback(path)
    path.write_bytes(path.read_bytes().replace(b"P6", b"P7"))
    with pytest.raises(InputError, match="sha256 mismatch"):
        read_feedback(path)


# --- bad files: one error naming file, row, column and what was expected ---------------------------------

BAD = [
    (HEADER.replace(";HanXuLy", ""), [], r"pakn.csv: feedback file without column\(s\) due_at \(HanXuLy"),
    (HEADER, [ROWS[0] + ";extra"], r"pakn.csv, row 2: 9 fields where the header has 8"),
    (HEADER, [ROWS[0].rsplit(";", 2)[0]], r"pakn.csv, row 2: 6 fields where the header has 8"),
    ("a;b;c", ["1;2;3"], r"pakn.csv: no feedback header found: expected a PAKN id column"),
    (HEADER, [ROWS[0].replace("05/01/2023", "5 Jan 2023")],
     r"row 2, column 'NgayTiepNhan': expected a date \(yyyy-mm-dd or dd/mm/yyyy\), found '5 Jan 2023'"),
    (HEADER, [ROWS[0].replace("05/01/2023", "31/02/2023")], r"row 2, column 'NgayTiepNhan': expected a date"),
    (HEADER, [ROWS[0], ROWS[1].replace("10/01/2023", "")], r"row 3, column 'NgayTiepNhan': empty date"),
    (HEADER, [ROWS[0].replace("Hài lòng", "Tạm được")],
     r"row 2, column 'KetQuaDanhGia': unknown response 'Tạm được'; expected blank or one of"),
    (HEADER, [ROWS[3].replace(";;", ";;Hài lòng")],
     r"row 2, column 'KetQuaDanhGia': a citizen's response to a PAKN without an answer date"),
    (HEADER, [ROWS[0], ROWS[1], ROWS[0]],
     r"row 4, column 'MaPAKN': PAKN id 'P1' appears twice \(row 2 and row 4\)"),
    (HEADER, [ROWS[0].replace("18/01/2023", "01/01/2023")],
     r"row 2, column 'NgayTraLoi': answered before it was received"),
    (HEADER, [ROWS[0].replace("20/01/2023", "01/01/2023")], r"row 2, column 'HanXuLy': due date before"),
    (HEADER, [ROWS[0].replace("so-ban-nganh", "cap-tinh-x")],
     r"row 2, column 'CapDonVi': unknown unit level 'cap-tinh-x'"),
    (HEADER, [ROWS[0].replace("77.S01", "77/S01")],
     r"row 2, column 'MaDonVi': unit code '77/S01' has characters"),
    (HEADER, [ROWS[0].replace("P1;", ";")], r"row 2, column 'MaPAKN': empty PAKN id"),
    (HEADER, [], r"pakn.csv, row 1: a header but no rows below it"),
]


@pytest.mark.parametrize("header, rows, message", BAD)
def test_bad_feedback_files_are_refused_naming_the_place(tmp_path, header, rows, message):
    path = csv_file(tmp_path / "pakn.csv", rows, header)
    with pytest.raises(InputError, match=message):
        read_feedback(path)


def cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: ơ, ê … precomposed, the tone mark as a combining character."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            try:
                out += unicodedata.normalize("NFC", d[:2]).encode("cp1258") + d[2:].encode("cp1258")
            except UnicodeEncodeError:
                out += d.encode("cp1258")
    return out


def test_empty_and_non_utf8_files(tmp_path):
    empty = tmp_path / "pakn.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="pakn.csv: the file is empty"):
        read_feedback(empty)
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(cp1258("\n".join([HEADER, ROWS[0]]) + "\n"))
    with pytest.raises(InputError, match="legacy.csv.*not UTF-8.*Windows-1258"):
        read_feedback(legacy)


BAD_RATINGS = [
    (("H1", "77.S01", "Sở Tư pháp", "so-ban-nganh", D(2024, 3, 10), D(2024, 3, 8), None, None, "meh", 0),
     r"row 1, column 'DanhGia': unknown rating 'meh'"),
    (("H1", "77.S01", "Sở Tư pháp", "so-ban-nganh", D(2024, 3, 10), D(2024, 3, 8), None, None, "like", 2),
     r"row 1, column 'CoPAKN': unknown PAKN flag '2'"),
    (("H1", "77.S01", "Sở Tư pháp", "so-ban-nganh", D(2024, 3, 10), None, None, None, "like", 0),
     r"row 1, column 'NgayKetThucXuLy': empty date"),
    (("H1", "77.S01", "Sở Tư pháp", "so-ban-nganh", D(2024, 3, 10), D(2024, 3, 8), D(2024, 3, 5),
      D(2024, 3, 1), "like", 0), r"row 1, column 'NgayCongDanBoSung': supplement provided before"),
]


@pytest.mark.parametrize("row, message", BAD_RATINGS)
def test_bad_ratings_are_refused_naming_the_place(tmp_path, row, message):
    ok = ("H0", "77.S01", "Sở Tư pháp", "so-ban-nganh", D(2024, 3, 10), D(2024, 3, 8), None, None, None, 0)
    path = ratings_file(tmp_path / "ratings.parquet", [row, ok])
    with pytest.raises(InputError, match=r"ratings.parquet, " + message):
        read_feedback(path)


def test_duplicate_across_sheets_is_named_with_both_sheets(tmp_path):
    wb = openpyxl.Workbook()
    for k, title in enumerate(("Q1", "Q2")):
        ws = wb.active if k == 0 else wb.create_sheet()
        ws.title = title
        ws.append(HEADER.split(";"))
        ws.append(ROWS[0].split(";"))
    wb.save(tmp_path / "pakn.xlsx")
    with pytest.raises(InputError, match=r"sheet 'Q2', row 2, column 'MaPAKN': PAKN id 'P1' appears twice "
                                         r"\(sheet 'Q1' row 2 and row 2\)"):
        read_feedback(tmp_path / "pakn.xlsx")


def test_a_sheet_without_a_header_is_refused_not_skipped(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(";"))
    ws.append(ROWS[0].split(";"))
    notes = wb.create_sheet("Ghi chu")
    notes.append(["Số liệu tháng 1", 12])
    wb.save(tmp_path / "pakn.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match=r"sheet 'Ghi chu': no feedback header found"):
            read_feedback(tmp_path / "pakn.xlsx")
