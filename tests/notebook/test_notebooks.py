"""Notebook tests: structure (one literal parameters cell, no outputs, thin cells), papermill runs.

The fixture is a small SYNTHETIC Counts table built here from a seeded generator (invented numbers, labelled
synthetic in its sidecar); it only has to exercise every notebook path, not to be realistic.
"""

from __future__ import annotations

import ast
import json

import nbformat
import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.report.figures import SYNTHETIC_STAMPS

NOTEBOOKS = [
    "00_overview",
    "10_dossier_timeliness",
    "20_online_payment",
    "30_welfare_payouts",
    "40_peer_comparison",
    "50_satisfaction_feedback",
]
STANDARD = {"year", "unit", "data_dir", "counts_file", "lang", "out_dir"}
FORBIDDEN = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
    ast.Lambda,
)

DEPARTMENTS = [
    ("77.S01", "Sở Tư pháp", 0.010),
    ("77.S02", "Sở Xây dựng", 0.060),
    ("77.S03", "Sở Y tế", 0.015),
    ("77.S04", "Sở Tài nguyên và Môi trường", 0.030),
    ("77.S05", "Sở Công Thương", 0.008),
]
DISTRICTS = [("77.H01", "Thành phố Vũng Tàu", 0.012), ("77.H02", "Huyện Đất Đỏ", 0.020)]
COMMUNES = [("77.H01.X01", "Phường 1"), ("77.H01.X02", "Phường Thắng Nhất"), ("77.H02.X01", "Xã Phước Hội")]
YEARS = (2021, 2022, 2023, 2024)


def _row(indicator, code, name, level, start, end, x, n, convention, **extra):
    return {
        "indicator": indicator,
        "unit_code": code,
        "unit_name": name,
        "unit_level": level,
        "code_system": "gso2004",
        "period_start": start,
        "period_end": end,
        "numerator": int(x),
        "denominator": int(n),
        "convention": convention,
        "source": "fixture (synthetic)",
        **extra,
    }


