"""Revisions: earlier years' values that moved against their published sets, with the inputs that changed."""

from __future__ import annotations

import json

import pandas as pd

from analysis.runner.revisions import compare_figure, earlier_years, find_revisions


def _figure(folder, fig_id, df, inputs):
    folder.mkdir(parents=True, exist_ok=True)
    df.to_csv(folder / f"{fig_id}.csv", index=False)
    manifest = [
        {"id": fig_id, "inputs": [{"path": p, "sha256": h} for p, h in inputs.items()], "commit": "c"}
    ]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_rows_of_an_earlier_year_are_compared_with_that_years_set():
    new = pd.DataFrame({"year": [2022, 2023, 2024], "indicator": ["a"] * 3, "rate": [0.5, 0.61, 0.7]})
    old = pd.DataFrame({"year": [2022, 2023], "indicator": ["a"] * 2, "rate": [0.5, 0.6]})
    moved = compare_figure(new, old, year=2024, earlier=2023)
    assert moved == [{"row": {"year": 2023, "indicator": "a"}, "column": "rate", "old": 0.6, "new": 0.61}]
    assert compare_figure(new, old, year=2024, earlier=2022) == []


def test_floating_point_rounding_is_not_a_revision():
    new = pd.DataFrame({"year": [2023], "rate": [0.1 + 0.2]})
    old = pd.DataFrame({"year": [2023], "rate": [0.3]})
    assert compare_figure(new, old, year=2024, earlier=2023) == []


def test_prev_columns_are_last_years_values():
    new = pd.DataFrame({"unit_code": ["x", "y"], "rate_prev": [0.8, 0.9], "rate": [0.85, 0.95]})
    old = pd.DataFrame({"unit_code": ["x", "y"], "rate_prev": [0.7, 0.8], "rate": [0.8, 0.91]})
    assert earlier_years(new, 2024) == {2023}
    moved = compare_figure(new, old, year=2024, earlier=2023)
    assert moved == [{"row": {"unit_code": "y"}, "column": "rate_prev", "old": 0.91, "new": 0.9}]


def test_find_revisions_names_changed_inputs_and_years_without_a_set(tmp_path):
    root = tmp_path / "figures"
    _figure(
        root / "2023/77",
        "trend",
        pd.DataFrame({"year": [2022, 2023], "rate": [0.5, 0.6]}),
        {"data/a.csv": "1", "data/b.csv": "2"},
    )
    new_set = tmp_path / "stage/figures/2024"
    _figure(
        new_set / "77",
        "trend",
        pd.DataFrame({"year": [2021, 2022, 2023, 2024], "rate": [0.4, 0.5, 0.65, 0.7]}),
        {"data/a.csv": "9", "data/b.csv": "2"},
    )
    doc = find_revisions(new_set, root, 2024)
    assert doc["count"] == 1
    assert doc["revisions"][0] | {} == {
        "unit": "77",
        "figure": "trend",
        "year": 2023,
        "row": {"year": 2023},
        "column": "rate",
        "old": 0.6,
        "new": 0.65,
        "changed_inputs": ["data/a.csv"],
        "old_commit": "c",
        "new_commit": "c",
    }
    assert doc["no_published_set"] == [2021, 2022]
    assert doc["compared"] == [{"year": 2023, "figures": 1, "set": "figures/2023"}]


def test_no_earlier_set_at_all_is_said(tmp_path):
    new_set = tmp_path / "figures/2024"
    _figure(new_set / "77", "trend", pd.DataFrame({"year": [2023, 2024], "rate": [0.6, 0.7]}), {})
    doc = find_revisions(new_set, tmp_path / "figures", 2024)
    assert doc["count"] == 0 and doc["compared"] == [] and doc["no_published_set"] == [2023]
    from analysis.report.revisions import revisions_html

    assert "No published set to compare with for: 2023" in revisions_html(doc, lang="en")
    assert "Chưa có bộ đã công bố" in revisions_html(doc, lang="vi")
