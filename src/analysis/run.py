"""Command ``analysis run``: the notebook matrix of a year, built aside and published whole.

In order: check every name, type and folder (no kernel yet); take the output folder's lock (one run at a
time); make a new set beside the published one (:mod:`analysis.runner.release`); compute the Counts once;
skip each notebook × unit whose inputs are unchanged (:mod:`analysis.runner.fingerprint`); run the others on
worker processes with warm kernels (:mod:`analysis.runner.execute`); write ``runs.json``, ``revisions.json``
(:mod:`analysis.runner.revisions`) and the index; publish the set in one step.  The console shows a progress
bar, one line per notebook and the summary; kernel noise goes to the set's ``run.log``.
"""

from __future__ import annotations

import io
import json
import shlex
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.notebook.outputs import OUTPUT_ENV, RUN_ENV
from analysis.notebook.params import NOTEBOOKS_ENV, ParameterError
from analysis.provenance import is_synthetic, list_inputs, write_bytes_atomic
from analysis.runner.console import RUN_LOG, error, format_summary, line, log_to, stop_logging
from analysis.runner.execute import execute_job, run_jobs, start_pool
from analysis.runner.lock import Busy, run_lock
from analysis.runner.release import BUSY, Release, clear_job, rebase
from analysis.runner.spec import (
    CACHE_DIR,
    Job,
    Result,
    build_parser,
    check,
    counts_copy,
    expand_runs,
    load_counts,
    load_runs,
    make_jobs,
    plan,
)

__all__ = [
    "CACHE_DIR",
    "EXIT_BUSY",
    "EXIT_FAILED",
    "EXIT_INVALID",
    "EXIT_OK",
    "KERNEL_ENV",
    "Job",
    "Result",
    "build_parser",
    "check",
    "execute_job",
    "expand_runs",
    "format_summary",
    "load_runs",
    "main",
    "plan",
    "run_jobs",
    "start_pool",
    "write_shared_inputs",
]

#: Environment given to every kernel: the official-run signal and a fixed hash seed for reproducibility.
#: The official output location (:data:`analysis.notebook.context.OUTPUT_ENV`) is added per run.
KERNEL_ENV = {RUN_ENV: "1", "PYTHONHASHSEED": "0"}
EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_BUSY = 0, 1, 2, 3


def write_shared_inputs(counts: Any, data_dir: Path, reports: Path, inputs: list[dict] | None = None) -> None:
    """Write ``counts.parquet`` and ``inputs.json`` (files, sha256, synthetic flags) atomically."""
    buf = io.BytesIO()
    counts.to_parquet(buf, index=False)
    write_bytes_atomic(reports / "counts.parquet", buf.getvalue())
    inputs = list_inputs(data_dir) if inputs is None else inputs
    doc = {"data_dir": str(data_dir), "synthetic": is_synthetic(data_dir, inputs), "inputs": inputs}
    write_bytes_atomic(reports / "inputs.json", json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))


def _dry_run(args: Any, checked: Any) -> int:
    counts = load_counts(args, checked, inputs=list_inputs(checked.data_dir))
    jobs = make_jobs(args, checked, counts, Path("<counts of this run>"))
    for job in jobs:
        print(f"{job.notebook}  unit {job.unit}  -> {job.output}  {json.dumps(job.parameters)}")
    print(f"{len(jobs)} run(s) valid; nothing executed (--dry-run)")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """``analysis run``: validate, run every notebook of the matrix, publish the set; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    from analysis.errors import InputError

    try:
        checked = check(args)
        if args.dry_run:
            return _dry_run(args, checked)
    except (ParameterError, InputError, ValueError, OSError) as exc:
        error(str(exc))
        return EXIT_INVALID
    command = "analysis run " + shlex.join(argv)
    try:
        with run_lock(checked.out_root, command=command, wait=args.wait, on_wait=_waiting):
            return _locked(args, checked)
    except Busy as exc:
        print(f"analysis run: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as exc:  # the output folder cannot take the lock file (read-only, full, missing)
        error(f"cannot write to the output folder {checked.out_root}: {exc}")
        return EXIT_INVALID


def _waiting(text: str) -> None:
    print(f"analysis run: waiting for the run writing here ({text})", file=sys.stderr, flush=True)


def _locked(args: Any, checked: Any) -> int:
    """Run under the output folder's lock; an unfinished set is removed, the published one kept."""
    from analysis.errors import InputError

    release = Release(checked.out_root, args.year)
    release.migrate()
    release.cleanup()
    state: dict[str, Any] = {"pools": [], "stage": None, "log": None}
    try:
        code = _build(args, checked, release, state)
    except (ParameterError, InputError, ValueError, OSError) as exc:
        error(str(exc))
        code = EXIT_INVALID
    except BaseException:
        _finish(release, state, discard=True)
        raise
    _finish(release, state, discard=code == EXIT_INVALID)
    if code == EXIT_INVALID and state["stage"] is not None:
        print("analysis run: nothing published; the earlier set is kept", file=sys.stderr)
    return code


