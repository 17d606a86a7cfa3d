"""read_payment766 and read_welfare: xlsx and CSV exports, and their bad variants; shared helpers."""

from __future__ import annotations

import datetime as dt
import unicodedata

import openpyxl
import pytest

from analysis.io import InputError, read_payment766, read_welfare
from analysis.io.excel import decode_text, parse_count
from analysis.io.periods import parse_period

PAY_TITLE = "THEO DÕI CHỈ TIÊU THANH TOÁN TRỰC TUYẾN CÁC ĐƠN VỊ - THEO QUYẾT ĐỊNH SỐ 766/QĐ-TTG"
PAY_HEADER = [
    "Mã định danh",
    "Tên đơn vị",
    "Tổng HS có nghĩa vụ tài chính",
    "Số HS đã TTTT",
    "Tỷ lệ TTTT (%)",
]
# Hand-made: 1.200 dossiers with a fee, 948 paid online -> 79,00 %; 300 and 150 -> 50,00 %.
PAY_ROWS = [
    ["77.S01", "Sở Tư pháp", "1.200", "948", "79,00"],
    ["77.H01", "UBND huyện Châu Đức", 300, 150, 50],
]
WEL_HEADER = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Nhóm đối tượng",
    "Tổng số đối tượng",
    "Số có tài khoản",
    "Số được chi trả qua tài khoản",
    "Kinh phí chi trả qua tài khoản (đồng)",
]
WEL_ROWS = [
    ["77.H01.X01", "Xã Ngãi Giao", "BTXH", 500, 400, 300, "1.500.000"],
    ["77.H01.X01", "Xã Ngãi Giao", "Người có công", 100, 90, 90, 0],
    ["77.H01", "Huyện Châu Đức", "NCC", 20, 10, 5, None],
]


