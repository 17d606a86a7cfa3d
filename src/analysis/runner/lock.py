"""One run at a time per output folder: an exclusive ``flock`` on ``<out>/.analysis-run.lock``.

The lock belongs to the open file, so the system drops it when the run ends in any way (a kill included):
there is never a stale lock to delete by hand.  The holder writes who it is (pid, start time, command) into
the file, so a second run can name it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LOCK_NAME = ".analysis-run.lock"


class Busy(RuntimeError):
    """Another run holds the lock of this output folder; the message names it."""


def holder(path: Path) -> dict[str, Any]:
    """Return what the lock file says about the run holding it (empty when unreadable)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def describe(info: dict[str, Any]) -> str:
    """One line naming a run: pid, start time and command.

    >>> describe({"pid": 12, "started": "2026-01-01T08:00:00+00:00", "command": "analysis run --year 2024"})
    'pid 12, started 2026-01-01T08:00:00+00:00, command: analysis run --year 2024'
    """
    if not info:
        return "a run that has not written its details yet"
    return (
        f"pid {info.get('pid', '?')}, started {info.get('started', '?')}, command: {info.get('command', '?')}"
    )


@contextlib.contextmanager
def run_lock(out_root: Path, *, command: str, wait: bool = False, on_wait: Any = None) -> Iterator[Path]:
    """Hold the output folder's lock for the ``with`` block.

    Parameters
    ----------
    out_root : Path
        The run's output root (``--out``); the lock file is created there.
    command : str
        The command line of this run, written for a second run to show.
    wait : bool
        Wait for the running one to finish instead of raising :class:`Busy` at once.
    on_wait : callable, optional
        Called once with the one-line description of the running one before waiting.
    """
    out_root.mkdir(parents=True, exist_ok=True)
    path = out_root / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = describe(holder(path))
            if not wait:
                raise Busy(
                    f"another run is writing to {out_root} ({text}); wait for it or pass --wait"
                ) from None
            if on_wait is not None:
                on_wait(text)
            fcntl.flock(fd, fcntl.LOCK_EX)
        info = {
            "pid": os.getpid(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": command,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)


@contextlib.contextmanager
def shared(path: Path) -> Iterator[None]:
    """Hold a shared lock on ``path`` (a staging folder's busy file) for the ``with`` block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def hold_shared(path: Path) -> int:
    """Take a shared lock on ``path`` and return its descriptor (kept open for the process's life)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def unused(path: Path, *, patience: float = 5.0) -> bool:
    """Return True when nobody holds ``path`` (a busy file), waiting up to ``patience`` seconds for them.

    Processes of a killed run (a kernel finishing its cell) hold their staging folder's busy file until they
    exit; they do within a second or two, as their parent is gone.
    """
    if not path.exists():
        return True
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return True
    try:
        deadline = time.monotonic() + patience
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
    finally:
        os.close(fd)
