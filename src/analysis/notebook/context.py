"""Notebook context: the data, provenance and figure folder a notebook gets from its validated parameters."""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths
from analysis.notebook.outputs import figures_layout, official_root
from analysis.notebook.params import (
    NOTEBOOKS_ENV,
    STANDARD,
    Param,
    ParameterError,
    check_injected,
    read_parameters,
    validate,
)  # fmt: skip
from analysis.provenance import is_synthetic, list_inputs, write_bytes_atomic

#: Attribute set on a saved Figure: (PNG bytes as written, display metadata with the alt text).
SAVED_ATTR = "_analysis_saved_png"


def unit_name(counts: pd.DataFrame, unit: str) -> str:
    """Name of ``unit`` (:func:`analysis.io.crosswalk.unit_name`).

    The crosswalk module is imported on first use, not with this module.
    """
    from analysis.io.crosswalk import unit_name as name_of

    return name_of(counts, unit)


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
    def scope(self) -> pd.DataFrame:
        """The unit's Counts rows: the unit and every unit under it (:func:`analysis.counts.in_scope`)."""
        from analysis.counts import in_scope

        return in_scope(self.counts, self.unit)

    @cached_property
    def all_targets(self) -> pd.DataFrame:
        """Targets table of every unit (``analysis.io.read_targets()``), read on first use."""
        import analysis.io

        return analysis.io.read_targets()

    @cached_property
    def targets(self) -> pd.DataFrame:
        """The unit's targets for registry indicators, ready for ``analysis.stats.target_table``."""
        from analysis.stats.tables_target import unit_targets

        return unit_targets(self.all_targets, unit=self.unit, counts=self.scope)

    def banner(self) -> Any:
        """Return the page's opening banner (unit, year, synthetic warning) as IPython Markdown."""
        from IPython.display import Markdown

        from analysis import text

        return Markdown(
            text.banner(synthetic=self.synthetic, unit_name=self.unit_name, year=self.year, lang=self.lang)
        )

    def save(
        self, fig: Any, fig_id: str, *, title: str | None = None, alt: str | None = None, data: Any = None
    ) -> Any:
        """Save a figure (files + manifest entry) through ``analysis.report.figures.save_figure``; return it.

        Title, alt text and plotted data come from the figure's own caption (``analysis.plots.caption``,
        completed with the unit's name and the year) unless given here.
        """
        from analysis.plots import caption
        from analysis.report.figures import save_figure

        given = {"title": title, "alt": alt, "data": data}
        found = (
            caption(fig, unit_name=self.unit_name, year=self.year)
            if any(v is None for v in given.values())
            else given
        )
        title = found["title"] if title is None else title
        alt = found["alt"] if alt is None else alt
        data = found["data"] if data is None else data
        fig = save_figure(fig, fig_id, title=title, alt=alt, data=data, context=self)
        png = (self.figures_dir / f"{fig_id}.png").read_bytes()
        setattr(fig, SAVED_ATTR, (png, {"alt": alt}))
        return fig

    def findings(self, items: list[str]) -> Any:
        """Record key findings and return them as IPython Markdown.

        The findings are recorded by ``analysis.report.figures.record_findings``.
        """
        from IPython.display import Markdown

        from analysis.report.figures import record_findings

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


#: Suffix of the stamp that vouches for a Counts parquet validated when it was written (its sha256).
VALID_SUFFIX = ".valid.json"


def write_counts_file(path: Path, counts: pd.DataFrame) -> Path:
    """Write validated Counts as parquet, with a stamp holding the file's sha256.

    See :func:`read_counts_file`.
    """
    buf = io.BytesIO()
    counts.to_parquet(buf, index=False)
    data = buf.getvalue()
    write_bytes_atomic(path, data)
    stamp = {"sha256": hashlib.sha256(data).hexdigest(), "validated_by": "analysis.schemas.validate_counts"}
    write_bytes_atomic(path.with_name(path.name + VALID_SUFFIX), json.dumps(stamp).encode("utf-8"))
    return path


