"""What a run is: runs.yaml expanded into jobs, the command line, and validation before any kernel starts."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.notebook.params import ParameterError, read_parameters, validate

#: Keys allowed at the top of runs.yaml and under each notebook.
RUNS_KEYS = {"units", "parameters", "notebooks"}
NOTEBOOK_KEYS = {"units", "parameters"}
#: Parameters the runner sets itself; runs.yaml may not give them (``lang`` it may; ``--lang`` wins).
RUNNER_SET = ("year", "unit", "data_dir", "counts_file", "out_dir")
LANGS = ("vi", "en")


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
    #: The unit's figure folder in the set being built (its page copies the figures from there).
    figures: str = ""


@dataclass
class Result:
    """Outcome of one :class:`Job`: status ``ok`` or ``failed``, wall seconds and the error, if any.

    ``skipped`` is True when the published outputs were kept because nothing behind them changed
    (``fingerprint``, :mod:`analysis.runner.fingerprint`); ``seconds`` is then that earlier run's time.
    """

    notebook: str
    unit: str
    status: str
    seconds: float
    error: str = ""
    output: str = ""
    html: str = ""
    log: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False
    fingerprint: str = ""


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
        try:
            paths.safe_component(u)
        except ValueError as exc:
            raise ParameterError(
                f"{where}: {exc}; a unit code never names a folder outside the set"
            ) from None
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
        set_here = sorted(set(overrides) & set(RUNNER_SET))
        if set_here:
            raise ParameterError(
                f"runs.yaml: {name}: {set_here} are set by `analysis run` (--year, --unit, --data-dir, "
                "--out); "
                "remove them from runs.yaml"
            )
        out.extend((name, unit, dict(overrides)) for unit in chosen)
    return out


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
    p.add_argument("--lang", choices=LANGS, default=None, help="language of every notebook and of the site")
    p.add_argument(
        "--force", action="store_true", help="re-run every notebook, even those whose inputs are unchanged"
    )
    p.add_argument(
        "--wait", action="store_true", help="if another run writes to --out, wait for it instead of exiting"
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
    p.add_argument(
        "--kernel",
        default="analysis",
        help="Jupyter kernel name (analysis = the kernel `make venv` installs)",
    )
    p.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="start a new kernel for every notebook (default: each worker reuses one warm kernel, reset "
        "between notebooks)",
    )
    p.add_argument(
        "--notebooks-dir", type=Path, default=None, help="folder of notebooks (default: notebooks/)"
    )
    p.add_argument(
        "--runs-file", type=Path, default=None, help="run matrix (default: <notebooks-dir>/runs.yaml)"
    )
    return p


def resolve(path: Path | None, default: Path) -> Path:
    """Return ``path`` made absolute (relative to the working folder), or ``default`` when not given."""
    if path is None:
        return default
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


@dataclass
class Checked:
    """The run as validated before the Counts are read: one entry per job, with its declared parameters."""

    runs: list[tuple[str, str, dict[str, Any]]]
    declared: dict[str, list[Any]]
    values: dict[tuple[str, str], dict[str, Any]]
    nb_dir: Path
    out_root: Path
    data_dir: Path


def check(args: argparse.Namespace) -> Checked:
    """Check names, types and folders (no Counts, no kernel): runs.yaml, notebooks, units, options."""
    from analysis.notebook.context import ensure_sample

    nb_dir = resolve(args.notebooks_dir, paths.NOTEBOOKS_DIR)
    out_root = resolve(args.out, paths.ROOT)
    spec = load_runs(resolve(args.runs_file, nb_dir / "runs.yaml"))
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
    data_dir = ensure_sample(str(resolve(args.data_dir, Path())) if args.data_dir else "")
    base = {"year": args.year, "data_dir": str(data_dir), "counts_file": ""}
    values = {}
    for name, unit, overrides in runs:
        names = {p.name for p in declared[name]}
        given = {k: v for k, v in {**base, "unit": unit}.items() if k in names}
        if getattr(args, "lang", None):
            if "lang" not in names:
                raise ParameterError(f"--lang: notebook {name} declares no 'lang' parameter")
            overrides = {**overrides, "lang": args.lang}
        values[(name, unit)] = validate({**given, **overrides}, declared[name], where=f"{name} (unit {unit})")
    return Checked(runs, declared, values, nb_dir, out_root, data_dir)


def make_jobs(args: argparse.Namespace, checked: Checked, counts: Any, counts_file: Path) -> list[Job]:
    """Validate year and unit against the Counts and return the jobs (outputs at their published places)."""
    years = sorted(int(y) for y in counts["year"].unique())
    units = sorted(str(u) for u in counts["unit_code"].unique())
    layout = paths.OutputLayout.under(checked.out_root)
    jobs = []
    for name, unit, _ in checked.runs:
        values = dict(checked.values[(name, unit)])
        if "counts_file" in values:
            values["counts_file"] = str(counts_file)
        values = validate(values, checked.declared[name], years=years, units=units, where=f"{name}")
        target = layout.reports(args.year, unit)
        jobs.append(
            Job(
                name,
                unit,
                str(checked.nb_dir / f"{name}.ipynb"),
                values,
                str(target / f"{name}.ipynb"),
                str(target / f"{name}.html"),
                str(target / f"{name}.log"),
                args.kernel,
                args.timeout,
                str(checked.nb_dir),
            )
        )
    return jobs


def load_counts(args: argparse.Namespace, checked: Checked, *, inputs: list[dict[str, Any]]) -> Any:
    """Return the Counts table: ``--counts-file`` (validated) or the data folder's, through the cache."""
    import pandas as pd

    from analysis.notebook.context import cached_counts

    if args.counts_file:
        from analysis.schemas import validate_counts

        return validate_counts(pd.read_parquet(resolve(args.counts_file, Path())))
    layout = paths.OutputLayout.under(checked.out_root)
    return cached_counts(checked.data_dir, cache_dir=layout.reports_root / CACHE_DIR, inputs=inputs)


