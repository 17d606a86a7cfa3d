"""The explorer: choices come from the data, widgets update the charts and table in place, errors stay short,
saves go to the scratch folder with their provenance; explore.ipynb keeps the notebook rules.

The data are the small SYNTHETIC Counts fixture of the notebook tests (seeded, invented numbers).
"""

from __future__ import annotations

import ast
import hashlib
import html
import json

import nbformat
import pytest
import yaml
from test_notebooks import FORBIDDEN, fixture_counts

from analysis import paths, stats
from analysis.counts import in_scope, subset
from analysis.errors import ParameterError
from analysis.notebook import explore_choices as choices
from analysis.notebook.explore import Explorer
from analysis.notebook.explore_io import check_scratch, short_message

pytest.importorskip("ipywidgets")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A data folder marked synthetic with the fixture's Counts parquet in it."""
    folder = tmp_path_factory.mktemp("explore_data")
    (folder / "SYNTHETIC.md").write_text("Synthetic fixture for the explorer tests.\n", encoding="utf-8")
    counts = fixture_counts()
    counts.to_parquet(folder / "counts.parquet", index=False)
    return folder, counts


@pytest.fixture
def app(data, tmp_path):
    folder, _ = data
    counts_file = str(folder / "counts.parquet")
    return Explorer(data_dir=str(folder), counts_file=counts_file, scratch_dir=str(tmp_path))


def test_units_are_offered_as_a_tree_with_names(data):
    _, counts = data
    offered = choices.unit_choices(counts)
    codes = [c for _, c in offered]
    assert codes[0] == "77" and offered[0][0] == "77 · Bà Rịa - Vũng Tàu"
    assert set(codes) == set(counts["unit_code"])  # every unit of the data, none invented
    agencies = [c for c in codes if ".S" in c]
    assert codes.index(agencies[-1]) < codes.index("77.H01")  # agencies before districts
    assert codes.index("77.H01") < codes.index("77.H01.X01") < codes.index("77.H02")  # communes under theirs
    assert ("    77.H01.X02 · Phường Thắng Nhất", "77.H01.X02") in offered


def test_comparisons_follow_the_data(data):
    _, counts = data
    province = [v for _, v in choices.compare_choices(counts, "77", "timeliness.on_time", lang="en")]
    assert province == ["level:department", "level:district"]  # the fixture has no commune dossiers
    welfare = [v for _, v in choices.compare_choices(counts, "77", "welfare.paid_share", lang="vi")]
    assert welfare == ["level:commune", "by:beneficiary_group"]
    agency = [v for _, v in choices.compare_choices(counts, "77.S01", "payment.online", lang="en")]
    assert agency == ["peers:department"]  # nothing under an agency: its peers in the province


def test_every_registry_indicator_is_offered_in_both_languages():
    from analysis.indicators import REGISTRY

    for lang in ("vi", "en"):
        offered = choices.indicator_choices(lang=lang)
        assert [i for _, i in offered] == list(REGISTRY)
        assert all(label == REGISTRY[i].label(lang) for label, i in offered)


def test_opens_on_the_province_with_charts_verdicts_and_table(app, data):
    _, counts = data
    assert app.unit.value == "77" and app.indicator.value == "timeliness.on_time"
    assert app.years.value == (2021, 2024)
    assert bytes(app.trend_image.value).startswith(b"<?xml") and b"<svg" in bytes(app.compare_image.value)
    rows = subset(in_scope(counts, "77"), indicator="timeliness.on_time")
    label = stats.yoy_table(rows, 2024, by=[])["label"].iloc[0]  # the reports' verdict for the same rows
    from analysis import text

    assert f"<b class='explore-verdict'>{text.label(label, lang='vi')}</b>" in app.verdict.value
    assert "DỮ LIỆU TỔNG HỢP" in app.verdict.value  # synthetic, said beside the verdicts
    for fig in (app.views.trend, app.views.compare):  # and stamped on both charts, as saved figures are
        assert "DỮ LIỆU TỔNG HỢP" in fig.get_supxlabel()
    assert "Sở Tư pháp" in app.table.value and "<table" in app.table.value
    assert "Traceback" not in app.status.value + app.verdict.value


