"""Command ``analysis run``: expand runs.yaml, validate, run notebooks with papermill, build the site."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import logging
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.notebook.context import cached_counts, ensure_sample
from analysis.notebook.params import NOTEBOOKS_ENV, ParameterError, read_parameters, validate
from analysis.provenance import is_synthetic, list_inputs, write_bytes_atomic

#: Keys allowed at the top of runs.yaml and under each notebook.
RUNS_KEYS = {"units", "parameters", "notebooks"}
NOTEBOOK_KEYS = {"units", "parameters"}
#: Environment given to every kernel: labelling only (ANALYSIS_RUN) and a fixed hash seed for reproducibility.
KERNEL_ENV = {"ANALYSIS_RUN": "1", "PYTHONHASHSEED": "0"}
EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
#: Folder (under reports/) of Counts tables computed earlier, keyed by input and code hashes.
CACHE_DIR = ".counts_cache"


@dataclass(frozen=True)
class Job:
    """One notebook run: which notebook, for which unit, with which parameters, written where."""

    notebook: str
    unit: str
    source: str
    parameters: dict[str, Any]
    output: str
    html: str
    log: str
    kernel: str = "analysis"
    timeout: float | None = None
    notebooks_dir: str = ""


@dataclass
class Result:
    """Outcome of one :class:`Job`: status ``ok`` or ``failed``, wall seconds and the error, if any."""

    notebook: str
    unit: str
    status: str
    seconds: float
    error: str = ""
    output: str = ""
    html: str = ""
    log: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def load_runs(path: Path) -> dict[str, Any]:
    """Read and check the shape of a runs file (``notebooks/runs.yaml``)."""
    if not path.is_file():
        raise ParameterError(f"runs file not found: {path}")
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path.name}: not valid YAML ({exc})") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("notebooks"), dict):
        raise ParameterError(f"{path.name}: expected a mapping with a 'notebooks' mapping (name: options)")
    bad = sorted(set(spec) - RUNS_KEYS)
    if bad:
        raise ParameterError(f"{path.name}: unknown key(s) {bad}; allowed: {sorted(RUNS_KEYS)}")
    for name, opts in spec["notebooks"].items():
        bad = sorted(set(opts or {}) - NOTEBOOK_KEYS)
        if bad:
            raise ParameterError(
                f"{path.name}: notebook {name}: unknown key(s) {bad}; allowed {sorted(NOTEBOOK_KEYS)}"
            )
    return spec


def _units(value: Any, where: str) -> list[str]:
    units = value if isinstance(value, list) else [value]
    for u in units:
        if not isinstance(u, str):
            raise ParameterError(
                f'{where}: unit {u!r} is {type(u).__name__}; unit codes are strings (quote them: "{u}")'
            )
    return units


def expand_runs(
    spec: dict[str, Any], *, units: list[str] | None = None, notebooks: list[str] | None = None
) -> list[tuple[str, str, dict[str, Any]]]:
    """Expand a runs spec into (notebook, unit, parameter overrides), in file order.

    Examples
    --------
    >>> spec = {"units": ["77"], "parameters": {"lang": "vi"},
    ...         "notebooks": {"a": {}, "b": {"units": ["01", "02"], "parameters": {"k": 1}}}}
    >>> expand_runs(spec)
    [('a', '77', {'lang': 'vi'}), ('b', '01', {'lang': 'vi', 'k': 1}), ('b', '02', {'lang': 'vi', 'k': 1})]
    >>> expand_runs(spec, units=["77"], notebooks=["b"])
    [('b', '77', {'lang': 'vi', 'k': 1})]
    """
    listed = spec["notebooks"]
    if notebooks:
        missing = [n for n in notebooks if n not in listed]
        if missing:
            raise ParameterError(f"notebook(s) {missing} not in runs.yaml; listed: {list(listed)}")
    out = []
    for name, opts in listed.items():
        if notebooks and name not in notebooks:
            continue
        opts = opts or {}
        chosen = units or _units(opts.get("units", spec.get("units", ["77"])), f"runs.yaml: {name}")
        overrides = {**(spec.get("parameters") or {}), **(opts.get("parameters") or {})}
        out.extend((name, unit, dict(overrides)) for unit in chosen)
    return out


def execute_job(job: Job) -> Result:
    """Run one notebook with papermill (in the calling process); keep the partial notebook on failure.

    The executed notebook is written beside its final name and renamed at the end, so the output is either a
    complete notebook or a failed one with its error, never a half-written file. Cell outputs go to the log.
    """
    import papermill

    from analysis.report import site

    for key, value in KERNEL_ENV.items():
        os.environ[key] = value
    if job.notebooks_dir:
        os.environ[NOTEBOOKS_ENV] = job.notebooks_dir
    out, log = Path(job.output), Path(job.log)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_suffix(".part.ipynb")
    for stale in (out, Path(job.html)):  # a page from an earlier run must not pass for this one
        stale.unlink(missing_ok=True)
    handler = logging.FileHandler(log, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.info("notebook %s unit %s parameters %s", job.notebook, job.unit, json.dumps(job.parameters))
    start = time.perf_counter()
    status, error = "ok", ""
    try:
        papermill.execute_notebook(
            job.source,
            str(part),
            parameters=job.parameters,
            kernel_name=job.kernel,
            progress_bar=False,
            log_output=True,
            execution_timeout=job.timeout,
            cwd=str(Path(job.source).parent),
        )
    except Exception as exc:  # noqa: BLE001 - any failure is recorded; the run goes on
        status = "failed"
        error = f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', exc)}".strip()
        logger.error("FAILED: %s", error)
    seconds = time.perf_counter() - start
    if part.exists():
        os.replace(part, out)
    logger.info("status %s after %.1f s", status, seconds)
    logger.removeHandler(handler)
    handler.close()
    result = Result(job.notebook, job.unit, status, round(seconds, 1), error, job.output, job.html, job.log)
    if out.exists():
        try:
            site.render_notebook(out, Path(job.html), status=status, error=error)
        except Exception as exc:  # noqa: BLE001 - a page that cannot render is a failed run, not a crash
            result.status, result.error = "failed", f"HTML rendering failed: {exc}"
    return result


def format_summary(results: list[Result]) -> str:
    """Return the summary table: notebook, unit, status, seconds (and the error of failed runs).

    Examples
    --------
    >>> rs = [Result("10_x", "77", "ok", 1.25), Result("20_y", "01", "failed", 2.0, "E: boom")]
    >>> print(format_summary(rs))
    notebook  unit  status  seconds
    10_x      77    ok          1.2
    20_y      01    FAILED      2.0  E: boom
    """
    rows = [("notebook", "unit", "status", "seconds", "")]
    for r in results:
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


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``analysis run``."""
    p = argparse.ArgumentParser(prog="analysis run", description="Run the notebook matrix for a year.")
    p.add_argument("--year", type=int, required=True, help="reporting year (must have data)")
    p.add_argument(
        "--unit", action="append", default=None, help="unit code (string; repeatable); default runs.yaml"
    )
    p.add_argument("--notebooks", nargs="+", default=None, help="notebook names (default: all in runs.yaml)")
    p.add_argument("--workers", type=int, default=2, help="notebooks run in parallel (processes)")
    p.add_argument(
        "--out", type=Path, default=None, help="output root for figures/ and reports/ (default: project)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="validate and list the runs without starting kernels"
    )
    p.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell")
    p.add_argument(
        "--data-dir", type=Path, default=None, help="folder of exports (default: the synthetic sample)"
    )
    p.add_argument(
        "--counts-file", type=Path, default=None, help="use this Counts parquet instead of reading data"
    )
    p.add_argument("--kernel", default="analysis", help="Jupyter kernel name (analysis = the kernel `make venv` installs)")
    p.add_argument(
        "--notebooks-dir", type=Path, default=None, help="folder of notebooks (default: notebooks/)"
    )
    p.add_argument(
        "--runs-file", type=Path, default=None, help="run matrix (default: <notebooks-dir>/runs.yaml)"
    )
    return p


