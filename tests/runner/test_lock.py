"""One run at a time per output folder: a second run is refused at once, naming the first, or waits."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from analysis.runner.lock import Busy, run_lock, unused

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from analysis.runner.lock import run_lock
    with run_lock(Path(sys.argv[1]), command="analysis run --year 2024 (holder)"):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
        (Path(sys.argv[1]) / "holder-done").write_text("done")
    """
)


def _holder(tmp_path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path), str(seconds)], stdout=subprocess.PIPE,
                            text=True)  # fmt: skip
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_run_is_refused_at_once_naming_pid_start_and_command(tmp_path):
    proc = _holder(tmp_path, 30)
    try:
        start = time.monotonic()
        with pytest.raises(Busy) as info, run_lock(tmp_path, command="second"):
            pass
        assert time.monotonic() - start < 5
        message = str(info.value)
        assert f"pid {proc.pid}" in message and "started 20" in message
        assert "command: analysis run --year 2024 (holder)" in message and "--wait" in message
        assert "\n" not in message
    finally:
        proc.kill()
        proc.wait()


def test_lock_is_free_again_when_its_holder_is_killed(tmp_path):
    proc = _holder(tmp_path, 30)
    proc.kill()
    proc.wait()
    with run_lock(tmp_path, command="after a kill"):
        pass  # no stale lock to remove by hand


def test_wait_waits_for_the_running_one(tmp_path):
    proc = _holder(tmp_path, 1.5)
    told = []
    with run_lock(tmp_path, command="waiter", wait=True, on_wait=told.append):
        assert (tmp_path / "holder-done").is_file()  # the holder had finished before we got the lock
    assert told and f"pid {proc.pid}" in told[0]
    proc.wait()


def test_unused_sees_a_shared_holder(tmp_path):
    from analysis.runner.lock import hold_shared

    busy = tmp_path / ".busy"
    fd = hold_shared(busy)
    assert not unused(busy, patience=0.2)
    import os

    os.close(fd)
    assert unused(busy, patience=0)
