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
