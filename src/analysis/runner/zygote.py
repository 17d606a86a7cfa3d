"""One process imports the kernels' libraries once, then forks one IPython kernel per connection file.

Usage (by :class:`analysis.runner.kernels.EarlyKernels`, with the kernelspec's own interpreter and flags)::

    python -Xfrozen_modules=off -m analysis.runner.zygote REPORT_FD CONNECTION_FILE [CONNECTION_FILE ...]

Each of the run's kernels used to import pandas, scipy.stats, statsmodels' GLM, pandera and matplotlib
(:data:`analysis.runner.kernels.WARM_IMPORTS`, 1.3-2.8 CPU s) by itself, both at once on the 2 cores while
the run's parent and the fork server were importing too.  Here the imports run once and each kernel is a
fork that shares them.  A child is what ``python -m ipykernel_launcher -f FILE`` starts (the same
``sys.path``, ``sys.argv`` and matplotlib backend), except that its libraries are already imported; the
warm-up code the parent sends each kernel then runs as before (:data:`~analysis.runner.kernels.WARM_CODE`).

The process writes the children's pids, one line, to ``REPORT_FD`` (``fail: reason`` when an import fails;
the parent then starts ordinary kernels), then stays to reap them.  It ends when they have all ended, on
SIGTERM (it kills them first), or when the process that started it is gone (it kills them too; each child
also exits by itself when this process ends, ipykernel's parent poller).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
import traceback

POLL_S = 0.25


def _prepare() -> None:
    """Do what ``ipykernel_launcher`` and ipykernel's app do before a kernel imports anything."""
    from pathlib import Path

    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # ipykernel_launcher removes the working folder; IPython's init_path adds it back
    if not os.environ.get("MPLBACKEND"):  # ipykernel's app sets it before any matplotlib import
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"


def _kernel(connection_file: str) -> None:
    """In a child: run an IPython kernel on ``connection_file`` until it is shut down."""
    import ipykernel_launcher
    from ipykernel import kernelapp

    if "numpy" in sys.modules:  # a new process draws a new seed (Python's random reseeds itself at a fork)
        sys.modules["numpy"].random.seed()
    parent = str(os.getppid())
    os.environ["JPY_PARENT_PID"] = parent  # what jupyter_client's launcher sets
    sys.argv = [ipykernel_launcher.__file__, "-f", connection_file]
    # the app read JPY_PARENT_PID at its import, in this process's parent: it exits when that process does
    kernelapp.launch_new_instance(argv=["-f", connection_file, f"--IPKernelApp.parent_handle={parent}"])


def _kill(children: set[int]) -> None:
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _reap(children: set[int]) -> None:
    """Forget the children that have ended."""
    while children:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        children.discard(pid)


def main(argv: list[str]) -> int:
    """Import, fork one kernel per connection file, report their pids, and reap them."""
    report_fd, files = int(argv[0]), argv[1:]
    starter = os.getppid()
    _prepare()
    from analysis.runner.kernels import WARM_IMPORTS

    try:
        import ipykernel.kernelapp  # noqa: F401
        import IPython  # noqa: F401

        for name in WARM_IMPORTS:
            importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001 - the parent starts ordinary kernels then
        os.write(report_fd, f"fail: {type(exc).__name__}: {exc}\n".encode())
        return 1
    import gc

    gc.collect()
    gc.freeze()  # the imported objects: not walked by the kernels' collections, nor copied by them on write
    children: set[int] = set()
    order: list[int] = []

    def end(*_: object) -> None:
        _kill(children)
        os._exit(0)

    signal.signal(signal.SIGTERM, end)
    for connection_file in files:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(report_fd)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                _kernel(connection_file)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            except BaseException:  # noqa: BLE001 - a child never returns into the parent's loop
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children.add(pid)
        order.append(pid)
    os.write(report_fd, (" ".join(map(str, order)) + "\n").encode())
    os.close(report_fd)
    while children:
        _reap(children)
        if os.getppid() != starter:  # the run is gone
            end()
        time.sleep(POLL_S)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
