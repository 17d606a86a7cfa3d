"""The README's command makes the project's kernel usable from a Jupyter installed elsewhere.

``python -m ipykernel install --user --name analysis`` (README, "Using the project's kernel from another
JupyterLab") writes a kernelspec into the user's Jupyter data folder; here that folder is a temporary one
(``JUPYTER_DATA_DIR``), and a kernel-spec manager that knows only that folder stands for a Jupyter of another
environment: it lists the kernel, starts it, and the kernel runs the project's interpreter with the library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]


def test_user_install_is_listed_and_runs_the_project_interpreter(tmp_path):
    manager = pytest.importorskip("jupyter_client.manager")
    kernelspec = pytest.importorskip("jupyter_client.kernelspec")
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path), "JUPYTER_PREFER_ENV_PATH": "0"}
    cmd = [sys.executable, "-m", "ipykernel", "install", "--user", "--name", "analysis",
           "--display-name", "Python (analysis)"]  # fmt: skip
    subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, timeout=60)
    listed = subprocess.run(
        [sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
        env=env, check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    spec = json.loads(listed.stdout)["kernelspecs"]["analysis"]
    assert Path(spec["resource_dir"]) == tmp_path / "kernels" / "analysis"
    assert spec["spec"]["display_name"] == "Python (analysis)"
    assert Path(spec["spec"]["argv"][0]) == Path(sys.executable)

    elsewhere = kernelspec.KernelSpecManager(
        kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False
    )
    assert sorted(elsewhere.find_kernel_specs()) == ["analysis"]
    km = manager.KernelManager(kernel_name="analysis", kernel_spec_manager=elsewhere)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        texts: list[str] = []
        reply = kc.execute_interactive(
            "import sys, analysis.notebook.explore; print(sys.prefix)",
            timeout=60,
            output_hook=lambda m: (
                texts.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None
            ),
        )
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    assert Path("".join(texts).strip()) == Path(sys.prefix)  # the project's environment, with the library
