"""Notebook parameters: read the tagged cell with ``ast``, validate values, set up a notebook's Context."""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import os
import sys
import tokenize
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths

#: Annotation names allowed in a parameters cell, and the Python types they stand for.
TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}
#: Parameters whose value must be one of a fixed set.
CHOICES: dict[str, tuple[str, ...]] = {"lang": ("vi", "en")}
#: The standard parameters every notebook declares (the notebooks/runner contract), as (type, default, help).
STANDARD: dict[str, tuple[type, Any, str]] = {
    "year": (int, 2024, "reporting year"),
    "unit": (str, "77", "unit code as a string (keep leading zeros)"),
    "data_dir": (str, "", "folder of exports; empty = the shipped synthetic sample (data/sample)"),
    "counts_file": (str, "", "Counts table (parquet) precomputed by `analysis run`; empty = read data_dir"),
    "lang": (str, "vi", 'label language, "vi" or "en"'),
    "out_dir": (str, "", "root folder for figures; empty = figures/ in the project"),
}
#: Environment variable naming an extra folder where :func:`setup` looks for the notebook file.
NOTEBOOKS_ENV = "ANALYSIS_NOTEBOOKS_DIR"


class ParameterError(ValueError):
    """A notebook parameter is unknown, of the wrong type, or has no data behind it."""


@dataclass(frozen=True)
class Param:
    """One parameter of a notebook: name, type, literal default and help text."""

    name: str
    type: type
    default: Any
    help: str = ""


def _comments(source: str) -> dict[int, str]:
    """Map line number -> comment text (without ``#`` and an optional ``help:`` prefix)."""
    out: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                text = tok.string.lstrip("#").strip()
                if text.lower().startswith("help:"):
                    text = text[5:].strip()
                out[tok.start[0]] = text
    except tokenize.TokenError:  # pragma: no cover - ast.parse has accepted the source already
        pass
    return out


