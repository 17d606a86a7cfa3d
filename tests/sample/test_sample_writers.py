"""Tests of the sample writers on a tiny hand-made dossier table (expected counts worked out by hand)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from analysis.sample import writers as sw
from analysis.sample.xlsx import bieu06_workbook, workbook_bytes

NaT = None
# received, due, finished, supplement requested, provided, channel (0 = not recorded), fee-bearing, fee, paid
ROWS = [
    ("2022-12-20", "2023-01-05", "2023-01-04", NaT, NaT, 1, 1, 50_000, 2),  # 1 carried over, early
    ("2023-03-01", "2023-03-10", "2023-03-10", NaT, NaT, 2, 1, 50_000, 1),  # 2 online, on the due day
    ("2023-03-01", "2023-03-10", "2023-03-15", "2023-03-03", "2023-03-13", 1, 1, 0, 0),  # 3 pause: early
    ("2023-12-01", "2023-12-20", NaT, NaT, NaT, 0, 1, 20_000, 0),  # 4 pending, overdue at 31/12
    ("2023-12-28", "2024-01-10", "2024-01-05", NaT, NaT, 3, 0, 0, 0),  # 5 pending at 31/12, in time
    ("2023-05-01", NaT, "2023-09-01", NaT, NaT, 2, 0, 0, 0),  # 6 no deadline: on time
    ("2023-06-01", "2023-06-05", "2023-06-09", NaT, NaT, 2, 0, 0, 0),  # 7 late
    ("2022-05-01", "2022-06-01", "2022-06-01", NaT, NaT, 1, 0, 0, 0),  # 8 outside 2023
    # 9 pending at 31/12 with a supplement requested after the due date, still awaited: the pause counts up
    # to 31/12 only (11 days: due 20/11 + 11 = 01/12 < 31/12, overdue; the full 41 days would say in time)
    ("2023-11-01", "2023-11-20", "2024-02-05", "2023-12-20", "2024-01-30", 1, 0, 0, 0),
]
# Biểu 06 columns (3)..(13) for 2023, by hand from the comments above.
EXPECTED_2023 = {"c3": 8, "c4": 3, "c5": 4, "c6": 1, "c7": 5, "c8": 2, "c9": 2, "c10": 1, "c11": 3,
                 "c12": 1, "c13": 2}
UNITS = pd.DataFrame({"unit_code": ["77.S01", "77.S02"], "unit_name": ["Sở Tư pháp", "Sở Y tế"],
                      "unit_level": ["department", "department"]})


def tiny() -> pd.DataFrame:
    cols = ["received", "due", "finished", "sup_req", "sup_prov", "channel", "fee_bearing", "fee",
            "paid_online"]
    d = pd.DataFrame(ROWS, columns=cols)
    for c in cols[:5]:
        d[c] = pd.to_datetime(d[c]).astype("datetime64[s]")
    d["sup_count"] = d["sup_req"].notna().astype("int64")
    d["unit_code"] = "77.S01"
    d["unit_name"] = "Sở Tư pháp"
    d["catalog"] = "so-ban-nganh"
    d["procedure_code"] = "77.S01.P01"
    d["sector_code"] = "LV.S01.1"
    d["year"] = d["received"].dt.year
    d["seq"] = range(1, len(d) + 1)
    return d


def test_bieu06_table_counts_by_hand():
    table = sw.bieu06_table(tiny(), UNITS, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    got = table.set_index("unit_code").loc["77.S01"].to_dict()
    assert got == EXPECTED_2023
    assert table.set_index("unit_code").loc["77.S02"].sum() == 0  # a unit without dossiers gets zeros


def test_payment_table_counts_fee_bearing_nonzero_fee_received_in_period():
    table = sw.payment_table(tiny(), UNITS, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    row = table.set_index("unit_code").loc["77.S01"]
    assert (row["denominator"], row["numerator"]) == (2, 1)  # dossiers 2 and 4; 2 paid online


def test_bieu06_workbook_layout_round_trip():
    table = sw.bieu06_table(tiny(), UNITS, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    data = workbook_bytes(bieu06_workbook(table, UNITS, year=2023))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [r for r in ws.iter_rows(values_only=True)]
    unit = next(r for r in rows if r[1] == "Sở Tư pháp (77.S01)")
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert list(unit[2:13]) == list(EXPECTED_2023.values()) == list(total[2:13])
    assert any(r[0] == "I" and r[1] == "Cấp tỉnh" for r in rows)
    assert "Kỳ báo cáo: Năm 2023 (từ ngày 01/01/2023 đến ngày 31/12/2023)" in [r[0] for r in rows]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 7, 1, 0, 0, 0)}
        assert b"2025-07-01T00:00:00Z" in z.read("docProps/core.xml")


def test_dossier_files_use_the_contract_names_and_placeholders(tmp_path):
    d = tiny()
    sw.write_parquet(d, tmp_path / "d.parquet")
    sw.write_csv(d, tmp_path / "d.csv")
    pas = pq.read_table(tmp_path / "d.parquet")
    cam = pa_csv.read_csv(tmp_path / "d.csv")
    assert {"MaHoSo", "MaDonVi", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "KenhThucHien",
            "PhiLePhi", "CoPhiLePhi", "DuocThanhToanTrucTuyen", "SoLanBoSung"} <= set(pas.column_names)
    assert {"maHoSo", "maDinhDanh", "ngayTiepNhan", "ngayHenTra", "ngayKetThucXuLy", "kenhThucHien",
            "phi", "lePhi", "coPhi", "duocThanhToanTrucTuyen", "soLanBoSung"} <= set(cam.column_names)
    assert str(pas.schema.field("NgayTiepNhan").type) == "date32[day]"
    assert pas.column("KenhThucHien").null_count == 1 == cam.column("kenhThucHien").null_count  # row 4
    fee = cam.column("phi").to_numpy() + cam.column("lePhi").to_numpy()
    assert list(fee) == [r[7] for r in ROWS]
    assert pas.column("MaHoSo").to_pylist()[0] == "SYN77-2022-000001"
    assert set(cam.column("chuHoSo").to_pylist()) == {"Công dân giả lập (SYNTHETIC)"}


def test_period_labels():
    assert sw.period_of(2023)[2] == "Năm 2023 (từ ngày 01/01/2023 đến ngày 31/12/2023)"
    assert sw.period_of(2025)[:2] == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