def fixture_counts(seed: int = 7) -> pd.DataFrame:
    """Build a small SYNTHETIC Counts table: 7 units x 48 months of dossiers and feedback, yearly welfare."""
    from analysis.schemas import finalise_counts

    rng = np.random.default_rng(seed)
    rows = []
    for code, name, late in DEPARTMENTS + DISTRICTS:
        level = "department" if ".S" in code else "district"
        for year in YEARS:
            k = year - YEARS[0]
            for month in range(1, 13):
                start = pd.Timestamp(year, month, 1)
                end = start + pd.offsets.MonthEnd(0)
                n = int(rng.integers(150, 400))
                p_late = late * (1.6 if month in (1, 2) else 1.0) * (0.85**k)
                on_time = n - rng.binomial(n, min(p_late, 0.5))
                online = rng.binomial(n, min(0.95, 0.3 + 0.2 * k + 0.02 * month / 12))
                fee = int(n * 0.4)
                paid = rng.binomial(fee, min(0.95, 0.2 + 0.2 * k))
                pending = int(rng.integers(20, 60))
                overdue = rng.binomial(pending, min(0.5, 2 * p_late))
                rows += [
                    _row("timeliness.on_time", code, name, level, start, end, on_time, n, "bieu06"),
                    _row(
                        "timeliness.on_time_766",
                        code,
                        name,
                        level,
                        start,
                        end,
                        on_time + pending - overdue - rng.binomial(on_time, 0.01),
                        n + pending,
                        "qd766",
                    ),
                    _row(
                        "timeliness.overdue_pending",
                        code,
                        name,
                        level,
                        start,
                        end,
                        overdue,
                        pending,
                        "bieu06",
                    ),
                    _row("online.submission", code, name, level, start, end, online, n, "qd766"),
                    _row("payment.online", code, name, level, start, end, paid, fee, "qd766"),
                ]
                # satisfaction family: a few PAKN a month; 5.4 on the resolved dossiers
                items = int(rng.integers(1, 6))
                handled = items - rng.binomial(items, 0.03)
                unhappy = rng.binomial(handled, 0.1)
                flagged = rng.binomial(on_time, min(0.5, 0.15 - 0.015 * k + late))
                rows += [
                    _row("feedback.on_time", code, name, level, start, end, handled, items, "qd766"),
                    _row("satisfaction.feedback", code, name, level, start, end, handled - unhappy, items,
                         "qd766"),
                    _row("satisfaction.dossiers", code, name, level, start, end, on_time - flagged, n,
                         "qd766"),
                ]
    for code, name in COMMUNES:
        for year in YEARS:
            k = year - YEARS[0]
            for group in ("BTXH", "NCC"):
                total = int(rng.integers(300, 900))
                holders = rng.binomial(total, min(0.95, 0.2 + 0.22 * k))
                paid = rng.binomial(holders, 0.9)
                start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
                rows += [
                    _row(
                        "welfare.account_share",
                        code,
                        name,
                        "commune",
                        start,
                        end,
                        holders,
                        total,
                        "de_an_06",
                        beneficiary_group=group,
                    ),
                    _row(
                        "welfare.paid_share",
                        code,
                        name,
                        "commune",
                        start,
                        end,
                        paid,
                        total,
                        "de_an_06",
                        beneficiary_group=group,
                    ),
                    _row(
                        "welfare.paid_of_holders",
                        code,
                        name,
                        "commune",
                        start,
                        end,
                        paid,
                        holders,
                        "de_an_06",
                        beneficiary_group=group,
                    ),
                ]
    months = finalise_counts(pd.DataFrame(rows))
    flows = months[(months["period_type"] == "month")]
    keys = [
        "indicator",
        "unit_code",
        "unit_name",
        "unit_level",
        "code_system",
        "convention",
        "source",
        "year",
    ]
    stock = flows["indicator"].isin(["timeliness.overdue_pending", "timeliness.on_time_766"])
    summed = flows[~stock].groupby(keys, as_index=False)[["numerator", "denominator"]].sum()
    last = flows[stock & (flows["month"] == 12)][keys + ["numerator", "denominator"]]
    annual = (
        pd.concat([summed, last])
        .assign(
            period_start=lambda d: pd.to_datetime(d["year"].astype(str) + "-01-01"),
            period_end=lambda d: pd.to_datetime(d["year"].astype(str) + "-12-31"),
        )
        .drop(columns="year")
    )
    table = pd.concat([months.drop(columns=["year", "month", "period_type"]), annual], ignore_index=True)
    # province rows (a "Tổng cộng" line), as a report total; the statistics sum the units instead
    province = table[
        table["period_end"].dt.month.eq(12)
        & table["period_end"].dt.day.eq(31)
        & (table["period_start"].dt.month == 1)
        & (table["period_start"].dt.day == 1)
    ]
    province = province.groupby(
        ["indicator", "code_system", "convention", "period_start", "period_end"], as_index=False
    )[["numerator", "denominator"]].sum()
    province = province.assign(
        unit_code="77", unit_name="Bà Rịa - Vũng Tàu", unit_level="province", source="fixture (synthetic)"
    )
    table = pd.concat([table, province], ignore_index=True)
    table["beneficiary_group"] = (
        table["beneficiary_group"].astype(object).where(table["beneficiary_group"].notna(), None)
        if "beneficiary_group" in table
        else None
    )
    return finalise_counts(table)


@pytest.fixture(scope="module")
def counts_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fixture")
    path = folder / "counts.parquet"
    fixture_counts().to_parquet(path, index=False)
    (folder / "SYNTHETIC.md").write_text(
        "Synthetic fixture for the notebook tests (invented numbers).\n", encoding="utf-8"
    )
    return path


