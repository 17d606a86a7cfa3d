"""Notebook parameters: read the tagged cell with ``ast``, validate values, set up a notebook's Context."""

from __future__ import annotations

import argparse
import ast
import io
import json
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.counts import has_unit, unit_not_found
from analysis.errors import ParameterError

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
    analysis.errors.ParameterError: parameter 'unit' must be str, got int 1 (write codes as strings, ...
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
        raise unit_not_found(out["unit"], units, where=where)
    return out


#: First line of the cell papermill injects after the parameters cell (tagged ``injected-parameters``).
INJECTED_MARK = "# Parameters"


def injected_names(namespace: dict[str, Any]) -> list[str]:
    r"""Return the names papermill's injected-parameters cell assigned, read from IPython's input history.

    Papermill runs a cell starting with ``# Parameters`` right after the parameters cell; IPython keeps the
    source of every cell run in ``In``.  The latest such cell is parsed (never executed again).

    Examples
    --------
    >>> injected_names({"In": ["", "year: int = 2024", "# Parameters\nyeer = 2022\nunit = '01'\n"]})
    ['yeer', 'unit']
    >>> injected_names({"year": 2024})
    []
    """
    history = namespace.get("In")
    if not isinstance(history, list):
        return []
    for source in reversed(history):
        if isinstance(source, str) and source.lstrip().startswith(INJECTED_MARK):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return []
            return [
                target.id
                for node in tree.body
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Name)
            ]
    return []


def check_injected(namespace: dict[str, Any], params: list[Param], *, where: str = "") -> None:
    """Refuse names given to the notebook (papermill ``-p``) that its parameters cell does not declare.

    Raises
    ------
    ParameterError
        Names the unknown ones and the declared ones (papermill itself only warns and runs the defaults).
    """
    known = {p.name for p in params}
    unknown = sorted(set(injected_names(namespace)) - known)
    if unknown:
        prefix = f"{where}: " if where else ""
        raise ParameterError(
            f"{prefix}unknown parameter(s) {unknown} given to this notebook; it takes {sorted(known)} "
            f"(`analysis params {where or 'NOTEBOOK'}` lists them with their types)"
        )


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
