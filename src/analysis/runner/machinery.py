"""Two changes to Jupyter's machinery for the runner's workers, each removing time that does no work.

**A kernel client that knows a kept kernel is ready without jupyter_client's fixed 0.2-second wait.**

``KernelClient.wait_for_ready`` (jupyter_client 8) sends ``kernel_info``, takes the reply, and then empties
the IOPub channel until it has been silent for 0.2 s.  A warm kernel answers in a few milliseconds, so that
silence is most of the call, and a worker pays it twice per notebook (the reset, then papermill's own
client): about 0.4 s of a core's idle time per notebook.

A kernel publishes ``status: idle`` on IOPub once it has handled a request, after its reply.  This client
waits for the idle status that answers its own ``kernel_info`` request instead of a silence: the same
guarantee (IOPub is connected and nothing of the request is still to come), without the fixed wait.  When
IOPub stays silent (its subscription was not yet connected when the kernel published), the request is
sent again, as jupyter_client does.

**A manager of a kernel another process started** (:class:`AdoptedKernelManager`): the run's parent starts
the workers' kernels while the fork server is still importing papermill and nbconvert, so both happen at
once; each worker takes over one kernel by its connection file and process id.

**A papermill engine that writes the executed notebook once, when it ends.**  papermill writes the whole
notebook (its figures included, up to 1.3 MB here) at the start and at the end of every cell: 2 x 44 writes
for the timeliness notebook, about 15 ms each once it is full, all on the worker's core while the other
notebook's kernel wants it.  :class:`FinalWriteEngine` writes it when the notebook ends, completed or failed
(papermill's ``notebook_complete`` runs in a ``finally``), so a failed notebook still keeps every output up
to its error; only a worker killed outright leaves no partial notebook, as it leaves no page either.
"""

from __future__ import annotations

import os
import signal
import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.client import KernelClient
from jupyter_client.manager import AsyncKernelManager
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

#: How long to wait on IOPub for the idle status of one ``kernel_info`` request before asking again.
IOPUB_WAIT_S = 0.5


class QuickReadyClient(AsyncKernelClient):
    """jupyter_client's asynchronous client whose ``wait_for_ready`` ends at the kernel's idle status."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        msg_id = self.kernel_info()
        reply = await self._reply({msg_id}, wait=1.0)
        if reply is not None and await self._idle_after({msg_id}):
            self._handle_kernel_info_reply(reply)
            return
        # a slow kernel, or an IOPub subscription that missed the idle: jupyter_client's own wait, which
        # asks again until both channels answer and then waits for IOPub to fall silent
        await KernelClient._async_wait_for_ready(self, timeout=timeout)

    wait_for_ready = _async_wait_for_ready  # the base class binds its own under this public name

    async def _reply(self, ids: set[str], *, wait: float) -> dict[str, Any] | None:
        """Return the first shell reply to one of ``ids``, or None when none came within ``wait`` seconds."""
        end = time.monotonic() + wait
        while (left := end - time.monotonic()) > 0:
            try:
                msg = await self.shell_channel.get_msg(timeout=left)
            except Empty:
                return None
            if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") in ids:
                return msg
        return None

    async def _idle_after(self, ids: set[str]) -> bool:
        """Read IOPub up to the ``idle`` status of every request in ``ids``; False when IOPub falls silent."""
        ids = set(ids)
        while ids:
            try:
                msg = await self.iopub_channel.get_msg(timeout=IOPUB_WAIT_S)
            except Empty:
                return False
            parent = msg["parent_header"]
            # other clients of the same manager number their messages alike: the type tells them apart
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                if parent.get("msg_type") == "kernel_info_request":
                    ids.discard(parent.get("msg_id"))
        return True


class _FinalWrite(NotebookExecutionManager):
    """papermill's execution manager, writing the notebook only once it is complete (or failed)."""

    complete = False

    def save(self, **kwargs: Any) -> None:  # noqa: D102 - papermill calls it at every cell's start and end
        if self.complete:
            super().save(**kwargs)
        else:
            self.last_save_time = self.now()

    def notebook_complete(self, **kwargs: Any) -> None:  # noqa: D102 - the one write
        self.complete = True
        super().notebook_complete(**kwargs)


class FinalWriteEngine(NBClientEngine):
    """papermill's nbclient engine with :class:`_FinalWrite`: one write of the notebook, at its end."""

    @classmethod
    def execute_notebook(  # type: ignore[override]
        cls,
        nb: Any,
        kernel_name: str,
        output_path: str | None = None,
        progress_bar: bool = True,
        log_output: bool = False,
        autosave_cell_every: int = 30,
        **kwargs: Any,
    ) -> Any:
        """As papermill's ``Engine.execute_notebook``, with :class:`_FinalWrite` as the execution manager."""
        nb_man = _FinalWrite(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


#: The name :func:`analysis.runner.execute.execute_job` gives papermill (``engine_name``).
ENGINE = "analysis-final-write"
papermill_engines.register(ENGINE, FinalWriteEngine)


def pid_running(pid: int) -> bool:
    """Return True while process ``pid`` exists and is not a zombie (a kernel another process started)."""
    if os.path.isdir("/proc/self"):
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class AdoptedKernelManager(AsyncKernelManager):
    """The manager of a running kernel started by another process, which also shuts it down at the end.

    jupyter_client's ``owns_kernel=False`` makes shutting down a no-op; the kernel is alive while its process
    runs (:func:`pid_running`: it is not this process's child); :meth:`kill` ends a suspect kernel.
    """

    def __init__(self, *, connection: dict[str, Any], pid: int, **kwargs: Any) -> None:
        super().__init__(owns_kernel=False, **kwargs)
        self.load_connection_info(connection)
        self.adopted_pid = pid

    @property
    def has_kernel(self) -> bool:  # noqa: D102 - nbclient starts a kernel of its own when this is False
        return pid_running(self.adopted_pid)

    async def _async_is_alive(self) -> bool:
        return pid_running(self.adopted_pid)

    is_alive = _async_is_alive  # the base class binds its own under this public name

    async def _async_interrupt_kernel(self) -> None:
        os.kill(self.adopted_pid, signal.SIGINT)

    interrupt_kernel = _async_interrupt_kernel

    def kill(self) -> None:
        """Kill the kernel's process (its starter reaps it)."""
        try:
            os.kill(self.adopted_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
