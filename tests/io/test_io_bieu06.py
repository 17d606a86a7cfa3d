"""read_bieu06: workbooks laid out as one-stop software prints them, and their bad variants."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from analysis.io import InputError, read_bieu06

# Parts of a unit row: online, direct, carried, early, on_time, late, in_time, overdue.
# Hand-made numbers; the identities (3)=(4)+(5)+(6)=(7)+(11) hold by construction below.
SO_TU_PHAP = (5120, 300, 80, 4000, 1200, 50, 240, 10)  # received 5500, resolved 5250, pending 250
SO_Y_TE = (900, 95, 5, 700, 280, 10, 8, 2)  # received 1000, resolved 990, pending 10
CHAU_DUC = (1500, 480, 20, 1200, 700, 60, 35, 5)  # received 2000, resolved 1960, pending 40
PHUONG_1 = (60, 40, 0, 30, 68, 0, 2, 0)  # received 100, resolved 98, pending 2

UNITS = [
    ("I", "Cấp tỉnh", [("Sở Tư pháp (000.00.77.H12)", SO_TU_PHAP), ("Sở Y tế (000.00.77.H20)", SO_Y_TE)]),
    ("II", "Cấp huyện", [("UBND huyện Châu Đức (747)", CHAU_DUC)]),
    ("III", "Cấp xã", [("Phường 1 (26506)", PHUONG_1)]),
]


def full_row(parts):
    on, di, ca, ea, ot, la, it, ov = parts
    return [on + di + ca, on, di, ca, ea + ot + la, ea, ot, la, it + ov, it, ov]


def add(rows):
    return [sum(col) for col in zip(*rows, strict=True)]


def build(
    path,
    *,
    units=UNITS,
    period="Kỳ báo cáo: Quý III năm 2024 (từ ngày 15/6/2024 đến ngày 14/9/2024)",
    as_text=False,
    wording="a",
    code_column=False,
    spacer=False,
    mutate=None,
    total=True,
    groups=True,
):
    """Write a Biểu 06 workbook: title, merged two-row header, numbered row, groups, total, signature."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bieu06"
    off = 1 if code_column else 0
    sp = 1 if spacer else 0  # an empty column between the name and the counts
    first = 3 + off + sp  # column (1-based) of count (3)
    last = first + 10
    ws.cell(1, 1, "UBND TỈNH BÀ RỊA - VŨNG TÀU")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    ws.cell(1, last - 3, "Biểu số 06/VPCP/KSTT")
    ws.cell(2, last - 3, "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020")
    ws.cell(3, 1, "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=last)
    if period:
        ws.cell(4, 1, period)
        ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=last)
    ws.cell(5, last - 2, "Đơn vị tính: Số hồ sơ TTHC")
    h1, h2, num = 7, 8, 9
    if wording == "a":
        top = [
            "Số hồ sơ nhận giải quyết",
            "Kết quả giải quyết: số hồ sơ đã giải quyết",
            "Số hồ sơ đang giải quyết",
        ]
        sub = [
            "Tổng số",
            "Trong đó: số mới tiếp nhận trực tuyến",
            "Trực tiếp, dịch vụ bưu chính",
            "Từ kỳ trước chuyển qua",
            "Tổng số",
            "Trước hạn",
            "Trả đúng thời hạn",
            "Quá hạn",
            "Tổng số",
            "Chưa đến hạn",
            "Quá hạn",
        ]
    else:
        top = ["Tiếp nhận", "Đã xử lý", "Đang xử lý"]
        sub = [
            "Tổng",
            "Qua mạng",
            "Tiếp nhận trực tiếp và BCCI",
            "Tồn kỳ trước",
            "Tổng",
            "Sớm hạn / trước hạn",
            "Đúng hạn",
            "Trễ hạn",
            "Tổng",
            "Trong hạn",
            "Trễ hạn",
        ]
    ws.cell(h1, 1, "STT")
    ws.merge_cells(start_row=h1, start_column=1, end_row=h2, end_column=1)
    ws.cell(h1, 2, "Lĩnh vực, công việc giải quyết theo cấp")
    ws.merge_cells(start_row=h1, start_column=2, end_row=h2, end_column=2)
    if code_column:
        ws.cell(h1, 3, "Mã đơn vị")
        ws.merge_cells(start_row=h1, start_column=3, end_row=h2, end_column=3)
    for k, (a, b) in enumerate([(0, 3), (4, 7), (8, 10)]):
        ws.cell(h1, first + a, top[k])
        ws.merge_cells(start_row=h1, start_column=first + a, end_row=h1, end_column=first + b)
    for k, text in enumerate(sub):
        ws.cell(h2, first + k, text)
    ws.cell(num, 1, "(1)")
    ws.cell(num, 2, "(2)")
    for k in range(11):
        ws.cell(num, first + k, f"({k + 3})")
    r = num + 1
    all_rows = []

    def put(rr, label_stt, name, values, code=None):
        ws.cell(rr, 1, label_stt)
        ws.cell(rr, 2, name)
        if code_column and code is not None:
            ws.cell(rr, 3, code)
        for k, v in enumerate(values):
            if as_text:
                v = "-" if v == 0 else f"{v:,}".replace(",", ".")
            ws.cell(rr, first + k, v)

    for roman, label, members in units:
        rows = [full_row(p) for _, p in members]
        all_rows.extend(rows)
        if groups:
            put(r, roman, label, add(rows))
            r += 1
        for i, (name, _) in enumerate(members, start=1):
            if code_column:
                base, code = name.rsplit(" (", 1)
                put(r, i, base, rows[i - 1], code=code.rstrip(")"))
            else:
                put(r, i, name, rows[i - 1])
            r += 1
    if total:
        put(r, None, "Tổng cộng", add(all_rows))
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=1)
    r += 2
    ws.cell(r, 2, "Người lập biểu")
    ws.cell(r, last - 2, "Ngày 20 tháng 9 năm 2024")
    ws.cell(r + 1, last - 2, "THỦ TRƯỞNG ĐƠN VỊ")
    ws.cell(r + 4, 2, "Nguyễn Văn A")
    if mutate:
        mutate(ws, first)
    wb.save(path)
    return path


