"""The workers' kernels: the one a worker keeps between notebooks, and those the run's parent starts early.

:class:`KeptKernel` is a worker's kernel: started (or taken over from the parent) once, reset before each
notebook (:data:`RESET_CODE`).  :class:`EarlyKernels` starts one kernel per worker in the parent, at the
pool's start, and hands each to a worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.runner.spec import Job

#: Modules a kernel imports before its first notebook (what the notebooks' import cells name).
WARM_IMPORTS = (
    "analysis.notebook",
    "analysis.io",
    "analysis.plots",
    "analysis.stats",
    "analysis.stats.series",
    "analysis.text.findings",
    "analysis.text.tables",
)
#: Run in a kept kernel after the warm-up imports: remember the settings a notebook may change.
SNAPSHOT_CODE = """
import os as _os, sys as _sys, warnings as _w
import matplotlib as _mpl
get_ipython()._analysis_fresh = (dict(_mpl.rcParams), list(_w.filters), list(_sys.path), dict(_os.environ))
"""
#: Run last in the warm-up: the objects the imports made leave the garbage collector's care (``gc.freeze``).
#: Every reset collects (IPython's ``reset``), and a full collection walked all of them: 0.06-0.08 s of the
#: 0.09-s reset before each notebook.  Garbage made later is collected as before.
FREEZE_CODE = "import gc as _gc\n_gc.collect()\n_gc.freeze()\n"
#: Run in a new kernel before its first notebook: the imports, then the settings they leave.
WARM_CODE = "\n".join(f"import {m}" for m in WARM_IMPORTS) + "\n" + SNAPSHOT_CODE + FREEZE_CODE
#: A kernelspec's command that :mod:`analysis.runner.zygote` can stand in for (then the connection file).
LAUNCHER = ("-m", "ipykernel_launcher", "-f")
#: The module that imports once and forks the kernels.
ZYGOTE_MODULE = "analysis.runner.zygote"
#: How long a worker waits for the kernel the run's parent starts for it before starting one itself.
HANDOFF_WAIT_S = 120.0
#: Run in a kept kernel before each notebook: back to the state right after the warm-up imports.
RESET_CODE = """
import os as _os, sys as _sys, warnings as _w
import matplotlib as _mpl
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_rc, _filters, _path, _env = get_ipython()._analysis_fresh
with _w.catch_warnings():
    _w.simplefilter("ignore")
    _mpl.rcParams.update(_rc)