def parse_parameters(source: str, *, where: str = "parameters cell") -> list[Param]:
    """Parse the source of a parameters cell into :class:`Param` objects.

    Every statement must be ``name: type = literal`` with ``type`` one of :data:`TYPES`; anything computed
    (a call, a name, an expression) is refused.

    Parameters
    ----------
    source : str
        The cell's code.
    where : str
        Where the cell comes from, used in error messages.

    Returns
    -------
    list of Param

    Examples
    --------
    >>> ps = parse_parameters('unit: str = "01"  # help: code')
    >>> [(p.name, p.type.__name__, p.default, p.help) for p in ps]
    [('unit', 'str', '01', 'code')]
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{where}: line {exc.lineno}: not valid Python ({exc.msg})") from None
    comments = _comments(source)
    params: list[Param] = []
    for node in tree.body:
        line = getattr(node, "lineno", 0)
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value):
            raise ParameterError(
                f"{where}: line {line}: expected `name: type = literal` (typed literal), "
                f"got {ast.unparse(node)!r}"
            )
        name = node.target.id
        at = f"{where}: line {line}"
        ann = ast.unparse(node.annotation)
        if ann not in TYPES:
            raise ParameterError(f"{at}: parameter {name!r} has type {ann!r}; use one of {sorted(TYPES)}")
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError(
                f"{at}: default of {name!r} must be a literal, got {ast.unparse(node.value)!r}"
            ) from None
        kind = TYPES[ann]
        if not _is_type(default, kind):
            raise ParameterError(
                f"{at}: default of {name!r} is {type(default).__name__} {default!r}, not {ann}"
            )
        if name in {p.name for p in params}:
            raise ParameterError(f"{at}: parameter {name!r} is declared twice")
        params.append(Param(name, kind, default, comments.get(line, "")))
    return params


def parameters_cells(nb: dict) -> list[int]:
    """Return the indices of the cells tagged ``parameters`` in a notebook (as a dict / NotebookNode)."""
    return [
        i
        for i, cell in enumerate(nb.get("cells", []))
        if "parameters" in (cell.get("metadata", {}).get("tags") or [])
    ]


def resolve_notebook(name: str | Path, *, notebooks_dir: Path | None = None) -> Path:
    """Return the path of notebook ``name``: a path, or a name in ``notebooks_dir`` (``.ipynb`` optional)."""
    candidate = Path(name)
    if candidate.suffix == ".ipynb" and candidate.is_file():
        return candidate.resolve()
    folder = notebooks_dir or paths.NOTEBOOKS_DIR
    stem = candidate.name.removesuffix(".ipynb")
    path = folder / f"{stem}.ipynb"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.ipynb")) if folder.is_dir() else []
        raise ParameterError(f"notebook {str(name)!r} not found in {folder}; known notebooks: {known}")
    return path


def read_parameters(path: str | Path) -> list[Param]:
    """Read the parameters of a notebook: its one cell tagged ``parameters``, parsed with ``ast``.

    Raises :class:`ParameterError` when the notebook has no such cell, more than one, or a cell that is not
    made of typed literals.
    """
    path = Path(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = parameters_cells(nb)
    if len(cells) != 1:
        raise ParameterError(
            f"notebook {path.name}: expected exactly one cell tagged 'parameters', found {len(cells)}"
        )
    src = nb["cells"][cells[0]]["source"]
    src = "".join(src) if isinstance(src, list) else src
    return parse_parameters(src, where=f"notebook {path.name}, cell {cells[0]} (parameters)")


def _is_type(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def validate(
    values: dict[str, Any],
    params: list[Param],
    *,
    years: list[int] | None = None,
    units: list[str] | None = None,
    where: str = "",
) -> dict[str, Any]:
    """Check parameter values against a notebook's parameters; return defaults updated with ``values``.

    Parameters
    ----------
    values : dict
        Values to pass (e.g. from the command line or ``runs.yaml``).
    params : list of Param
        The notebook's declared parameters (:func:`read_parameters`).
    years, units : list, optional
        Years and unit codes that have data; ``year`` / ``unit`` outside them are refused.
    where : str
        Prefix for messages (e.g. the notebook name).

    Raises
    ------
    ParameterError
        Unknown name, wrong type (``unit=1`` is not ``"01"``: codes are strings), a value outside its
        choices, or a year or unit without data.

    Examples
    --------
    >>> ps = [Param("unit", str, "77"), Param("year", int, 2024)]
    >>> validate({"unit": "01"}, ps)
    {'unit': '01', 'year': 2024}
    >>> validate({"unit": 1}, ps)
    Traceback (most recent call last):
    ...
    analysis.params.ParameterError: parameter 'unit' must be str, got int 1 (write codes as strings, ...
    """
    prefix = f"{where}: " if where else ""
    known = {p.name: p for p in params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ParameterError(f"{prefix}unknown parameter(s) {unknown}; this notebook takes {sorted(known)}")
    out = {p.name: p.default for p in params}
    for name, value in values.items():
        kind = known[name].type
        if not _is_type(value, kind):
            hint = ' (write codes as strings, e.g. "01")' if kind is str and isinstance(value, int) else ""
            raise ParameterError(
                f"{prefix}parameter {name!r} must be {kind.__name__}, "
                f"got {type(value).__name__} {value!r}{hint}"
            )
        out[name] = float(value) if kind is float else value
    for name, choices in CHOICES.items():
        if name in out and out[name] not in choices:
            raise ParameterError(
                f"{prefix}parameter {name!r} must be one of {list(choices)}, got {out[name]!r}"
            )
    if years is not None and "year" in out and out["year"] not in years:
        raise ParameterError(f"{prefix}no data for year {out['year']}; years with data: {sorted(years)}")
    if units is not None and "unit" in out and not has_unit(out["unit"], units):
        shown = sorted(units)[:20]
        raise ParameterError(f"{prefix}no data for unit {out['unit']!r}; units with data include {shown}")
    return out


def has_unit(unit: str, units: list[str]) -> bool:
    """Return True when ``unit`` or a unit under it (code ``unit.…``) is among ``units``.

    Examples
    --------
    >>> has_unit("77", ["77.H01", "77.S02"]), has_unit("7", ["77.H01"]), has_unit("01", ["01"])
    (True, False, True)
    """
    return unit in units or any(u.startswith(f"{unit}.") for u in units)


def unit_name(counts: pd.DataFrame, unit: str) -> str:
    """Return the name of ``unit``: from its Counts rows, else the province crosswalk, else the code."""
    rows = counts.loc[counts["unit_code"] == unit, "unit_name"]
    if len(rows):
        return str(rows.iloc[0])
    if unit.isdigit() and len(unit) == 2:
        try:
            from analysis.io.crosswalk import read_crosswalk

            cw = read_crosswalk()
            match = cw.loc[cw["old_code"] == unit, "old_name"]
            if len(match):
                return str(match.iloc[0])
        except (ImportError, ValueError, OSError):
            pass
    return unit


def list_inputs(data_dir: str | Path) -> list[dict[str, Any]]:
    """List the input files of a folder: relative path, sha256, and the ``synthetic`` flag of the sidecar.

    Sidecars (``*.meta.json``) and ``SYNTHETIC.md`` are not inputs themselves; a file without a sidecar is
    synthetic when the folder has a ``SYNTHETIC.md``.
    """
    root = Path(data_dir)
    folder_synthetic = (root / "SYNTHETIC.md").is_file()
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name.endswith(".meta.json") or path.name == "SYNTHETIC.md" or path.name.startswith("."):
            continue
        synthetic = folder_synthetic
        meta = path.with_name(path.name + ".meta.json")
        if meta.is_file():
            try:
                synthetic = bool(json.loads(meta.read_text(encoding="utf-8")).get("synthetic", synthetic))
            except (json.JSONDecodeError, AttributeError):
                pass
        rel = path.relative_to(root).as_posix()
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        out.append({"path": rel, "sha256": digest, "synthetic": synthetic})
    return out


def ensure_sample(data_dir: str | Path = "") -> Path:
    """Return the data folder to use: ``data_dir``, or the sample folder (generated when absent)."""
    if data_dir:
        folder = Path(data_dir)
        if not folder.is_absolute():
            folder = paths.ROOT / folder
        if not folder.is_dir():
            raise ParameterError(f"data_dir {str(data_dir)!r}: folder not found ({folder})")
        return folder
    if not (paths.SAMPLE_DIR / "SYNTHETIC.md").is_file():
        from analysis.sample import generate_sample

        generate_sample(paths.SAMPLE_DIR)
    return paths.SAMPLE_DIR


@dataclass
class Context:
    """What a notebook needs after its parameters cell: validated values, data, and where figures go."""

    notebook: str
    params: dict[str, Any]
    data_dir: Path
    counts: pd.DataFrame
    inputs: list[dict[str, Any]] = field(default_factory=list)
    synthetic: bool = False
    figures_dir: Path = paths.FIGURES_DIR

    @property
    def year(self) -> int:
        """Reporting year."""
        return int(self.params["year"])

    @property
    def unit(self) -> str:
        """Unit code (a string)."""
        return str(self.params["unit"])

    @property
    def lang(self) -> str:
        """Label language."""
        return str(self.params.get("lang", "vi"))

    @property
    def unit_name(self) -> str:
        """Name of the unit (:func:`unit_name`: Counts rows, else the province crosswalk, else the code)."""
        if "_unit_name" not in self.__dict__:
            self.__dict__["_unit_name"] = unit_name(self.counts, self.unit)
        return self.__dict__["_unit_name"]

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Targets table (``analysis.io.read_targets()``), read on first use."""
        import analysis.io

        return analysis.io.read_targets()

    def save(self, fig: Any, fig_id: str, *, title: str, alt: str, data: Any) -> Any:
        """Save a figure through ``analysis.figures.save_figure`` (files + manifest entry); return ``fig``."""
        from analysis.figures import save_figure

        return save_figure(fig, fig_id, title=title, alt=alt, data=data, context=self)

    def findings(self, items: list[str]) -> Any:
        """Record key findings (``analysis.figures.record_findings``) and return them as IPython Markdown."""
        from IPython.display import Markdown

        from analysis.figures import record_findings

        record_findings(items, context=self)
        return Markdown("\n".join(f"- {item}" for item in items))


def _notebook_params(notebook: str) -> list[Param]:
    """Return the declared parameters of ``notebook``, or the standard ones when its file is not found."""
    folders = [Path(os.environ[NOTEBOOKS_ENV])] if os.environ.get(NOTEBOOKS_ENV) else []
    for folder in [*folders, paths.NOTEBOOKS_DIR]:
        path = folder / f"{notebook}.ipynb"
        if path.is_file():
            return read_parameters(path)
    return [Param(n, t, d, h) for n, (t, d, h) in STANDARD.items()]


def load_context_counts(*, counts_file: str, data_dir: Path) -> pd.DataFrame:
    """Read the Counts table: ``counts_file`` (parquet) when given, else every export in ``data_dir``."""
    if counts_file:
        from analysis.schemas import validate_counts

        return validate_counts(pd.read_parquet(counts_file))
    import analysis.io

    return analysis.io.load_counts(data_dir)


def _inputs_for(counts_file: str, data_dir: Path) -> list[dict[str, Any]]:
    """Return the inputs recorded by ``analysis run`` beside ``counts_file``, else hash them afresh."""
    if counts_file:
        recorded = Path(counts_file).with_name("inputs.json")
        if recorded.is_file():
            doc = json.loads(recorded.read_text(encoding="utf-8"))
            if Path(doc.get("data_dir", "")) == data_dir:
                return list(doc["inputs"])
    return list_inputs(data_dir)


def setup(namespace: dict[str, Any], notebook: str) -> Context:
    """Validate a notebook's parameter values from ``namespace`` and return its :class:`Context`.

    Reads the notebook's declared parameters (its file in ``notebooks/``; the standard ones otherwise),
    takes their current values from ``namespace`` (the notebook's ``globals()``), checks types, loads the
    Counts table once and checks that the year and unit have data.
    """
    declared = _notebook_params(notebook)
    values = {p.name: namespace[p.name] for p in declared if p.name in namespace}
    checked = validate(values, declared, where=notebook)
    data_dir = ensure_sample(checked.get("data_dir", ""))
    counts = load_context_counts(counts_file=checked.get("counts_file", ""), data_dir=data_dir)
    checked = validate(
        checked,
        declared,
        years=sorted(int(y) for y in counts["year"].unique()),
        units=sorted(str(u) for u in counts["unit_code"].unique()),
        where=notebook,
    )
    inputs = _inputs_for(checked.get("counts_file", ""), data_dir)
    synthetic = (data_dir / "SYNTHETIC.md").is_file() or any(i["synthetic"] for i in inputs)
    root = Path(checked["out_dir"]) if checked.get("out_dir") else paths.FIGURES_DIR
    figures_dir = root / str(checked["year"]) / str(checked["unit"])
    return Context(notebook, checked, data_dir, counts, inputs, synthetic, figures_dir)


def format_parameters(params: list[Param]) -> str:
    """Return a plain-text table of parameters: name, type, default, help.

    Examples
    --------
    >>> print(format_parameters([Param("unit", str, "01", "unit code")]))
    name  type  default  help
    unit  str   '01'     unit code
    """
    rows = [("name", "type", "default", "help")]
    rows += [(p.name, p.type.__name__, repr(p.default), p.help) for p in params]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows)


def main(argv: list[str] | None = None) -> int:
    """``analysis params NOTEBOOK``: print a notebook's parameters with types, defaults and help."""
    parser = argparse.ArgumentParser(prog="analysis params", description=main.__doc__)
    parser.add_argument("notebook", help="notebook name in notebooks/ (e.g. 10_dossier_timeliness) or a path")
    parser.add_argument("--notebooks-dir", type=Path, default=None, help="default: notebooks/")
    args = parser.parse_args(argv)
    try:
        path = resolve_notebook(args.notebook, notebooks_dir=args.notebooks_dir)
        params = read_parameters(path)
    except (ParameterError, OSError, json.JSONDecodeError) as exc:
        print(f"analysis params: error: {exc}", file=sys.stderr)
        return 2
    print(f"{path.stem}\n")
    print(format_parameters(params))
    return 0
