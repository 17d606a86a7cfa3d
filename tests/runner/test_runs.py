"""Whole runs of tiny notebooks: kills at several moments, two runs at once, skip, --force, revisions.

Every run here is the real command line in its own process group, so a kill can take the whole run down
(parent, forkserver, workers) as a scheduler or a power cut would.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_run import make_project, tiny_counts

from analysis.runner.kernels import ZYGOTE_MODULE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("runner")]

YEAR = "2024"


def tree_digest(out: Path) -> dict[str, str]:
    """Every published file of the year (through the links) -> sha256; the run's own log left out."""
    found = {}
    for tree in ("figures", "reports"):
        root = out / tree / YEAR
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if path.is_file() and path.name != "run.log":
                found[f"{tree}/{path.relative_to(root).as_posix()}"] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return found


def figure_digest(out: Path) -> dict[str, str]:
    root = out / "figures" / YEAR
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def stray_files(out: Path) -> list[str]:
    """Temporary files, partial notebooks and sets left over (anything but the published set)."""
    left = [p.name for p in out.rglob("*") if p.name.endswith((".tmp", ".part.ipynb"))]
    base = out / "releases" / YEAR  # sets being built; none is left once a run has ended
    left += [p.name for p in base.iterdir()] if base.is_dir() else []
    for tree in ("figures", "reports"):
        if (out / tree / YEAR).is_symlink():
            left.append(f"{tree}/{YEAR} is a link")
    return left