_w.filters[:] = _filters
_sys.path[:] = _path
_os.environ.clear()
_os.environ.update(_env)
_os.chdir({cwd!r})
get_ipython().reset(new_session=True)
"""

log = logging.getLogger("analysis.run")


class KeptKernel:
    """A kernel kept by a worker between notebooks (one per worker process)."""

    km: Any = None
    clients: list[Any] = []
    kernel_name = ""
    cwd = ""

    @classmethod
    def _kept(cls, base: type) -> type:
        class Kept(base):  # type: ignore[misc, valid-type]
            def client(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 - remember clients to stop
                kc = super().client(*args, **kwargs)
                cls.clients.append(kc)
                return kc

        return Kept

    @classmethod
    def start(cls, kernel_name: str, cwd: str) -> Any:
        """Start a kernel of this worker's own and warm it up (:data:`WARM_CODE`)."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        from analysis.runner.machinery import QuickReadyClient

        cls.stop()
        km = cls._kept(AsyncKernelManager)(kernel_name=kernel_name, client_factory=QuickReadyClient)
        run_sync(km.start_kernel)(cwd=cwd)
        cls.km, cls.kernel_name, cls.cwd = km, kernel_name, cwd
        cls.run(WARM_CODE)
        return km

    @classmethod
    def adopt(cls, kernel_name: str, cwd: str, *, connection: dict[str, Any], pid: int) -> Any:
        """Take over a kernel the run's parent started and warmed up (:class:`EarlyKernels`)."""
        from analysis.runner.machinery import AdoptedKernelManager, QuickReadyClient

        cls.stop()
        km = cls._kept(AdoptedKernelManager)(
            connection=connection, pid=pid, kernel_name=kernel_name, client_factory=QuickReadyClient
        )
        cls.km, cls.kernel_name, cls.cwd = km, kernel_name, cwd
        return km

    @classmethod
    def run(cls, code: str, timeout: float = 300) -> None:
        """Execute ``code`` in the kept kernel (no output kept); raise when it fails."""
        from jupyter_core.utils import run_sync

        async def go() -> dict:
            kc = cls.km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=timeout)
                reply = await kc.execute_interactive(code, silent=True, store_history=False, timeout=timeout)
            finally:
                kc.stop_channels()
            return reply

        reply = run_sync(go)()
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"kernel preparation failed: {reply['content'].get('evalue', '')}")

    @classmethod
    def alive(cls) -> bool:
        """Return True while the kept kernel runs."""
        from jupyter_core.utils import run_sync

        return cls.km is not None and bool(run_sync(cls.km.is_alive)())

    @classmethod
    def stop(cls) -> None:
        """Stop the kept kernel and its clients (kill it when it was taken over)."""
        from jupyter_core.utils import run_sync

        for kc in cls.clients:
            with contextlib.suppress(Exception):
                kc.stop_channels()
        cls.clients = []
        if cls.km is not None:
            with contextlib.suppress(Exception):
                run_sync(cls.km.shutdown_kernel)(now=True)
            if hasattr(cls.km, "adopted_pid"):  # its starter only reaps it
                cls.km.kill()
        cls.km = None

    @classmethod
    def for_job(cls, job: Job) -> Any:
        """Return the kept kernel reset for ``job`` (started when missing or dead)."""
        cwd = str(Path(job.source).parent)
        if cls.km is not None and cls.kernel_name == job.kernel and cls.cwd == cwd and cls.alive():
            for kc in cls.clients:
                with contextlib.suppress(Exception):
                    kc.stop_channels()
            cls.clients = []
        else:
            cls.start(job.kernel, cwd)
        try:
            cls.run(RESET_CODE.format(cwd=cwd))  # the warm-up's own names go too
        except Exception as exc:  # noqa: BLE001 - a kernel that cannot reset is replaced
            log.warning("kernel reset failed (%s); starting a new one", exc)
            cls.start(job.kernel, cwd)
            cls.run(RESET_CODE.format(cwd=cwd))
        return cls.km