def test_changing_a_widget_updates_in_place(app):
    widgets = (app.trend_image, app.compare_image, app.table, app.verdict)
    before = [w.value for w in widgets]
    app.indicator.value = "payment.online"
    after_indicator = [w.value for w in widgets]
    assert all(a != b for a, b in zip(before, after_indicator, strict=True))
    assert app.widget.children[5].children[0] is app.trend_image  # the same widgets, new values
    app.compare.value = "level:district"
    assert "Thành phố Vũng Tàu" in app.table.value and "Sở Tư pháp" not in app.table.value
    assert app.trend_image.value == after_indicator[0]  # the unit's own trend did not change
    app.unit.value = "77.H01"
    assert "Thành phố Vũng Tàu" in app.verdict.value
    assert [v for _, v in app.compare.options] == ["peers:district"]
    app.chart.value = "funnel"
    assert app.views.compare.analysis_caption["title"].startswith("Dossiers paid online") is False  # vi
    app.lang.value = "en"
    assert app.indicator.description == "Indicator" and "Verdict" in app.table.value
    assert "Dossiers paid online" in app.verdict.value and "SYNTHETIC DATA" in app.verdict.value
    app.years.value = (2022, 2023)
    assert "2023 vs 2022" in app.verdict.value


def test_kept_statistics_and_skipped_model_checks_change_no_view(app):
    """A view drawn from the kept statistics, without pandera's re-checks, is the view computed afresh."""
    from analysis.notebook import explore_views as views
    from analysis.notebook.explore_io import figure_image

    app.indicator.value = "payment.online"
    app.chart.value = "funnel"
    app.lang.value = "en"  # statistics kept from the Vietnamese view: only drawn again
    app.years.value = (2022, 2024)  # the comparison is kept whole (it does not depend on the first year)
    sel = app.selection()
    rows = views.selected_rows(app._by_indicator, sel)
    name = app._names[sel.unit]
    own = views.trend_part(rows, sel, targets=app.targets, synthetic=True, name=name)  # pandera models on
    other = views.compare_part(rows, sel, total=own.total, name=name, synthetic=True)
    assert app.verdict.value == own.verdict_html and app.table.value == other.table_html
    assert app.trend_image.value == figure_image(own.figure)
    assert app.compare_image.value == figure_image(other.figure)


def test_convention_switches_to_the_twin_and_shows_both(app):
    assert [v for _, v in app.convention.options] == ["bieu06", "qd766", "both"]
    app.convention.value = "qd766"
    assert app.indicator.value == "timeliness.on_time_766"
    app.convention.value = "both"
    plotted = app.views.trend.analysis_caption["data"]
    assert sorted(plotted["convention"].unique()) == ["bieu06", "qd766"]  # two series, never mixed
    app.indicator.value = "payment.online"
    assert app.convention.disabled and [v for _, v in app.convention.options] == ["qd766"]


def test_breakdown_by_beneficiary_group(app):
    app.indicator.value = "welfare.paid_share"
    app.compare.value = "by:beneficiary_group"
    assert "Bảo trợ xã hội" in app.table.value and "Người có công" in app.table.value


def test_bad_folder_gives_one_short_line_and_keeps_the_data(app, tmp_path):
    counts, image = app.counts, app.trend_image.value
    assert app.load(str(tmp_path / "nowhere")) is False
    assert "folder not found" in app.status.value and "Traceback" not in app.status.value
    assert app.counts is counts and app.trend_image.value == image  # the earlier view is kept
    empty = tmp_path / "empty"
    empty.mkdir()
    app.counts_file = ""
    assert app.load(str(empty)) is False
    assert "no exports found" in app.status.value and len(app.status.value) < 600


def test_names_from_data_are_escaped(data, tmp_path):
    folder, counts = data
    evil = counts.copy()
    evil.loc[evil["unit_code"] == "77.S01", "unit_name"] = "<script>alert(1)</script>"
    path = tmp_path / "evil.parquet"
    evil.to_parquet(path, index=False)
    app = Explorer(data_dir=str(folder), counts_file=str(path), scratch_dir=str(tmp_path))
    assert "&lt;script&gt;" in app.table.value and "<script>" not in app.table.value
    app.unit.value = "77.S01"
    assert "<script>" not in app.verdict.value and "&lt;script&gt;" in app.verdict.value