#: Folder (under reports/) of Counts tables computed earlier, keyed by input and code hashes.
CACHE_DIR = ".counts_cache"


def plan(args: argparse.Namespace, *, on_valid: Any = None) -> tuple[list[Job], Any, Path, Path]:
    """Validate everything before any kernel starts; return the jobs, the Counts table and the folders.

    ``on_valid`` (optional) is called once names and types are valid, before the Counts table is computed.
    The jobs' ``counts_file`` is the content-addressed copy of the Counts in the cache folder
    (:func:`counts_copy`), written here.
    """
    from analysis.provenance import list_inputs

    checked = check(args)
    if on_valid is not None:
        on_valid()
    counts = load_counts(args, checked, inputs=list_inputs(checked.data_dir))
    layout = paths.OutputLayout.under(checked.out_root)
    counts_file, _ = counts_copy(counts, layout.reports_root / CACHE_DIR)
    return make_jobs(args, checked, counts, counts_file), counts, checked.data_dir, checked.out_root


def counts_digest(counts: Any) -> str:
    """Return a SHA-256 of the Counts table's content (columns, types and every value, in row order)."""
    import hashlib

    import pandas as pd

    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in counts.dtypes.items()]).encode("utf-8"))
    h.update(pd.util.hash_pandas_object(counts, index=False).to_numpy().tobytes())
    return h.hexdigest()


def counts_copy(counts: Any, cache_dir: Path) -> tuple[Path, str]:
    """Write the Counts once under a name made of their content hash; return its path and the hash.

    Kernels read this file (the ``counts_file`` parameter): the same content always has the same path, so
    the parameters a notebook records do not change when nothing changed.
    """
    from analysis.notebook.context import VALID_SUFFIX, write_counts_file

    digest = counts_digest(counts)
    path = cache_dir / f"counts-content-{digest[:32]}.parquet"
    if not path.is_file() or not path.with_name(path.name + VALID_SUFFIX).is_file():
        write_counts_file(path, counts)
    return path, digest
