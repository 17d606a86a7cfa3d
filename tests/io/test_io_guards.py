"""Guards around the readers: the xlsx check, files not read, disagreements, the counts command."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_corpus as hc  # noqa: E402

from analysis.errors import InputError, OutputError  # noqa: E402
from analysis.io import load_counts  # noqa: E402
from analysis.io import main as counts_main  # noqa: E402
from analysis.io.excel import check_xlsx  # noqa: E402
from analysis.io.names import slugify  # noqa: E402


def test_check_xlsx_reports_real_extent_and_declared_dimension(tmp_path):
    src = hc.bieu06_file(tmp_path, name="b.xlsx")
    (ext,) = check_xlsx(src)
    # the base sheet: 18 rows, 13 columns (A-M); cells written = non-empty cells of the grid
    written = sum(v is not None for r in hc.bieu06_sheet().rows for v in r)
    assert (ext.name, ext.max_row, ext.max_col, ext.declared) == ("Bieu06", 18, 13, "A1:M18")
    assert ext.cells == written
    lie = hc.sheet_xml_edit(
        src,
        tmp_path / "lie.xlsx",
        lambda s: s.replace('<dimension ref="A1:M18"', '<dimension ref="A1:XFD1048576"'),
    )
    (ext,) = check_xlsx(lie)
    assert ext.declared == "A1:XFD1048576" and (ext.max_row, ext.max_col) == (18, 13)


def test_check_xlsx_limits_are_parameters(tmp_path):
    src = hc.bieu06_file(tmp_path, name="b.xlsx")
    with pytest.raises(InputError, match=r"too large.*M18.*234 grid cells") as info:
        check_xlsx(src, max_grid_cells=200)
    assert (info.value.sheet, info.value.row, info.value.column) == ("Bieu06", 18, "M")
    assert check_xlsx(src, max_grid_cells=None)[0].area == 18 * 13  # a streaming reader: no grid limit
    with pytest.raises(InputError, match="expands to"):
        check_xlsx(src, max_uncompressed_bytes=1000)


def test_stray_far_cell_refused_in_well_under_a_second(tmp_path):
    import time

    src = hc.payment_file(tmp_path, name="t.xlsx")
    far = hc.sheet_xml_edit(
        src,
        tmp_path / "far.xlsx",
        lambda s: s.replace(
            "</sheetData>", '<row r="1048576"><c r="M1048576"><v>1</v></c></row></sheetData>'
        ),
    )
    t = time.perf_counter()
    with pytest.raises(InputError, match="M1048576"):
        check_xlsx(far)
    assert time.perf_counter() - t < 5  # a guard, not a benchmark: openpyxl alone takes minutes here


def test_slugs_are_safe_folder_names_even_for_long_names():
    from analysis.paths import safe_component

    long = "Trung tâm Phục vụ hành chính công tỉnh Bà Rịa - Vũng Tàu, chi nhánh huyện Xuyên Mộc"
    slug = slugify(long)
    assert len(slug) <= 60 and safe_component(slug) == slug
    assert slug != slugify(long + " 2")  # the hash keeps distinct names distinct
    assert slugify("Sở Tư pháp") == "so-tu-phap"


def test_files_not_read_are_listed_and_warned(tmp_path):
    root = tmp_path / "data"
    hc.payment_file(root / "payment766")
    hc.write_bytes(root / "scan.pdf", b"%PDF-1.4")
    hc.write_bytes(root / "payment766" / "~$tttt.xlsx", b"lock")  # Excel's lock file: quiet
    hc.write_bytes(root / "README.md", b"# where these files come from\n")  # quiet too
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        counts = load_counts(root)
    assert counts.attrs["skipped"] == [("scan.pdf", counts.attrs["skipped"][0][1])]
    assert "file type .pdf" in counts.attrs["skipped"][0][1]
    assert [str(w.message) for w in caught if "scan.pdf" in str(w.message)]


def test_disagreement_names_dossier_ids_from_the_hook(tmp_path, monkeypatch):
    import analysis.io.dossiers as dossiers

    root = tmp_path / "data"
    hc.payment_file(root / "payment766")
    (root / "dossiers").mkdir()
    (root / "dossiers" / "d.csv").write_text("MaHoSo\n1\n", encoding="utf-8")
    pay = load_counts(root / "payment766")
    fake = pay.assign(source="d.csv", numerator=pay["numerator"] - 1)
    monkeypatch.setattr(dossiers, "read_dossiers", lambda path, **kw: fake)
    calls = []

    def example_dossiers(files, **kw):
        calls.append((files, kw))
        return ["000.00.77.H12-240101-0001", "000.00.77.H12-240102-0007"]

    monkeypatch.setattr(dossiers, "example_dossiers", example_dossiers, raising=False)
    with pytest.raises(InputError) as info:
        load_counts(root, date_format="%d/%m/%Y")
    msg = str(info.value)
    assert "sources disagree on payment.online for unit 77.H01 (UBND huyện Châu Đức)" in msg
    assert (
        "dossier records in d.csv give 149/300, 766 payment export in payment_2024.xlsx gives 150/300" in msg
    )
    assert "000.00.77.H12-240101-0001, 000.00.77.H12-240102-0007" in msg
    assert info.value.path.endswith("payment_2024.xlsx") and info.value.column == "numerator"
    files, kw = calls[0]
    assert [f.name for f in files] == ["d.csv"]
    assert kw["unit_code"] == "77.H01" and kw["indicator"] == "payment.online"
    assert str(kw["period_start"]) == "2024-01-01" and kw["date_format"] == "%d/%m/%Y"


def test_counts_cli_writes_a_formula_safe_csv(tmp_path, capsys):
    root = tmp_path / "data"

    def m(rows):
        rows[hc.PAY_DATA_ROW - 1][1] = '=HYPERLINK("http://x","y")'

    hc.payment_file(root / "payment766", m)
    out = tmp_path / "counts.csv"
    assert counts_main([str(root), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text
    back = pd.read_csv(out)
    assert back["numerator"].dtype.kind == "i"


def test_counts_cli_passes_the_date_format(tmp_path, monkeypatch, capsys):
    import analysis.io as io

    seen = {}

    def fake(data_dir, **kw):
        seen.update(kw)
        return hc_counts()

    monkeypatch.setattr(io, "load_counts", fake)
    assert counts_main([str(tmp_path), "--dayfirst"]) == 0
    assert seen["date_format"] == "%d/%m/%Y"
    assert counts_main([str(tmp_path), "--date-format", "%m/%d/%Y"]) == 0
    assert seen["date_format"] == "%m/%d/%Y"
    with pytest.raises(SystemExit):
        counts_main([str(tmp_path), "--date-format", "dd/mm/yyyy"])
    assert "no % directive" in capsys.readouterr().err


def hc_counts():
    from analysis.schemas import empty_counts

    df = empty_counts()
    df.attrs["skipped"] = []
    return df


def test_counts_cli_unwritable_out_prints_one_line(tmp_path, monkeypatch, capsys):
    import analysis.io as io

    root = tmp_path / "data"
    hc.payment_file(root / "payment766")

    def refuse(*a, **k):
        raise OutputError(
            "cannot write c.csv in folder x: the folder is read-only", folder="x", cause="read-only"
        )

    monkeypatch.setattr(io, "_write_table", refuse)
    assert counts_main([str(root), "--out", str(tmp_path / "c.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: cannot write c.csv in folder x: the folder is read-only"]


def test_counts_cli_prints_files_not_read(tmp_path, capsys):
    root = tmp_path / "data"
    hc.payment_file(root / "payment766")
    hc.write_bytes(root / "notes.docx", b"PK\x05\x06" + b"\0" * 18)
    assert counts_main([str(root)]) == 0
    assert "warning: notes.docx: file type .docx is not an export" in capsys.readouterr().err
