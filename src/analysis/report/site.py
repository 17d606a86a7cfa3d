"""Reviewer pages: an executed notebook as offline HTML without code, in its language, with a banner.

A page (``<reports>/<year>/<unit>/<notebook>.html``) shows the notebook's outputs only, the Markdown cells of
its language (cells tagged ``lang-vi`` / ``lang-en``; untagged cells are shown in both), and on top a banner:
title, links to the index and the other pages, the synthetic warning, the parameters, every input file
behind the page with its sha256 (exports, and the shipped published figures, targets and crosswalk it read),
and for each figure whether it is drawn from real or synthetic data.  All HTML is cleaned by
:func:`analysis.report.sanitize.clean_html` after Markdown rendering.  The year's index is built by
:mod:`analysis.report.index` (re-exported here).
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.provenance import git_commit, is_synthetic, package_versions, write_text_atomic
from analysis.report.banner import (  # noqa: F401 - public names
    NAV_END,
    NAV_START,
    SYNTHETIC_TEXTS,
    _table,
    banner_html,
    nav_html,
)
from analysis.report.common import (  # noqa: F401 - public names
    FIGURES_SUBDIR,
    TEMPLATES_DIR,
    copy_figures,
    css,
    figure_entries,
    notebook_title,
    page_lang,
    page_title,
    read_json,
    set_nav,
    unit_names,
)
from analysis.report.index import index_html, write_index  # noqa: F401 - the year's index
from analysis.report.sanitize import EXTERNAL_REF, check_offline, clean_html, esc  # noqa: F401 - public names

#: Packages whose versions are printed in every banner.
VERSION_PACKAGES = (
    "analysis",
    "pandas",
    "numpy",
    "duckdb",
    "statsmodels",
    "scipy",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
)
#: The synthetic warning, per language (``SYNTHETIC_TEXT`` is the Vietnamese one).
SYNTHETIC_TEXT = SYNTHETIC_TEXTS["vi"]
FIGURE_KINDS = ("png", "svg", "csv")
#: Shipped reference files, and the notebook code that reads them (an assumption: these calls are the only
#: ways the notebooks read them; figures also record what they used in the manifest).
REFERENCE_READS = {
    "targets": ("P.targets", "read_targets", "all_targets"),
    "published": ("read_published",),
    "crosswalk": ("read_crosswalk", "to_2025_units"),
}


def merge_results(previous: list[dict[str, Any]], current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep earlier runs of other (notebook, unit) pairs whose notebook is still on disk; current ones win.

    Examples
    --------
    >>> old = [{"notebook": "a", "unit": "01", "output": ""}, {"notebook": "a", "unit": "77", "output": ""}]
    >>> [(r["notebook"], r["unit"]) for r in merge_results(old, [{"notebook": "a", "unit": "77"}])]
    [('a', '77')]
    """
    done = {(r["notebook"], r["unit"]) for r in current}
    kept = [
        r
        for r in previous
        if (r.get("notebook"), r.get("unit")) not in done and r.get("output") and Path(r["output"]).is_file()
    ]
    return sorted([*kept, *current], key=lambda r: (str(r["unit"]), str(r["notebook"])))


def reference_inputs_read(nb: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the shipped reference files behind a page: recorded by its figures, or read by its code.

    The code is searched for the calls of :data:`REFERENCE_READS`.
    """
    from analysis.report.references import reference_inputs

    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    kinds = [k for k, calls in REFERENCE_READS.items() if any(call in code for call in calls)]
    kinds += [
        i["kind"] for e in entries for i in e.get("inputs", []) if i.get("kind") and i["kind"] not in kinds
    ]
    return reference_inputs(kinds)


@functools.lru_cache(maxsize=4)
def _exporter(lang: str) -> Any:
    """Return the page exporter of ``lang``, made once per process and kept.

    It compiles its ten Jinja templates when first used (0.2 s of a 0.5-s page) and keeps them, as
    nbconvert's own command line does for many notebooks.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    other = "en" if lang == "vi" else "vi"
    exporter = HTMLExporter(
        template_name="lab",
        template_file="reviewer.html.j2",
        extra_template_paths=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        sanitize_html=True,
        language_code=lang,
        filters={"clean_html": clean_html},
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={f"lang-{other}"}), enabled=True)
    return exporter