def _finish(release: Release, state: dict[str, Any], *, discard: bool) -> None:
    _shutdown(state["pools"])
    if state["log"] is not None:
        stop_logging(state["log"])
    if discard and state["stage"] is not None:
        release.discard(state["stage"])


def _shutdown(pools: list[Any]) -> None:
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)
    pools.clear()


def _stage(release: Release, state: dict[str, Any]) -> Path:
    """Return the set being built (made on first use), with the run's log open in it."""
    if state["stage"] is None:
        state["stage"] = release.stage()
        state["log"] = log_to(paths.OutputLayout.under(state["stage"]).reports(release.year) / RUN_LOG)
    return state["stage"]


def _build(args: Any, checked: Any, release: Release, state: dict[str, Any]) -> int:
    from analysis.notebook.context import cache_key
    from analysis.report import site
    from analysis.runner import execute, fingerprint, revisions

    started = time.time()
    published = paths.OutputLayout.under(checked.out_root)
    pub_reports = published.reports(args.year)
    cache_dir = published.reports_root / CACHE_DIR
    warm = None if args.fresh_kernels else {"kernel": args.kernel, "cwd": str(checked.nb_dir)}
    pools = state["pools"]

    def start_pool(n: int) -> None:
        if not pools and n:
            stage = _stage(release, state)
            env = {**KERNEL_ENV, OUTPUT_ENV: str(stage), NOTEBOOKS_ENV: str(checked.nb_dir)}
            run_log = paths.OutputLayout.under(stage).reports(args.year) / RUN_LOG
            pools.append(
                execute.start_pool(
                    min(args.workers, n), env=env, run_log=run_log, busy=stage / BUSY, warm=warm
                )
            )

    inputs = list_inputs(checked.data_dir)
    cheap = bool(args.counts_file) or (cache_dir / f"counts-{cache_key(inputs)}.parquet").is_file()
    if args.force or not cheap:  # every notebook runs, or the Counts take a while: start the workers now
        start_pool(len(checked.runs))
    counts = load_counts(args, checked, inputs=inputs)
    jobs = make_jobs(args, checked, counts, Path("counts.parquet"))  # year and unit checked: valid run
    counts_file, digest = counts_copy(counts, cache_dir)
    jobs = [
        replace(j, parameters={**j.parameters, "counts_file": str(counts_file)})
        if "counts_file" in j.parameters
        else j
        for j in jobs
    ]
    stage = _stage(release, state)
    layout = paths.OutputLayout.under(stage)
    reports = layout.reports(args.year)
    earlier = {n: _read_bytes(reports / n) for n in ("inputs.json", "revisions.json", "counts.parquet")}
    write_shared_inputs(counts, checked.data_dir, reports, inputs)
    runs_doc = site.read_json(reports / "runs.json", {})
    previous = {
        (r["notebook"], r["unit"]): r for r in rebase(runs_doc.get("results", []), pub_reports, reports)
    }
    shared = fingerprint.shared_inputs(inputs, digest)
    staged = [
        replace(
            j,
            figures=str(layout.figures(args.year, j.unit)),
            **{
                k: str(reports / Path(getattr(j, k)).relative_to(pub_reports))
                for k in ("output", "html", "log")
            },
        )
        for j in jobs
    ]
    kept: dict[int, Result] = {}
    prints = {i: fingerprint.job_fingerprint(j, shared) for i, j in enumerate(staged)}
    for i, job in enumerate(staged):
        before = (
            None
            if args.force
            else fingerprint.reusable(job, prints[i], previous, fig_dir=layout.figures(args.year, job.unit))
        )
        if before is not None:
            kept[i] = Result(
                **{
                    **{
                        k: before.get(k)
                        for k in ("notebook", "unit", "status", "error", "output", "html", "log")
                    },
                    "seconds": float(before.get("seconds", 0)),
                    "skipped": True,
                    "fingerprint": prints[i],
                    "extra": dict(before.get("extra") or {}),
                }
            )
            print(line(kept[i]))
    todo = [i for i in range(len(staged)) if i not in kept]
    start_pool(len(todo))  # the workers warm up while the set is prepared
    for i in todo:
        job = staged[i]
        clear_job(layout.figures(args.year, job.unit), layout.reports(args.year, job.unit), job.notebook)
    lang = args.lang or (str(jobs[0].parameters.get("lang", "vi")) if jobs else "vi")
    done: dict[int, Result] = {}
    if todo:
        ran = execute.run_jobs(
            [staged[i] for i in todo],
            pool=pools[0],
            keep_kernel=not args.fresh_kernels,
            lang=lang,
            on_done=lambda r: print(line(r), flush=True),
        )
        done = {i: replace(r, fingerprint=prints[i]) for i, r in zip(todo, ran, strict=True)}
        _shutdown(pools)
    results = [kept.get(i) or done[i] for i in range(len(staged))]
    found = revisions.find_revisions(layout.figures(args.year), published.figures_root, args.year)
    write_bytes_atomic(reports / "revisions.json", _json(found))
    if (
        not todo
        and release.current() is not None
        and all(earlier[n] == _read_bytes(reports / n) for n in earlier)
    ):  # nothing to publish: the published set stays as it is, byte for byte
        release.discard(stage)
        print(format_summary(results))
        _revisions_line(found)
        print(
            "\nnothing changed: the published set is kept as it was\n"
            f"reviewer site: {pub_reports / 'index.html'}"
        )
        return EXIT_OK
    current = [asdict(r) for r in results]
    merged = site.merge_results(rebase(runs_doc.get("results", []), pub_reports, reports), current)
    doc = {"year": args.year, "lang": lang, "started": _iso(started), "results": merged}
    write_bytes_atomic(reports / "runs.json", _json(doc))
    site.write_index(reports, figures_root=layout.figures_root, **_lang_kw(site.write_index, lang))
    doc["results"] = rebase(merged, reports, pub_reports)  # as published
    write_bytes_atomic(reports / "runs.json", _json(doc))
    release.publish(stage)
    print(format_summary(results))
    _revisions_line(found)
    print(f"\nreviewer site: {pub_reports / 'index.html'}\nfigures:       {published.figures(args.year)}")
    print(f"log:           {pub_reports / RUN_LOG}")
    failed = [r for r in results if r.status != "ok"]
    if failed:
        print(f"{len(failed)} of {len(results)} run(s) failed; see the .log and .html beside each notebook")
        return EXIT_FAILED
    return EXIT_OK


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _revisions_line(found: dict[str, Any]) -> None:
    compared = ", ".join(str(c["year"]) for c in found["compared"]) or "none"
    missing = ", ".join(map(str, found["no_published_set"]))
    text = (
        f"\nrevisions:     {found['count']} value(s) of earlier years moved (compared with sets {compared})"
    )
    print(text + (f"; no published set for {missing}" if missing else ""))


def _lang_kw(func: Any, lang: str) -> dict[str, str]:
    import inspect

    return {"lang": lang} if "lang" in inspect.signature(func).parameters else {}


def _iso(seconds: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")


def _json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
