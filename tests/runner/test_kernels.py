"""Kernels the run's parent starts early and a worker takes over (analysis.runner.kernels).

A kernel handed over must be the kernel a worker would have started itself: warmed up (the library imported,
its settings remembered for the reset), with the worker's environment and working folder, writing to the
run's log; usable by papermill; ended when the pool is shut down.  A kernel that cannot start leaves the
worker to start its own.
"""

from __future__ import annotations

import queue
import time

import nbformat
import papermill
import pytest

from analysis.runner import kernels
from analysis.runner.machinery import pid_running

pytestmark = pytest.mark.slow


def _gone(pid: int, wait: float = 10.0) -> bool:
    end = time.monotonic() + wait
    while time.monotonic() < end:
        if not pid_running(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def early(tmp_path):
    handoff: queue.Queue = queue.Queue()
    log = tmp_path / "run.log"
    warm = {"kernel": "python3", "cwd": str(tmp_path)}
    env = {"ANALYSIS_TEST_MARK": "early"}
    started = kernels.EarlyKernels(2, warm=warm, env=env, run_log=log, handoff=handoff)
    given = [handoff.get(timeout=180) for _ in range(2)]
    yield started, given, log, tmp_path
    kernels.KeptKernel.stop()
    started.stop()


def test_two_kernels_are_handed_over_warm_with_the_workers_environment(early):
    started, given, log, folder = early
    assert all(given) and len({g["pid"] for g in given}) == 2
    km = kernels.KeptKernel.adopt("python3", str(folder), **given[0])
    assert kernels.KeptKernel.alive()
    code = (
        "import os, sys\n"
        "assert 'analysis.plots' in sys.modules and hasattr(get_ipython(), '_analysis_fresh')\n"
        "assert os.environ['ANALYSIS_TEST_MARK'] == 'early', os.environ.get('ANALYSIS_TEST_MARK')\n"
        f"assert os.getcwd() == {str(folder)!r}, os.getcwd()\n"
        "os.write(2, b'written by the adopted kernel\\n')\n"
    )
    kernels.KeptKernel.run(code)
    deadline = time.monotonic() + 10
    while "written by the adopted kernel" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "written by the adopted kernel" in log.read_text()
    assert km.adopted_pid == given[0]["pid"]


def test_papermill_runs_a_notebook_in_a_kernel_taken_over(early):
    _, given, _, folder = early
    km = kernels.KeptKernel.adopt("python3", str(folder), **given[1])
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.getpid())")]
    src, out = folder / "in.ipynb", folder / "out.ipynb"
    nbformat.write(nb, src)
    papermill.execute_notebook(str(src), str(out), kernel_name="python3", km=km, progress_bar=False)
    printed = nbformat.read(out, as_version=4).cells[0].outputs[0]["text"].strip()
    assert int(printed) == given[1]["pid"]  # the notebook ran in the kernel handed over, not a new one
    assert pid_running(given[1]["pid"])  # and papermill left it running for the next notebook


def test_stop_ends_every_kernel_and_a_kill_ends_an_adopted_one(early):
    started, given, _, folder = early
    kernels.KeptKernel.adopt("python3", str(folder), **given[0])
    kernels.KeptKernel.stop()  # a suspect kernel: the worker kills it
    assert _gone(given[0]["pid"])
    assert pid_running(given[1]["pid"])
    started.stop()
    assert _gone(given[1]["pid"])


def test_a_kernel_that_cannot_start_hands_over_none(tmp_path):
    handoff: queue.Queue = queue.Queue()
    warm = {"kernel": "no-such-kernel", "cwd": str(tmp_path)}
    started = kernels.EarlyKernels(2, warm=warm, env={}, run_log=tmp_path / "run.log", handoff=handoff)
    assert [handoff.get(timeout=60) for _ in range(2)] == [None, None]
    started.stop()


#: What a kernel shows a notebook of how it was started (compared between a forked and an ordinary kernel).
STARTED_AS = (
    "import json, os, sys, matplotlib\n"
    "print(json.dumps({'path': sys.path, 'argv0': os.path.basename(sys.argv[0]), 'argv': sys.argv[1:2],\n"
    "  'backend': matplotlib.get_backend(), 'mpl': os.environ.get('MPLBACKEND'), 'exe': sys.executable,\n"
    "  'cwd': os.getcwd(), 'main': sys.modules['__main__'].__name__,\n"
    "  'mark': os.environ.get('ANALYSIS_TEST_MARK'), 'flags': str(sys.flags), 'xoptions': sys._xoptions}))\n"
)


def _shown(km, folder, name: str) -> dict:
    """Run :data:`STARTED_AS` through papermill in ``km``; return what it printed."""
    import json

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(STARTED_AS)]
    src, out = folder / f"{name}.in.ipynb", folder / f"{name}.ipynb"
    nbformat.write(nb, src)
    papermill.execute_notebook(
        str(src), str(out), kernel_name="python3", km=km, progress_bar=False, cwd=str(folder)
    )
    return json.loads(nbformat.read(out, as_version=4).cells[0].outputs[0]["text"])