def render_notebook(
    ipynb: Path,
    out: Path,
    *,
    status: str = "ok",
    error: str = "",
    parameters: dict[str, Any] | None = None,
    inputs_file: Path | None = None,
    figures_dir: Path | None = None,
) -> Path:
    """Write an executed notebook as a reviewer page: outputs only (no code, no prompts), banner on top.

    Parameters default to the notebook's papermill record; the page's language is its ``lang``.  Export
    inputs come from ``inputs_file`` (default: ``inputs.json`` of the year's folder, written by
    ``analysis run``); figures from ``figures_dir`` (default: the layout's folder for the notebook's
    ``out_dir``, year and unit), whose files are copied beside the page (``figures/``) so the folder can be
    copied anywhere.  HTML is cleaned after Markdown rendering, and the page is checked to load nothing
    from the network.
    """
    import nbformat

    ipynb, out = Path(ipynb), Path(out)
    nb = nbformat.read(ipynb, as_version=4)
    pm = nb.metadata.get("papermill", {})
    params = dict(parameters if parameters is not None else pm.get("parameters", {}))
    lang = page_lang(params)
    reports = out.parent.parent
    doc = read_json(inputs_file or reports / "inputs.json", {})
    unit = str(params.get("unit", ipynb.parent.name))
    year = params.get("year", reports.name)
    names = unit_names(reports / "counts.parquet", [unit])
    if figures_dir is None:
        root = Path(params["out_dir"]) if params.get("out_dir") else paths.FIGURES_DIR
        figures_dir = paths.OutputLayout(figures_root=root).figures(int(year), unit)
    entries = figure_entries(Path(figures_dir), ipynb.stem)
    copies = copy_figures(Path(figures_dir), out.parent / FIGURES_SUBDIR, entries)
    fig_links = {
        fid: " · ".join(
            f'<a href="{FIGURES_SUBDIR}/{esc(p.name)}">{esc(k.upper())}</a>' for k, p in sorted(c.items())
        )
        for fid, c in copies.items()
    }
    heading = notebook_title(nb, lang, ipynb.stem)
    title = " · ".join(str(v) for v in (heading, names.get(unit, unit), year) if str(v))
    exports = list(doc.get("inputs", []))
    inputs = exports + reference_inputs_read(nb, entries)
    # synthetic exports make the page's tables and findings synthetic too, whatever its figures are
    kinds = {bool(e.get("synthetic")) for e in entries} | (
        {True} if is_synthetic(None, exports) or doc.get("synthetic") else set()
    )
    synthetic: bool | str = "mixed" if kinds == {True, False} else (True in kinds)
    pages = [
        (p.with_suffix(".html").name, page_title(p, lang))
        for p in sorted(out.parent.glob("*.ipynb"))
        if not p.name.endswith(".part.ipynb")
    ]
    banner = banner_html(
        title=title,
        parameters=params,
        inputs=inputs,
        synthetic=synthetic,
        commit=git_commit(),
        versions=package_versions(),
        run_date=dt.date.today().isoformat(),
        status=status,
        error=error,
        lang=lang,
        figures=entries,
        fig_links=fig_links,
        nav=nav_html(lang=lang, year=year, pages=pages, current=out.name),
    )
    body, _ = _exporter(lang).from_notebook_node(
        nb, resources={"reviewer_banner": banner, "reviewer_css": css(), "metadata": {"name": title}}
    )
    check_offline(body, where=str(out))
    write_text_atomic(out, body)
    return out
