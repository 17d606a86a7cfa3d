"""The year's set: built aside, published by one link swap, unfinished sets removed, old layout migrated."""

from __future__ import annotations

import json
import os
from pathlib import Path

from analysis.runner import release as rel
from analysis.runner.release import Release, clear_job, rebase


def _publish_set(r: Release, files: dict[str, str]) -> Path:
    stage = r.stage()
    for name, text in files.items():
        path = stage / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    r.publish(stage)
    return stage


def test_publish_swaps_one_link_and_the_published_paths_follow(tmp_path):
    r = Release(tmp_path, 2024)
    assert r.current() is None
    first = _publish_set(r, {"figures/2024/77/a.csv": "v1", "reports/2024/index.html": "one"})
    assert (tmp_path / "figures/2024/77/a.csv").read_text() == "v1"
    assert (tmp_path / "reports/2024/index.html").read_text() == "one"
    assert os.readlink(tmp_path / "releases/2024/current") == first.name
    second = _publish_set(r, {"figures/2024/77/a.csv": "v2"})
    assert (tmp_path / "figures/2024/77/a.csv").read_text() == "v2"
    assert (tmp_path / "reports/2024/index.html").read_text() == "one"  # carried over by the copy
    assert not first.exists() and r.current() == second
    assert sorted(p.name for p in (tmp_path / "releases/2024").iterdir()) == sorted(["current", second.name])


def test_new_set_is_a_hard_link_copy_and_writes_never_reach_the_published_files(tmp_path):
    r = Release(tmp_path, 2024)
    _publish_set(r, {"figures/2024/77/a.csv": "published"})
    stage = r.stage()
    copy, live = stage / "figures/2024/77/a.csv", tmp_path / "figures/2024/77/a.csv"
    assert copy.stat().st_ino == live.stat().st_ino  # no bytes copied
    from analysis.provenance import write_bytes_atomic

    write_bytes_atomic(copy, b"rewritten")  # how every writer writes: a new file renamed in place
    assert live.read_text() == "published"
    r.discard(stage)
    assert not stage.exists() and live.read_text() == "published"


def test_unfinished_sets_are_removed_but_not_one_still_in_use(tmp_path):
    r = Release(tmp_path, 2024)
    _publish_set(r, {"figures/2024/77/a.csv": "v1"})
    left_behind = r.stage()  # a killed run's set
    rel._let_go(left_behind)
    busy = r.stage()  # a set some process still holds (its busy file is locked)
    stray = r.base / ".current-999"
    stray.symlink_to("nowhere")
    still = r.cleanup()
    assert not left_behind.exists() and not stray.is_symlink()
    assert still == [busy.name] and busy.exists()
    r.discard(busy)


def test_real_folders_of_the_earlier_layout_become_the_first_set(tmp_path):
    (tmp_path / "figures/2024/77").mkdir(parents=True)
    (tmp_path / "figures/2024/77/a.csv").write_text("old", encoding="utf-8")
    (tmp_path / "reports/2024").mkdir(parents=True)
    (tmp_path / "reports/2024/index.html").write_text("old index", encoding="utf-8")
    r = Release(tmp_path, 2024)
    r.migrate()
    assert (tmp_path / "figures/2024").is_symlink() and (tmp_path / "reports/2024").is_symlink()
    assert (tmp_path / "figures/2024/77/a.csv").read_text() == "old"
    assert (tmp_path / "reports/2024/index.html").read_text() == "old index"
    assert r.current().name == rel.LEGACY
    r.migrate()  # nothing left to do
    assert r.current().name == rel.LEGACY


def test_clear_job_removes_one_notebooks_outputs_and_keeps_the_others(tmp_path):
    figs, reps = tmp_path / "figures", tmp_path / "reports"
    figs.mkdir()
    reps.mkdir()
    manifest = [
        {"id": "a1", "notebook": "a", "files": {"csv": {"path": "a1.csv"}, "png": {"path": "a1.png"}}},
        {"id": "b1", "notebook": "b", "files": {"csv": {"path": "b1.csv"}}},
    ]
    (figs / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (figs / "findings.json").write_text(json.dumps({"a": ["x"], "b": ["y"]}), encoding="utf-8")
    for name in ("a1.csv", "a1.png", "b1.csv"):
        (figs / name).write_text(name, encoding="utf-8")
    for name in ("a.ipynb", "a.html", "a.log", "b.html"):
        (reps / name).write_text(name, encoding="utf-8")
    clear_job(figs, reps, "a")
    assert sorted(p.name for p in figs.iterdir()) == ["b1.csv", "findings.json", "manifest.json"]
    assert [e["id"] for e in json.loads((figs / "manifest.json").read_text())] == ["b1"]
    assert json.loads((figs / "findings.json").read_text()) == {"b": ["y"]}
    assert sorted(p.name for p in reps.iterdir()) == ["b.html"]


def test_rebase_moves_recorded_paths_between_the_set_and_its_published_place():
    out = rebase([{"output": "/o/reports/2024/77/a.ipynb", "log": "/elsewhere/x.log"}],
                 Path("/o/reports/2024"), Path("/s/reports/2024"))  # fmt: skip
    assert out == [{"output": "/s/reports/2024/77/a.ipynb", "log": "/elsewhere/x.log"}]
