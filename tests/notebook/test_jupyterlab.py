"""JupyterLab's server on loopback lists the project's kernel and runs a notebook's cells through its API."""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import REQUIRE_ALL
from jupyter_fixture import jupyter_server
from test_run import make_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("runner")]

KERNEL = "analysis"  # installed by the Makefile: ipykernel install --sys-prefix --name analysis


@pytest.fixture
def server(tmp_path):
    """Start `jupyter server` on 127.0.0.1 with a random port and token; yield (base url, token, root)."""
    env = {"JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    with jupyter_server("jupyter_server", tmp_path, env=env) as (base, token):
        yield base, token, tmp_path


def _execute(ws, code: str, session: str) -> list[dict]:
    """Send one execute_request over the kernel's websocket; return its iopub outputs and reply."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": session,
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))  # fmt: skip
    got, idle, reply = [], False, None
    deadline = time.monotonic() + 120
    while not (idle and reply) and time.monotonic() < deadline:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if kind == "execute_reply":
            reply = msg["content"]
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            idle = True
        elif kind in ("stream", "error", "display_data", "execute_result"):
            got.append({"type": kind, **msg["content"]})
    assert reply is not None, f"no execute_reply for {code[:60]!r}"
    return [*got, {"type": "reply", **reply}]


def test_server_lists_project_kernel_and_executes_notebook(server):
    requests = pytest.importorskip("requests")
    websocket = pytest.importorskip("websocket")
    import nbformat

    base, token, root = server
    auth = {"Authorization": f"token {token}"}
    specs = requests.get(f"{base}/api/kernelspecs", headers=auth, timeout=10).json()["kernelspecs"]
    if KERNEL not in specs:
        msg = f"kernelspec {KERNEL!r} not installed (run `make venv`); found {sorted(specs)}"
        pytest.fail(msg) if REQUIRE_ALL else pytest.skip(msg)
    argv = specs[KERNEL]["spec"]["argv"]
    assert Path(argv[0]).absolute().is_relative_to(Path(sys.prefix).absolute()), f"kernel runs {argv[0]}"

    proj = make_project(root, {"t_ok": {}}, units=["01"])
    nb = nbformat.read(proj["nb_dir"] / "t_ok.ipynb", as_version=4)
    counts = root / "counts_in.parquet"
    injected = (f"year = 2024\nunit = '01'\ndata_dir = {str(proj['data'])!r}\ncounts_file = {str(counts)!r}\n"
                f"out_dir = {str(root / 'figures')!r}")  # fmt: skip
    kernel = requests.post(
        f"{base}/api/kernels", headers=auth, json={"name": KERNEL, "path": "notebooks"}, timeout=60
    ).json()
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/api/kernels/{kernel['id']}/channels?token={token}",
        timeout=120,
    )
    session = uuid.uuid4().hex
    try:
        outputs = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            outputs += _execute(ws, cell.source, session)
            if "parameters" in cell.metadata.get("tags", []):
                outputs += _execute(ws, injected, session)  # as papermill injects, after the tagged cell
        outputs += _execute(ws, "import sys; print(sys.prefix)", session)
    finally:
        ws.close()
        requests.delete(f"{base}/api/kernels/{kernel['id']}", headers=auth, timeout=30)
    errors = [o for o in outputs if o["type"] == "error" or (o["type"] == "reply" and o["status"] != "ok")]
    assert errors == []
    texts = [o.get("text", "") for o in outputs if o["type"] == "stream"]
    assert Path(texts[-1].strip()).absolute() == Path(sys.prefix).absolute()  # the project's environment
    markdown = [o["data"].get("text/markdown", "") for o in outputs if "data" in o]
    assert any("Sở có mã 01" in m for m in markdown)  # the unit name read from the Counts fixture
    assert (root / "figures" / "2024" / "01" / "rate.png").is_file()  # save_figure ran in the kernel
    assert requests.get(f"{base}/api/kernels", headers=auth, timeout=10).json() == []