def xlsx(path, rows, *, title=(PAY_TITLE, "Kỳ báo cáo: Năm 2024 (từ ngày 01/01/2024 đến ngày 31/12/2024)")):
    wb = openpyxl.Workbook()
    ws = wb.active
    for t in title:
        ws.append([t])
    ws.append([])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def csv_file(path, rows, *, encoding="utf-8", lines=()):
    import csv
    import io

    buf = io.StringIO()
    for line in lines:
        buf.write(line + "\n")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    text = buf.getvalue()
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def to_cp1258(text):
    """Encode as Windows-1258 does: precomposed vowels (â, ơ, ư ...) plus combining tone marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for mark in list(marks):  # fold vowel-shape marks (circumflex, breve, horn) into the base
            composed = unicodedata.normalize("NFC", base + mark)
            try:
                composed.encode("cp1258")
            except UnicodeEncodeError:
                continue
            base = composed
            marks.remove(mark)
        out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


def counts_of(df, indicator, unit, group=None):
    sel = (df["indicator"] == indicator) & (df["unit_code"] == unit)
    if group is not None:
        sel &= df["beneficiary_group"] == group
    row = df[sel]
    assert len(row) == 1
    return int(row["numerator"].iloc[0]), int(row["denominator"].iloc[0])


# --- helpers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.120", 5120),
        ("1.234.567", 1234567),
        ("5,120", 5120),
        ("-", 0),
        ("", 0),
        (None, 0),
        (7.0, 7),
        ("12 345", 12345),
    ],
)
def test_parse_count_vietnamese_forms(text, expected):
    assert parse_count(text, where={}) == expected


def test_parse_period_forms():
    assert parse_period("Năm 2023 (từ ngày 01/01/2023 đến ngày 31/12/2023)", where={}) == (
        dt.date(2023, 1, 1),
        dt.date(2023, 12, 31),
        "year",
    )
    # Kon Tum's "quý I năm 2023" ran 15/12/2022-14/3/2023 (DOMAIN.md §1.3): explicit dates win.
    assert parse_period("Quý I năm 2023 (từ ngày 15/12/2022 đến ngày 14/3/2023)", where={})[:2] == (
        dt.date(2022, 12, 15),
        dt.date(2023, 3, 14),
    )
    assert parse_period("Tháng 5 năm 2024", where={}) == (dt.date(2024, 5, 1), dt.date(2024, 5, 31), "month")
    assert parse_period("9 tháng năm 2022", where={}) == (dt.date(2022, 1, 1), dt.date(2022, 9, 30), "ytd")


def test_windows_1258_csv_is_detected_and_named(tmp_path):
    path = csv_file(
        tmp_path / "pay.csv", [PAY_HEADER, *PAY_ROWS], encoding="cp1258", lines=["Kỳ báo cáo: Năm 2024"]
    )
    with pytest.raises(InputError, match=r"pay.csv.*not UTF-8.*Windows-1258"):
        read_payment766(path)


def test_decode_unknown_encoding_says_not_utf8():
    with pytest.raises(InputError, match="not UTF-8"):
        decode_text(b"abc\xff\xfe", path="x.csv")


# --- payment -------------------------------------------------------------------------------------------


def test_payment_xlsx_reads_counts(tmp_path):
    df = read_payment766(xlsx(tmp_path / "payment766_2024.xlsx", [PAY_HEADER, *PAY_ROWS]))
    assert counts_of(df, "payment.online", "77.S01") == (948, 1200)
    assert counts_of(df, "payment.online", "77.H01") == (150, 300)
    assert set(df["convention"]) == {"qd766"}
    assert df["period_end"].iloc[0] == dt.datetime(2024, 12, 31)
    levels = dict(zip(df["unit_code"], df["unit_level"], strict=True))
    assert levels == {"77.S01": "department", "77.H01": "district"}


def test_payment_csv_with_field_names_and_period_columns(tmp_path):
    rows = [
        ["maDinhDanh", "tenDonVi", "Năm", "hoSoThuocThuTucCoPhi", "hoSoThuocThuTucCoPhiDaTTTT"],
        ["77.S01", "Sở Tư pháp", 2023, 10, 4],
        ["77.S01", "Sở Tư pháp", 2024, 20, 15],
    ]
    df = read_payment766(csv_file(tmp_path / "p.csv", rows))
    assert sorted(zip(df["year"], df["numerator"], df["denominator"], strict=True)) == [
        (2023, 4, 10),
        (2024, 15, 20),
    ]


def test_payment_paid_above_due(tmp_path):
    rows = [PAY_HEADER, ["77.S01", "Sở Tư pháp", 10, 11, None]]
    with pytest.raises(InputError, match=r"row 5.*Số HS đã TTTT.*above"):
        read_payment766(xlsx(tmp_path / "p.xlsx", rows))


def test_payment_rate_that_disagrees_with_counts(tmp_path):
    rows = [PAY_HEADER, ["77.S01", "Sở Tư pháp", 1200, 948, "97,00"]]
    with pytest.raises(InputError, match=r"printed rate '97,00' differs from 948/1200"):
        read_payment766(xlsx(tmp_path / "p.xlsx", rows))


def test_payment_missing_column(tmp_path):
    rows = [["Mã định danh", "Tên đơn vị", "Số HS đã TTTT"], ["77.S01", "Sở Tư pháp", 5]]
    with pytest.raises(InputError, match=r"no 766 payment header found: missing column\(s\) \['due'\]"):
        read_payment766(xlsx(tmp_path / "p.xlsx", rows))


def test_payment_total_row_checked(tmp_path):
    rows = [PAY_HEADER, *PAY_ROWS, [None, "Tổng cộng", 1500, 1000, None]]  # units sum to 1500, 1098
    with pytest.raises(InputError, match=r"row 7.*total row"):
        read_payment766(xlsx(tmp_path / "p.xlsx", rows))


def test_payment_empty_csv(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty.csv.*empty"):
        read_payment766(path)


def test_payment_without_period(tmp_path):
    with pytest.raises(InputError, match=r"no reporting period"):
        read_payment766(xlsx(tmp_path / "p.xlsx", [PAY_HEADER, *PAY_ROWS], title=(PAY_TITLE,)))


# --- welfare -------------------------------------------------------------------------------------------


def test_welfare_three_rates_by_group(tmp_path):
    df = read_welfare(
        xlsx(tmp_path / "w.xlsx", [WEL_HEADER, *WEL_ROWS], title=("BÁO CÁO CHI TRẢ", "Năm 2024"))
    )
    assert counts_of(df, "welfare.account_share", "77.H01.X01", "BTXH") == (400, 500)
    assert counts_of(df, "welfare.paid_share", "77.H01.X01", "BTXH") == (300, 500)
    assert counts_of(df, "welfare.paid_of_holders", "77.H01.X01", "BTXH") == (300, 400)
    assert counts_of(df, "welfare.paid_of_holders", "77.H01.X01", "NCC") == (90, 90)
    assert counts_of(df, "welfare.paid_share", "77.H01", "NCC") == (5, 20)
    assert set(df["convention"]) == {"de_an_06"}
    assert dict(zip(df["unit_code"], df["unit_level"], strict=True)) == {
        "77.H01.X01": "commune",
        "77.H01": "district",
    }


def test_welfare_nfd_text_is_normalised(tmp_path):
    rows = [
        [unicodedata.normalize("NFD", c) for c in WEL_HEADER],
        [
            "77.H01.X01",
            unicodedata.normalize("NFD", "Xã Ngãi Giao"),
            unicodedata.normalize("NFD", "Người có công"),
            10,
            5,
            5,
            0,
        ],
    ]
    df = read_welfare(csv_file(tmp_path / "w.csv", rows, lines=["Năm 2024"]))
    assert df["unit_name"].iloc[0] == unicodedata.normalize("NFC", "Xã Ngãi Giao")
    assert set(df["beneficiary_group"]) == {"NCC"}


def test_welfare_paid_above_holders(tmp_path):
    rows = [WEL_HEADER, ["77.H01.X01", "Xã Ngãi Giao", "BTXH", 500, 100, 300, 0]]
    with pytest.raises(InputError, match=r"row 4.*Số được chi trả qua tài khoản.*above"):
        read_welfare(xlsx(tmp_path / "w.xlsx", rows, title=("Năm 2024",)))


def test_welfare_unknown_group(tmp_path):
    rows = [WEL_HEADER, ["77.H01.X01", "Xã Ngãi Giao", "Hộ nghèo", 500, 100, 30, 0]]
    with pytest.raises(InputError, match=r"unknown beneficiary group 'Hộ nghèo'"):
        read_welfare(xlsx(tmp_path / "w.xlsx", rows, title=("Năm 2024",)))


def test_welfare_period_columns_out_of_order(tmp_path):
    rows = [
        [
            "Mã đơn vị",
            "Tên đơn vị",
            "Nhóm đối tượng",
            "Từ ngày",
            "Đến ngày",
            "Tổng số đối tượng",
            "Số có tài khoản",
            "Số được chi trả qua tài khoản",
        ],
        ["77.H01.X01", "Xã Ngãi Giao", "BTXH", "31/12/2024", "01/01/2024", 10, 5, 5],
    ]
    with pytest.raises(InputError, match=r"row 2.*after it ends"):
        read_welfare(csv_file(tmp_path / "w.csv", rows))


def test_welfare_negative_count(tmp_path):
    rows = [WEL_HEADER, ["77.H01.X01", "Xã Ngãi Giao", "BTXH", -5, 0, 0, 0]]
    with pytest.raises(InputError, match=r"Tổng số đối tượng.*non-negative"):
        read_welfare(xlsx(tmp_path / "w.xlsx", rows, title=("Năm 2024",)))


def test_payment_group_rows_set_levels_and_are_checked(tmp_path):
    rows = [
        ["STT", *PAY_HEADER],
        ["I", None, "Sở, ban, ngành", 1200, 948, None],
        [1, *PAY_ROWS[0]],
        ["II", None, "Cấp huyện", 300, 150, None],
        [1, *PAY_ROWS[1]],
    ]
    df = read_payment766(xlsx(tmp_path / "g.xlsx", rows))
    assert sorted(zip(df["unit_code"], df["unit_level"], df["numerator"], strict=True)) == [
        ("77.H01", "district", 150),
        ("77.S01", "department", 948),
    ]
    rows[3][3] = 301  # the "Cấp huyện" subtotal no longer equals its unit
    with pytest.raises(InputError, match=r"row 7.*group subtotal"):
        read_payment766(xlsx(tmp_path / "g2.xlsx", rows))
    rows[3][2] = "Khối doanh nghiệp"
    with pytest.raises(InputError, match=r"unknown group label 'Khối doanh nghiệp'"):
        read_payment766(xlsx(tmp_path / "g3.xlsx", rows))


def test_welfare_district_group_row_sets_level_and_subtotal(tmp_path):
    rows = [WEL_HEADER, [None, "Cấp xã", None, 600, 490, 390, None], *WEL_ROWS[:2]]
    df = read_welfare(xlsx(tmp_path / "w.xlsx", rows, title=("Năm 2024",)))
    assert set(df["unit_level"]) == {"commune"} and set(df["unit_code"]) == {"77.H01.X01"}
    rows[1][4] = 491
    with pytest.raises(InputError, match=r"row 4.*Số có tài khoản = 491, but its units sum to 490"):
        read_welfare(xlsx(tmp_path / "w2.xlsx", rows, title=("Năm 2024",)))