def pick(df, indicator, unit):
    row = df[(df["indicator"] == indicator) & (df["unit_code"] == unit)]
    assert len(row) == 1, (indicator, unit, len(row))
    return int(row["numerator"].iloc[0]), int(row["denominator"].iloc[0])


def test_real_layout_reads_right_counts_per_unit(tmp_path):
    df = read_bieu06(build(tmp_path / "bieu06_q3.xlsx"))
    # Sở Tư pháp: on time = early 4000 + on time 1200 of 5250 resolved; 10 of 250 pending overdue;
    # online 5120 of 5120 + 300 new dossiers.
    assert pick(df, "timeliness.on_time", "000.00.77.H12") == (5200, 5250)
    assert pick(df, "timeliness.overdue_pending", "000.00.77.H12") == (10, 250)
    assert pick(df, "online.submission", "000.00.77.H12") == (5120, 5420)
    assert pick(df, "timeliness.on_time", "747") == (1900, 1960)
    assert pick(df, "online.submission", "26506") == (60, 100)
    assert len(df) == 4 * 3  # groups and the total row are not units
    levels = df.drop_duplicates("unit_code").set_index("unit_code")["unit_level"].to_dict()
    assert levels == {
        "000.00.77.H12": "department",
        "000.00.77.H20": "department",
        "747": "district",
        "26506": "commune",
    }
    assert set(df["unit_name"]) == {"Sở Tư pháp", "Sở Y tế", "UBND huyện Châu Đức", "Phường 1"}
    assert (df["period_start"] == dt.datetime(2024, 6, 15)).all()
    assert (df["period_end"] == dt.datetime(2024, 9, 14)).all()
    assert set(df["period_type"]) == {"quarter"}
    assert set(df["code_system"]) == {"gso2004"}
    assert set(df["source"]) == {"bieu06_q3.xlsx"}
    conv = df.drop_duplicates("indicator").set_index("indicator")["convention"].to_dict()
    assert conv == {
        "timeliness.on_time": "bieu06",
        "timeliness.overdue_pending": "bieu06",
        "online.submission": "qd766",
    }


def test_other_wording_numbers_as_text_code_column_and_spacer(tmp_path):
    path = build(
        tmp_path / "b.xlsx",
        wording="b",
        as_text=True,
        code_column=True,
        spacer=True,
        period="Năm 2023 (từ ngày 01/01/2023 đến ngày 31/12/2023)",
    )
    df = read_bieu06(path)
    assert pick(df, "timeliness.on_time", "000.00.77.H12") == (5200, 5250)  # "5.120" read as 5120
    assert pick(df, "online.submission", "000.00.77.H12") == (5120, 5420)
    assert pick(df, "timeliness.overdue_pending", "26506") == (0, 2)  # "-" = 0
    assert set(df["period_type"]) == {"year"}


