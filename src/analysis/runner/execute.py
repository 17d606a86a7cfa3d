"""Worker processes run the notebooks: warm kernels, papermill, pages, and their noise kept off the console.

Each worker is forked from a server process that imported papermill and nbconvert once (``forkserver``). At
start it sends its own output and error streams, and so those of the kernels it launches ("Kernel is running
over TCP without encryption", ZMQ tracebacks), to the run's log; it dies with the run (``PR_SET_PDEATHSIG``
and a thread watching the run's process) so a killed run leaves no writer behind; and it takes over a warm
kernel (the library imported) that the run's parent started for it while the fork server was still
importing (:class:`analysis.runner.kernels.EarlyKernels`), or starts its own when none came.  Unless
``--fresh-kernels`` is given, a worker keeps that kernel for its next notebook: the kernel's namespace,
history, figures, working folder and matplotlib settings are reset first
(:data:`analysis.runner.kernels.RESET_CODE`), so a notebook sees what a new kernel would show it, without
paying the imports again.  Clients of a kept kernel skip jupyter_client's fixed 0.2-s wait, and papermill
writes each executed notebook once, at its end (:mod:`analysis.runner.machinery`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from analysis.runner.kernels import HANDOFF_WAIT_S, EarlyKernels, KeptKernel
from analysis.runner.spec import Job, Result

log = logging.getLogger("analysis.run")


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (the run was killed): no orphan writers."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent is already gone
        os._exit(1)


def _die_with_run(pid: int) -> None:
    """Exit soon after the run's process ``pid`` is gone, however it ended.

    A worker's parent is the fork server, not the run: ``PR_SET_PDEATHSIG`` alone does not fire when only the
    run is killed, and the fork server outlives it (every worker holds the server's "alive" pipe, so neither
    would ever end).  A thread checks the run twice a second; the worker's kernels end with it (ipykernel
    exits when its parent process does).
    """
    from analysis.runner.machinery import pid_running

    def watch() -> None:
        while pid_running(pid):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="analysis-run-watch", daemon=True).start()


def init_worker(
    env: dict[str, str],
    run_log: str,
    busy: str,
    warm: dict[str, str] | None,
    handoff: Any = None,
    run_pid: int | None = None,
) -> None:
    """Set up a worker: environment, streams to the run's log, the set's busy lock, a warm kernel.

    The kernel is one the run's parent started (taken from ``handoff``), else one it starts itself.
    """
    from analysis.runner.lock import hold_shared

    _die_with_parent()
    if run_pid is not None:
        _die_with_run(run_pid)
    os.environ.update(env)
    fd = os.open(run_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    hold_shared(Path(busy))
    multiprocessing.util.Finalize(None, KeptKernel.stop, exitpriority=10)  # the kept kernel ends with it
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format=f"%(asctime)s worker {os.getpid()} %(message)s"
    )
    if warm:
        try:
            given = handoff.get(timeout=HANDOFF_WAIT_S) if handoff is not None else None
            if given:
                KeptKernel.adopt(warm["kernel"], warm["cwd"], **given)
            else:
                KeptKernel.start(warm["kernel"], warm["cwd"])
        except Exception as exc:  # noqa: BLE001 - the first job starts its own kernel then
            log.warning("warm kernel failed to start: %s", exc)
            KeptKernel.stop()


def execute_job(job: Job, *, keep_kernel: bool = True, lang: str = "vi") -> Result:
    """Run one notebook with papermill (in the calling process); keep the partial notebook on failure.

    The executed notebook is written beside its final name and renamed at the end, so the output is either a
    complete notebook or a failed one with its error, never a half-written file. Cell outputs go to the log.
    """
    import papermill

    from analysis.report import site
    from analysis.runner.machinery import ENGINE

    out, logfile = Path(job.output), Path(job.log)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_suffix(".part.ipynb")
    for stale in (out, Path(job.html), logfile, part):  # never write through a link into the published set
        stale.unlink(missing_ok=True)
    handler = logging.FileHandler(logfile, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.info("notebook %s unit %s parameters %s", job.notebook, job.unit, json.dumps(job.parameters))
    start = time.perf_counter()
    status, error = "ok", ""
    extra: dict[str, Any] = {}
    try:
        km = None
        if keep_kernel:
            t = time.perf_counter()
            km = KeptKernel.for_job(job)
            extra["kernel_s"] = round(time.perf_counter() - t, 2)
        papermill.execute_notebook(
            job.source,
            str(part),
            parameters=job.parameters,
            kernel_name=job.kernel,
            progress_bar=False,
            log_output=True,
            execution_timeout=job.timeout,
            cwd=str(Path(job.source).parent),
            engine_name=ENGINE,  # the notebook written once, at its end, not at every cell
            **({"km": km} if km is not None else {}),
        )
    except Exception as exc:  # noqa: BLE001 - any failure is recorded; the run goes on
        status = "failed"
        error = f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', exc)}".strip()
        logger.error("FAILED: %s", error)
        if keep_kernel and not getattr(exc, "ename", None):  # not an error in a cell: the kernel is suspect
            KeptKernel.stop()
    seconds = time.perf_counter() - start
    if part.exists():
        os.replace(part, out)
    logger.info("status %s after %.1f s", status, seconds)
    logger.removeHandler(handler)
    handler.close()
    result = Result(job.notebook, job.unit, status, round(seconds, 1), error, job.output, job.html, job.log)
    if out.exists():
        t = time.perf_counter()
        try:
            site.render_notebook(out, Path(job.html), status=status, error=error, **_page_kw(site, job, lang))
        except Exception as exc:  # noqa: BLE001 - a page that cannot render is a failed run, not a crash
            result.status, result.error = "failed", f"HTML rendering failed: {exc}"
        extra["page_s"] = round(time.perf_counter() - t, 2)
    result.extra = extra
    return result


def _page_kw(site: Any, job: Job, lang: str) -> dict[str, Any]:
    """Return the keywords of the page: the set's figure folder and the language, where taken."""
    import inspect

    takes = inspect.signature(site.render_notebook).parameters
    kw: dict[str, Any] = {"lang": lang} if "lang" in takes else {}
    if job.figures and "figures_dir" in takes:
        kw["figures_dir"] = Path(job.figures)
    return kw