def _resolve(path: Path | None, default: Path) -> Path:
    if path is None:
        return default
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


def plan(args: argparse.Namespace, *, on_valid: Any = None) -> tuple[list[Job], Any, Path, Path]:
    """Validate everything before any kernel starts; return the jobs, the Counts table and the folders.

    ``on_valid`` (optional) is called once names and types are valid, before the Counts table is computed.
    """
    import pandas as pd

    nb_dir = _resolve(args.notebooks_dir, paths.NOTEBOOKS_DIR)
    out_root = _resolve(args.out, paths.ROOT)
    spec = load_runs(_resolve(args.runs_file, nb_dir / "runs.yaml"))
    if args.unit:
        _units(args.unit, "--unit")
    runs = expand_runs(spec, units=args.unit, notebooks=args.notebooks)
    if args.workers < 1:
        raise ParameterError(f"--workers must be at least 1, got {args.workers}")
    if not args.timeout > 0:
        raise ParameterError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    declared = {}
    for name in dict.fromkeys(n for n, _, _ in runs):
        source = nb_dir / f"{name}.ipynb"
        if not source.is_file():
            raise ParameterError(f"notebook {name} listed in runs.yaml but {source} does not exist")
        declared[name] = read_parameters(source)
    layout = paths.OutputLayout.under(out_root)
    reports = layout.reports(args.year)
    counts_file = reports / "counts.parquet"
    data_dir = ensure_sample(str(_resolve(args.data_dir, Path())) if args.data_dir else "")
    base = {"year": args.year, "data_dir": str(data_dir), "counts_file": str(counts_file)}
    base["out_dir"] = str(layout.figures_root)
    values = {}
    for name, unit, overrides in runs:
        names = {p.name for p in declared[name]}
        given = {k: v for k, v in {**base, "unit": unit}.items() if k in names}
        values[(name, unit)] = validate({**given, **overrides}, declared[name], where=f"{name} (unit {unit})")
    if on_valid is not None:
        on_valid()
    if args.counts_file:
        from analysis.schemas import validate_counts

        counts = validate_counts(pd.read_parquet(_resolve(args.counts_file, Path())))
    else:
        counts = cached_counts(data_dir, cache_dir=layout.reports_root / CACHE_DIR)
    years = sorted(int(y) for y in counts["year"].unique())
    units = sorted(str(u) for u in counts["unit_code"].unique())
    jobs = []
    for name, unit, _ in runs:
        checked = validate(values[(name, unit)], declared[name], years=years, units=units, where=f"{name}")
        target = layout.reports(args.year, unit)
        jobs.append(
            Job(
                name, unit, str(nb_dir / f"{name}.ipynb"), checked,
                str(target / f"{name}.ipynb"), str(target / f"{name}.html"), str(target / f"{name}.log"),
                args.kernel, args.timeout, str(nb_dir),
            )
        )  # fmt: skip
    return jobs, counts, data_dir, out_root


