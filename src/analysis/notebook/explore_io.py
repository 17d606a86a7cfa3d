"""The explorer's input and output: read the data once, render a chart for display, save to scratch.

Saved charts go to ``scratch/explore/<year>/<unit>/`` (git-ignored) through
``analysis.report.figures.save_figure`` with their provenance; never to ``figures/`` or ``reports/``, which
only ``analysis run`` writes.  Errors become one short line (:func:`short_message`).
"""

from __future__ import annotations

import io
from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from analysis import paths, plots
from analysis.errors import InputError, ParameterError
from analysis.notebook.explore_choices import Selection
from analysis.provenance import is_synthetic, list_inputs, sha256_file

#: Where saved charts go: ``<SCRATCH_DIR>/<year>/<unit>/`` (git-ignored, never the official figures/).
SCRATCH_DIR = paths.ROOT / "scratch" / "explore"
#: Where the Counts table read from a data folder is cached (keyed by the inputs' hashes and the code).
CACHE_DIR = paths.PROCESSED_DIR / "explore"
#: Image format of the charts shown in the notebook (the save button writes PNG, SVG and CSV).
DISPLAY_FORMAT = "svg+xml"
#: Errors shown as a short message in the explorer (anything else is shown with its type, still short).
SHORT_ERRORS = (InputError, ParameterError, ValueError, KeyError, OSError)
#: How many computed parts (figure, PNG, table) are kept, so going back to a selection is instant.
CACHE_SIZE = 32
#: How many statistics (year-over-year, trend and funnel tables) are kept, so a change of language or chart
#: recomputes none (each is a small table).
STATS_CACHE_SIZE = 256
#: Longest error message shown.
MAX_MESSAGE = 400


