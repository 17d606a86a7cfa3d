"""Benchmark (not a test): wall time of `make report`'s run and of a 6-year batch with 1 and 2 workers.

Usage: python benchmarks/report.py [--years 2019-2024] [--skip-batch] [--json]

Every scenario runs the real command line (`python -m analysis run ...`) in a fresh process, writing to a
temporary output folder so the project's figures/ and reports/ are left alone. The 1-minute load average
before and after each scenario is printed: on a shared machine other work inflates the wall times, so the
CPU seconds of the run and all its processes (kernels included) are printed too. The sample data are
generated first (not timed) when absent. Prints one table; with --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 60.0  # issue 4: the whole annual set for one unit in 60 s or less on the 2-core machine


def _run(argv: list[str], *, out: Path) -> tuple[float, float, int, str]:
    """Run `analysis run`; return wall s, CPU s of its process tree (kernels included), exit code, log.

    CPU is sampled every 0.2 s per process of the tree (psutil), so it slightly undercounts short-lived
    processes; it does not depend on what else the machine is doing, unlike the wall time.
    """
    import psutil

    cmd = [sys.executable, "-m", "analysis", "run", *argv, "--out", str(out)]
    cpu: dict[int, float] = {}
    start = time.perf_counter()
    with open(out / f"run_{argv[1]}.log", "w+", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in tree:
                try:
                    t = p.cpu_times()
                    cpu[p.pid] = max(cpu.get(p.pid, 0.0), t.user + t.system)
                except psutil.NoSuchProcess:
                    pass
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        log.seek(0)
        text = log.read()
    return seconds, sum(cpu.values()), proc.returncode, text


def _count_runs(out: Path) -> tuple[int, int]:
    ok = failed = 0
    for runs in (out / "reports").glob("*/runs.json"):
        for r in json.loads(runs.read_text(encoding="utf-8"))["results"]:
            ok += r["status"] == "ok"
            failed += r["status"] != "ok"
    return ok, failed


def _years(text: str) -> list[int]:
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(y) for y in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2019-2024", help="batch years, e.g. 2019-2024 or 2023,2024")
    parser.add_argument("--year", type=int, default=2024, help="year of the `make report` scenario")
    parser.add_argument("--skip-batch", action="store_true", help="only time the `make report` run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary output folders")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    args = parser.parse_args(argv)

    if not (ROOT / "data" / "sample" / "SYNTHETIC.md").is_file():
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "analysis", "sample", "--out", "data/sample"], cwd=ROOT, check=True
        )
        print(f"generated the synthetic sample in {time.perf_counter() - t:.1f} s (not timed below)")

    rows = []
    scenarios = [("make report run", [args.year], 2)]
    if not args.skip_batch:
        years = _years(args.years)
        scenarios += [(f"batch {years[0]}-{years[-1]}", years, w) for w in (1, 2)]
    for name, years, workers in scenarios:
        out = Path(tempfile.mkdtemp(prefix="bench_report_"))
        total, cpu, codes, log = 0.0, 0.0, [], ""
        load_before = os.getloadavg()[0]
        for year in years:
            seconds, cpu_s, code, text = _run(["--year", str(year), "--workers", str(workers)], out=out)
            total += seconds
            cpu += cpu_s
            codes.append(code)
            log += text
        ok, failed = _count_runs(out)
        rows.append({"scenario": name, "years": len(years), "workers": workers, "notebooks_ok": ok,
                     "notebooks_failed": failed, "wall_s": round(total, 1),
                     "per_year_s": round(total / len(years), 1), "cpu_s": round(cpu, 1), "exit_codes": codes,
                     "load_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)]})  # fmt: skip
        if any(codes) and not ok:
            print(log[-3000:], file=sys.stderr)
        if args.keep:
            print(f"{name}: outputs kept in {out}")
        else:
            shutil.rmtree(out, ignore_errors=True)

    cpus = os.cpu_count()
    print(f"\nreport benchmark on {cpus} CPU(s), Python {sys.version.split()[0]}")
    head = (f"{'scenario':<20} {'years':>5} {'workers':>7} {'ok':>4} {'failed':>6} {'wall s':>8} "
            f"{'s/year':>7} {'CPU s':>7}  load before/after")  # fmt: skip
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['scenario']:<20} {r['years']:>5} {r['workers']:>7} {r['notebooks_ok']:>4} "
              f"{r['notebooks_failed']:>6} {r['wall_s']:>8.1f} {r['per_year_s']:>7.1f} {r['cpu_s']:>7.1f}"
              f"  {r['load_1min'][0]:.1f} / {r['load_1min'][1]:.1f}")  # fmt: skip
    report = rows[0]
    met = report["wall_s"] <= TARGET_S and report["notebooks_failed"] == 0
    print(f"\ntarget: annual set for one unit in <= {TARGET_S:.0f} s -> {report['wall_s']:.1f} s "
          f"({'met' if met else 'NOT met'})")  # fmt: skip
    if args.json:
        print(json.dumps({"cpus": cpus, "target_s": TARGET_S, "target_met": met, "scenarios": rows}))
    return 0 if all(r["notebooks_failed"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
