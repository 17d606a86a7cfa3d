"""The runner's changes to Jupyter's machinery keep what they replace promises.

``QuickReadyClient.wait_for_ready`` must still mean what jupyter_client's means: the kernel answers and
IOPub is connected, so the first output of the next request is not lost (a ZMQ subscriber joining late
misses messages).  ``FinalWriteEngine`` must still leave a failed notebook with every output up to its
error, written once instead of at every cell's start and end.
"""

from __future__ import annotations

import nbformat
import papermill
import pytest
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from analysis.runner import machinery

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kernel():
    km = AsyncKernelManager(kernel_name="python3", client_factory=machinery.QuickReadyClient)
    run_sync(km.start_kernel)()
    yield km
    run_sync(km.shutdown_kernel)(now=True)


def test_each_new_client_is_ready_with_iopub_connected(kernel):
    """Twenty fresh clients in a row: after wait_for_ready each receives its first request's output."""

    async def one(i: int) -> list[str]:
        kc = kernel.client()
        assert isinstance(kc, machinery.QuickReadyClient)
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=30)
            seen: list[str] = []
            reply = await kc.execute_interactive(
                f"print('hello {i}')",
                timeout=30,
                output_hook=lambda msg: seen.append(msg["content"].get("text", "")),
            )
            assert reply["content"]["status"] == "ok"
            return seen
        finally:
            kc.stop_channels()

    for i in range(20):
        assert "".join(run_sync(one)(i)).strip() == f"hello {i}"


def test_ready_means_the_kernel_answered_and_leaves_nothing_of_its_request(kernel, tmp_path):
    """A kernel busy with another client's cell: wait_for_ready returns only after the kernel answers
    (so after that cell ends), and the IOPub messages of its kernel_info request are all read."""
    flag = tmp_path / "cell_ended"

    async def go() -> list[dict]:
        busy = kernel.client()
        busy.start_channels()
        kc = kernel.client()
        try:
            await busy.wait_for_ready(timeout=30)
            cell = busy.execute(f"import time; time.sleep(1.5); open({str(flag)!r}, 'w').close()")
            while True:  # the kernel has begun the cell: a kernel_info sent now waits behind it
                msg = await busy.iopub_channel.get_msg(timeout=30)
                state = msg["content"].get("execution_state")
                if msg["parent_header"].get("msg_id") == cell and state == "busy":
                    break
            kc.start_channels()
            await kc.wait_for_ready(timeout=30)
            assert flag.exists(), "wait_for_ready returned before the kernel answered"
            left = []
            while await kc.iopub_channel.msg_ready():
                msg = await kc.iopub_channel.get_msg(timeout=0.1)
                if msg["parent_header"].get("msg_type") == "kernel_info_request":
                    left.append((msg["msg_type"], msg["content"], msg["parent_header"]["msg_id"]))
            return left
        finally:
            kc.stop_channels()
            busy.stop_channels()

    assert run_sync(go)() == []


def _notebook(tmp_path, *sources: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path = tmp_path / "in.ipynb"
    nbformat.write(nb, path)
    return path


def _count_writes(monkeypatch) -> list[str]:
    import papermill.engines

    writes: list[str] = []
    real = papermill.engines.write_ipynb

    def counting(nb, path, *args, **kwargs):
        writes.append(str(path))
        return real(nb, path, *args, **kwargs)

    monkeypatch.setattr(papermill.engines, "write_ipynb", counting)
    return writes


def test_the_engine_writes_a_completed_notebook_once(tmp_path, monkeypatch):
    src = _notebook(tmp_path, "a = 1", "print(a + 1)", "a * 3")
    writes = _count_writes(monkeypatch)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(src), str(out), engine_name=machinery.ENGINE, progress_bar=False)
    assert writes == [str(out)]
    nb = nbformat.read(out, as_version=4)
    assert nb.cells[1].outputs[0]["text"] == "2\n"
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "3"
    assert nb.metadata.papermill["duration"] > 0


def test_papermill_itself_writes_at_every_cell(tmp_path, monkeypatch):
    """What the engine removes: the default engine writes the notebook at each cell's start and end."""
    src = _notebook(tmp_path, "a = 1", "print(a + 1)", "a * 3")
    writes = _count_writes(monkeypatch)
    papermill.execute_notebook(str(src), str(tmp_path / "out.ipynb"), progress_bar=False)
    assert len(writes) >= 2 * 3


def test_a_failed_notebook_keeps_its_outputs_up_to_the_error(tmp_path, monkeypatch):
    src = _notebook(tmp_path, "print('before')", "1 / 0", "print('never')")
    writes = _count_writes(monkeypatch)
    out = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError, match="ZeroDivisionError"):
        papermill.execute_notebook(str(src), str(out), engine_name=machinery.ENGINE, progress_bar=False)
    assert writes == [str(out)]
    nb = nbformat.read(out, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "before\n"
    assert code[1].outputs[0]["ename"] == "ZeroDivisionError"
    assert code[2].outputs == []
    assert nb.metadata.papermill["exception"] is True


def test_when_the_idle_is_lost_it_falls_back_to_jupyter_clients_own_wait(kernel):
    """An IOPub subscription that joined after the kernel published loses the idle for good: the client
    must not wait for it forever but ask again as jupyter_client does (seen once in CI: a 300-s hang)."""
    lost = []

    class LosesTheFirstIdle(machinery.QuickReadyClient):
        async def _idle_after(self, ids):
            if not lost:
                lost.append(ids)
                return False  # as if the idle had been published before IOPub was connected
            return await super()._idle_after(ids)

    async def go() -> dict:
        kc = LosesTheFirstIdle(**kernel.get_connection_info(session=True), parent=kernel)
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=30)
            return await kc.execute_interactive("1 + 1", silent=False, timeout=30)
        finally:
            kc.stop_channels()

    reply = run_sync(go)()
    assert lost and reply["content"]["status"] == "ok"
