"""Benchmark (not a test): how long the explorer takes to open on the sample and to update after a change.

Usage: python benchmarks/explore.py [--data-dir DIR] [--json]

Opens ``analysis.notebook.explore.Explorer`` on the SYNTHETIC sample (or DIR) the way the notebook does, then
changes the widgets one at a time as an analyst would (indicator, unit, comparison, chart, years,
convention, language) and records ``last_update_seconds`` of each change.  Every change is a selection not
seen before, so nothing comes from the explorer's cache: these are first-visit times (a return visit is
served from the cache in about a millisecond).  Both wall and CPU seconds are printed with the load
average: on a shared machine other work inflates the wall time.  Scratch output goes to a temporary
folder.  Prints one table; with --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

TARGET_S = 1.0  # issue 13: an update well under a second on the sample

#: Widget changes, in order: (widget attribute, value).
CHANGES = [
    ("indicator", "payment.online"),
    ("unit", "77.H01"),
    ("chart", "funnel"),
    ("indicator", "online.submission"),
    ("unit", "77"),
    ("compare", "level:district"),
    ("years", (2021, 2024)),
    ("chart", "dumbbell"),
    ("indicator", "timeliness.on_time"),
    ("convention", "both"),
    ("convention", "qd766"),
    ("indicator", "welfare.paid_share"),
    ("compare", "by:beneficiary_group"),
    ("unit", "77.H02.X01"),
    ("lang", "en"),
    ("indicator", "timeliness.overdue_pending"),
    ("years", (2019, 2025)),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="", help="folder of exports (default: the SYNTHETIC sample)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args(argv)

    from analysis.notebook.explore import Explorer

    with tempfile.TemporaryDirectory() as scratch:
        load = os.getloadavg()[0]
        wall0, cpu0 = time.perf_counter(), time.process_time()
        app = Explorer(data_dir=args.data_dir, scratch_dir=scratch)
        opened = (time.perf_counter() - wall0, time.process_time() - cpu0)
        rows = []
        for name, value in CHANGES:
            widget = getattr(app, name)
            app.last_update_seconds = float("nan")
            cpu = time.process_time()
            widget.value = value
            if app.last_update_seconds != app.last_update_seconds:  # NaN: already selected, no update
                continue
            rows.append((name, str(value), app.last_update_seconds, time.process_time() - cpu))
            if app.status.value.startswith("<span class='explore-error'"):
                print(f"error after {name}={value}: {app.status.value}")
                return 1
        wall0 = time.perf_counter()
        app.save()
        saved = time.perf_counter() - wall0
    walls = [r[2] for r in rows]
    print(f"load average (1 min) before: {load:.2f}, after: {os.getloadavg()[0]:.2f}")
    print(f"open (read data once, first view): {opened[0]:.2f} s wall, {opened[1]:.2f} s CPU")
    print(f"{'change':<12}{'value':<28}{'wall s':>8}{'CPU s':>8}")
    for name, value, wall, cpu in rows:
        print(f"{name:<12}{value:<28}{wall:>8.3f}{cpu:>8.3f}")
    summary = {
        "open_s": round(opened[0], 2),
        "update_median_s": round(statistics.median(walls), 3),
        "update_max_s": round(max(walls), 3),
        "update_cpu_median_s": round(statistics.median(r[3] for r in rows), 3),
        "save_s": round(saved, 2),
        "changes": len(rows),
        "target_s": TARGET_S,
    }
    print(
        f"update after a change: median {summary['update_median_s']:.3f} s, "
        f"max {summary['update_max_s']:.3f} s "
        f"over {len(rows)} changes (target well under {TARGET_S:.0f} s); save: {saved:.2f} s"
    )
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
