"""Benchmark (not a test): wall and CPU time of the report run — first, unchanged, forced — and where it goes.

Usage: python benchmarks/report.py [--year 2024] [--years 2019-2024] [--skip-batch] [--json]
                                   [--baseline TREE [--rounds N]]

Scenarios, each the real command line (`python -m analysis run ...`) in a fresh process writing to a
temporary output folder (the project's figures/ and reports/ are left alone):

- ``first run``: an empty output folder (the Counts are computed from the sample);
- ``unchanged re-run``: the same again (every notebook skipped; issue 12: at most 3 s on 2 cores);
- ``forced re-run``: ``--force`` once the Counts exist (issue 14: the five notebooks in at most 10 s with
  2 workers), each worker keeping one warm kernel;
- ``forced, fresh kernels``: ``--force --fresh-kernels``, a new kernel per notebook (the former behaviour);
- with ``--years``: the batch of several years with 1 and 2 workers;
- with ``--baseline TREE`` (a checkout of an earlier commit, e.g. ``git worktree add /tmp/base <commit>``):
  ``--rounds`` rounds of the forced re-run of this tree and of TREE, one after the other in each round (the
  order alternates), each in its own output folder made by an untimed first run.  Both read this tree's
  sample (``--data-dir``) and use this environment, TREE's code through ``PYTHONPATH`` (kernels included).
  On a shared machine whose speed drifts within minutes this compares the two at the same moments; the
  ratio of each round and their median are printed.

The figures of the two forced runs must be byte-identical (checked; a difference fails the benchmark).  For
the forced runs the time of each notebook is split from its executed notebook (papermill's cell timings)
and the runner's own records: kernel start or reset, the setup cell (parameters, Counts), the import cell,
the figure cells (compute, draw, save), and the reviewer page.  The 1-minute load average before and after
each scenario is printed: on a shared machine other work inflates wall times, so the CPU seconds of the run
and all its processes (kernels included) are printed too.  With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
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
UNCHANGED_TARGET_S = 3.0  # issue 12: an unchanged re-run of the year
NOTEBOOKS_TARGET_S = 10.0  # issue 14: the five notebooks of one unit with 2 workers once the Counts exist


def _run(
    argv: list[str], *, out: Path, tag: str, tree: Path = ROOT, env: dict[str, str] | None = None
) -> tuple[float, float, int, str]:
    """Run `analysis run`; return wall s, CPU s of its process tree (kernels included), exit code, log.

    CPU is sampled every 0.1 s per process of the tree (psutil), so it slightly undercounts short-lived
    processes; it does not depend on what else the machine is doing, unlike the wall time.  Kernels start
    in their own session but stay children of the workers, so they are in the tree.
    """
    import psutil

    cmd = [sys.executable, "-m", "analysis", "run", *argv, "--out", str(out)]
    cpu: dict[int, float] = {}
    start = time.perf_counter()
    with open(out / f"run_{tag}.log", "w+", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd, cwd=tree, stdout=log, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}
        )
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
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        log.seek(0)
        text = log.read()
    return seconds, sum(cpu.values()), proc.returncode, text


def _count_runs(out: Path, year: int | None = None) -> tuple[int, int, int]:
    ok = failed = skipped = 0
    for runs in (out / "reports").glob(f"{year or '*'}/runs.json"):
        for r in json.loads(runs.read_text(encoding="utf-8"))["results"]:
            ok += r["status"] == "ok"
            failed += r["status"] != "ok"
            skipped += bool(r.get("skipped"))
    return ok, failed, skipped


def _figures(out: Path, year: int) -> dict[str, str]:
    root = out / "figures" / str(year)
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in {".png", ".svg", ".csv"}
    }


def _breakdown(out: Path, year: int) -> list[dict]:
    """Per notebook: seconds in kernel start or reset, setup, imports, figure cells, other cells, page."""
    reports = out / "reports" / str(year)
    runs = {(r["notebook"], r["unit"]): r for r in json.loads((reports / "runs.json").read_text())["results"]}
    rows = []
    for (name, unit), r in sorted(runs.items()):
        nb = json.loads(Path(r["output"]).read_text(encoding="utf-8"))
        parts = {"setup": 0.0, "imports": 0.0, "figures": 0.0, "other": 0.0}
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            took = float(cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0)
            if "analysis.notebook.setup(" in src:
                parts["setup"] += took
            elif all(
                line.startswith(("import ", "from ")) or not line.strip() or line.startswith("P.banner")
                for line in src.splitlines()
            ):
                parts["imports"] += took
            elif "P.save(" in src:
                parts["figures"] += took
            else:
                parts["other"] += took
        extra = r.get("extra") or {}
        rows.append(
            {
                "notebook": name,
                "unit": unit,
                "seconds": r["seconds"],
                "kernel_s": extra.get("kernel_s"),
                **{k: round(v, 2) for k, v in parts.items()},
                "page_s": extra.get("page_s"),
            }
        )
    return rows


def _years(text: str) -> list[int]:
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(y) for y in text.split(",")]


def _paired(baseline: Path, rounds: int, base: list[str]) -> list[dict]:
    """Forced re-runs of this tree and of ``baseline`` in turn; one row per round (see the docstring)."""
    trees = {
        "this tree": (ROOT, {}),
        "baseline": (baseline, {"PYTHONPATH": str(baseline / "src")}),
    }
    argv = [*base, "--data-dir", str(ROOT / "data" / "sample")]
    outs = {name: Path(tempfile.mkdtemp(prefix="bench_paired_")) for name in trees}
    rows = []
    try:
        for name, (tree, env) in trees.items():
            *_, code, log = _run(argv, out=outs[name], tag="first", tree=tree, env=env)
            if code != 0:
                raise SystemExit(f"{name} ({tree}): the untimed first run failed\n{log[-3000:]}")
        for i in range(rounds):
            order = list(trees) if i % 2 == 0 else list(trees)[::-1]
            row: dict = {"round": i + 1, "order": order}
            for name in order:
                tree, env = trees[name]
                load = os.getloadavg()[0]
                forced = [*argv, "--force"]
                seconds, cpu, code, log = _run(forced, out=outs[name], tag=f"r{i}", tree=tree, env=env)
                if code != 0:
                    raise SystemExit(f"{name} ({tree}): forced re-run failed\n{log[-3000:]}")
                row[name] = {"wall_s": round(seconds, 2), "cpu_s": round(cpu, 1), "load_1min": round(load, 1)}
            row["ratio"] = round(row["this tree"]["wall_s"] / row["baseline"]["wall_s"], 3)
            row["cpu_ratio"] = round(row["this tree"]["cpu_s"] / row["baseline"]["cpu_s"], 3)
            rows.append(row)
    finally:
        for out in outs.values():
            shutil.rmtree(out, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2019-2024", help="batch years, e.g. 2019-2024 or 2023,2024")
    parser.add_argument("--year", type=int, default=2024, help="year of the `make report` scenarios")
    parser.add_argument("--skip-batch", action="store_true", help="only the `make report` scenarios")
    parser.add_argument("--keep", action="store_true", help="keep the temporary output folders")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    parser.add_argument("--baseline", type=Path, default=None, help="checkout of an earlier commit")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the side-by-side forced re-runs")
    args = parser.parse_args(argv)
    if args.baseline is not None and not (args.baseline / "src" / "analysis").is_dir():
        parser.error(f"--baseline {args.baseline}: not a checkout of this project (no src/analysis)")

    if not (ROOT / "data" / "sample" / "SYNTHETIC.md").is_file():
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "analysis", "sample", "--out", "data/sample"], cwd=ROOT, check=True
        )
        print(f"generated the synthetic sample in {time.perf_counter() - t:.1f} s (not timed below)")

    rows, breakdowns, failures = [], {}, []
    out = Path(tempfile.mkdtemp(prefix="bench_report_"))
    base = ["--year", str(args.year), "--workers", "2"]
    single = [
        ("first run", []),
        ("unchanged re-run", []),
        ("forced re-run", ["--force"]),
        ("forced, fresh kernels", ["--force", "--fresh-kernels"]),
    ]
    digests = {}
    for name, extra in single:
        load_before = os.getloadavg()[0]
        seconds, cpu, code, log = _run([*base, *extra], out=out, tag=name.replace(" ", "_").replace(",", ""))
        ok, failed, skipped = _count_runs(out, args.year)
        skipped = max(skipped, sum(line.lstrip().startswith("skipped ") for line in log.splitlines()))
        rows.append(
            {
                "scenario": name,
                "years": 1,
                "workers": 2,
                "notebooks_ok": ok,
                "notebooks_failed": failed,
                "skipped": skipped,
                "wall_s": round(seconds, 2),
                "per_year_s": round(seconds, 2),
                "cpu_s": round(cpu, 1),
                "exit_codes": [code],
                "load_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            }
        )
        if code != 0:
            print(log[-3000:], file=sys.stderr)
        if name.startswith("forced"):
            breakdowns[name] = _breakdown(out, args.year)
            digests[name] = _figures(out, args.year)
    if len(set(map(json.dumps, digests.values()))) != 1:
        failures.append("figures differ between warm and fresh kernels")
    if args.keep:
        print(f"outputs kept in {out}")
    else:
        shutil.rmtree(out, ignore_errors=True)

    if not args.skip_batch:
        years = _years(args.years)
        for workers in (1, 2):
            out = Path(tempfile.mkdtemp(prefix="bench_batch_"))
            total, cpu, codes = 0.0, 0.0, []
            load_before = os.getloadavg()[0]
            for year in years:
                seconds, cpu_s, code, _ = _run(
                    ["--year", str(year), "--workers", str(workers)], out=out, tag=str(year)
                )
                total, cpu = total + seconds, cpu + cpu_s
                codes.append(code)
            ok, failed, skipped = _count_runs(out)
            rows.append(
                {
                    "scenario": f"batch {years[0]}-{years[-1]}",
                    "years": len(years),
                    "workers": workers,
                    "notebooks_ok": ok,
                    "notebooks_failed": failed,
                    "skipped": skipped,
                    "wall_s": round(total, 1),
                    "per_year_s": round(total / len(years), 1),
                    "cpu_s": round(cpu, 1),
                    "exit_codes": codes,
                    "load_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                }
            )
            shutil.rmtree(out, ignore_errors=True)

    cpus = os.cpu_count()
    print(f"\nreport benchmark on {cpus} CPU(s), Python {sys.version.split()[0]}")
    head = (
        f"{'scenario':<22} {'years':>5} {'workers':>7} {'ok':>4} {'failed':>6} {'skipped':>7} {'wall s':>8} "
        f"{'s/year':>7} {'CPU s':>7}  load before/after"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['scenario']:<22} {r['years']:>5} {r['workers']:>7} {r['notebooks_ok']:>4} "
            f"{r['notebooks_failed']:>6} {r['skipped']:>7} {r['wall_s']:>8.2f} {r['per_year_s']:>7.2f} "
            f"{r['cpu_s']:>7.1f}  {r['load_1min'][0]:.1f} / {r['load_1min'][1]:.1f}"
        )
    for name, table in breakdowns.items():
        print(f"\nwhere the time goes, {name} (seconds per notebook; cells from papermill's timings)")
        cols = ("notebook", "seconds", "kernel_s", "setup", "imports", "figures", "other", "page_s")
        print("  ".join(f"{c:>10}" if i else f"{c:<22}" for i, c in enumerate(cols)))
        for r in table:
            print(
                "  ".join(
                    f"{r[c] if r[c] is not None else '-':>10}" if i else f"{r[c]:<22}"
                    for i, c in enumerate(cols)
                )
            )
    by = {r["scenario"]: r for r in rows}
    checks = [
        ("annual set for one unit, first run", by["first run"]["wall_s"], TARGET_S),
        ("unchanged re-run", by["unchanged re-run"]["wall_s"], UNCHANGED_TARGET_S),
        ("five notebooks once the Counts exist (forced)", by["forced re-run"]["wall_s"], NOTEBOOKS_TARGET_S),
    ]
    print()
    for what, got, target in checks:
        print(f"target: {what} <= {target:.0f} s -> {got:.2f} s ({'met' if got <= target else 'NOT met'})")
    paired = _paired(args.baseline.resolve(), args.rounds, base) if args.baseline is not None else []
    if paired:
        import statistics

        print(f"\nforced re-run side by side with {args.baseline} ({args.rounds} rounds, seconds)")
        print(f"{'round':>5} {'this tree':>10} {'baseline':>10} {'ratio':>7} {'CPU ratio':>10}  load")
        for r in paired:
            print(
                f"{r['round']:>5} {r['this tree']['wall_s']:>10.2f} {r['baseline']['wall_s']:>10.2f} "
                f"{r['ratio']:>7.3f} {r['cpu_ratio']:>10.3f}  "
                f"{r['this tree']['load_1min']:.1f} / {r['baseline']['load_1min']:.1f}"
            )
        medians = {k: statistics.median(r[k] for r in paired) for k in ("ratio", "cpu_ratio")}
        print(f"median ratio {medians['ratio']:.3f} (CPU {medians['cpu_ratio']:.3f})")
    for failure in failures:
        print(f"FAILED: {failure}")
    if args.json:
        print(
            json.dumps(
                {
                    "cpus": cpus,
                    "targets": {w: t for w, _, t in checks},
                    "met": {w: g <= t for w, g, t in checks},
                    "scenarios": rows,
                    "breakdown": breakdowns,
                    "failures": failures,
                    **({"baseline": str(args.baseline), "paired_forced": paired} if paired else {}),
                }
            )
        )
    return 0 if not failures and all(r["notebooks_failed"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