def start_pool(
    workers: int, *, env: dict[str, str], run_log: Path, busy: Path, warm: dict[str, str] | None
) -> ProcessPoolExecutor:
    """Start ``workers`` worker processes (see the module's docstring); they warm up in the background."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["analysis.runner.preload"])
    handoff = ctx.Queue() if warm else None
    pool = _Pool(
        max_workers=workers,
        mp_context=ctx,
        initializer=init_worker,
        initargs=(env, str(run_log), str(busy), warm, handoff, os.getpid()),
    )
    if warm:  # the kernels start now, while the fork server imports its preload
        pool.kernels = EarlyKernels(workers, warm=warm, env=env, run_log=run_log, handoff=handoff)
    # a pool spawns a worker per submitted task: start them all now, from a thread, since each spawn waits
    # for the fork server to have imported its preload (1-2 s) and the caller has work to do meanwhile
    threading.Thread(target=_spawn, args=(pool, workers), name="analysis-pool-start", daemon=True).start()
    return pool


class _Pool(ProcessPoolExecutor):
    """The workers' pool; shutting it down also shuts down the kernels the parent started for them."""

    kernels: EarlyKernels | None = None

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:  # noqa: D102
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if self.kernels is not None:
            self.kernels.stop()


def _spawn(pool: ProcessPoolExecutor, workers: int) -> None:
    with contextlib.suppress(RuntimeError):  # the run ended (shut down) before the workers were up
        for _ in range(workers):
            pool.submit(_ready)


def _ready() -> int:
    """Return the worker's pid (a task that only makes the pool start its worker)."""
    return os.getpid()


def run_jobs(
    jobs: list[Job], *, pool: ProcessPoolExecutor, keep_kernel: bool, lang: str, on_done: Any = None
) -> list[Result]:
    """Run jobs on ``pool`` with a progress bar; ``on_done(result)`` for each; results in job order."""
    from tqdm import tqdm

    results: dict[int, Result] = {}
    futures = {
        pool.submit(execute_job, job, keep_kernel=keep_kernel, lang=lang): i for i, job in enumerate(jobs)
    }
    with tqdm(total=len(jobs), desc="notebooks", unit="nb", file=sys.stderr, leave=False) as bar:
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is a failed run
                job = jobs[i]
                results[i] = Result(job.notebook, job.unit, "failed", 0.0, f"worker crashed: {exc}")
            if on_done is not None:
                bar.clear()
                on_done(results[i])
                bar.refresh()
            bar.update(1)
    return [results[i] for i in range(len(jobs))]
