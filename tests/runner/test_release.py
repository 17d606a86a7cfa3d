"""The year's set: built aside, published by an atomic folder exchange, unfinished sets removed, kills
recovered.
"""

from __future__ import annotations

import json
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


def test_publish_exchanges_real_folders_and_drops_the_earlier_set(tmp_path):
    r = Release(tmp_path, 2024)
    assert r.current() is None
    _publish_set(r, {"figures/2024/77/a.csv": "v1", "reports/2024/index.html": "one"})
    for tree in ("figures", "reports"):  # real folders: a plain `cp -r reports/2024` copies the files
        assert (tmp_path / tree / "2024").is_dir() and not (tmp_path / tree / "2024").is_symlink()
    assert (tmp_path / "figures/2024/77/a.csv").read_text() == "v1"
    assert (tmp_path / "reports/2024/index.html").read_text() == "one"
    _publish_set(r, {"figures/2024/77/a.csv": "v2"})
    assert (tmp_path / "figures/2024/77/a.csv").read_text() == "v2"
    assert (tmp_path / "reports/2024/index.html").read_text() == "one"  # carried over by the copy
    assert r.current() == tmp_path and list(r.base.iterdir()) == []  # the earlier set is gone
    assert oct((tmp_path / "reports/2024").stat().st_mode & 0o777) == "0o755"


def test_exchange_swaps_two_folders_in_one_call(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a", encoding="utf-8")
    (b / "x").write_text("b", encoding="utf-8")
    ino_a = a.stat().st_ino
    rel.exchange(a, b)
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a" and b.stat().st_ino == ino_a


def test_a_kill_between_the_two_swaps_is_completed_by_the_next_run(tmp_path, monkeypatch):
    r = Release(tmp_path, 2024)
    _publish_set(r, {"figures/2024/77/a.csv": "v1", "reports/2024/index.html": "v1"})
    stage = r.stage()
    (stage / "figures/2024/77/a.csv").unlink()
    (stage / "figures/2024/77/a.csv").write_text("v2", encoding="utf-8")
    (stage / "reports/2024/index.html").unlink()
    (stage / "reports/2024/index.html").write_text("v2", encoding="utf-8")
    calls = []
    real = rel._swap_in

    def killed_after_first(new, place, aside):
        calls.append(place)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the kill, after figures were swapped and before reports
        real(new, place, aside)

    monkeypatch.setattr(rel, "_swap_in", killed_after_first)
    try:
        r.publish(stage)
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(rel, "_swap_in", real)
    assert (r.base / rel.JOURNAL).is_file()
    assert (tmp_path / "reports/2024/index.html").read_text() == "v1"
    Release(tmp_path, 2024).migrate()  # what the next run does first
    assert (tmp_path / "figures/2024/77/a.csv").read_text() == "v2"
    assert (tmp_path / "reports/2024/index.html").read_text() == "v2"
    assert not (r.base / rel.JOURNAL).exists()
    r.cleanup()
    assert list(r.base.iterdir()) == []


def test_without_the_exchange_two_renames_do_the_same(tmp_path, monkeypatch):
    def no_exchange(a, b):
        raise OSError(rel.errno.EINVAL, "not supported")

    monkeypatch.setattr(rel, "exchange", no_exchange)
    r = Release(tmp_path, 2024)
    _publish_set(r, {"figures/2024/77/a.csv": "v1"})
    _publish_set(r, {"figures/2024/77/a.csv": "v2"})
    assert (tmp_path / "figures/2024/77/a.csv").read_text() == "v2" and list(r.base.iterdir()) == []


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


def test_links_of_the_earlier_layout_become_real_folders(tmp_path):
    legacy = tmp_path / "releases/2024/20261201T000000Z-1"
    for tree, name, text in (("figures", "77/a.csv", "old"), ("reports", "index.html", "old index")):
        (legacy / tree / "2024" / name).parent.mkdir(parents=True)
        (legacy / tree / "2024" / name).write_text(text, encoding="utf-8")
        (tmp_path / tree).mkdir()
        (tmp_path / tree / "2024").symlink_to(Path("..") / "releases/2024/current" / tree / "2024")
    (tmp_path / "releases/2024/current").symlink_to(legacy.name)
    r = Release(tmp_path, 2024)
    r.migrate()
    assert not (tmp_path / "figures/2024").is_symlink() and not (tmp_path / "reports/2024").is_symlink()
    assert (tmp_path / "figures/2024/77/a.csv").read_text() == "old"
    assert (tmp_path / "reports/2024/index.html").read_text() == "old index"
    r.migrate()  # nothing left to do
    r.cleanup()
    assert list(r.base.iterdir()) == [] and (tmp_path / "figures/2024/77/a.csv").read_text() == "old"


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