class EarlyKernels:
    """One warm kernel per worker, started by the run's parent in a thread and handed over by a queue.

    A worker forked from the fork server only exists once the server has imported its preload (1.5-2 s);
    a kernel started by the worker then boots and imports the library (3-4 s) after it.  Started here, at
    the pool's start, the kernels boot and import while the server imports.  They are forks of one process
    that imported the library once (:mod:`analysis.runner.zygote`: one set of imports instead of one per
    kernel, 1.3-2.8 CPU s each); when the kernelspec is not the standard ``ipykernel_launcher`` command or
    that process fails, ordinary kernels are started instead.  Each worker takes one connection from
    ``handoff`` (``None`` when a kernel failed to start: the worker starts its own).  The kernels write to
    the run's log and end when the pool is shut down, or with this process (the forking process watches it
    and kills its kernels; each kernel exits when its parent process does).
    """

    def __init__(
        self, n: int, *, warm: dict[str, str], env: dict[str, str], run_log: Path, handoff: Any
    ) -> None:
        self.managers: list[Any] = []
        self.zygotes: list[Any] = []
        self.files: list[str] = []
        self.lock = threading.Lock()
        self.closed = False
        args = (n, warm, env, run_log, handoff)
        self.thread = threading.Thread(target=self._launch, args=args, name="analysis-kernels", daemon=True)
        self.thread.start()

    def _launch(self, n: int, warm: dict[str, str], env: dict[str, str], run_log: Path, handoff: Any) -> None:
        handed = 0
        try:
            from jupyter_client.blocking import BlockingKernelClient

            with open(run_log, "ab") as log_fh:
                kernels = self._forked(n, warm, env, log_fh)
                if kernels is None:
                    kernels = self._started(n, warm, env, log_fh)
            started = []
            for connection, pid in kernels:
                kc = BlockingKernelClient()
                kc.load_connection_info(connection)
                kc.start_channels(iopub=False, stdin=False, hb=False, control=False)
                started.append((connection, pid, kc, kc.execute(WARM_CODE, silent=True, store_history=False)))
            for connection, pid, kc, msg_id in started:  # all warm up at once; each answers when done
                ok = _warm_reply_ok(kc, msg_id)
                kc.stop_channels()
                handoff.put({"connection": connection, "pid": pid} if ok else None)
                handed += 1
        except Exception as exc:  # noqa: BLE001 - the workers start their own kernels then
            log.warning("early kernels failed to start: %s", exc)
        finally:
            for _ in range(n - handed):
                handoff.put(None)

    def _forked(self, n: int, warm: dict[str, str], env: dict[str, str], log_fh: Any) -> list | None:
        """Start ``n`` kernels forked from one process that imported the library once (:mod:`.zygote`).

        Return their connection information and pids, or None when the kernelspec is not the standard
        ``python -m ipykernel_launcher -f {connection_file}`` or the forking process failed (the caller
        starts ordinary kernels then).
        """
        import subprocess
        import uuid

        from jupyter_client.connect import write_connection_file
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_core.paths import jupyter_runtime_dir

        if self.closed:  # the run ended first: no connection files to leave behind
            return []
        spec = KernelSpecManager().get_kernel_spec(warm["kernel"])
        argv = list(spec.argv)
        major, minor = sys.version_info[:2]
        if argv and argv[0] in {"python", f"python{major}", f"python{major}.{minor}"}:
            argv[0] = sys.executable  # as jupyter_client's manager reads a kernelspec's "python"
        if "-m" not in argv or argv[argv.index("-m") :] != [*LAUNCHER, "{connection_file}"]:
            return None
        runtime = Path(jupyter_runtime_dir())
        runtime.mkdir(parents=True, exist_ok=True)
        infos = []
        for _ in range(n):
            name = str(runtime / f"kernel-{uuid.uuid4()}.json")
            key = str(uuid.uuid4()).encode()
            self.files.append(name)
            infos.append(write_connection_file(name, ip="127.0.0.1", key=key, kernel_name=warm["kernel"]))
        read_fd, write_fd = os.pipe()
        files = [name for name, _ in infos]
        cmd = [*argv[: argv.index("-m")], "-m", ZYGOTE_MODULE, str(write_fd), *files]
        try:
            with self.lock:
                if self.closed:
                    return []
                proc = subprocess.Popen(  # noqa: S603 - the kernelspec's own interpreter
                    cmd,
                    cwd=warm["cwd"],
                    env={**os.environ, **(spec.env or {}), **env},
                    stdin=subprocess.DEVNULL,
                    stdout=log_fh,
                    stderr=log_fh,
                    pass_fds=(write_fd,),
                    start_new_session=True,
                )
                self.zygotes.append(proc)
        finally:
            os.close(write_fd)
        with os.fdopen(read_fd, encoding="utf-8") as fh:
            line = fh.readline().strip()  # after the imports and the forks
        pids = [int(p) for p in line.split()] if line and not line.startswith("fail") else []
        if len(pids) != n:
            log.warning("forked kernels failed to start (%s); starting ordinary ones", line or "no answer")
            self._end(proc)
            return None
        return [(cfg, pid) for (_, cfg), pid in zip(infos, pids, strict=True)]

    def _started(self, n: int, warm: dict[str, str], env: dict[str, str], log_fh: Any) -> list:
        """Start ``n`` ordinary kernels (jupyter_client's manager); return their connections and pids."""
        from jupyter_client.manager import KernelManager

        kernels = []
        for _ in range(n):
            km = KernelManager(kernel_name=warm["kernel"])
            with self.lock:
                if self.closed:
                    break
                km.start_kernel(cwd=warm["cwd"], env={**os.environ, **env}, stdout=log_fh, stderr=log_fh)
                self.managers.append(km)
            kernels.append((km.get_connection_info(), km.provisioner.pid))
        return kernels

    @staticmethod
    def _end(proc: Any) -> None:
        """End a forking process and, by its SIGTERM handler, the kernels it forked."""
        with contextlib.suppress(Exception):
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 - it did not end in time
                proc.kill()
                proc.wait(timeout=5)

    def stop(self) -> None:
        """Shut down every kernel started here (the workers have ended)."""
        with self.lock:
            self.closed = True
            managers, self.managers = self.managers, []
            zygotes, self.zygotes = self.zygotes, []
            files, self.files = self.files, []
        for km in managers:
            with contextlib.suppress(Exception):
                km.shutdown_kernel(now=True)
        for proc in zygotes:
            self._end(proc)
        for name in files:
            with contextlib.suppress(OSError):
                os.unlink(name)


def _warm_reply_ok(kc: Any, msg_id: str, timeout: float = 300) -> bool:
    """Wait for the shell reply to ``msg_id``; True when the warm-up ran without error."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg["content"].get("status") == "ok"
    return False
