"""Shipped data (published rates, targets, crosswalk), provenance sidecars, to_2025_units and load_counts."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from test_io_bieu06 import build as build_bieu06
from test_io_tables import PAY_HEADER, PAY_ROWS, xlsx

from analysis.io import (
    InputError,
    load_counts,
    read_crosswalk,
    read_published,
    read_targets,
    to_2025_units,
    verify_sidecar,
    write_sidecar,
)
from analysis.io.published import PUBLISHED_FILE, TARGETS_FILE, targets_from_published
from analysis.io.published import read_published as _rp
from analysis.paths import REFERENCE_DIR

# --- published figures and targets ---------------------------------------------------------------------


def test_published_brvt_2023_figures_with_sources():
    pub = read_published()
    brvt = pub[(pub["province"] == "Bà Rịa - Vũng Tàu") & (pub["year"] == 2023)].set_index("indicator")
    # 2023 provincial review (source_documents/brvt_2023_par_review_vi.txt, as quoted in the CSV).
    assert brvt.loc["ontime_rate", "value"] == pytest.approx(0.988)
    assert brvt.loc["ontime_rate", "target"] == pytest.approx(0.98)
    assert brvt.loc["online_dossier_rate", "value"] == pytest.approx(0.955)
    assert brvt.loc["online_payment_rate", "value"] == pytest.approx(0.789)
    assert brvt.loc["ontime_rate", "registry_id"] == "timeliness.on_time"
    # "Tỷ lệ hài lòng ... đạt 87,06%" states no definition: compared with QĐ 766 5.4 by assumption
    assert brvt.loc["satisfaction_rate", "registry_id"] == "satisfaction.dossiers"
    assert brvt.loc["satisfaction_rate", "value"] == pytest.approx(0.8706)
    assert "98,8%" in brvt.loc["ontime_rate", "quote"]
    assert set(brvt["unit_code"]) == {"77"}
    assert len(pub) == 86 and pub["quote"].str.len().gt(0).all()


def test_targets_only_registry_ids_and_file_in_step_with_published():
    t = read_targets()
    assert set(t["indicator"]) <= {"timeliness.on_time", "welfare.paid_share", "welfare.account_share",
                                   "satisfaction.dossiers"}
    sat = t[(t["indicator"] == "satisfaction.dossiers") & (t["unit_code"] == "77")].iloc[0]
    # 2023 review: "vượt chỉ tiêu HĐND giao (87%)"
    assert (sat["year"], sat["target"]) == (2023, pytest.approx(0.87)) and "(87%)" in sat["quote"]
    assert "brvt_2023_par_review_vi.txt" in sat["source"]
    row = t[(t["indicator"] == "timeliness.on_time") & (t["unit_code"] == "77")].iloc[0]
    assert row["year"] == 2023 and row["target"] == pytest.approx(
        0.98
    )  # "vượt chỉ tiêu HĐND tỉnh giao (98%)"
    assert "HĐND" in row["source"] and "98%" in row["quote"]
    long_an = t[t["unit_name"] == "Long An"].iloc[0]  # "phấn đấu đạt mục tiêu trên 95% ..." (Vietnam+)
    assert (long_an["indicator"], long_an["target"], long_an["unit_code"]) == (
        "welfare.paid_share",
        0.95,
        "80",
    )
    full = pd.read_csv(TARGETS_FILE, dtype=str, keep_default_na=False)
    assert len(full) == 15  # every target of the published CSV is in the file, mapped or not
    derived = targets_from_published(_rp())
    assert derived.astype(str).values.tolist() == full.astype(str).values.tolist()


def test_tampered_published_file_fails_sha256(tmp_path):
    copy = tmp_path / "published_indicators.csv"
    shutil.copy(PUBLISHED_FILE, copy)
    shutil.copy(str(PUBLISHED_FILE) + ".meta.json", str(copy) + ".meta.json")
    read_published(copy)  # intact copy reads
    copy.write_bytes(copy.read_bytes().replace(b"98.8", b"99.8", 1))
    with pytest.raises(InputError, match=r"published_indicators.csv.*sha256 mismatch"):
        read_published(copy)


def test_missing_sidecar_is_refused_for_shipped_data(tmp_path):
    copy = tmp_path / "province_crosswalk_2025.csv"
    shutil.copy(REFERENCE_DIR / "province_crosswalk_2025.csv", copy)
    with pytest.raises(InputError, match="sidecar .* is missing"):
        read_crosswalk(copy)


def test_sidecar_round_trip(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    write_sidecar(f, producer="test", title="t", licence="none", synthetic=True, document="made in a test")
    record = verify_sidecar(f)
    assert record["synthetic"] is True and record["id"] == "x.csv" and len(record["sha256"]) == 64
    f.write_text("a,b\n1,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="sha256 mismatch"):
        verify_sidecar(f)


# --- crosswalk ------------------------------------------------------------------------------------------


def test_crosswalk_shape_and_known_rows():
    cw = read_crosswalk().set_index("old_code")
    assert len(cw) == 63 and cw["new_code"].nunique() == 34
    # Crosswalk notes: 79 <- 74+77+79; code 80 was Long An, from 2025 it is Tây Ninh.
    assert cw.loc["77", "new_code"] == "79" and cw.loc["74", "new_code"] == "79"
    assert cw.loc["72", "new_code"] == "80" and cw.loc["80", "new_name"] == "Tây Ninh"


def row(code, name, num, den, *, level="province", system="gso2004", start="2024-01-01", end="2024-12-31"):
    return dict(
        indicator="payment.online",
        unit_code=code,
        unit_name=name,
        unit_level=level,
        code_system=system,
        period_start=start,
        period_end=end,
        numerator=num,
        denominator=den,
        convention="qd766",
        source="test",
    )


def test_to_2025_units_sums_counts_and_keeps_totals():
    df = pd.DataFrame(
        [
            row("74", "Bình Dương", 10, 20),
            row("77", "Bà Rịa - Vũng Tàu", 30, 40),
            row("79", "Hồ Chí Minh", 50, 100),
            row("72", "Tây Ninh", 1, 2),
            row("80", "Long An", 3, 4),
            row("77.S01", "Sở Tư pháp", 5, 6, level="department"),
            row("79", "Hồ Chí Minh", 7, 8, system="nso2025", start="2025-07-01", end="2025-12-31"),
        ]
    )
    out = to_2025_units(df)
    new = out[(out["unit_level"] == "province") & (out["period_end"] == pd.Timestamp("2024-12-31"))]
    got = {r.unit_code: (r.numerator, r.denominator, r.merged_from) for r in new.itertuples()}
    assert got == {"79": (90, 160, "74+77+79"), "80": (4, 6, "72+80")}
    assert set(new["code_system"]) == {"nso2025"}
    assert (
        out["numerator"].sum() == df["numerator"].sum()
        and out["denominator"].sum() == df["denominator"].sum()
    )
    assert len(out[out["unit_code"] == "77.S01"]) == 1  # below province level: unchanged
    assert new.set_index("unit_code").loc["80", "unit_name"] == "Tây Ninh"


def test_to_2025_units_refuses_rates_unknown_codes_and_incomplete():
    with pytest.raises(InputError, match="rates alone cannot be re-aggregated"):
        to_2025_units(pd.DataFrame({"unit_code": ["77"], "value": [0.9]}))
    with pytest.raises(InputError, match=r"\['99'\] are not gso2004 codes"):
        to_2025_units(pd.DataFrame([row("99", "X", 1, 2)]))
    with pytest.raises(InputError, match="needs old provinces 74\\+77\\+79, found only 77"):
        to_2025_units(pd.DataFrame([row("77", "Bà Rịa - Vũng Tàu", 1, 2)]), require_complete=True)


# --- load_counts ----------------------------------------------------------------------------------------


def make_tree(root):
    (root / "bieu06").mkdir(parents=True)
    build_bieu06(root / "bieu06" / "b.xlsx", period="Năm 2024")
    xlsx(root / "loose_payment.xlsx", [PAY_HEADER, *PAY_ROWS])  # recognised by its header
    (root / "README.md").write_text("not data", encoding="utf-8")
    return root


def test_load_counts_reads_folders_and_loose_files_and_filters(tmp_path):
    root = make_tree(tmp_path / "d")
    counts = load_counts(root)
    assert set(counts["indicator"]) == {
        "timeliness.on_time",
        "timeliness.overdue_pending",
        "online.submission",
        "payment.online",
    }
    pay = load_counts(root, indicator="payment.online")
    assert sorted(zip(pay["unit_code"], pay["numerator"], pay["denominator"], strict=True)) == [
        ("77.H01", 150, 300),
        ("77.S01", 948, 1200),
    ]
    assert set(load_counts(root, unit="77")["unit_code"]) == {"77.S01", "77.H01"}  # only 77.* codes
    assert set(load_counts(root, unit="747")["unit_code"]) == {"747"}
    with pytest.raises(InputError, match="unknown indicator"):
        load_counts(root, indicator="nope")


def test_load_counts_sources_must_agree_and_dossiers_win(tmp_path, monkeypatch):
    import analysis.io.dossiers as dossiers

    root = make_tree(tmp_path / "d")
    b06 = load_counts(root, indicator="timeliness.on_time", unit="747")
    (root / "dossiers").mkdir()
    (root / "dossiers" / "d.csv").write_text("MaHoSo\n1\n", encoding="utf-8")
    fake = b06.assign(source="d.csv", unit_name="Châu Đức (dossiers)")
    monkeypatch.setattr(dossiers, "read_dossiers", lambda path, **kw: fake)
    merged = load_counts(root, indicator="timeliness.on_time", unit="747")
    assert len(merged) == 1 and merged["source"].iloc[0] == "d.csv"
    monkeypatch.setattr(
        dossiers, "read_dossiers", lambda path, **kw: fake.assign(numerator=fake["numerator"] - 1)
    )
    with pytest.raises(
        InputError,
        match=r"sources disagree on timeliness.on_time for unit 747 \(Châu Đức \(dossiers\)\), period "
        r"01/01/2024-31/12/2024: dossier records in d.csv give 1899/1960, Biểu 06 in b.xlsx gives 1900/1960",
    ):
        load_counts(root, indicator="timeliness.on_time")


def test_load_counts_checks_sidecars(tmp_path):
    root = make_tree(tmp_path / "d")
    f = root / "bieu06" / "b.xlsx"
    write_sidecar(f, producer="test", title="t", licence="none", synthetic=True, document="test")
    counts = load_counts(root)
    assert counts.attrs["synthetic"] is True  # the sidecar written above says synthetic
    assert {i["kind"] for i in counts.attrs["inputs"]} == {"bieu06", "payment766"}
    f.write_bytes(f.read_bytes() + b"\0")
    with pytest.raises(InputError, match=r"b.xlsx.*sha256 mismatch"):
        load_counts(root)


def test_load_counts_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no exports found"):
        load_counts(tmp_path)


def test_to_2025_units_from_units_sums_unit_rows_first():
    df = pd.DataFrame(
        [
            row("77.S01", "Sở Tư pháp", 5, 6, level="department"),
            row("77.H01.X01", "Xã Ngãi Giao", 1, 4, level="commune"),
            row("74.S01", "Sở Y tế", 2, 2, level="department"),
        ]
    )
    out = to_2025_units(df, from_units=True)
    assert out[["unit_code", "numerator", "denominator", "merged_from"]].values.tolist() == [
        ["79", 8, 12, "74+77"]
    ]
    with pytest.raises(InputError, match="does not start with a province code"):
        to_2025_units(pd.DataFrame([row("S01", "Sở", 1, 2, level="department")]), from_units=True)


def test_loose_windows_1258_csv_is_refused_with_the_reason(tmp_path):
    from test_io_tables import csv_file

    csv_file(
        tmp_path / "welfare_2024.csv",
        [
            [
                "Mã đơn vị",
                "Tên đơn vị",
                "Tổng số đối tượng",
                "Số có tài khoản",
                "Số được chi trả qua tài khoản",
            ],
            ["77.H01", "Huyện Châu Đức", 5, 4, 3],
        ],
        encoding="cp1258",
        lines=["Năm 2024"],
    )
    with pytest.raises(InputError, match="Windows-1258"):
        load_counts(tmp_path)


def test_counts_cli_prints_summary_and_writes_atomically(tmp_path, capsys):
    from analysis.io import main

    root = make_tree(tmp_path / "d")
    out = tmp_path / "out" / "counts.csv"
    assert main([str(root), "--out", str(out), "--indicator", "payment.online"]) == 0
    text = capsys.readouterr().out
    assert "payment.online" in text and "0.732" in text  # (948 + 150) / (1200 + 300) = 1098 / 1500
    back = pd.read_csv(out, dtype={"unit_code": str})
    assert sorted(back["unit_code"]) == ["77.H01", "77.S01"]
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary file left
    assert main([str(tmp_path / "missing")]) == 2
    assert "data folder not found" in capsys.readouterr().err


def test_published_and_reference_files_are_not_read_as_exports(tmp_path):
    root = make_tree(tmp_path / "d")
    (root / "published").mkdir()
    shutil.copy(PUBLISHED_FILE, root / "published" / "published_indicators.csv")
    shutil.copy(PUBLISHED_FILE, root / "loose_published.csv")  # welfare words in quotes, not in a header
    with pytest.warns(UserWarning, match="loose_published.csv: not recognised"):
        counts = load_counts(root)
    assert set(counts["source"]) == {"b.xlsx", "loose_payment.xlsx"}


def test_old_xls_workbook_is_refused_not_skipped(tmp_path):
    root = make_tree(tmp_path / "d")
    (root / "bieu06" / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")  # an OLE2 (Excel 97-2003) signature
    with pytest.raises(InputError, match=r"old.xls.*save it as .xlsx"):
        load_counts(root)