class Kept(OrderedDict):
    """A dictionary that keeps the ``size`` entries used last (least recently used dropped first)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key: Any, make: Any) -> Any:
        """Return the entry for ``key``, else ``make()`` kept under ``key``."""
        if key in self:
            self.move_to_end(key)
            return self[key]
        found = self[key] = make()
        while len(self) > self.size:
            self.popitem(last=False)
        return found


def short_message(exc: BaseException) -> str:
    r"""Return one short line for an error: its message (first line, cut), without a traceback.

    >>> short_message(ValueError("no data for year 2031\nmore"))
    'no data for year 2031'
    >>> short_message(ZeroDivisionError("division by zero"))
    'ZeroDivisionError: division by zero'
    """
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    message = (message.strip().splitlines() or [type(exc).__name__])[0]
    if not isinstance(exc, SHORT_ERRORS):
        message = f"{type(exc).__name__}: {message}"
    return message[:MAX_MESSAGE] + ("…" if len(message) > MAX_MESSAGE else "")


#: Text sizes measured for the SVG images: (text, font properties, fonts) -> (width, height, descent).
_SVG_TEXT_SIZES: dict[tuple, tuple[float, float, float]] = {}
#: Most entries kept (tick labels, unit names, legends: a few thousand texts in a long session).
_SVG_TEXT_SIZES_MAX = 20_000


def _svg_canvas_class() -> type:
    """Return an SVG canvas whose renderer measures each plain text once per session (same sizes, faster).

    Matplotlib's SVG renderer measures every text it draws with FreeType (``TextToPath``), a fresh renderer
    for every image: the tick labels, names and legend texts of one chart are measured again for the next,
    about a fifth of an image's time.  The size of a text depends only on the text, its font properties
    and the font files they resolve to, all in the key.  Mathtext and TeX are measured as before.
    """
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
    from matplotlib.font_manager import fontManager

    class MeasuredRendererSVG(RendererSVG):
        def get_text_width_height_descent(self, s, prop, ismath):  # noqa: D102 - matplotlib API
            if ismath:
                return super().get_text_width_height_descent(s, prop, ismath)
            fonts = tuple(str(f) for f in fontManager._find_fonts_by_props(prop))
            key = (s, prop.copy(), fonts)
            found = _SVG_TEXT_SIZES.get(key)
            if found is None:
                if len(_SVG_TEXT_SIZES) >= _SVG_TEXT_SIZES_MAX:
                    _SVG_TEXT_SIZES.clear()
                found = _SVG_TEXT_SIZES[key] = super().get_text_width_height_descent(s, prop, ismath)
            return found

    class MeasuredCanvasSVG(FigureCanvasSVG):
        def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **_ignored):  # noqa: D102
            # FigureCanvasSVG.print_svg (matplotlib 3.10-3.11) with the renderer above, to a binary buffer;
            # print_figure passes dpi, facecolor, edgecolor and orientation to methods outside matplotlib
            # (set on the figure already; the SVG method does not take them)
            fh = io.TextIOWrapper(filename, encoding="utf-8", newline="\n")
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            w, h = width * 72, height * 72
            renderer = MixedModeRenderer(
                self.figure, width, height, dpi,
                MeasuredRendererSVG(w, h, fh, image_dpi=dpi, metadata=metadata),
                bbox_inches_restore=bbox_inches_restore,
            )  # fmt: skip
            self.figure.draw(renderer)
            renderer.finalize()
            fh.detach()

    return MeasuredCanvasSVG


def figure_image(fig: Any) -> bytes:
    """Render a figure of :mod:`analysis.plots` to SVG bytes for display, under the project style.

    SVG keeps the text as text (the browser draws it, sharp at any width) and renders in about half the
    time of a PNG; the save button writes PNG and SVG through ``analysis.report.figures.save_figure``.
    The bytes are those of ``fig.savefig(format="svg")``; texts are measured once per session.
    """
    import matplotlib as mpl

    global _SVG_CANVAS
    if _SVG_CANVAS is None:
        _SVG_CANVAS = _svg_canvas_class()
    buf = io.BytesIO()
    canvas = fig.canvas
    with plots.style_context(), mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "explore"}):
        try:
            _SVG_CANVAS(fig).print_figure(buf, format="svg", metadata={"Date": None})
        finally:
            fig.set_canvas(canvas)  # the figure keeps its own (Agg) canvas, as savefig leaves it
    return buf.getvalue()


_SVG_CANVAS: type | None = None


def check_scratch(folder: str | Path) -> Path:
    """Return ``folder`` resolved, refusing the official figure and report folders (``analysis run`` only)."""
    from analysis.notebook.outputs import is_official_folder

    path = Path(folder).resolve()
    if is_official_folder(Path(folder).absolute()):  # figures/, and releases/ (sets being built)
        raise ParameterError(
            f"scratch folder {path} is an official set: it is written only by `analysis run`; save "
            "explorations under scratch/"
        )
    for official in (paths.FIGURES_DIR, paths.REPORTS_DIR):
        if path == official.resolve() or path.is_relative_to(official.resolve()):
            raise ParameterError(
                f"scratch folder {path} is inside {official}: the official set is written only by "
                "`analysis run`; save explorations under scratch/"
            )
    return path


def read_counts(data_dir: str = "", counts_file: str = "") -> tuple[pd.DataFrame, Path, list[dict]]:
    """Read the Counts table once: the Counts parquet ``counts_file``, else every export in ``data_dir``.

    An empty ``data_dir`` means the shipped SYNTHETIC sample (written when absent).  Returns the table,
    the data folder and its inputs (relative path, sha256, synthetic flag) for the provenance of saves.
    """
    from analysis.notebook.context import cached_counts, ensure_sample, load_context_counts

    folder = ensure_sample(data_dir)
    if counts_file:
        if not Path(counts_file).is_file():
            raise ParameterError(f"counts_file {counts_file!r}: file not found")
        counts = load_context_counts(counts_file=counts_file, data_dir=folder)
        synthetic = is_synthetic(folder) or is_synthetic(Path(counts_file).parent)
        inputs = [{"path": str(Path(counts_file).resolve()), "sha256": sha256_file(counts_file),
                   "synthetic": synthetic}]  # fmt: skip
        return counts, folder, inputs
    counts = cached_counts(folder, cache_dir=CACHE_DIR)
    return counts, folder, list_inputs(folder)


def read_targets() -> pd.DataFrame | None:
    """Return the shipped targets table (``analysis.io.read_targets``), or None when it cannot be read.

    Targets are optional in the explorer: without them the trend chart is drawn without its target line.
    """
    try:
        import analysis.io

        return analysis.io.read_targets()
    except (InputError, OSError, ValueError):
        return None


def save_charts(
    figures: dict[str, Any],
    sel: Selection,
    *,
    unit_name: str,
    scratch_dir: str | Path,
    params: dict[str, Any],
    inputs: list[dict],
    synthetic: bool,
) -> Path:
    """Write each figure (PNG, SVG, CSV) and its manifest entry to ``<scratch_dir>/<year>/<unit>/``.

    The entry (``analysis.report.figures.save_figure``) records the selection and ``params``, every input
    with its sha256, the commit, package versions and the synthetic flag; a synthetic figure is stamped.
    File names are ``<indicator>-<kind>``; saving the same selection again replaces its files.
    """
    from analysis.report.figures import save_figure

    root = check_scratch(scratch_dir)
    folder = paths.OutputLayout(figures_root=root).figures(sel.last_year, sel.unit)
    context = SimpleNamespace(
        notebook="explore", params={**sel.as_dict(), **params}, inputs=inputs, synthetic=synthetic
    )
    for kind, fig in figures.items():
        cap = plots.caption(fig, unit_name=unit_name, year=sel.last_year)
        save_figure(fig, f"{sel.indicator}-{kind}", title=cap["title"], alt=cap["alt"],
                    data=cap["data"], context=context, out_dir=folder)  # fmt: skip
    return folder