def read_nb(name: str) -> nbformat.NotebookNode:
    return nbformat.read(paths.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_one_parameters_cell_with_typed_literals(name):
    nb = read_nb(name)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse(tagged[0].source)
    names = set()
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign), ast.unparse(node)
        assert isinstance(node.annotation, ast.Name) and node.annotation.id in {"int", "str", "float", "bool"}
        ast.literal_eval(node.value)  # raises unless a literal
        names.add(node.target.id)
    assert STANDARD <= names
    for line in tagged[0].source.splitlines():
        assert "# help:" in line, f"parameter line without a help comment: {line!r}"
    nxt = nb.cells[nb.cells.index(tagged[0]) + 1]
    assert f'analysis.notebook.setup(globals(), notebook="{name}")' in nxt.source


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs_and_thin(name):
    nb = read_nb(name)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        tree = ast.parse(cell.source)
        bad = [type(n).__name__ for n in ast.walk(tree) if isinstance(n, FORBIDDEN)]
        assert bad == [], f"{name}: {bad} in\n{cell.source}"
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        assert len(calls) <= 3, f"{name}: more than 3 calls in\n{cell.source}"
    assert "P.findings(" in code[-1].source


@pytest.mark.slow
@pytest.mark.parametrize("name, lang", [(n, "vi") for n in NOTEBOOKS] + [("10_dossier_timeliness", "en")])
def test_runs_through_papermill(name, lang, counts_file, tmp_path):
    import papermill

    out_dir = tmp_path / "figures"
    papermill.execute_notebook(
        str(paths.NOTEBOOKS_DIR / f"{name}.ipynb"),
        str(tmp_path / f"{name}.ipynb"),
        parameters={
            "year": 2024,
            "unit": "77",
            "counts_file": str(counts_file),
            "data_dir": str(counts_file.parent),
            "lang": lang,
            "out_dir": str(out_dir),
        },
        kernel_name="analysis",
        cwd=str(paths.NOTEBOOKS_DIR),
        progress_bar=False,
    )
    folder = out_dir / "2024" / "77"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    mine = [e for e in manifest if e["notebook"] == name]
    assert len(mine) >= 2
    for entry in mine:
        assert entry["title"] and len(entry["alt"]) > 40
        assert entry["parameters"]["lang"] == lang
        for ext in ("png", "svg", "csv"):
            assert (folder / f"{entry['id']}.{ext}").is_file()
        svg = (folder / f"{entry['id']}.svg").read_text(encoding="utf-8")
        stamped = SYNTHETIC_STAMPS[lang] in svg  # the stamp is in the run's language
        real = entry["data"].startswith("real")  # published rates / crosswalk: real, not stamped
        assert entry["synthetic"] is (not real) and stamped is (not real)
    findings = json.loads((folder / "findings.json").read_text(encoding="utf-8"))[name]
    assert len(findings) >= 2 and all(any(ch.isdigit() for ch in f) for f in findings[:1])
    if lang == "vi":
        assert any("tổng hợp" in f for f in findings)
    else:
        assert any("synthetic" in f for f in findings)


def test_notebook_figure_count_reaches_the_set(counts_file):
    """Every fig_id saved by the notebooks, counted from their source: at least 12 for unit 77."""
    ids = set()
    for name in NOTEBOOKS:
        for cell in read_nb(name).cells:
            if cell.cell_type == "code" and "P.save(" in cell.source:
                tree = ast.parse(cell.source)
                for node in ast.walk(tree):
                    if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "save":
                        ids.add(ast.literal_eval(node.args[1]))
    assert len(ids) >= 12, sorted(ids)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_uses_the_project_kernel(name):
    """Every report notebook opens on the kernel `make venv` installs (the library is importable there)."""
    spec = read_nb(name).metadata["kernelspec"]
    assert spec["name"] == "analysis" and spec["display_name"] == "Python (analysis)"


def test_every_notebook_in_the_run_matrix_is_checked():
    """The structural tests above cover every notebook of runs.yaml, and every numbered notebook is in it."""
    import yaml

    listed = list(yaml.safe_load(paths.RUNS_FILE.read_text(encoding="utf-8"))["notebooks"])
    on_disk = sorted(p.stem for p in paths.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
    assert sorted(listed) == on_disk == sorted(NOTEBOOKS)
