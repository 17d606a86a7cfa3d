"""What the reviewer pages and the index share: JSON and unit names, page language and titles, figure copies.

Figures a page or the index shows are copied from the figure folder into ``<unit>/figures/`` beside the pages
(:func:`copy_figures`), so every link of the site stays inside the year's folder.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from analysis.provenance import write_text_atomic
from analysis.report.banner import NAV_END, NAV_START, SYNTHETIC_TEXTS

TEMPLATES_DIR = Path(__file__).with_name("templates")
#: Folder, beside each unit's pages, holding copies of the figures they show (so the site travels).
FIGURES_SUBDIR = "figures"


def read_json(path: Path, default: Any) -> Any:
    """Return the JSON document at ``path``, or ``default`` when the file is absent or unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return default


def unit_names(counts_file: Path, units: list[str] = ()) -> dict[str, str]:
    """Map unit code -> unit name from a Counts parquet; ``units`` without rows get the crosswalk name."""
    if not Path(counts_file).is_file():
        return {}
    import pandas as pd

    df = pd.read_parquet(counts_file, columns=["unit_code", "unit_name"]).drop_duplicates("unit_code")
    names = dict(zip(df["unit_code"].astype(str), df["unit_name"].astype(str), strict=True))
    missing = [unit for unit in units if unit not in names]
    if missing:  # the crosswalk (and the readers it imports, 0.3 s) only when a unit has no rows
        from analysis.io.crosswalk import unit_name

        for unit in missing:
            names[unit] = unit_name(df, unit)
    return names


def page_lang(params: dict[str, Any]) -> str:
    """Return the page's language: the notebook's ``lang`` parameter (``vi`` when absent or unknown)."""
    lang = str(params.get("lang", "vi"))
    return lang if lang in SYNTHETIC_TEXTS else "vi"


def notebook_title(nb: Any, lang: str, default: str) -> str:
    """Return the first level-1 heading among the Markdown cells shown in ``lang`` (else ``default``)."""
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "markdown" or any(t.startswith("lang-") and t != f"lang-{lang}" for t in tags):
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return default


def css() -> str:
    """Return the reviewer stylesheet (inlined in every page and the index)."""
    return (TEMPLATES_DIR / "reviewer.css").read_text(encoding="utf-8")


def copy_figures(fig_dir: Path, dest: Path, entries: list[dict[str, Any]]) -> dict[str, dict[str, Path]]:
    """Copy the files of ``entries`` (PNG, SVG, CSV) from ``fig_dir`` into ``dest``; return their copies."""
    from analysis.provenance import write_bytes_atomic

    out: dict[str, dict[str, Path]] = {}
    for e in entries:
        files = e.get("files") or {}
        items = files.items() if isinstance(files, dict) else [(None, f) for f in files]
        for kind, value in items:
            name = (value.get("path") or value.get("file")) if isinstance(value, dict) else value
            if not name:
                continue
            src = fig_dir / Path(str(name)).name
            if src.is_file():
                target = dest / src.name
                if not target.is_file() or target.read_bytes() != src.read_bytes():
                    write_bytes_atomic(target, src.read_bytes())
                out.setdefault(str(e.get("id")), {})[kind or src.suffix.lstrip(".")] = target
    return out


def figure_entries(fig_dir: Path, notebook: str | None = None) -> list[dict[str, Any]]:
    """Manifest entries of ``fig_dir`` (of ``notebook`` when given), sorted by id."""
    manifest = read_json(Path(fig_dir) / "manifest.json", [])
    entries = manifest.get("figures", []) if isinstance(manifest, dict) else manifest
    return sorted(
        (e for e in entries if notebook is None or e.get("notebook") in (None, notebook)),
        key=lambda e: str(e.get("id", "")),
    )


def page_title(ipynb: Path, lang: str) -> str:
    """Return the title of an executed notebook in ``lang`` (its file name when it cannot be read).

    Only the Markdown cells are read, from the JSON as it is: an executed notebook holds up to 1.3 MB of
    outputs, and ``nbformat.read`` validates them all against the schema (30 ms a notebook; the index and
    every page ask for the titles of all a unit's notebooks).  Remembered while the file is unchanged.
    """
    try:
        stat = Path(ipynb).stat()
    except OSError:
        return ipynb.stem
    return _page_title(str(ipynb), stat.st_mtime_ns, stat.st_size, lang)


@functools.lru_cache(maxsize=256)
def _page_title(ipynb: str, _mtime_ns: int, _size: int, lang: str) -> str:
    import nbformat

    stem = Path(ipynb).stem
    try:
        doc = json.loads(Path(ipynb).read_text(encoding="utf-8"))
        cells = [  # nbformat writes a source as a list of lines
            {**c, "source": "".join(c.get("source") or [])}
            for c in doc["cells"]
            if isinstance(c, dict) and c.get("cell_type") == "markdown"
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return stem
    return notebook_title(nbformat.from_dict({"cells": cells}), lang, stem)


def set_nav(page: Path, nav: str) -> None:
    """Replace the navigation block of a written page (between :data:`NAV_START` and :data:`NAV_END`)."""
    text = page.read_text(encoding="utf-8")
    new = re.sub(re.escape(NAV_START) + ".*?" + re.escape(NAV_END), lambda _m: nav, text, count=1, flags=re.S)
    if new != text:
        write_text_atomic(page, new)