@pytest.fixture
def group_runs():
    """Start ``analysis run`` in a new process group; ``kill(proc)`` SIGKILLs the whole group."""
    procs: list[subprocess.Popen] = []

    def start(argv: list[str], cwd: Path) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "analysis", "run", *argv],
            cwd=cwd,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        return proc

    def kill(proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()

    yield start, kill
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


def cli(argv: list[str], cwd: Path, *, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``python -m analysis run ARGV`` and return what it printed."""
    cmd = [sys.executable, "-m", "analysis", "run", *argv]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def wait_for(predicate, timeout: float = 180.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A project with one published set (two good notebooks, one failing), and the first run's console."""
    tmp = tmp_path_factory.mktemp("runs")
    proj = make_project(tmp, {"t_ok": {}, "t_two": {"figure": False}, "t_fail": {"fail": True}}, units=["01"])
    argv = [*proj["args"], "--out", str(proj["out"]), "--year", YEAR, "--workers", "2"]
    proc = cli([*argv], tmp, timeout=600)
    assert proc.returncode == 1, proc.stderr  # t_fail fails on purpose
    return {**proj, "argv": argv, "tmp": tmp, "console": proc}


def copy_of(published, tmp_path) -> dict:
    """A copy of the published project (links kept as links) to change freely."""
    dest = tmp_path / "p"
    shutil.copytree(published["tmp"], dest, symlinks=True)
    argv = [a.replace(str(published["tmp"]), str(dest)) for a in published["argv"]]
    return {
        "out": dest / "out",
        "argv": argv,
        "tmp": dest,
        "counts": dest / "counts_in.parquet",
        "nb_dir": dest / "notebooks",
        "data": dest / "data",
    }


def changed_counts(path: Path) -> None:
    """Rewrite the Counts file with other numbers for 2024 (so a new set's figures differ)."""
    df = tiny_counts()
    df.loc[df["year"] == 2024, "numerator"] = 80
    df.to_parquet(path)


# --- a quiet console ----------------------------------------------------------------------------------


def test_console_shows_one_line_per_notebook_and_the_summary_and_no_kernel_noise(published):
    proc = published["console"]
    console = proc.stdout + proc.stderr
    for noise in ("running over TCP without encryption", "Traceback", "zmq", "ZMQ", "IPKernelApp"):
        assert noise not in console
    lines = [line.split() for line in proc.stdout.splitlines()]
    assert [w[:2] for w in lines if w and w[0] in ("ok", "FAILED")] and len(
        [w for w in lines if w and w[0] in ("ok", "FAILED") and len(w) > 2 and w[2] == "unit"]
    ) == 3
    assert "notebook  unit  status  seconds" in proc.stdout and "1 of 3 run(s) failed" in proc.stdout
    log = (published["out"] / "reports" / YEAR / "run.log").read_text(encoding="utf-8")
    assert "running over TCP without encryption" in log  # the noise went to the run's log


# --- unchanged work skipped, --force --------------------------------------------------------------------


def test_unchanged_notebooks_are_skipped_and_force_reruns_them_with_the_same_bytes(published):
    proj = published  # same paths as the first run (paths are parameters: a moved project re-runs)
    first = figure_digest(proj["out"])
    assert sorted(first) == [
        "01/findings.json",
        "01/manifest.json",
        "01/rate.csv",
        "01/rate.png",
        "01/rate.svg",
    ]
    ino = (proj["out"] / "figures" / YEAR / "01" / "rate.png").stat().st_ino
    again = cli([*proj["argv"]], proj["tmp"], timeout=600)
    assert again.returncode == 1
    assert "skipped  t_ok  unit 01  unchanged" in again.stdout and "skipped  t_two" in again.stdout
    assert "FAILED   t_fail" in again.stdout  # a failed run is never skipped
    assert figure_digest(proj["out"]) == first
    assert (proj["out"] / "figures" / YEAR / "01" / "rate.png").stat().st_ino == ino  # kept, not rewritten
    runs = json.loads((proj["out"] / "reports" / YEAR / "runs.json").read_text(encoding="utf-8"))
    assert {r["notebook"]: r["skipped"] for r in runs["results"]} == {
        "t_ok": True,
        "t_two": True,
        "t_fail": False,
    }
    # a changed notebook file re-runs that notebook only
    nb = proj["nb_dir"] / "t_two.ipynb"
    nb.write_text(
        nb.read_text(encoding="utf-8").replace("does the runner work?", "does it still?"), encoding="utf-8"
    )
    edited = cli([*proj["argv"]], proj["tmp"], timeout=600)
    assert "skipped  t_ok" in edited.stdout and "ok       t_two" in edited.stdout
    forced = cli([*proj["argv"], "--force"], proj["tmp"], timeout=600)
    assert "skipped" not in forced.stdout and "ok       t_ok" in forced.stdout
    assert figure_digest(proj["out"]) == first  # byte-identical either way
    assert stray_files(proj["out"]) == []


# --- a kill at any moment leaves the published set whole ------------------------------------------------


def test_a_run_killed_at_several_moments_leaves_the_published_set_whole_and_the_next_run_clean(
    published, tmp_path, group_runs
):
    start, kill = group_runs
    proj = copy_of(published, tmp_path)
    base = proj["out"] / "releases" / YEAR
    changed_counts(proj["counts"])  # so that a new set would differ from the published one
    moments = {
        "set created": lambda s: True,
        "notebook writing": lambda s: (s / "figures" / YEAR / "01" / "rate.png").exists(),
        "index written": lambda s: (s / "reports" / YEAR / "runs.json").exists(),
    }
    for moment, reached in moments.items():
        before = tree_digest(proj["out"])

        def seen(reached=reached) -> bool:
            sets = [p for p in base.iterdir() if p.is_dir()] if base.is_dir() else []
            return bool(sets) and reached(sets[0])

        proc = start([*proj["argv"], "--force"], proj["tmp"])
        assert wait_for(lambda proc=proc, seen=seen: seen() or proc.poll() is not None), moment
        kill(proc)
        after = tree_digest(proj["out"])
        if after.get("reports/runs.json") != before.get("reports/runs.json"):  # it got to publish first
            moved = [k for k in after if k.startswith("figures/") and after[k] != before.get(k)]
            assert moved, moment  # a whole new set: its figures came with its pages
        else:
            assert after == before, moment  # the earlier set, untouched, every file
        assert (proj["out"] / "reports" / YEAR / "index.html").is_file(), moment
    rerun = cli([*proj["argv"]], proj["tmp"], timeout=600)
    assert rerun.returncode == 1, rerun.stderr  # t_fail fails, as always
    assert stray_files(proj["out"]) == []


def test_a_run_killed_alone_takes_its_fork_server_workers_and_kernels_along(published, tmp_path, group_runs):
    """SIGKILL to the run's process only (not its group): every process it started ends within seconds.

    The workers are the fork server's children and each holds the server's "alive" pipe, so without the
    workers' watch on the run both would outlive it, kernels included.
    """
    import psutil

    start, _ = group_runs
    proj = copy_of(published, tmp_path)
    proc = start([*proj["argv"], "--force"], proj["tmp"])
    root = psutil.Process(proc.pid)

    def tree() -> list[psutil.Process]:
        try:
            return root.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def started() -> bool:  # the fork server, two workers and their kernels
        names = []
        for p in tree():
            with contextlib.suppress(psutil.Error):
                names.append(" ".join(p.cmdline()))
        # the kernels are forks of one process that imported the library (same command line, 3 processes)
        kernels = sum(ZYGOTE_MODULE in n for n in names) >= 3 or sum("ipykernel" in n for n in names) >= 2
        return kernels and sum("forkserver" in n for n in names) >= 3

    assert wait_for(lambda: started() or proc.poll() is not None)
    assert proc.poll() is None, "the run ended before its workers were up"
    family = tree()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()

    def ended() -> bool:
        return all(not p.is_running() or p.status() == psutil.STATUS_ZOMBIE for p in family)

    assert wait_for(ended, timeout=20), [p.pid for p in family if p.is_running()]


# --- one run at a time ----------------------------------------------------------------------------------


def test_a_second_run_on_the_same_folder_exits_at_once_naming_the_first_or_waits(
    published, tmp_path, group_runs
):
    start, _ = group_runs
    proj = copy_of(published, tmp_path)
    first = start([*proj["argv"], "--force"], proj["tmp"])
    lock = proj["out"] / ".analysis-run.lock"
    assert wait_for(lambda: lock.is_file() and lock.stat().st_size > 0)
    t = time.monotonic()
    second = cli([*proj["argv"]], proj["tmp"], timeout=120)
    assert second.returncode == 3 and time.monotonic() - t < 60
    message = second.stderr.strip()
    assert len(message.splitlines()) == 1
    assert f"pid {first.pid}" in message and "command: analysis run" in message and "--force" in message
    waiter = cli([*proj["argv"], "--wait"], proj["tmp"], timeout=600)
    assert first.wait(timeout=600) == 1  # the first finished (t_fail fails) before the waiter ran
    assert "waiting for the run writing here" in waiter.stderr and waiter.returncode == 1
    assert "skipped  t_ok" in waiter.stdout  # it saw the first run's set, whole
    assert stray_files(proj["out"]) == []


# --- revisions ------------------------------------------------------------------------------------------


def test_a_changed_sample_file_shows_as_a_revision_of_last_year(published, tmp_path):
    proj = copy_of(published, tmp_path)
    i = proj["argv"].index("--year")
    base = [*proj["argv"][:i], *proj["argv"][i + 2 :], "--notebooks", "t_ok"]

    def run(year: str) -> subprocess.CompletedProcess:
        return cli([*base, "--year", year], proj["tmp"], timeout=600)

    assert run("2023").returncode == 0
    # the export behind the figures changes, and with it the 2023 count of unit 01
    (proj["data"] / "export.csv").write_text("a,b\n1,3\n", encoding="utf-8")
    df = tiny_counts()
    df.loc[(df["year"] == 2023) & (df["unit_code"] == "01"), "numerator"] = 91
    df.to_parquet(proj["counts"])
    done = run("2024")
    assert done.returncode == 0, done.stderr
    assert "1 value(s) of earlier years moved" in done.stdout
    doc = json.loads((proj["out"] / "reports" / "2024" / "revisions.json").read_text(encoding="utf-8"))
    assert doc["count"] == 1 and doc["compared"][0]["year"] == 2023
    rev = doc["revisions"][0]
    assert (rev["unit"], rev["figure"], rev["year"], rev["column"]) == ("01", "rate", 2023, "rate")
    assert rev["old"] == pytest.approx(0.90) and rev["new"] == pytest.approx(0.91)
    assert rev["changed_inputs"] == ["export.csv"]
    index = (proj["out"] / "reports" / "2024" / "index.html").read_text(encoding="utf-8")
    assert 'id="revisions"' in index and "export.csv" in index
    earlier = pd.read_csv(proj["out"] / "figures" / "2023" / "01" / "rate.csv")
    assert earlier.loc[earlier["year"] == 2023, "rate"].item() == pytest.approx(0.90)  # 2023's set untouched


# --- a folder that cannot be written --------------------------------------------------------------------


def test_an_output_that_cannot_be_written_prints_one_line_and_keeps_the_earlier_set(
    published, tmp_path, monkeypatch, capsys
):
    import errno

    from analysis import run

    proj = copy_of(published, tmp_path)
    before = tree_digest(proj["out"])
    changed_counts(proj["counts"])
    real = run.write_bytes_atomic

    def full_disk(path, data, **kw):
        if Path(path).name == "runs.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data, **kw)

    monkeypatch.setattr(run, "write_bytes_atomic", full_disk)
    assert run.main(proj["argv"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("analysis run:")]
    assert len(err) == 2 and err[0].startswith("analysis run: error: ") and "No space left" in err[0]
    assert err[1] == "analysis run: nothing published; the earlier set is kept"
    assert tree_digest(proj["out"]) == before
    assert stray_files(proj["out"]) == []
