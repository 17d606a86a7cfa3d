"""The year's index page and a site that travels: figures copied in, relative links, world-readable files.

``write_index(reports)`` writes ``<reports>/index.html`` in the run's language (every notebook and unit with
its status, key findings and figures), copies every figure it shows into ``<reports>/<unit>/figures/`` so
that no link leaves the folder, refreshes the navigation of every page, and sets files to 0644 and folders
to 0755: the year's folder can be copied to a file share or a web server as it is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.provenance import DIR_MODE, FILE_MODE, git_commit, write_text_atomic
from analysis.report import common
from analysis.report.banner import SYNTHETIC_TEXTS, _table, nav_html
from analysis.report.sanitize import check_offline, esc
from analysis.report.words import word


def _rel(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def run_lang(reports: Path, results: list[dict[str, Any]]) -> str:
    """Return the run's language: ``lang`` of ``runs.json``, else the first executed notebook's ``lang``."""
    doc = common.read_json(reports / "runs.json", {})
    if doc.get("lang") in SYNTHETIC_TEXTS:
        return doc["lang"]
    import nbformat

    for r in results:
        out = Path(r.get("output") or "")
        if out.is_file():
            try:
                params = nbformat.read(out, as_version=4).metadata.get("papermill", {}).get("parameters", {})
            except (OSError, ValueError):
                continue
            return common.page_lang(params)
    return "vi"


def figures_html(
    entries: list[dict[str, Any]], copies: dict[str, dict[str, Path]], start: Path, *, lang: str
) -> str:
    """Thumbnails of the figures (copied into the site), each with its title, data kind and file links."""
    cards = []
    for entry in entries:
        files = copies.get(str(entry.get("id")), {})
        img = ""
        if "png" in files:
            src, alt = esc(_rel(files["png"], start)), esc(entry.get("alt", ""))
            img = f'<img src="{src}" alt="{alt}" loading="lazy">'
        links = " · ".join(
            f'<a href="{esc(_rel(p, start))}">{esc(k.upper())}</a>' for k, p in sorted(files.items())
        )
        kind = word("fig_synthetic" if entry.get("synthetic") else "real", lang)
        cards.append(
            f'<figure class="rv-figure">{img}<figcaption>{esc(entry.get("title", ""))}<br>'
            f"<small>{esc(word('data', lang))}: {esc(kind)}</small><br>{links}</figcaption></figure>"
        )
    return (
        f'<div class="rv-figures">{"".join(cards)}</div>'
        if cards
        else f"<p>{esc(word('no_figures', lang))}</p>"
    )


def _titles(results: list[dict[str, Any]], lang: str) -> dict[str, str]:
    out = {}
    for r in results:
        path = Path(r.get("output") or "")
        if r["notebook"] not in out:
            out[r["notebook"]] = common.page_title(path, lang) if path.is_file() else r["notebook"]
    return out


def index_html(reports: Path, *, figures_root: Path = paths.FIGURES_DIR, lang: str | None = None) -> str:
    """Return the year's index page: every notebook and unit with status, key findings and figures.

    Figures are copied into ``<reports>/<unit>/figures/`` (see :func:`analysis.report.common.copy_figures`),
    so the page's links stay inside ``reports``.
    """
    runs = common.read_json(reports / "runs.json", {"results": []})
    doc = common.read_json(reports / "inputs.json", {})
    results = runs.get("results", [])
    lang = lang or run_lang(reports, results)
    names = common.unit_names(reports / "counts.parquet", [str(r["unit"]) for r in results])
    year = runs.get("year", reports.name)
    titles = _titles(results, lang)
    rows = []
    for r in results:
        ok = r.get("status") == "ok"
        status = (
            f'<span class="ok">{esc(word("ok", lang))}</span>'
            if ok
            else f'<span class="failed">{esc(word("failed", lang))}</span>'
        )
        page = Path(r.get("html") or reports / r["unit"] / f"{r['notebook']}.html")
        links = []
        for key, path in (
            ("page", page),
            ("ipynb", Path(r.get("output", ""))),
            ("log", Path(r.get("log", ""))),
        ):
            if str(path) not in ("", ".") and path.is_file():
                links.append(f'<a href="{esc(_rel(path, reports))}">{esc(word(key, lang))}</a>')
        name = esc(titles.get(r["notebook"], r["notebook"]))
        if page.is_file():
            name = f'<a href="{esc(_rel(page, reports))}">{name}</a>'
        rows.append(
            (
                name,
                f"{esc(r['unit'])} {esc(names.get(r['unit'], ''))}",
                status,
                f"{float(r.get('seconds', 0)):.1f}",
                " · ".join(links),
                esc((r.get("error") or "").split("\n")[0]),
            )
        )
    parts = [f'<main class="rv-index"><h1>{esc(word("site", lang))} · {esc(year)}</h1>']
    if doc.get("synthetic"):
        parts.append(
            f'<div class="rv-synthetic">{esc(SYNTHETIC_TEXTS[lang])}<br>'
            f"<small>{esc(word('synthetic_note', lang))}</small></div>"
        )
    n_failed = sum(r.get("status") != "ok" for r in results)
    parts.append(
        "<p>"
        + word(
            "runs",
            lang,
            n=len(results),
            failed=n_failed,
            commit=f"<code>{esc(git_commit())}</code>",
            started=esc(runs.get("started", "")),
        )
        + "</p>"
    )
    parts.append(f"<p>{esc(word('how_to_read', lang))}</p>")
    head = tuple(word(k, lang) for k in ("notebook", "unit", "status", "seconds", "links", "error"))
    parts.append(_table(rows, head))
    layout = paths.OutputLayout(figures_root=figures_root)
    for unit in dict.fromkeys(str(r["unit"]) for r in results):
        fig_dir = layout.figures(int(year), unit)
        entries = common.figure_entries(fig_dir)
        copies = common.copy_figures(fig_dir, reports / unit / common.FIGURES_SUBDIR, entries)
        parts.append(f"<h2>{esc(unit)} {esc(names.get(unit, ''))}</h2>")
        findings = common.read_json(fig_dir / "findings.json", {})
        if findings:
            parts.append(f"<h3>{esc(word('findings', lang))}</h3>")
            for nb, items in sorted(findings.items()):
                lis = "".join(f"<li>{esc(i)}</li>" for i in (items if isinstance(items, list) else [items]))
                parts.append(f"<h4>{esc(titles.get(nb, nb))}</h4><ul>{lis}</ul>")
        parts.append(
            f"<h3>{esc(word('figures', lang, n=len(entries)))}</h3>"
            + figures_html(entries, copies, reports, lang=lang)
        )
    parts.append("</main>")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        '<link rel="icon" href="data:,">'
        f"<title>{esc(word('site', lang))} · {esc(year)}</title><style>{common.css()}</style></head><body>"
        + "".join(parts)
        + "</body></html>\n"
    )


def refresh_navigation(reports: Path, results: list[dict[str, Any]], *, lang: str) -> None:
    """Give every page of the run links to the index and to all pages of its unit (now that all exist)."""
    year = reports.name
    by_unit: dict[str, list[tuple[Path, str]]] = {}
    titles = _titles(results, lang)
    for r in results:
        page = Path(r.get("html") or reports / r["unit"] / f"{r['notebook']}.html")
        if page.is_file():
            by_unit.setdefault(str(r["unit"]), []).append((page, titles.get(r["notebook"], r["notebook"])))
    for pages in by_unit.values():
        listed = sorted((p.name, t) for p, t in pages)
        for page, _ in pages:
            common.set_nav(page, nav_html(lang=lang, year=year, pages=listed, current=page.name))


def make_world_readable(folder: Path) -> None:
    """Set every file under ``folder`` to 0644 and every folder to 0755 (so a web server can serve them)."""
    folder = Path(folder)
    os.chmod(folder, DIR_MODE)
    for root, dirs, files in os.walk(folder):
        for d in dirs:
            os.chmod(Path(root) / d, DIR_MODE)
        for f in files:
            path = Path(root) / f
            if not path.is_symlink():
                os.chmod(path, FILE_MODE)


def write_index(reports: Path, *, figures_root: Path = paths.FIGURES_DIR, lang: str | None = None) -> Path:
    """Write ``<reports>/index.html`` (atomically), make the folder self-contained; return the index's path.

    Parameters
    ----------
    reports : pathlib.Path
        The year's site folder (``OutputLayout.reports(year)``, or a staging folder in its place).
    figures_root : pathlib.Path
        Root of the figure folders (``OutputLayout.figures_root``).
    lang : {"vi", "en"}, optional
        The run's language (``analysis run --lang``); by default the ``lang`` recorded in ``runs.json``, else
        the executed notebooks' ``lang`` parameter.
    """
    reports = Path(reports)
    results = common.read_json(reports / "runs.json", {"results": []}).get("results", [])
    lang = lang or run_lang(reports, results)
    text = index_html(reports, figures_root=figures_root, lang=lang)
    check_offline(text, where=str(reports / "index.html"))
    out = reports / "index.html"
    write_text_atomic(out, text)
    refresh_navigation(reports, results, lang=lang)
    make_world_readable(reports)
    return out