def write_shared_inputs(counts: Any, data_dir: Path, reports: Path) -> None:
    """Write ``counts.parquet`` and ``inputs.json`` (files, sha256, synthetic flags) atomically."""
    buf = io.BytesIO()
    counts.to_parquet(buf, index=False)
    write_bytes_atomic(reports / "counts.parquet", buf.getvalue())
    inputs = list_inputs(data_dir)
    synthetic = is_synthetic(data_dir, inputs)
    doc = {"data_dir": str(data_dir), "synthetic": synthetic, "inputs": inputs}
    write_bytes_atomic(reports / "inputs.json", json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))


def warm_up() -> None:
    """Import what a worker needs (papermill, nbconvert, the site) while the parent is still planning."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401



def start_pool(workers: int) -> ProcessPoolExecutor:
    """Start ``workers`` worker processes and warm them up (imports) in the background.

    Workers are forked from a fresh single-threaded server process that imports papermill and nbconvert
    once (``forkserver``), so the imports are paid once, not per worker, and nothing is forked from this
    process (which runs DuckDB threads).
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["analysis.run", "analysis.report.site", "papermill", "nbconvert"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    for _ in range(workers):
        pool.submit(warm_up)
    return pool


def run_jobs(jobs: list[Job], *, pool: ProcessPoolExecutor) -> list[Result]:
    """Run jobs on the worker processes of ``pool`` with a progress bar; return results in job order."""
    from tqdm import tqdm

    results: dict[int, Result] = {}
    futures = {pool.submit(execute_job, job): i for i, job in enumerate(jobs)}
    with tqdm(total=len(jobs), desc="notebooks", unit="nb", file=sys.stderr) as bar:
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is a failed run
                job = jobs[i]
                results[i] = Result(job.notebook, job.unit, "failed", 0.0, f"worker crashed: {exc}")
            bar.set_postfix_str(f"{jobs[i].notebook} {jobs[i].unit}: {results[i].status}")
            bar.update(1)
    return [results[i] for i in range(len(jobs))]


def main(argv: list[str] | None = None) -> int:
    """``analysis run``: validate, run every notebook of the matrix, write the site; return the exit code."""
    args = build_parser().parse_args(argv)
    from analysis.io import InputError
    from analysis.report import site

    for key, value in KERNEL_ENV.items():
        os.environ[key] = value
    pools: list[ProcessPoolExecutor] = []

    def start() -> None:  # workers start (and import) while the parent computes Counts; no kernel yet
        if not args.dry_run:
            pools.append(start_pool(args.workers))

    try:
        try:
            jobs, counts, data_dir, out_root = plan(args, on_valid=start)
        except (ParameterError, InputError, ValueError, OSError) as exc:
            print(f"analysis run: error: {exc}", file=sys.stderr)
            for pool in pools:
                pool.shutdown(wait=False, cancel_futures=True)
            pools.clear()
            return EXIT_INVALID
        reports = paths.OutputLayout.under(out_root).reports(args.year)
        if not pools:
            for job in jobs:
                print(f"{job.notebook}  unit {job.unit}  -> {job.output}  {json.dumps(job.parameters)}")
            print(f"{len(jobs)} run(s) valid; nothing executed (--dry-run)")
            return EXIT_OK
        write_shared_inputs(counts, data_dir, reports)
        started = dt.datetime.now(dt.UTC)
        results = run_jobs(jobs, pool=pools[0])
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
    previous = site.read_json(reports / "runs.json", {})  # earlier runs of other units stay listed
    runs_doc = {
        "year": args.year,
        "started": started.isoformat(timespec="seconds"),
        "results": site.merge_results(previous.get("results", []), [asdict(r) for r in results]),
    }
    write_bytes_atomic(reports / "runs.json", json.dumps(runs_doc, ensure_ascii=False, indent=1).encode("utf-8"))
    layout = paths.OutputLayout.under(out_root)
    index = site.write_index(reports, figures_root=layout.figures_root)
    print(format_summary(results))
    print(f"\nreviewer site: {index}\nfigures:       {layout.figures(args.year)}")
    failed = [r for r in results if r.status != "ok"]
    if failed:
        print(f"{len(failed)} of {len(results)} run(s) failed; see the .log and .html beside each notebook")
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
