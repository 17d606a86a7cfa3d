"""Benchmark: dossier records -> Counts with the library vs plain pandas vs a hand-written DuckDB query.

    python benchmarks/aggregate.py --rows 10000000 [--format parquet|csv] [--runs 3] [--json]

Generates one SYNTHETIC file (``analysis.sample.large``), then runs each method in its own child process
(peak RSS of that process from ``wait4``) in ``--runs`` rounds (each round runs every method once, in
turn); reports the median seconds of the method call (imports excluded), rows per second and peak memory,
the library / hand-query ratio of each round and their median, and checks that all give identical counts.
The library is timed cold (empty cache: hashing, CSV conversion, input checks, aggregation) and warm
(cache and check results reused, as on a repeated run).  With ``--json`` the last line is one JSON object.
The machine's 1-minute load average (``os.getloadavg``) is printed before every run and reported beside the
figures (``load_min`` / ``load_max``): on a shared 2-core machine other work inflates the wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.io.dossiers.columns import ALIASES

HERE = Path(__file__).resolve().parent
CANONICAL_NAMES = [
    "unit_code", "unit_name", "unit_level", "received_at", "due_at", "finished_at", "supplement_requested_at",
    "supplement_provided_at", "supplement_count", "channel", "fee", "fee_bearing", "paid_online",
]  # fmt: skip
#: The export's PascalCase names of those columns (the first alias of each in the library's one alias table).
NEEDED = [ALIASES[c][0] for c in CANONICAL_NAMES]
RENAME = dict(zip(NEEDED, CANONICAL_NAMES, strict=True))
KEY = ["indicator", "unit_code", "period_start", "period_end", "period_type", "numerator", "denominator"]
MEMORY_LIMIT = "2GB"


def run_library(path: str, cache: str) -> object:
    from analysis.io import read_dossiers

    return read_dossiers(path, cache_dir=cache, memory_limit=MEMORY_LIMIT)


def _periods(first, last):
    from analysis.io.dossiers.aggregate import build_periods

    return build_periods(first, last)


def run_pandas(path: str, cache: str) -> object:
    """A straightforward pandas implementation: read, flag rows, group by unit x day, sum into periods."""
    import pandas as pd

    from analysis.io.dossiers.aggregate import PERIOD_KEYS, to_long

    dates = [c for c in NEEDED if c.startswith("Ngay")]
    if path.endswith(".csv"):
        df = pd.read_csv(path, usecols=NEEDED, parse_dates=dates, dtype={"MaDonVi": str})
    else:
        df = pd.read_parquet(path, columns=NEEDED)
    df = df.rename(columns=RENAME)
    for c in ("received_at", "due_at", "finished_at", "supplement_requested_at", "supplement_provided_at"):
        df[c] = pd.to_datetime(df[c])
    first = df["received_at"].min()
    last = max(df["received_at"].max(), df["finished_at"].max())
    periods = _periods(first.date(), last.date())
    periods["period_start"] = pd.to_datetime(periods["period_start"])
    periods["period_end"] = pd.to_datetime(periods["period_end"])

    def pause(at):
        req, prov = df["supplement_requested_at"], df["supplement_provided_at"]
        stop = prov.fillna(at)
        stop = stop.where(stop < at, at)
        days = (stop - req).dt.days
        return days.where(req.notna() & (req <= at), 0)

    fee_base = (df["fee_bearing"] == 1) & (df["fee"] > 0)
    df["received"] = 1
    df["online"] = (df["channel"] == 2).astype(int)
    df["fee_base"] = fee_base.astype(int)
    df["paid"] = (fee_base & df["paid_online"].isin([1, 2])).astype(int)
    ok = df["due_at"].isna() | ((df["finished_at"] - df["due_at"]).dt.days <= pause(df["finished_at"]))
    done = df["finished_at"].notna()
    df["finished"] = done.astype(int)
    df["on_time"] = (done & ok).astype(int)
    df["on_time_766"] = (done & ok & (df["supplement_count"].fillna(0) <= 1)).astype(int)
    names = df.groupby("unit_code")[["unit_name", "unit_level"]].max().reset_index()
    recv = df.groupby(["unit_code", "received_at"])[["received", "online", "fee_base", "paid"]].sum()
    fin = df[done].groupby(["unit_code", "finished_at"])[["finished", "on_time", "on_time_766"]].sum()
    parts = []
    for flows in (
        recv.reset_index().rename(columns={"received_at": "day"}),
        fin.reset_index().rename(columns={"finished_at": "day"}),
    ):
        for p in periods.itertuples():
            sel = flows[(flows["day"] >= p.period_start) & (flows["day"] <= p.period_end)]
            g = sel.drop(columns="day").groupby("unit_code").sum().reset_index()
            parts.append(
                g.assign(period_start=p.period_start, period_end=p.period_end, period_type=p.period_type)
            )
    straddle = df["finished_at"].isna() | (
        df["finished_at"].dt.to_period("M") != df["received_at"].dt.to_period("M")
    )
    df = df[straddle]  # a dossier received and finished in one month is pending at no month end
    for p in periods.itertuples():
        e = p.period_end
        pend = (df["received_at"] <= e) & (df["finished_at"].isna() | (df["finished_at"] > e))
        late = df["due_at"].notna() & ((e - df["due_at"]).dt.days > pause(e))
        g = pd.DataFrame(
            {
                "unit_code": df["unit_code"],
                "pending": pend.astype(int),
                "overdue": (pend & late).astype(int),
                "within_766": (pend & ~late & (df["supplement_count"].fillna(0) <= 1)).astype(int),
            }
        )
        g = g[pend].groupby("unit_code").sum().reset_index()
        parts.append(g.assign(period_start=p.period_start, period_end=e, period_type=p.period_type))
    wide = pd.concat(parts, ignore_index=True).fillna(0)
    wide = wide.groupby(PERIOD_KEYS).sum(numeric_only=True).reset_index()
    return to_long(wide.merge(names, on="unit_code"))


def run_duckdb_sql(path: str, cache: str) -> object:
    """The hand-written query of ``benchmarks/hand_sql.sql`` over the file (no checks, no cache)."""
    import duckdb

    from analysis.io.dossiers.aggregate import to_long

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'; SET preserve_insertion_order = false")
    cols = ", ".join(f'"{k}" AS {v}' for k, v in RENAME.items())
    if path.endswith(".csv"):  # parse the CSV once into a DuckDB table (it spills beyond the memory limit)
        con.execute(f"CREATE TABLE d AS SELECT {cols} FROM read_csv('{path}')")
    else:  # Parquet: query the file in place
        con.execute(f"CREATE VIEW d AS SELECT {cols} FROM read_parquet('{path}')")
    first, last_r, last_f = con.execute(
        "SELECT min(received_at), max(received_at), max(finished_at) FROM d"
    ).fetchall()[0]
    periods = _periods(first, max(last_r, last_f))
    con.register("periods_df", periods)
    con.execute(
        "CREATE TABLE p AS SELECT period_start::DATE AS period_start, period_end::DATE AS period_end, "
        "period_type FROM periods_df"
    )
    sql = (HERE / "hand_sql.sql").read_text(encoding="utf-8").replace("{src}", "d").replace("{periods}", "p")
    return to_long(con.execute(sql).df())


METHODS = {"library": run_library, "pandas": run_pandas, "duckdb_sql": run_duckdb_sql}


def worker(method: str, path: str, cache: str, out: str) -> None:
    """Child process: run one method once, write its counts and the seconds it took."""
    import pandas as pd

    t0, c0 = time.perf_counter(), _cpu_seconds()
    counts = METHODS[method](path, cache)
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    counts = counts[KEY].copy()
    for c in ("indicator", "unit_code", "period_type"):
        counts[c] = counts[c].astype(str)
    for c in ("numerator", "denominator"):
        counts[c] = counts[c].astype("int64")
    for c in ("period_start", "period_end"):
        counts[c] = pd.to_datetime(counts[c]).astype("datetime64[ns]")
    counts.sort_values(KEY).reset_index(drop=True).to_parquet(out)
    Path(out + ".json").write_text(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": _own_peak_mb()}))


def _cpu_seconds() -> float:
    """CPU seconds (user + system, all threads) of this process: less sensitive to others' work than wall."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _own_peak_mb() -> float | None:
    """Peak resident memory of this process alone (Linux VmHWM, reset at exec).

    ``ru_maxrss`` from ``wait4`` is used only when VmHWM is unreadable: Linux carries the parent's resident
    size at fork into the child's ``ru_maxrss`` across exec, so a child of a large parent would report
    the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def measure(method: str, path: Path, cache: Path, out: Path) -> tuple[float, float, float]:
    """Run ``method`` in a child process; return (seconds of the call, peak RSS in MB, CPU seconds)."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        method,
        "--file",
        str(path),
        "--cache",
        str(cache),
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{method} failed (exit status {status})")
    result = json.loads(Path(str(out) + ".json").read_text())
    return result["seconds"], result.get("peak_mb") or usage.ru_maxrss / 1024, result.get("cpu", float("nan"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    ap.add_argument("--runs", type=int, default=3, help="runs per method (median reported)")
    ap.add_argument("--methods", default="library,pandas,duckdb_sql")
    ap.add_argument("--dir", default=None, help="work folder (default: a temporary folder, deleted)")
    ap.add_argument("--json", action="store_true")
    (
        ap.add_argument("--worker"),
        ap.add_argument("--file"),
        ap.add_argument("--cache"),
        ap.add_argument("--out"),
    )
    a = ap.parse_args(argv)
    if a.worker:
        worker(a.worker, a.file, a.cache, a.out)
        return 0
    from analysis.sample.large import write_large_dossiers

    work = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="bench_dossiers_"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"dossiers_synthetic_{a.rows}.{a.format}"
    if not data.exists():
        t0 = time.perf_counter()
        data = write_large_dossiers(a.rows, work, fmt=a.format, seed=1)
        print(
            f"generated {data.name} ({data.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s"
        )
    methods = a.methods.split(",")
    # Rounds, not blocks: each round runs every method once, one after the other, so that a change in the
    # machine's speed (other tenants, CPU steal on a shared 2-core machine) falls on all methods alike; the
    # paired ratios (library / hand query of the same round) are reported beside the ratio of the medians.
    times: dict[str, list[float]] = {m: [] for m in methods}
    peaks: dict[str, list[float]] = {m: [] for m in methods}
    cpus: dict[str, list[float]] = {m: [] for m in methods}
    warm: list[tuple[float, float, float]] = []
    outs: dict[str, Path] = {m: work / f"out_{m}.parquet" for m in methods}
    loads: list[float] = []
    for i in range(a.runs):
        for m in methods:
            cache = work / f"cache_{m}_{i}"  # cold: a fresh, empty cache each run
            shutil.rmtree(cache, ignore_errors=True)
            load = os.getloadavg()[0]
            s, rss, cpu = measure(m, data, cache, outs[m])
            times[m].append(s), peaks[m].append(rss), loads.append(load), cpus[m].append(cpu)
            print(
                f"  {m:10s} run {i + 1}: {s:7.2f} s  cpu {cpu:6.2f} s  peak {rss:7.0f} MB  load {load:4.2f}"
            )
            if m == "library":  # warm: the same cache again (check results and Counts remembered)
                loads.append(os.getloadavg()[0])
                warm.append(measure(m, data, cache, outs[m]))
                s, rss, cpu = warm[-1]
                print(
                    f"  {'lib warm':10s} run {i + 1}: {s:7.2f} s  cpu {cpu:6.2f} s  peak {rss:7.0f} MB  "
                    f"load {loads[-1]:4.2f}"
                )
    res: dict[str, dict] = {}
    for m in methods:
        res[m] = {"s": statistics.median(times[m]), "rss": max(peaks[m]), "cpu": statistics.median(cpus[m])}
        if m == "library":
            res["library_warm"] = {
                "s": statistics.median(w[0] for w in warm),
                "rss": max(w[1] for w in warm),
                "cpu": statistics.median(w[2] for w in warm),
            }
    import pandas as pd

    frames = {m: pd.read_parquet(outs[m]) for m in methods}
    equal = all(frames[m].equals(frames[methods[0]]) for m in methods)
    print(f"\n{a.rows:,} dossiers, {a.format}, median of {a.runs} runs; counts identical: {equal}")
    print(f"1-minute load average before the runs: {min(loads):.2f} to {max(loads):.2f} (2 cores)")
    base = res.get("duckdb_sql", {}).get("s")
    cbase = res.get("duckdb_sql", {}).get("cpu")
    head = f"{'method':14s} {'seconds':>9s} {'vs hand SQL':>12s} {'CPU s':>8s} {'CPU vs hand':>12s}"
    print(f"{head} {'rows/s':>12s} {'peak RSS MB':>12s}")
    for m, r in res.items():
        ratio = f"{r['s'] / base:11.2f}x" if base else f"{'-':>12s}"
        cratio = f"{r['cpu'] / cbase:11.2f}x" if cbase else f"{'-':>12s}"
        print(
            f"{m:14s} {r['s']:9.2f} {ratio} {r['cpu']:8.2f} {cratio} {a.rows / r['s']:12,.0f} "
            f"{r['rss']:12.0f}"
        )
    summary = {"rows": a.rows, "format": a.format, "results_equal": equal, "runs": a.runs}
    summary["load_min"], summary["load_max"] = round(min(loads), 2), round(max(loads), 2)
    for m, r in res.items():
        summary[f"{m}_s"] = round(r["s"], 3)
        summary[f"{m}_peak_rss_mb"] = round(r["rss"], 1)
        summary[f"{m}_cpu_s"] = round(r["cpu"], 3)
    if "pandas" in res and "library" in res:
        summary["speedup_vs_pandas"] = round(res["pandas"]["s"] / res["library"]["s"], 2)
        summary["memory_share_of_pandas"] = round(res["library"]["rss"] / res["pandas"]["rss"], 3)
    if "duckdb_sql" in res and "library" in res:
        summary["ratio_to_duckdb_sql"] = round(res["library"]["s"] / res["duckdb_sql"]["s"], 2)
        summary["warm_ratio_to_duckdb_sql"] = round(res["library_warm"]["s"] / res["duckdb_sql"]["s"], 2)
        summary["cpu_ratio_to_duckdb_sql"] = round(res["library"]["cpu"] / res["duckdb_sql"]["cpu"], 2)
        summary["warm_cpu_ratio_to_duckdb_sql"] = round(
            res["library_warm"]["cpu"] / res["duckdb_sql"]["cpu"], 2
        )
        pairs = [x / y for x, y in zip(times["library"], times["duckdb_sql"], strict=True)]
        cpairs = [x / y for x, y in zip(cpus["library"], cpus["duckdb_sql"], strict=True)]
        summary["paired_ratios_to_duckdb_sql"] = [round(r, 2) for r in pairs]
        summary["paired_ratio_median"] = round(statistics.median(pairs), 2)
        summary["paired_cpu_ratio_median"] = round(statistics.median(cpairs), 2)
        print(
            f"library / hand SQL, round by round: {', '.join(f'{r:.2f}x' for r in pairs)} "
            f"(median {statistics.median(pairs):.2f}x; CPU median {statistics.median(cpairs):.2f}x)"
        )
    if not a.dir:
        shutil.rmtree(work, ignore_errors=True)
    for m in methods:
        for i in range(a.runs):
            shutil.rmtree(work / f"cache_{m}_{i}", ignore_errors=True)
    if a.json:
        print(json.dumps(summary))
    return 0 if equal else 1


if __name__ == "__main__":
    raise SystemExit(main())