def read_counts_file(path: str | Path) -> pd.DataFrame:
    """Read a Counts parquet and validate it, unless its stamp vouches for these very bytes.

    A file written by :func:`write_counts_file` was validated before it was written, and validating what
    parquet gives back changes nothing (same types, same values); so when the stamp's sha256 is the file's,
    the check (about half a second, pandera) is not repeated.  Any other file is validated.
    """
    path = Path(path)
    data = path.read_bytes()
    df = pd.read_parquet(io.BytesIO(data))
    try:
        stamp = json.loads(path.with_name(path.name + VALID_SUFFIX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = {}
    if isinstance(stamp, dict) and stamp.get("sha256") == hashlib.sha256(data).hexdigest():
        return df
    from analysis.schemas import validate_counts

    return validate_counts(df)


def load_context_counts(*, counts_file: str, data_dir: Path) -> pd.DataFrame:
    """Read the Counts table: ``counts_file`` (parquet) when given, else every export in ``data_dir``."""
    if counts_file:
        return read_counts_file(counts_file)
    import analysis.io

    return analysis.io.load_counts(data_dir)


def _inputs_for(counts_file: str, data_dir: Path, year: int) -> list[dict[str, Any]]:
    """Return the inputs recorded by ``analysis run`` (in the set it builds), else hash them afresh."""
    root = official_root()
    candidates = [paths.OutputLayout.under(root).reports(year) / "inputs.json"] if root is not None else []
    if counts_file:
        candidates.append(Path(counts_file).with_name("inputs.json"))
    for recorded in candidates:
        if recorded.is_file():
            doc = json.loads(recorded.read_text(encoding="utf-8"))
            if Path(doc.get("data_dir", "")) == data_dir:
                return list(doc["inputs"])
    return list_inputs(data_dir)


def figure_png(fig: Any) -> tuple[bytes, dict[str, str]] | bytes:
    """Return the PNG shown for a Figure: the saved file and its alt text when saved, else a fresh render."""
    saved = getattr(fig, SAVED_ATTR, None)
    if saved is not None:
        return saved
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png")


def show_figures_inline() -> None:
    """In an IPython kernel, display matplotlib Figures returned by a cell as PNG (no pyplot needed).

    A figure saved through :meth:`Context.save` shows the very PNG that was written, with its alt text in
    the output metadata (the reviewer pages use it); others are rendered as JupyterLab's inline backend does.
    """
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - outside Jupyter
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)


def setup(namespace: dict[str, Any], notebook: str) -> Context:
    """Validate a notebook's parameter values from ``namespace`` and return its :class:`Context`.

    Reads the notebook's declared parameters (its file in ``notebooks/``; the standard ones otherwise),
    takes their current values from ``namespace`` (the notebook's ``globals()``), checks types, loads the
    Counts table once and checks that the year and unit have data. In a kernel, Figures returned by a cell
    are then displayed as PNG (so they appear in JupyterLab and on the reviewer pages).
    """
    declared = _notebook_params(notebook)
    check_injected(namespace, declared, where=notebook)
    values = {p.name: namespace[p.name] for p in declared if p.name in namespace}
    checked = validate(values, declared, where=notebook)
    layout, notice = figures_layout(str(checked.get("out_dir", "")), lang=str(checked.get("lang", "vi")))
    data_dir = ensure_sample(checked.get("data_dir", ""))
    counts = load_context_counts(counts_file=checked.get("counts_file", ""), data_dir=data_dir)
    # pandas deep-copies ``attrs`` on every operation (the list of inputs: about 1 ms each, 6 s over the
    # annual set); the context keeps the inputs and the synthetic flag itself
    counts.attrs = {}
    checked = validate(
        checked,
        declared,
        years=sorted(int(y) for y in counts["year"].unique()),
        units=sorted(str(u) for u in counts["unit_code"].unique()),
        where=notebook,
    )
    inputs = _inputs_for(checked.get("counts_file", ""), data_dir, checked["year"])
    synthetic = is_synthetic(data_dir, inputs)
    show_figures_inline()
    figures_dir = layout.figures(checked["year"], checked["unit"])
    if notice:
        _show(notice.replace("<year>/<unit>", f"{checked['year']}/{checked['unit']}")
              .replace("<năm>/<đơn vị>", f"{checked['year']}/{checked['unit']}"))  # fmt: skip
    return Context(notebook, checked, data_dir, counts, inputs, synthetic, figures_dir)


def _show(markdown: str) -> None:
    """Display ``markdown`` as the cell's output in a kernel; print it elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython is a dependency
        print(markdown)
        return
    if get_ipython() is not None:
        display(Markdown(markdown))
    else:
        print(markdown)


def code_digest() -> str:
    """Return a SHA-256 over the package's Python sources: any change to the readers invalidates the cache."""
    h = hashlib.sha256()
    for path in sorted(paths.PACKAGE_DIR.rglob("*.py")):
        h.update(path.relative_to(paths.PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def cache_key(inputs: list[dict[str, Any]]) -> str:
    """Key of the Counts cache: input files (paths and hashes) and :func:`code_digest`."""
    return hashlib.sha256(
        json.dumps([inputs, code_digest()], sort_keys=True).encode("utf-8")
    ).hexdigest()[:32]


def cached_counts(data_dir: Path, *, cache_dir: Path, inputs: list[dict[str, Any]] | None = None) -> Any:
    """Return ``analysis.io.load_counts(data_dir)``, reusing an earlier result for the same inputs and code.

    The cache key is a SHA-256 of every input file's path and content hash plus :func:`code_digest`, so a
    changed export, an added file or an edited reader recomputes. Entries are written atomically.
    ``inputs`` is ``list_inputs(data_dir)`` when the caller has it already.
    """
    path = cache_dir / f"counts-{cache_key(list_inputs(data_dir) if inputs is None else inputs)}.parquet"
    if path.is_file():
        return read_counts_file(path)
    import analysis.io  # the readers load only when the Counts must be computed
    from analysis.schemas import validate_counts

    counts = validate_counts(analysis.io.load_counts(data_dir))
    write_counts_file(path, counts)
    return counts
