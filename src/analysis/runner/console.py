"""What a run prints: one line per notebook, the summary table; everything else goes to the run's log."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from analysis.runner.spec import Result

RUN_LOG = "run.log"


def line(r: Result) -> str:
    r"""One console line for a finished (or skipped) notebook.

    >>> line(Result("10_x", "77", "ok", 12.34))
    '  ok       10_x  unit 77  12.3 s'
    >>> line(Result("10_x", "77", "ok", 3.0, skipped=True))
    '  skipped  10_x  unit 77  unchanged (kept from the published set)'
    >>> line(Result("10_x", "77", "failed", 2.0, "ValueError: boom\nmore"))
    '  FAILED   10_x  unit 77  2.0 s  ValueError: boom'
    """
    if r.skipped:
        return f"  skipped  {r.notebook}  unit {r.unit}  unchanged (kept from the published set)"
    status = "ok" if r.status == "ok" else "FAILED"
    tail = f"  {r.error.splitlines()[0]}" if r.error else ""
    return f"  {status:<7}  {r.notebook}  unit {r.unit}  {r.seconds:.1f} s{tail}"


def format_summary(results: list[Result]) -> str:
    """Return the summary table: notebook, unit, status, seconds (and the error of failed runs).

    Examples
    --------
    >>> rs = [Result("10_x", "77", "ok", 1.25), Result("20_y", "01", "failed", 2.0, "E: boom"),
    ...       Result("30_z", "77", "ok", 4.0, skipped=True)]
    >>> print(format_summary(rs))
    notebook  unit  status   seconds
    10_x      77    ok           1.2
    20_y      01    FAILED       2.0  E: boom
    30_z      77    skipped        -  unchanged
    """
    rows = [("notebook", "unit", "status", "seconds", "")]
    for r in results:
        if r.skipped:
            rows.append((r.notebook, r.unit, "skipped", "-", "unchanged"))
            continue
        status = "ok" if r.status == "ok" else "FAILED"
        rows.append(
            (r.notebook, r.unit, status, f"{r.seconds:.1f}", r.error.splitlines()[0] if r.error else "")
        )
    w = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"{a:<{w[0]}}  {b:<{w[1]}}  {c:<{w[2]}}  {d:>{w[3]}}" + (f"  {e}" if e else "")
        for a, b, c, d, e in rows
    ]
    return "\n".join(lines)


def log_to(path: Path) -> logging.Handler:
    """Send this process's log records and Python warnings to ``path`` (the run's log); return the handler."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("analysis.run", "py.warnings"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    logging.captureWarnings(True)
    return handler


def stop_logging(handler: logging.Handler) -> None:
    """Undo :func:`log_to` (tests run several runs in one process)."""
    for name in ("analysis.run", "py.warnings"):
        logging.getLogger(name).removeHandler(handler)
    logging.captureWarnings(False)
    handler.close()


def error(message: str) -> None:
    """Print one error line for the user: ``analysis run: error: …`` (first line of the message only)."""
    first = str(message).strip().splitlines()[0] if str(message).strip() else "unknown error"
    print(f"analysis run: error: {first}", file=sys.stderr)