def test_half_year_from_1_january_is_ytd_and_2025_h2_is_nso2025(tmp_path):
    df = read_bieu06(build(tmp_path / "h1.xlsx", period="Kỳ báo cáo: 6 tháng đầu năm 2025"))
    assert set(df["period_type"]) == {"ytd"}
    assert df["period_end"].iloc[0] == dt.datetime(2025, 6, 30)
    assert set(df["code_system"]) == {"gso2004"}
    df2 = read_bieu06(build(tmp_path / "q4.xlsx", period="Quý IV năm 2025"))
    assert set(df2["code_system"]) == {"nso2025"}


def test_units_without_codes_get_stable_slugs_with_province(tmp_path):
    units = [("I", "Sở, ban, ngành", [("Sở Tư pháp", SO_TU_PHAP)])]
    df = read_bieu06(build(tmp_path / "s.xlsx", units=units))
    assert set(df["unit_code"]) == {"77.so-tu-phap"}


def test_nfd_text_is_normalised(tmp_path):
    import unicodedata

    units = [
        (
            "I",
            unicodedata.normalize("NFD", "Cấp tỉnh"),
            [(unicodedata.normalize("NFD", "Sở Tư pháp (000.00.77.H12)"), SO_TU_PHAP)],
        )
    ]
    df = read_bieu06(build(tmp_path / "nfd.xlsx", units=units))
    assert df["unit_name"].iloc[0] == unicodedata.normalize("NFC", "Sở Tư pháp")


# --- bad inputs ---------------------------------------------------------------------------------------


def test_broken_identity_names_file_row_and_column(tmp_path):
    def breaker(ws, first):  # Sở Y tế (row 12): resolved total 990 -> 991
        ws.cell(12, first + 4, 991)

    with pytest.raises(InputError) as exc:
        read_bieu06(build(tmp_path / "broken.xlsx", mutate=breaker))
    msg = str(exc.value)
    assert "broken.xlsx" in msg and "row 12" in msg and "identity" in msg
    # (3) received 1000 = (7) resolved 991 + (11) pending 10 is the first identity that fails
    assert exc.value.row == 12 and "(3)" in exc.value.column


def test_subtotal_mismatch(tmp_path):
    def breaker(
        ws, first
    ):  # group "Cấp tỉnh" (row 10): online + 1 and received + 1 keeps the row's identities
        for k in (0, 1, 4, 5):
            ws.cell(10, first + k, ws.cell(10, first + k).value + 1)

    with pytest.raises(InputError, match=r"row 10.*subtotal of group 'Cấp tỉnh'"):
        read_bieu06(build(tmp_path / "sub.xlsx", mutate=breaker))


def test_total_mismatch(tmp_path):
    def breaker(ws, first):  # total row is row 17: add 1 to (11) pending and (12) in time and (3), (4)
        for k in (0, 1, 8, 9):
            ws.cell(17, first + k, ws.cell(17, first + k).value + 1)

    with pytest.raises(InputError, match=r"row 17.*total row"):
        read_bieu06(build(tmp_path / "tot.xlsx", mutate=breaker))


def test_text_in_a_count(tmp_path):
    def breaker(ws, first):
        ws.cell(11, first + 5, "bốn nghìn")

    with pytest.raises(InputError, match=r"row 11.*\(8\).*text 'bốn nghìn'"):
        read_bieu06(build(tmp_path / "txt.xlsx", mutate=breaker))


def test_negative_count(tmp_path):
    def breaker(ws, first):
        ws.cell(14, first + 10, -1)

    with pytest.raises(InputError, match=r"row 14.*non-negative"):
        read_bieu06(build(tmp_path / "neg.xlsx", mutate=breaker))


def test_decimal_count_from_a_misread_separator(tmp_path):
    def breaker(ws, first):
        ws.cell(11, first + 1, 5.12)

    with pytest.raises(InputError, match=r"whole number"):
        read_bieu06(build(tmp_path / "dec.xlsx", mutate=breaker))


def test_missing_period(tmp_path):
    with pytest.raises(InputError, match=r"no reporting period"):
        read_bieu06(build(tmp_path / "noperiod.xlsx", period=None))


def test_period_out_of_order(tmp_path):
    with pytest.raises(InputError, match=r"after it ends"):
        read_bieu06(build(tmp_path / "order.xlsx", period="Kỳ báo cáo: từ ngày 14/9/2024 đến ngày 15/6/2024"))


