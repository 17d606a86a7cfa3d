"""Runner: runs.yaml expansion, validation before any kernel starts, failures, exit codes, summary, bytes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis import run
from analysis.notebook.params import ParameterError
from analysis.report import site
from analysis.schemas import finalise_counts

pytestmark = pytest.mark.xdist_group("runner")

XSS_UNIT = "<script>alert(1)</script>"

PARAMS_CELL = """year: int = 2024        # help: reporting year
unit: str = "77"        # help: unit code as a string
data_dir: str = ""      # help: folder of exports
counts_file: str = ""   # help: Counts table (parquet)
lang: str = "vi"        # help: label language
out_dir: str = ""       # help: root folder for figures
"""

SETUP = 'P = analysis.notebook.context.setup(globals(), notebook="{name}")'
UNIT_MD = 'Markdown(f"Unit: **{P.unit_name}** ({P.unit}), year {P.year}")'
FIGURE_CELL = """import matplotlib.pyplot as plt
rows = P.counts[P.counts["unit_code"] == P.unit].sort_values("year")
data = pd.DataFrame({"year": rows["year"], "rate": rows["numerator"] / rows["denominator"]})
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(data["year"], data["rate"], marker="o")
P.save(fig, "rate", title="Rate by year (test)", alt="Line of the test rate by year", data=data)
plt.close(fig)
fig
"""


def _nb(cells: list[tuple[str, str, list[str]]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, src, tags in cells:
        cell = nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def tiny_notebook(name: str, *, fail: bool = False, figure: bool = True) -> nbformat.NotebookNode:
    """A notebook following the runner contract; ``fail`` raises in a cell after the setup."""
    cells = [
        ("md", f"# {name}: does the runner work?", []),
        ("code", PARAMS_CELL, ["parameters"]),
        ("code", f"import pandas as pd\nimport analysis.notebook.context\n{SETUP.format(name=name)}", []),
        ("code", f"from IPython.display import Markdown\n{UNIT_MD}", []),
    ]
    if fail:
        cells.append(("code", 'raise ValueError("deliberate failure for the test")', []))
    if figure:
        cells.append(("code", FIGURE_CELL, []))
    cells.append(("code", 'P.counts[["unit_code", "unit_name", "year"]].head(6)', []))
    cells.append(("code", 'P.findings([f"{P.unit_name}: {len(P.counts)} rows read"])', []))
    return _nb(cells)


def tiny_counts() -> pd.DataFrame:
    """A hand-made Counts table: three units (one named like a script tag), 2023 and 2024."""
    rows = []
    for code, name in (("77", "Tỉnh mẫu"), ("01", "Sở có mã 01"), ("99", XSS_UNIT)):
        for year, (x, n) in ((2023, (90, 100)), (2024, (95, 100))):
            rows.append({
                "indicator": "timeliness.on_time", "unit_code": code, "unit_name": name,
                "unit_level": "province" if code == "77" else "department", "code_system": "gso2004",
                "period_start": f"{year}-01-01", "period_end": f"{year}-12-31", "numerator": x,
                "denominator": n, "convention": "bieu06", "source": "test-fixture",
            })  # fmt: skip
    return finalise_counts(pd.DataFrame(rows))


def make_project(tmp_path: Path, notebooks: dict[str, dict], *, units: list[str] | None = None) -> dict:
    """Write tiny notebooks, runs.yaml, a Counts parquet and a synthetic data folder under ``tmp_path``."""
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    spec = {"units": units or ["77"], "parameters": {"lang": "en"}, "notebooks": {}}
    for name, opts in notebooks.items():
        notebook = tiny_notebook(name, fail=opts.get("fail", False), figure=opts.get("figure", True))
        nbformat.write(notebook, nb_dir / f"{name}.ipynb")
        spec["notebooks"][name] = {k: v for k, v in opts.items() if k in ("units", "parameters")}
    (nb_dir / "runs.yaml").write_text(json.dumps(spec), encoding="utf-8")  # JSON is YAML
    data = tmp_path / "data"
    data.mkdir()
    (data / "SYNTHETIC.md").write_text("Synthetic test fixture.\n", encoding="utf-8")
    (data / "export.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (data / "export.csv.meta.json").write_text('{"synthetic": true}', encoding="utf-8")
    counts_file = tmp_path / "counts_in.parquet"
    tiny_counts().to_parquet(counts_file)
    args = ["--notebooks-dir", str(nb_dir), "--data-dir", str(data), "--counts-file", str(counts_file)]
    return {"nb_dir": nb_dir, "data": data, "out": tmp_path / "out", "args": args}


def digest_tree(folder: Path) -> dict[str, str]:
    """Figure files under `folder` (links followed, should any be there) -> sha256."""
    found = {}
    for dirpath, _dirs, files in os.walk(folder, followlinks=True):
        for name in files:
            p = Path(dirpath) / name
            if p.suffix in {".png", ".svg", ".csv"}:
                found[p.relative_to(folder).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return dict(sorted(found.items()))


# --- expansion and validation (no kernel) -------------------------------------------------------------


def test_expand_runs_matrix_and_overrides():
    spec = {"units": ["77", "01"], "parameters": {"lang": "vi"},
            "notebooks": {"a": None, "b": {"units": ["02"], "parameters": {"lang": "en"}}}}  # fmt: skip
    assert run.expand_runs(spec) == [
        ("a", "77", {"lang": "vi"}), ("a", "01", {"lang": "vi"}), ("b", "02", {"lang": "en"}),
    ]  # fmt: skip
    assert run.expand_runs(spec, units=["05"], notebooks=["b"]) == [("b", "05", {"lang": "en"})]
    with pytest.raises(ParameterError, match="not in runs.yaml"):
        run.expand_runs(spec, notebooks=["zz"])


def test_integer_unit_in_runs_yaml_is_refused_with_hint():
    with pytest.raises(ParameterError, match='quote them: "1"'):
        run.expand_runs({"notebooks": {"a": {"units": [1]}}})


def test_load_runs_rejects_unknown_keys(tmp_path):
    path = tmp_path / "runs.yaml"
    path.write_text("notebooks:\n  a: {unitz: ['77']}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown key"):
        run.load_runs(path)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--year", "2019"], "no data for year 2019; years with data: [2023, 2024]"),
        (["--year", "2024", "--unit", "5"], "no data for unit '5'"),
        (["--year", "2024", "--workers", "0"], "--workers must be at least 1"),
        (["--year", "2024", "--timeout", "0"], "--timeout must be a positive number"),
        (["--year", "2024", "--notebooks", "nope"], "not in runs.yaml"),
    ],
)
def test_validation_errors_exit_2_before_any_kernel(tmp_path, capsys, extra, message):
    proj = make_project(tmp_path, {"t_ok": {}})
    code = run.main([*proj["args"], "--out", str(proj["out"]), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert not (proj["out"] / "reports").exists()  # nothing written, no kernel started


def test_wrong_type_override_is_refused(tmp_path, capsys):
    proj = make_project(tmp_path, {"t_ok": {"parameters": {"lang": 1}}})
    assert run.main([*proj["args"], "--out", str(proj["out"]), "--year", "2024"]) == 2
    assert "parameter 'lang' must be str, got int 1" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["year", "out_dir", "counts_file"])
def test_runs_yaml_cannot_set_what_the_runner_sets(tmp_path, capsys, name):
    proj = make_project(tmp_path, {"t_ok": {"parameters": {name: "x"}}})
    assert run.main([*proj["args"], "--out", str(proj["out"]), "--year", "2024"]) == 2
    assert f"['{name}'] are set by `analysis run`" in capsys.readouterr().err


def test_unknown_parameter_is_refused(tmp_path, capsys):
    proj = make_project(tmp_path, {"t_ok": {"parameters": {"colour": "red"}}})
    assert run.main([*proj["args"], "--out", str(proj["out"]), "--year", "2024"]) == 2
    assert "unknown parameter(s) ['colour']" in capsys.readouterr().err


def test_dry_run_lists_runs_and_keeps_leading_zero(tmp_path, capsys):
    proj = make_project(tmp_path, {"t_ok": {}}, units=["77", "01"])
    assert run.main([*proj["args"], "--out", str(proj["out"]), "--year", "2024", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert '"unit": "01"' in out and "2 run(s) valid" in out
    assert not (proj["out"] / "reports").exists()


# --- execution (kernels) --------------------------------------------------------------------------------


@pytest.mark.slow
def test_failure_is_kept_others_continue_and_exit_1(tmp_path, capsys):
    proj = make_project(tmp_path, {"t_fail": {"fail": True}, "t_ok": {}}, units=["01"])
    code = run.main([*proj["args"], "--out", str(proj["out"]), "--year", "2024", "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 1
    reports = proj["out"] / "reports" / "2024"
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("t_")}
    assert "FAILED" in lines["t_fail"] and "deliberate failure" in lines["t_fail"]
    assert " ok " in lines["t_ok"]
    failed = nbformat.read(reports / "01" / "t_fail.ipynb", as_version=4)
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0]["evalue"] == "deliberate failure for the test"
    assert "deliberate failure" in (reports / "01" / "t_fail.log").read_text(encoding="utf-8")
    assert "deliberate failure" in (reports / "01" / "t_fail.html").read_text(encoding="utf-8")
    assert (reports / "01" / "t_ok.html").is_file()
    assert not list(reports.rglob("*.part.ipynb"))
    runs = json.loads((reports / "runs.json").read_text(encoding="utf-8"))
    assert {r["notebook"]: r["status"] for r in runs["results"]} == {"t_fail": "failed", "t_ok": "ok"}
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "FAILED" in index
    assert pd.read_parquet(reports / "counts.parquet")["unit_code"].tolist().count("01") == 2


@pytest.mark.slow
def test_two_runs_give_identical_figure_bytes(tmp_path, capsys):
    proj = make_project(tmp_path, {"t_ok": {}, "t_two": {}}, units=["01"])
    argv = [*proj["args"], "--out", str(proj["out"]), "--year", "2024", "--workers", "2"]
    assert run.main(argv) == 0
    first = digest_tree(proj["out"] / "figures")
    assert sorted(first) == [f"2024/01/rate.{k}" for k in ("csv", "png", "svg")]
    assert run.main(argv) == 0
    assert digest_tree(proj["out"] / "figures") == first
    manifest = json.loads((proj["out"] / "figures/2024/01/manifest.json").read_text(encoding="utf-8"))
    assert manifest[0]["parameters"]["unit"] == "01" and manifest[0]["synthetic"] is True
    summary = capsys.readouterr().out
    assert "reviewer site:" in summary and "index.html" in summary


@pytest.mark.slow
def test_project_matrix_validates_from_any_directory(tmp_path):
    """The real notebooks/runs.yaml and notebooks resolve from the project root, whatever the cwd."""
    import subprocess
    import sys

    counts_file = tmp_path / "counts.parquet"
    tiny_counts().to_parquet(counts_file)
    (tmp_path / "data").mkdir()
    root = Path(__file__).resolve().parents[1]
    listed = list(run.load_runs(root / "notebooks" / "runs.yaml")["notebooks"])
    argv = [
        "--year",
        "2024",
        "--dry-run",
        "--counts-file",
        str(counts_file),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "run", *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{len(listed)} run(s) valid" in proc.stdout
    assert [line.split()[0] for line in proc.stdout.splitlines()[:-1]] == listed


def test_merge_results_keeps_other_units_with_outputs(tmp_path):
    kept_nb = tmp_path / "01.ipynb"
    kept_nb.write_text("{}", encoding="utf-8")
    previous = [
        {"notebook": "a", "unit": "01", "status": "ok", "output": str(kept_nb)},
        {"notebook": "a", "unit": "02", "status": "ok", "output": str(tmp_path / "gone.ipynb")},
        {"notebook": "a", "unit": "77", "status": "failed", "output": str(kept_nb)},
    ]
    current = [{"notebook": "a", "unit": "77", "status": "ok", "output": ""}]
    merged = site.merge_results(previous, current)
    assert [(r["unit"], r["status"]) for r in merged] == [("01", "ok"), ("77", "ok")]


@pytest.mark.parametrize("unit", ["..", "../77", "77/../01", ".hidden"])
def test_a_unit_that_would_name_a_folder_outside_the_set_is_refused_before_any_kernel(tmp_path, capsys, unit):
    proj = make_project(tmp_path, {"t_ok": {}})
    code = run.main([*proj["args"], "--out", str(proj["out"]), "--year", "2024", "--unit", unit])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("analysis run: error: --unit: unit code") and "cannot name a folder" in err
    assert not (proj["out"]).exists()  # not even the lock file: nothing was written


def test_lang_sets_every_notebooks_language(tmp_path, capsys):
    proj = make_project(tmp_path, {"t_ok": {}, "t_two": {}})  # runs.yaml says lang "en"
    argv = [*proj["args"], "--out", str(proj["out"]), "--year", "2024", "--dry-run"]
    assert run.main([*argv, "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert out.count('"lang": "vi"') == 2 and '"lang": "en"' not in out
    with pytest.raises(SystemExit):
        run.main([*argv, "--lang", "fr"])
