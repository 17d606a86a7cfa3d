"""Start a Jupyter server (plain or JupyterLab) on loopback for a test, stop it after (two tests use it)."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_server(
    module: str, root: Path, *, env: dict[str, str], args: tuple[str, ...] = (), cwd: Path | None = None
) -> Iterator[tuple[str, str]]:
    """Run ``python -m <module>`` (``jupyter_server`` or ``jupyterlab``) over ``root``; yield (url, token).

    A random port and token on 127.0.0.1; the server's log goes to ``root/<module>.log`` and is shown when
    it exits early or does not answer within 90 s; it is shut down (killed if need be) afterwards.
    """
    requests = pytest.importorskip("requests")
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", module, "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", *args,
    ]  # fmt: skip
    if os.geteuid() == 0:  # containers and CI run as root; jupyter refuses without this flag
        cmd.append("--allow-root")
    log_path = root / f"{module}.log"
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"{module} exited: " + log_path.read_text(encoding="utf-8"))
            try:
                if requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        else:
            tail = log_path.read_text(encoding="utf-8")[-2000:]
            pytest.fail(f"{module} did not answer within 90 s: {tail}")
        yield base, token
    finally:
        try:
            requests.post(f"{base}/api/shutdown", headers={"Authorization": f"token {token}"}, timeout=5)
            proc.wait(timeout=20)
        except Exception:  # noqa: BLE001 - make sure the process ends either way
            proc.kill()
            proc.wait(timeout=10)
        log.close()
