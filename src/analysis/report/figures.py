"""Write figures (PNG, SVG, CSV) byte-identically and record them and the findings in JSON manifests."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import re
import textwrap
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.style
import pandas as pd
from matplotlib.figure import Figure

from analysis.paths import FINDINGS, MANIFEST, REFERENCE_FILES, TARGETS_FILE  # noqa: F401  (public name)
from analysis.plots.base import STYLE_PATH, set_title
from analysis.provenance import csv_safe_frame, git_commit, package_versions, write_bytes_atomic
from analysis.report.references import reference_inputs  # noqa: F401  (public name)

#: Pixel size of every PNG comes from the figure size (inches, set by the plot) times this dpi.
PNG_DPI = 150
#: Salt of the ids matplotlib writes into SVG files: fixed, so re-runs give the same bytes.
SVG_HASHSALT = "analysis-figures"
#: Text stamped on every figure drawn from synthetic data, in the run's language.
SYNTHETIC_STAMPS = {"vi": "DỮ LIỆU TỔNG HỢP", "en": "SYNTHETIC DATA"}
SYNTHETIC_STAMP = SYNTHETIC_STAMPS["vi"]
STAMP_GID = "synthetic-stamp"
SOURCE_GID = "source-line"
#: Shipped reference files a figure may use (``fig.analysis_inputs`` names them; see plots.base.note_inputs).
LOCK = ".figures.lock"
FIG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")
#: Colours of the source line: vermillion (boxed) when synthetic, dark grey when real.
FOOTER_COLOURS = {True: "#D55E00", False: "#444444"}


def _segments(value: str) -> list[str]:
    """Split a source string at "; " outside parentheses, dropping parenthetical remarks."""
    parts, depth, cur = [], 0, ""
    for ch in value:
        depth += ch == "("
        depth -= ch == ")"
        if ch == ";" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [re.sub(r"\s*\([^()]*\)", "", p).strip() for p in parts if p.strip()]


def target_source(value: str) -> str:
    """Short form of a target's source: who set it and the document quoting it, without remarks and paths.

    >>> target_source("HĐND tỉnh (as quoted); Hội nghị tổng kết 2023 (news; Tin); source_documents/a.txt")
    'HĐND tỉnh — Hội nghị tổng kết 2023'
    """
    kept = [p for p in _segments(value) if "/" not in p and not p.startswith("http")]
    return " — ".join(kept[:2]) or value


def source_lines(
    fig: Figure,
    *,
    lang: str,
    synthetic: bool,
    inputs: Sequence[dict] = (),
    data_dir: str | Path | None = None,
) -> list[str]:
    """Return the source line(s) printed under a figure: real sources named, synthetic data said.

    The plot function names a real source of its own (``fig.analysis_source``: published figures, the
    crosswalk); otherwise the figure comes from the run's inputs: the synthetic sample, or ``n`` export
    files of ``data_dir``.  A target drawn on the figure adds its source.
    """
    from analysis import text

    word = text.label("source_word", lang=lang)
    own = getattr(fig, "analysis_source", None)
    if own:
        lines = [f"{word}: {own}."]
    elif synthetic:
        lines = [f"{SYNTHETIC_STAMPS[lang]} — {word}: {text.label('source_synthetic', lang=lang)}."]
    else:
        folder = Path(data_dir).name if data_dir else "data"
        lines = [
            f"{word}: " + text.label("source_exports", lang=lang).format(n=len(inputs), folder=folder) + "."
        ]
    target = getattr(fig, "analysis_target_source", None)
    if target:
        lines.append(
            f"{text.label('source_target', lang=lang)}: {target_source(target)} "
            f"({TARGETS_FILE.relative_to(TARGETS_FILE.parents[2]).as_posix()})."
        )
    return lines


def add_footer(fig: Figure, lines: Sequence[str], *, synthetic: bool) -> Figure:
    """Write the source line(s) under the figure (replacing an earlier footer), boxed when synthetic.

    The footer is the figure's bottom label (``supxlabel``): the constrained layout keeps room for it, so it
    never covers data, tick labels or the legend.  Lines are wrapped to the figure's width.
    """
    width_pt = fig.get_size_inches()[0] * 72
    size = 7.5
    chars = max(40, int(width_pt / (size * 0.64)))  # bold DejaVu Sans averages about 0.6 em a letter
    wrapped = "\n".join(w for line in lines for w in (textwrap.wrap(line, chars) or [line]))
    colour = FOOTER_COLOURS[bool(synthetic)]
    with mpl.style.context(STYLE_PATH):
        label = fig.supxlabel(
            wrapped,
            x=0.006,
            ha="left",
            fontsize=size,
            fontweight="bold" if synthetic else "normal",
            color=colour,
            linespacing=1.3,
            bbox={"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": colour, "linewidth": 0.8}
            if synthetic
            else None,
        )
    label.set_gid(STAMP_GID if synthetic else SOURCE_GID)
    return fig


def stamp_synthetic(fig: Figure, *, lang: str = "vi") -> Figure:
    """Write the synthetic stamp and source line under the figure (once; calling again does nothing)."""
    current = getattr(fig, "_supxlabel", None)
    if current is not None and current.get_gid() == STAMP_GID:
        return fig
    return add_footer(fig, source_lines(fig, lang=lang, synthetic=True), synthetic=True)


def finish_figure(
    fig: Figure,
    *,
    lang: str = "vi",
    synthetic: bool = False,
    inputs: Sequence[dict] = (),
    data_dir: str | Path | None = None,
) -> Figure:
    """Add the footer of a published figure: its source line(s), and the synthetic stamp when synthetic."""
    return add_footer(
        fig,
        source_lines(fig, lang=lang, synthetic=synthetic, inputs=inputs, data_dir=data_dir),
        synthetic=synthetic,
    )


def figure_bytes(fig: Figure) -> dict[str, bytes]:
    """Render a figure to PNG and SVG bytes with fixed dpi, fixed SVG ids and no date metadata.

    The layout (constrained layout: margins from every label's extent, most of a save's time) is computed
    once and then frozen for both files, so both show the same layout.  Saving a figure that has a layout
    engine would otherwise draw it twice for the PNG (``savefig`` draws once, not rendered, to run the
    engine, then draws for real, running it again) and once more for the SVG.  Figures made at the save's
    dpi (``analysis.plots.base.MEASURE_DPI``) are laid out before saving, as ``savefig`` would lay them out;
    others keep ``savefig``'s own layout for the PNG.
    """
    from analysis.plots.axes import lay_out

    out = {}
    engine = fig.get_layout_engine()
    # with no engine and these settings off, savefig neither lays out nor draws twice, and puts back none
    frozen = {"figure.autolayout": False, "figure.constrained_layout.use": False}
    try:
        with mpl.style.context(STYLE_PATH), mpl.rc_context({"svg.hashsalt": SVG_HASHSALT}):
            if engine is not None and fig.dpi == PNG_DPI:
                lay_out(fig, fit=True)  # as savefig would: legends refitted to the width
            else:
                frozen = {}
            with mpl.rc_context(frozen):
                if frozen:
                    fig.set_layout_engine(None)
                for fmt, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
                    buf = io.BytesIO()
                    fig.savefig(buf, format=fmt, dpi=PNG_DPI, metadata=meta)
                    out[fmt] = buf.getvalue()
                    if fig.get_layout_engine() is not None:
                        fig.set_layout_engine("none")  # keep the positions the PNG's layout gave
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
    return out


def table_bytes(data: pd.DataFrame) -> bytes:
    """Return the CSV bytes (UTF-8, NFC, LF line ends, no index) of the plotted data."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be the plotted table (a DataFrame), got {type(data).__name__}")
    text = csv_safe_frame(data).to_csv(index=False, lineterminator="\n")
    return unicodedata.normalize("NFC", text).encode("utf-8")


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive file lock on ``folder`` (notebooks of one unit write there in parallel)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_json(path: Path, default: Any) -> Any:
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"file {path}: not valid JSON ({exc}); delete it to start a new one") from None


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")