def test_the_kernels_are_forked_from_one_process_that_imported_the_library(early):
    import psutil

    _, given, _, _ = early
    parents = {psutil.Process(g["pid"]).ppid() for g in given}
    assert len(parents) == 1
    zygote = psutil.Process(parents.pop())
    assert kernels.ZYGOTE_MODULE in " ".join(zygote.cmdline())
    assert zygote.pid != psutil.Process().pid  # not kernels this process started itself


def test_a_forked_kernel_shows_a_notebook_what_an_ordinary_kernel_shows(early, monkeypatch):
    from jupyter_client.manager import KernelManager

    _, given, _, folder = early
    forked = _shown(kernels.KeptKernel.adopt("python3", str(folder), **given[0]), folder, "forked")
    monkeypatch.setenv("ANALYSIS_TEST_MARK", "early")
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(folder))
    try:
        ordinary = _shown(km, folder, "ordinary")
    finally:
        km.shutdown_kernel(now=True)
    assert forked == ordinary
    assert forked["backend"].endswith("backend_inline")  # figures shown inline, as in JupyterLab


def test_when_the_forking_process_fails_ordinary_kernels_are_handed_over(tmp_path, monkeypatch):
    import psutil

    monkeypatch.setattr(kernels, "ZYGOTE_MODULE", "analysis.runner.no_such_module")
    handoff: queue.Queue = queue.Queue()
    warm = {"kernel": "python3", "cwd": str(tmp_path)}
    log = tmp_path / "run.log"
    started = kernels.EarlyKernels(2, warm=warm, env={}, run_log=log, handoff=handoff)
    try:
        given = [handoff.get(timeout=180) for _ in range(2)]
        assert all(given)
        assert {psutil.Process(g["pid"]).ppid() for g in given} == {psutil.Process().pid}
        assert "no_such_module" in log.read_text()  # the reason is in the run's log
    finally:
        started.stop()
    assert all(_gone(g["pid"]) for g in given)


def test_the_forked_kernels_end_when_the_process_that_started_them_is_killed(tmp_path):
    import json
    import os
    import signal
    import subprocess
    import sys

    script = (
        "import json, queue, sys, time\n"
        "from analysis.runner import kernels\n"
        "q = queue.Queue()\n"
        f"k = kernels.EarlyKernels(2, warm={{'kernel': 'python3', 'cwd': {str(tmp_path)!r}}}, env={{}},\n"
        f"    run_log={str(tmp_path / 'run.log')!r}, handoff=q)\n"
        "print(json.dumps([q.get(timeout=180)['pid'] for _ in range(2)]), flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = json.loads(proc.stdout.readline())
        assert all(pid_running(p) for p in pids)
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no clean-up: the run was killed
        proc.wait()
    assert all(_gone(p) for p in pids)


def test_the_forked_kernels_do_not_share_a_random_state(early):
    """Each kernel draws as a new process would: the same unseeded draw differs between the two."""
    import json

    _, given, _, folder = early
    drawn = []
    for i, g in enumerate(given):
        km = kernels.KeptKernel.adopt("python3", str(folder), **g)
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [
            nbformat.v4.new_code_cell(
                "import json, random, numpy\n"
                "print(json.dumps([random.random(), float(numpy.random.random())]))"
            )
        ]
        src, out = folder / f"r{i}.in.ipynb", folder / f"r{i}.ipynb"
        nbformat.write(nb, src)
        papermill.execute_notebook(str(src), str(out), kernel_name="python3", km=km, progress_bar=False)
        drawn.append(json.loads(nbformat.read(out, as_version=4).cells[0].outputs[0]["text"]))
        kernels.KeptKernel.clients = []
        kernels.KeptKernel.km = None  # keep the first kernel running; the fixture stops both
    assert drawn[0][0] != drawn[1][0] and drawn[0][1] != drawn[1][1]


def test_the_warm_up_freezes_the_imports_and_a_reset_still_collects_a_notebooks_garbage(early):
    """The imported objects leave the collector (a short reset); what a notebook makes is still collected."""
    _, given, _, folder = early
    kernels.KeptKernel.adopt("python3", str(folder), **given[0])
    kernels.KeptKernel.run("import gc\nassert gc.get_freeze_count() > 10_000, gc.get_freeze_count()")
    kernels.KeptKernel.run(
        "import builtins, weakref\n"
        "class Node:\n    pass\n"
        "a, b = Node(), Node()\na.other, b.other = b, a\n"  # a cycle: only the collector frees it
        "builtins._analysis_test_ref = weakref.ref(a)\n"
    )
    kernels.KeptKernel.run(kernels.RESET_CODE.format(cwd=str(folder)))
    # the next collection frees it (as in a kernel never frozen, where the reset's own collection runs before
    # the namespace is cleared)
    kernels.KeptKernel.run("import builtins, gc\ngc.collect()\nassert builtins._analysis_test_ref() is None")
