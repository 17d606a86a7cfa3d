"""Notebook parameters: the tagged cell read with ast, validation, setup() and `analysis params`."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from analysis.notebook import context, params
from analysis.notebook.params import Param, ParameterError, parse_parameters, read_parameters, validate

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9]*.ipynb"))  # report notebooks; explore.ipynb has its own tests
STANDARD_NAMES = {"year", "unit", "data_dir", "counts_file", "lang", "out_dir"}


def _write_nb(path: Path, cells: list[tuple[str, list[str]]]) -> Path:
    nb = nbformat.v4.new_notebook()
    for src, tags in cells:
        cell = nbformat.v4.new_code_cell(src)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def test_parse_reads_types_defaults_and_help():
    src = 'year: int = 2024  # help: reporting year\nunit: str = "01"  # unit code\nshare: float = 0.5\n'
    got = parse_parameters(src)
    assert [(p.name, p.type, p.default, p.help) for p in got] == [
        ("year", int, 2024, "reporting year"),
        ("unit", str, "01", "unit code"),
        ("share", float, 0.5, ""),
    ]


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("year = 2024", "expected `name: type = literal`"),
        ("year: int = 2020 + 4", "must be a literal"),
        ("path: str = str(1)", "must be a literal"),
        ("year: numpy.int64 = 2024", "has type 'numpy.int64'"),
        ('year: int = "2024"', "default of 'year' is str '2024', not int"),
        ("flag: int = True", "default of 'flag' is bool True, not int"),
        ("import os", "expected `name: type = literal`"),
        ("a: int = 1\na: int = 2", "declared twice"),
        ("a: int = ", "not valid Python"),
    ],
)
def test_parse_refuses_anything_but_typed_literals(src, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_parameters(src, where="cell")


def test_read_parameters_needs_exactly_one_tagged_cell(tmp_path):
    none = _write_nb(tmp_path / "none.ipynb", [("year: int = 2024", [])])
    two = _write_nb(
        tmp_path / "two.ipynb", [("year: int = 2024", ["parameters"]), ("b: int = 1", ["parameters"])]
    )
    one = _write_nb(tmp_path / "one.ipynb", [("x = 1", []), ('unit: str = "77"', ["parameters"])])
    with pytest.raises(ParameterError, match="found 0"):
        read_parameters(none)
    with pytest.raises(ParameterError, match="found 2"):
        read_parameters(two)
    assert read_parameters(one) == [Param("unit", str, "77", "")]


PS = [
    Param("year", int, 2024),
    Param("unit", str, "77"),
    Param("lang", str, "vi"),
    Param("share", float, 0.5),
]


def test_validate_merges_defaults_and_keeps_strings():
    assert validate({"unit": "01", "share": 1}, PS) == {
        "year": 2024,
        "unit": "01",
        "lang": "vi",
        "share": 1.0,
    }


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ({"colour": "red"}, {}, "unknown parameter(s) ['colour']"),
        ({"unit": 1}, {}, "'unit' must be str, got int 1"),
        ({"year": "2024"}, {}, "'year' must be int, got str '2024'"),
        ({"year": True}, {}, "'year' must be int, got bool True"),
        ({"lang": "fr"}, {}, "'lang' must be one of ['vi', 'en']"),
        ({"year": 2018}, {"years": [2023, 2024]}, "no data for year 2018; years with data: [2023, 2024]"),
        ({"unit": "7"}, {"units": ["77", "01"]}, "no data for unit '7'"),
    ],
)
def test_validate_errors_are_clear(values, kwargs, message):
    with pytest.raises(ParameterError) as info:
        validate(values, PS, where="nb", **kwargs)
    assert message in str(info.value)
    assert str(info.value).startswith("nb: ")


def test_list_inputs_hashes_and_reads_synthetic_flag(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"abc")
    (tmp_path / "a.csv.meta.json").write_text(json.dumps({"synthetic": True}), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.csv").write_bytes(b"")
    got = context.list_inputs(tmp_path)
    # sha256("abc") and sha256("") from FIPS 180-2 examples / the well-known empty-string digest
    assert got == [
        {"path": "a.csv", "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
         "synthetic": True},
        {"path": "sub/b.csv", "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "synthetic": False},
    ]  # fmt: skip


def test_setup_validates_namespace_and_builds_context(tmp_path, monkeypatch):
    from test_run import tiny_counts

    counts_file = tmp_path / "counts.parquet"
    tiny_counts().to_parquet(counts_file)
    data = tmp_path / "data"
    data.mkdir()
    (data / "SYNTHETIC.md").write_text("synthetic\n", encoding="utf-8")
    monkeypatch.setenv(params.NOTEBOOKS_ENV, str(tmp_path / "no-such-folder"))
    ns = {"year": 2024, "unit": "01", "data_dir": str(data), "counts_file": str(counts_file), "lang": "en",
          "out_dir": str(tmp_path / "figs"), "In": [], "_": None}  # fmt: skip
    ctx = context.setup(ns, notebook="zz_not_a_notebook")
    assert (ctx.year, ctx.unit, ctx.unit_name, ctx.lang) == (2024, "01", "Sở có mã 01", "en")
    assert ctx.synthetic is True
    assert ctx.figures_dir == tmp_path / "figs" / "2024" / "01"
    assert len(ctx.counts) == 6
    with pytest.raises(ParameterError, match="no data for year 2030"):
        context.setup({**ns, "year": 2030}, notebook="zz_not_a_notebook")
    with pytest.raises(ParameterError, match="'unit' must be str"):
        context.setup({**ns, "unit": 1}, notebook="zz_not_a_notebook")


def test_params_command_prints_table(tmp_path, capsys):
    nb = _write_nb(tmp_path / "x.ipynb", [('unit: str = "01"  # help: unit code', ["parameters"])])
    assert params.main([str(nb)]) == 0
    out = capsys.readouterr().out
    assert "unit  str   '01'     unit code" in out
    assert params.main(["no_such_notebook", "--notebooks-dir", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks in notebooks/ yet")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_project_notebooks_have_one_literal_parameters_cell(path):
    declared = read_parameters(path)  # raises unless exactly one tagged cell of typed literals
    names = {p.name for p in declared}
    assert STANDARD_NAMES <= names, f"{path.name} lacks {sorted(STANDARD_NAMES - names)}"
    assert all(p.help for p in declared), f"{path.name}: every parameter needs a # help comment"
    for name, (kind, _default, _help) in params.STANDARD.items():
        assert next(p for p in declared if p.name == name).type is kind
    nb = json.loads(path.read_text(encoding="utf-8"))
    i = params.parameters_cells(nb)[0]
    following = "".join(nb["cells"][i + 1]["source"])
    assert "analysis.notebook.setup(globals()" in following and path.stem in following
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), (
        "commit without outputs"
    )


def test_cached_counts_reuses_only_for_same_inputs(tmp_path, monkeypatch):
    from test_run import tiny_counts

    import analysis.io

    calls = []
    monkeypatch.setattr(analysis.io, "load_counts", lambda d: calls.append(d) or tiny_counts())
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("1\n", encoding="utf-8")
    cache = tmp_path / "cache"
    first = context.cached_counts(data, cache_dir=cache)
    again = context.cached_counts(data, cache_dir=cache)
    assert len(calls) == 1 and len(list(cache.glob("counts-*.parquet"))) == 1
    assert again.equals(first)
    (data / "a.csv").write_text("2\n", encoding="utf-8")  # a changed export recomputes
    context.cached_counts(data, cache_dir=cache)
    (data / "b.csv").write_text("3\n", encoding="utf-8")  # so does an added one
    context.cached_counts(data, cache_dir=cache)
    assert len(calls) == 3 and len(list(cache.glob("counts-*.parquet"))) == 3


# --- only `analysis run` writes the official set; names papermill injects are checked too -----------------


def test_injected_names_come_from_papermills_cell_in_the_history():
    ns = {
        "In": ["", 'year: int = 2024\nunit: str = "77"', '# Parameters\nyeer = 2022\nunit = "01"\n', "x = 1"]
    }
    assert params.injected_names(ns) == ["yeer", "unit"]
    declared = [Param("year", int, 2024), Param("unit", str, "77")]
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) \['yeer'\] given to this notebook"):
        params.check_injected(ns, declared, where="20_online_payment")
    params.check_injected({"In": ["# Parameters\nunit = '01'\n"]}, declared)  # declared names pass
    params.check_injected({"yeer": 1}, declared)  # no papermill cell: nothing to check


def test_hand_runs_write_to_scratch_and_say_so(tmp_path, monkeypatch):
    from analysis.notebook import outputs

    monkeypatch.delenv(outputs.RUN_ENV, raising=False)
    monkeypatch.setattr(outputs, "SCRATCH_DIR", tmp_path / "scratch")
    layout, notice = outputs.figures_layout("", lang="en")
    assert layout.figures(2024, "77") == tmp_path / "scratch" / "2024" / "77"
    assert "Ad-hoc run" in notice and "only `analysis run` writes" in notice
    _, notice_vi = outputs.figures_layout("", lang="vi")
    assert "Chạy thử" in notice_vi


def test_hand_runs_may_not_name_the_official_folder(tmp_path, monkeypatch):
    from analysis import paths
    from analysis.notebook import outputs

    monkeypatch.delenv(outputs.RUN_ENV, raising=False)
    with pytest.raises(ParameterError, match="only `analysis run` writes"):
        outputs.figures_layout(str(paths.FIGURES_DIR))
    out = tmp_path / "out"
    (out / "figures").mkdir(parents=True)
    (out / outputs.RUN_LOCK).write_text("", encoding="utf-8")  # an output root `analysis run` has used
    with pytest.raises(ParameterError, match="official figure set"):
        outputs.figures_layout(str(out / "figures"))
    layout, _ = outputs.figures_layout(str(tmp_path / "mine"))
    assert layout.figures(2024, "77") == tmp_path / "mine" / "2024" / "77"


def test_official_runs_write_into_the_set_being_built_only(tmp_path, monkeypatch):
    from analysis.notebook import outputs

    stage = tmp_path / "set"
    stage.mkdir()
    monkeypatch.setenv(outputs.RUN_ENV, "1")
    monkeypatch.setenv(outputs.OUTPUT_ENV, str(stage))
    with pytest.raises(ParameterError, match="no longer being built"):
        outputs.figures_layout("")
    (stage / outputs.STAGING_MARK).write_text("{}", encoding="utf-8")
    layout, notice = outputs.figures_layout("")
    assert layout.figures(2024, "77") == stage / "figures" / "2024" / "77" and notice == ""


@pytest.mark.parametrize(
    "error",
    [
        ParameterError("unit '5': no data"),
        __import__("analysis.errors").errors.InputError("bad", path="x.csv", row=3),
    ],
)
def test_analyst_errors_render_as_a_few_lines_without_traceback(error):
    lines = error._render_traceback_()
    assert 2 <= len(lines) <= 3
    assert type(error).__name__ in lines[0] and str(error) in lines[0]
    assert lines[-1].startswith("What to do: ")
    assert not any("File " in line or "Traceback" in line for line in lines)


def test_validated_counts_are_not_validated_again_unless_changed(tmp_path, monkeypatch):
    from test_run import tiny_counts

    import analysis.schemas

    expected = analysis.schemas.validate_counts(tiny_counts())
    path = context.write_counts_file(tmp_path / "c.parquet", expected)
    tiny_counts().head(3).to_parquet(tmp_path / "changed.parquet")
    calls = []
    real = analysis.schemas.validate_counts
    monkeypatch.setattr(analysis.schemas, "validate_counts", lambda df: calls.append(1) or real(df))
    assert context.read_counts_file(path).equals(expected)
    assert calls == []
    (tmp_path / "changed.parquet").replace(path)  # the file changed after its stamp: validated again
    context.read_counts_file(path)
    assert calls == [1]


@pytest.mark.slow
def test_bare_papermill_refuses_an_unknown_name_in_a_few_lines_and_writes_only_to_scratch(
    tmp_path, monkeypatch
):
    """`papermill nb out -p yeer 2022` fails inside the notebook; a good run writes to scratch/."""
    import papermill
    from test_run import make_project

    proj = make_project(tmp_path, {"t_ok": {}})
    monkeypatch.setenv("ANALYSIS_ROOT", str(tmp_path))  # the kernel's project root: scratch/ lands here
    monkeypatch.delenv("ANALYSIS_RUN", raising=False)
    counts = str(tmp_path / "counts_in.parquet")
    base = {"data_dir": str(proj["data"]), "counts_file": counts, "unit": "01", "lang": "en"}
    nb = proj["nb_dir"] / "t_ok.ipynb"
    how = {"kernel_name": "analysis", "progress_bar": False, "cwd": str(proj["nb_dir"])}
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(nb), str(tmp_path / "bad.ipynb"), parameters={**base, "yeer": 2022}, **how
        )
    assert info.value.ename == "ParameterError" and "unknown parameter(s) ['yeer']" in info.value.evalue
    out = nbformat.read(tmp_path / "bad.ipynb", as_version=4)
    errors = [
        o
        for c in out.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert len(errors) == 1 and len(errors[0]["traceback"]) <= 3  # a few lines, no library traceback
    assert not any("File " in line or "site-packages" in line for line in errors[0]["traceback"])
    papermill.execute_notebook(str(nb), str(tmp_path / "good.ipynb"), parameters=base, **how)
    assert (tmp_path / "scratch" / "2024" / "01" / "rate.png").is_file()
    assert not (tmp_path / "figures").exists()
    good = nbformat.read(tmp_path / "good.ipynb", as_version=4)
    first = next(o for c in good.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert (
        "Ad-hoc run" in first["data"]["text/markdown"] and "scratch/2024/01" in first["data"]["text/markdown"]
    )