def test_unknown_group_label(tmp_path):
    units = [("IV", "Khối doanh nghiệp", [("Sở Tư pháp (000.00.77.H12)", SO_TU_PHAP)])]
    with pytest.raises(InputError, match=r"unknown group label 'Khối doanh nghiệp'"):
        read_bieu06(build(tmp_path / "grp.xlsx", units=units))


def test_missing_column(tmp_path):
    def breaker(ws, first):  # blank the "Trước hạn" header, the numbered row and the column's values
        for r in range(8, 20):
            ws.cell(r, first + 5).value = None

    with pytest.raises(InputError, match=r"header lacks.*\(8\) trước hạn"):
        read_bieu06(build(tmp_path / "col.xlsx", mutate=breaker))


def test_empty_workbook(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(InputError, match=r"empty.xlsx.*empty"):
        read_bieu06(path)


def test_duplicate_unit(tmp_path):
    units = [
        (
            "I",
            "Cấp tỉnh",
            [("Sở Tư pháp (000.00.77.H12)", SO_TU_PHAP), ("Sở Tư pháp (000.00.77.H12)", SO_Y_TE)],
        )
    ]
    with pytest.raises(InputError, match=r"appears twice"):
        read_bieu06(build(tmp_path / "dup.xlsx", units=units))


def build_software_b(path, *, carried_first=True):
    """A second software's layout: starts at column B, three header rows, no numbered row, total first,
    'Từ kỳ trước' before the new-dossier columns, the code in a last 'Mã đơn vị' column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws["B1"] = "UBND TỈNH BÀ RỊA - VŨNG TÀU"
    ws["B2"] = "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    ws["B3"] = "Năm 2023 (từ ngày 01/01/2023 đến ngày 31/12/2023)"
    # columns: B STT, C Tên đơn vị, D..N counts, O Mã đơn vị
    ws["B5"], ws["C5"] = "Số TT", "Tên cơ quan, đơn vị"
    ws.merge_cells("B5:B7")
    ws.merge_cells("C5:C7")
    ws["D5"] = "Tiếp nhận"
    ws.merge_cells("D5:G5")
    ws["H5"] = "Đã giải quyết"
    ws.merge_cells("H5:K5")
    ws["L5"] = "Đang giải quyết"
    ws.merge_cells("L5:N5")
    ws["O5"] = "Mã đơn vị"
    ws.merge_cells("O5:O7")
    ws["D6"] = "Tổng số"
    ws.merge_cells("D6:D7")
    ws["E6"] = "Trong đó"
    ws.merge_cells("E6:G6")
    sub = (
        ["Từ kỳ trước", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính"]
        if carried_first
        else ["Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước"]
    )
    for col, text in zip("EFG", sub, strict=True):
        ws[f"{col}7"] = text
    for col, text in zip(
        "HIJKLMN",
        ["Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"],
        strict=True,
    ):
        ws[f"{col}6"] = text
        ws.merge_cells(f"{col}6:{col}7")

    def values(parts):
        on, di, ca, ea, ot, la, it, ov = parts
        new = [ca, on, di] if carried_first else [on, di, ca]
        return [on + di + ca, *new, ea + ot + la, ea, ot, la, it + ov, it, ov]

    units = [
        ("Sở Tư pháp", "H12", SO_TU_PHAP),
        ("Sở Y tế", "H20", SO_Y_TE),
        ("Xã Bàu Chinh", "X01", PHUONG_1),
    ]
    total = add([full_row(p) for _, _, p in units])
    tot = values((total[1], total[2], total[3], total[5], total[6], total[7], total[9], total[10]))
    r = 8
    ws.cell(r, 3, "TỔNG CỘNG")
    for k, v in enumerate(tot):
        ws.cell(r, 4 + k, v)
    r += 1
    ws.cell(r, 2, "A")
    ws.cell(r, 3, "Sở, ban, ngành")  # label-only group (no subtotal)
    r += 1
    for i, (name, code, parts) in enumerate(units[:2], start=1):
        ws.cell(r, 2, i)
        ws.cell(r, 3, name)
        for k, v in enumerate(values(parts)):
            ws.cell(r, 4 + k, v)
        ws.cell(r, 15, code)
        r += 1
    ws.cell(r, 2, "B")
    ws.cell(r, 3, "UBND cấp xã")
    r += 1
    name, code, parts = units[2]
    ws.cell(r, 2, 1)
    ws.cell(r, 3, name)
    for k, v in enumerate(values(parts)):
        ws.cell(r, 4 + k, float(v))
    ws.cell(r, 15, code)
    ws.cell(r + 2, 10, "Bà Rịa, ngày 05 tháng 01 năm 2024")
    ws.cell(r + 3, 3, "NGƯỜI LẬP BIỂU")
    ws.cell(r + 3, 10, "GIÁM ĐỐC")
    wb.save(path)
    return path


def test_second_software_layout_by_labels(tmp_path):
    df = read_bieu06(build_software_b(tmp_path / "b.xlsx"))
    # Sở Tư pháp: carried-over column comes first here, so only labels can place the 5120 online dossiers.
    assert pick(df, "online.submission", "H12") == (5120, 5420)
    assert pick(df, "timeliness.on_time", "H12") == (5200, 5250)
    assert pick(df, "timeliness.overdue_pending", "H20") == (2, 10)
    assert pick(df, "online.submission", "X01") == (60, 100)
    levels = dict(zip(df["unit_code"], df["unit_level"], strict=True))
    assert levels == {"H12": "department", "H20": "department", "X01": "commune"}
    assert set(df["period_type"]) == {"year"} and df["year"].iloc[0] == 2023


def test_second_software_broken_total_row_named(tmp_path):
    path = build_software_b(tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for col in "DHI":  # received, resolved, early +1: every identity of the row still holds
        ws[f"{col}8"] = ws[f"{col}8"].value + 1
    ws["E8"] = ws["E8"].value + 1
    wb.save(path)
    with pytest.raises(InputError, match=r"b.xlsx.*row 8.*total row"):
        read_bieu06(path)


def test_formulas_merged_group_labels_and_numbered_identities(tmp_path):
    def variant(ws, first):
        letters = [openpyxl.utils.get_column_letter(first + k) for k in range(11)]
        for col in letters:  # subtotal of "Cấp tỉnh" and the total as formulas never computed
            ws[f"{col}10"] = f"=SUM({col}11:{col}12)"
            ws[f"{col}17"] = f"=SUM({col}11:{col}12)+{col}14+{col}16"
        ws.cell(9, first, "(3)=(4)+(5)+(6)")  # numbered row printing the identities
        ws.cell(9, first + 4, "(7)=(8)+(9)+(10)")
        ws.cell(13, 1, "II. Cấp huyện")  # group label in the STT cell, merged over STT and name
        ws.cell(13, 2).value = None
        ws.merge_cells("A13:B13")
        ws.cell(2, 1, "Vũng Tàu, ngày 20 tháng 9 năm 2024")  # date of signing above the period line

    df = read_bieu06(build(tmp_path / "f.xlsx", mutate=variant))
    assert pick(df, "timeliness.on_time", "747") == (1900, 1960)
    assert df.drop_duplicates("unit_code").set_index("unit_code").loc["747", "unit_level"] == "district"
    assert pick(df, "online.submission", "000.00.77.H12") == (5120, 5420)
    assert (df["period_start"] == dt.datetime(2024, 6, 15)).all()


def test_unit_row_with_unsaved_formula(tmp_path):
    def variant(ws, first):
        ws.cell(11, first + 1, "=5000+120")

    with pytest.raises(InputError, match=r"row 11.*formula without a saved value"):
        read_bieu06(build(tmp_path / "f.xlsx", mutate=variant))


def test_district_subtotal_over_its_communes(tmp_path):
    # "1 UBND huyện Châu Đức" sums its communes "a) Xã Ngãi Giao" and "b) Xã Bình Ba" (hand-made numbers).
    ngai_giao, binh_ba = (1000, 300, 0, 700, 560, 20, 18, 2), (500, 180, 20, 500, 140, 40, 17, 3)
    district = add([full_row(ngai_giao), full_row(binh_ba)])

    def variant(ws, first):
        ws.insert_rows(15, amount=2)  # below "1 UBND huyện Châu Đức" (row 14)
        for r, (stt, name, parts) in enumerate(
            [("a)", "Xã Ngãi Giao (26560)", ngai_giao), ("b)", "Xã Bình Ba (26566)", binh_ba)], start=15
        ):
            ws.cell(r, 1, stt)
            ws.cell(r, 2, name)
            for k, v in enumerate(full_row(parts)):
                ws.cell(r, first + k, v)
        for k, v in enumerate(district):  # the district row and the "Cấp huyện" subtotal become the sum
            ws.cell(14, first + k, v)
            ws.cell(13, first + k, v)
        for k in range(11):  # total row (now row 19) = its old value - Châu Đức + the new district sum
            old = ws.cell(19, first + k).value
            ws.cell(19, first + k, old - full_row(CHAU_DUC)[k] + district[k])

    df = read_bieu06(build(tmp_path / "n.xlsx", mutate=variant))
    assert pick(df, "timeliness.on_time", "26560") == (1260, 1280)
    assert pick(df, "online.submission", "26566") == (500, 680)
    assert "747" not in set(df["unit_code"])  # the district row is a subtotal here, not a unit
    assert df.drop_duplicates("unit_code").set_index("unit_code").loc["26560", "unit_level"] == "commune"


def test_district_subtotal_mismatch(tmp_path):
    def variant(ws, first):
        ws.insert_rows(15, amount=1)
        ws.cell(15, 1, "a)")
        ws.cell(15, 2, "Xã Ngãi Giao (26560)")
        for k, v in enumerate(full_row(CHAU_DUC)):
            ws.cell(15, first + k, v - (1 if k in (0, 1, 4, 5) else 0))  # identities hold, sum is off by one

    with pytest.raises(InputError, match=r"row 14.*subtotal of 'UBND huyện Châu Đức'"):
        read_bieu06(build(tmp_path / "n.xlsx", mutate=variant))


def test_subtotal_rows_after_their_units_and_labels_in_the_stt_cell(tmp_path):
    def variant(ws, first):
        ws.cell(10, 1, "Cấp tỉnh")  # label written in the STT cell, name cell empty, subtotal in the row
        ws.cell(10, 2).value = None
        ws.insert_rows(13)  # after Sở Y tế (row 12): "Cộng cấp tỉnh" repeats the subtotal
        ws.cell(13, 2, "Cộng cấp tỉnh")
        for k in range(11):
            ws.cell(13, first + k, ws.cell(10, first + k).value)

    df = read_bieu06(build(tmp_path / "c.xlsx", mutate=variant))
    assert pick(df, "timeliness.on_time", "000.00.77.H20") == (980, 990)  # 700 early + 280 on time
    assert len(df) == 12

    def broken(ws, first):
        variant(ws, first)
        for k in (0, 1, 4, 5):  # keeps the row's identities, breaks the sum of Sở Tư pháp + Sở Y tế
            ws.cell(13, first + k, ws.cell(13, first + k).value + 1)

    with pytest.raises(InputError, match=r"row 13.*subtotal 'cong cap tinh'"):
        read_bieu06(build(tmp_path / "c2.xlsx", mutate=broken))


def test_per_unit_report_by_sector(tmp_path):
    def variant(ws, first):
        ws.cell(2, 1, "Đơn vị báo cáo: Sở Tư pháp (000.00.77.H12)")
        ws.cell(7, 2, "Lĩnh vực giải quyết")

    units = [(None, None, [("Hộ tịch", SO_Y_TE), ("Chứng thực", PHUONG_1)])]
    df = read_bieu06(build(tmp_path / "s.xlsx", units=units, groups=False, mutate=variant))
    assert set(df["unit_code"]) == {"000.00.77.H12"} and set(df["unit_name"]) == {"Sở Tư pháp"}
    ho_tich = df[(df["sector"] == "Hộ tịch") & (df["indicator"] == "timeliness.on_time")]
    assert ho_tich[["numerator", "denominator"]].values.tolist() == [[980, 990]]
    assert set(df["unit_level"]) == {"department"}


def test_no_numbered_row_and_a_label_only_first_group(tmp_path):
    def variant(ws, first):
        ws.delete_rows(9)  # the numbered row goes; row 9 is now "I Cấp tỉnh"
        for k in range(11):
            ws.cell(9, first + k).value = None  # label-only group: no subtotal

    # the name says nothing of the level: only the "Cấp xã" group row above it does
    units = [("I", "Cấp xã", [("Bộ phận tiếp nhận và trả kết quả (26506)", PHUONG_1)]), UNITS[0]]
    df = read_bieu06(build(tmp_path / "nn.xlsx", units=units, mutate=variant))
    assert pick(df, "online.submission", "26506") == (60, 100)
    levels = df.drop_duplicates("unit_code").set_index("unit_code")["unit_level"].to_dict()
    assert levels == {"26506": "commune", "000.00.77.H12": "department", "000.00.77.H20": "department"}