def _context_value(context: Any, name: str, default: Any = None) -> Any:
    return getattr(context, name, default) if context is not None else default


def _figures_dir(context: Any, out_dir: str | Path | None) -> Path:
    folder = out_dir if out_dir is not None else _context_value(context, "figures_dir")
    if folder is None or str(folder) == "":
        raise ValueError("save_figure needs out_dir= or a context with figures_dir")
    return Path(folder)


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"save_figure refuses to save without a {name}: give {name}= a non-empty string")
    return unicodedata.normalize("NFC", value.strip())


def save_figure(
    fig: Figure,
    fig_id: str,
    *,
    title: str,
    alt: str,
    data: pd.DataFrame,
    context: Any = None,
    out_dir: str | Path | None = None,
) -> Figure:
    """Write ``<dir>/<fig_id>.png|.svg|.csv`` and record the figure in ``<dir>/manifest.json``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, as returned by a function of :mod:`analysis.plots`.
    fig_id : str
        File stem: letters, digits, ``_``, ``-`` and ``.``.
    title, alt : str
        Title (set as the figure's title when it has none) and alt text describing what the figure
        shows.  Both are required: an empty or missing one raises ``ValueError``.
    data : pandas.DataFrame
        The plotted data, written as CSV beside the images.
    context : analysis.notebook.context.Context, optional
        Supplies ``figures_dir``, ``notebook``, ``params``, ``inputs`` and ``synthetic``.  When
        ``context.synthetic`` is true the figure is stamped :data:`SYNTHETIC_STAMP` before saving,
        unless its plot function marked it as drawn only from real shipped data
        (``fig.analysis_real_data``: published rates, the crosswalk).
    out_dir : path, optional
        Folder to write to (overrides ``context.figures_dir``).

    Returns
    -------
    matplotlib.figure.Figure
        The same figure (stamped when synthetic), so a notebook cell displays it.

    Notes
    -----
    Re-running with the same inputs gives the same bytes: PNG without software metadata at
    :data:`PNG_DPI`, SVG with a fixed ``svg.hashsalt`` and no date, CSV with fixed line ends.  Each file
    is written to a temporary file and renamed; the manifest is updated under a file lock, entries
    sorted by id, so figures saved in parallel by several notebooks are all kept.
    """
    title = _check_text("title", title)
    alt = _check_text("alt", alt)
    if not isinstance(fig_id, str) or not FIG_ID.match(fig_id):
        raise ValueError(f"fig_id {fig_id!r}: use letters, digits, '_', '-' or '.' (at most 81 characters)")
    if not isinstance(fig, Figure):
        raise ValueError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    folder = _figures_dir(context, out_dir)
    # a figure drawn only from real shipped data (published rates, the crosswalk) is not synthetic,
    # even in a run on the synthetic sample; its plot function marks it
    real_only = bool(getattr(fig, "analysis_real_data", False))
    synthetic = bool(_context_value(context, "synthetic", False)) and not real_only
    params = dict(_context_value(context, "params", None) or {})
    lang = str(params.get("lang", "vi")) if str(params.get("lang", "vi")) in SYNTHETIC_STAMPS else "vi"
    run_inputs = list(_context_value(context, "inputs", None) or [])
    inputs = ([] if real_only else run_inputs) + reference_inputs(getattr(fig, "analysis_inputs", []))
    if fig.get_suptitle() == "":
        set_title(fig, title)
    finish_figure(
        fig, lang=lang, synthetic=synthetic, inputs=run_inputs, data_dir=_context_value(context, "data_dir")
    )
    blobs = figure_bytes(fig)
    blobs["csv"] = table_bytes(data)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for ext in ("png", "svg", "csv"):
        write_bytes_atomic(folder / f"{fig_id}.{ext}", blobs[ext])
        files[ext] = {"path": f"{fig_id}.{ext}", "sha256": hashlib.sha256(blobs[ext]).hexdigest()}
    width, height = fig.get_size_inches()
    entry = {
        "id": fig_id,
        "title": title,
        "alt": alt,
        "notebook": _context_value(context, "notebook"),
        "parameters": params,
        "files": files,
        "png_size_px": [round(width * PNG_DPI), round(height * PNG_DPI)],
        "inputs": inputs,
        "source": fig._supxlabel.get_text().replace("\n", " ") if fig._supxlabel is not None else "",
        "commit": git_commit(),
        "versions": package_versions(),
        "synthetic": synthetic,
        "data": "real (shipped with its sources)" if real_only else ("synthetic" if synthetic else "inputs"),
    }
    with locked(folder):
        manifest = [e for e in _read_json(folder / MANIFEST, []) if e.get("id") != fig_id]
        manifest.append(entry)
        manifest.sort(key=lambda e: str(e.get("id")))
        write_bytes_atomic(folder / MANIFEST, _json_bytes(manifest))
    return fig


def record_findings(
    items: Sequence[str],
    *,
    context: Any = None,
    out_dir: str | Path | None = None,
    notebook: str | None = None,
) -> list[str]:
    """Record a notebook's key findings in ``<dir>/findings.json`` (``{notebook: [text, ...]}``).

    Parameters
    ----------
    items : sequence of str
        The findings, built by the functions of :mod:`analysis.text` (never typed numbers).
    context : analysis.notebook.context.Context, optional
        Supplies ``figures_dir`` and ``notebook``.
    out_dir, notebook : optional
        Override the context's folder and notebook name.

    Returns
    -------
    list of str
        The findings as written (NFC).
    """
    texts = [unicodedata.normalize("NFC", str(t)) for t in items]
    if not all(t.strip() for t in texts):
        raise ValueError("record_findings: every finding must be a non-empty string")
    name = notebook or _context_value(context, "notebook")
    if not name:
        raise ValueError("record_findings needs notebook= or a context with notebook")
    folder = _figures_dir(context, out_dir)
    with locked(folder):
        found = _read_json(folder / FINDINGS, {})
        found[str(name)] = texts
        write_bytes_atomic(folder / FINDINGS, _json_bytes(found))
    return texts