def test_save_writes_scratch_with_provenance(app, data, tmp_path):
    folder, _ = data
    official = sorted(paths.FIGURES_DIR.rglob("*")) if paths.FIGURES_DIR.exists() else []
    app.unit.value = "77.H02"
    saved = app.save()
    assert saved == (tmp_path / "2024" / "77.H02").resolve()
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(e["id"] for e in manifest) == ["timeliness.on_time-compare", "timeliness.on_time-trend"]
    entry = manifest[0]
    assert entry["notebook"] == "explore" and entry["synthetic"] is True and entry["commit"]
    assert entry["parameters"]["unit"] == "77.H02"
    assert entry["parameters"]["indicator"] == "timeliness.on_time"
    digest = hashlib.sha256((folder / "counts.parquet").read_bytes()).hexdigest()
    assert entry["inputs"][0]["sha256"] == digest
    assert "matplotlib" in entry["versions"] and "python" in entry["versions"]
    for ext in ("png", "svg", "csv"):
        assert (saved / f"{entry['id']}.{ext}").is_file()
    assert "DỮ LIỆU TỔNG HỢP" in (saved / f"{entry['id']}.svg").read_text(encoding="utf-8")
    after = sorted(paths.FIGURES_DIR.rglob("*")) if paths.FIGURES_DIR.exists() else []
    assert after == official  # the official set is untouched


def test_save_refuses_the_official_folders(app):
    with pytest.raises(ParameterError, match="only by `analysis run`"):
        check_scratch(paths.FIGURES_DIR / "2024")
    app.scratch_dir = paths.REPORTS_DIR
    assert app.save() is None and "only by `analysis run`" in app.saved.value


def test_short_message_has_no_traceback():
    assert short_message(KeyError("unknown indicator 'x'")) == "unknown indicator 'x'"
    assert len(short_message(ValueError("x" * 5000))) <= 401


def test_unknown_starting_choices_fall_back_with_a_message(data, tmp_path):
    folder, _ = data
    app = Explorer(
        data_dir=str(folder), counts_file=str(folder / "counts.parquet"), unit="99", indicator="nope",
        scratch_dir=str(tmp_path),
    )  # fmt: skip
    assert app.unit.value == "77" and app.indicator.value == "timeliness.on_time"
    status = html.unescape(app.status.value)
    assert "unit '99': not in these data" in status and "indicator 'nope': no counts" in status


# --- the notebook --------------------------------------------------------------------------------------


def _explore_nb() -> nbformat.NotebookNode:
    return nbformat.read(paths.NOTEBOOKS_DIR / "explore.ipynb", as_version=4)


def test_explore_notebook_keeps_the_notebook_rules():
    from analysis.notebook.params import read_parameters

    nb = _explore_nb()
    assert nb.metadata["kernelspec"]["name"] == "analysis"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    params = read_parameters(paths.NOTEBOOKS_DIR / "explore.ipynb")  # typed literals, or it raises
    assert {p.name for p in params} >= {"data_dir", "lang"} and all(p.help for p in params)
    assert all("# help:" in line for line in tagged[0].source.splitlines())
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        tree = ast.parse(cell.source)
        assert [type(n).__name__ for n in ast.walk(tree) if isinstance(n, FORBIDDEN)] == []
        assert len([n for n in ast.walk(tree) if isinstance(n, ast.Call)]) <= 3
    assert any("analysis.notebook.explore.Explorer(" in c.source for c in code)


def test_explore_notebook_is_not_in_the_run_matrix():
    listed = yaml.safe_load(paths.RUNS_FILE.read_text(encoding="utf-8"))["notebooks"]
    assert "explore" not in listed


@pytest.mark.slow
def test_explore_notebook_runs_through_papermill(data, tmp_path):
    import papermill

    folder, _ = data
    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(paths.NOTEBOOKS_DIR / "explore.ipynb"), str(out),
        parameters={"data_dir": str(folder), "counts_file": str(folder / "counts.parquet"), "lang": "en",
                    "unit": "77.H01", "indicator": "payment.online"},
        kernel_name="analysis", cwd=str(paths.NOTEBOOKS_DIR), progress_bar=False,
    )  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in shown)
    assert not [o for o in shown if o.output_type == "error"]
