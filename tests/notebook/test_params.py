"""Notebook parameters: the tagged cell read with ast, validation, setup() and `analysis params`."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from analysis.notebook import context, params
from analysis.notebook.params import Param, ParameterError, parse_parameters, read_parameters, validate

# the report notebooks (the runner's contract); explore.ipynb (not in runs.yaml) is tested in test_explore.py
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9]*.ipynb"))
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
