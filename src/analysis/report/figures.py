"""Write figures (PNG, SVG, CSV) byte-identically and record them and the findings in JSON manifests."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.style
import pandas as pd
from matplotlib.figure import Figure

from analysis.plots.base import STYLE_PATH, set_title
from analysis.provenance import csv_safe_frame, git_commit, package_versions, write_bytes_atomic

#: Pixel size of every PNG comes from the figure size (inches, set by the plot) times this dpi.
PNG_DPI = 150
#: Salt of the ids matplotlib writes into SVG files: fixed, so re-runs give the same bytes.
SVG_HASHSALT = "analysis-figures"
#: Text stamped on every figure drawn from synthetic data.
SYNTHETIC_STAMP = "DỮ LIỆU TỔNG HỢP / SYNTHETIC DATA"
STAMP_GID = "synthetic-stamp"
MANIFEST = "manifest.json"
FINDINGS = "findings.json"
LOCK = ".figures.lock"
FIG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")


def stamp_synthetic(fig: Figure) -> Figure:
    """Write :data:`SYNTHETIC_STAMP` under the figure (once; calling again does nothing) and return it.

    The stamp is the figure's bottom label (``supxlabel``), so the constrained layout keeps room for it
    and it never covers data or tick labels.
    """
    current = getattr(fig, "_supxlabel", None)
    if current is not None and current.get_gid() == STAMP_GID:
        return fig
    with mpl.style.context(STYLE_PATH):
        label = fig.supxlabel(
            SYNTHETIC_STAMP,
            x=0.004,
            ha="left",
            fontsize=8,
            fontweight="bold",
            color="#D55E00",
            bbox={
                "boxstyle": "square,pad=0.25",
                "facecolor": "white",
                "edgecolor": "#D55E00",
                "linewidth": 0.8,
            },
        )
    label.set_gid(STAMP_GID)
    return fig


def figure_bytes(fig: Figure) -> dict[str, bytes]:
    """Render a figure to PNG and SVG bytes with fixed dpi, fixed SVG ids and no date metadata."""
    out = {}
    with mpl.style.context(STYLE_PATH), mpl.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        for fmt, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=PNG_DPI, metadata=meta)
            out[fmt] = buf.getvalue()
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
    if synthetic:
        stamp_synthetic(fig)
    if fig.get_suptitle() == "":
        set_title(fig, title)
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
        "parameters": dict(_context_value(context, "params", None) or {}),
        "files": files,
        "png_size_px": [round(width * PNG_DPI), round(height * PNG_DPI)],
        "inputs": list(_context_value(context, "inputs", None) or []),
        "commit": git_commit(),
        "versions": package_versions(),
        "synthetic": synthetic,
        "data": "published (real, with sources)" if real_only else ("synthetic" if synthetic else "inputs"),
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
