"""Reviewer site: executed notebooks as offline HTML without code, with a provenance banner; the index."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.provenance import git_commit, is_synthetic, package_versions, write_text_atomic

TEMPLATES_DIR = Path(__file__).with_name("templates")
#: Packages whose versions are printed in every banner.
VERSION_PACKAGES = (
    "analysis", "pandas", "numpy", "duckdb", "statsmodels", "scipy", "matplotlib", "seaborn", "papermill",
    "nbconvert",
)  # fmt: skip
SYNTHETIC_TEXT = "SYNTHETIC DATA / DỮ LIỆU TỔNG HỢP"
SYNTHETIC_NOTE = (
    "Numbers and figures on this page come from the synthetic sample province, not from real records. / "
    "Số liệu và biểu đồ trên trang này lấy từ tỉnh mẫu tổng hợp, không phải số liệu thật."
)
#: Anything that would make a page fetch from the network: refused in the written HTML.
EXTERNAL_REF = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
FIGURE_KINDS = ("png", "svg", "csv")
#: Markup kept in Markdown and HTML outputs; anything else (script, iframe, event handlers) is escaped.
SAFE_TAGS = (
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li",
    "ol", "p", "pre", "small", "span", "strong", "style", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
)  # fmt: skip
SAFE_ATTRIBUTES = {
    "*": ["class", "id", "title", "style", "align"],
    "a": ["href", "name", "title"],
    "img": ["src", "alt", "width", "height"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan"],
    "style": ["scoped", "type"],
}


def esc(value: Any) -> str:
    """Escape any value for HTML text or attributes.

    Examples
    --------
    >>> esc("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return html.escape(str(value), quote=True)


def read_json(path: Path, default: Any) -> Any:
    """Return the JSON document at ``path``, or ``default`` when the file is absent or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return default


def unit_names(counts_file: Path, units: list[str] = ()) -> dict[str, str]:
    """Map unit code -> unit name from a Counts parquet; ``units`` without rows get the crosswalk name."""
    if not counts_file.is_file():
        return {}
    import pandas as pd

    from analysis.io.crosswalk import unit_name

    df = pd.read_parquet(counts_file, columns=["unit_code", "unit_name"]).drop_duplicates("unit_code")
    names = dict(zip(df["unit_code"].astype(str), df["unit_name"].astype(str), strict=True))
    for unit in units:
        if unit not in names:
            names[unit] = unit_name(df, unit)
    return names


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


def _table(rows: list[tuple[Any, ...]], head: tuple[str, ...]) -> str:
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def banner_html(
    *,
    title: str,
    parameters: dict[str, Any],
    inputs: list[dict[str, Any]],
    synthetic: bool,
    commit: str,
    versions: dict[str, str],
    run_date: str,
    status: str = "ok",
    error: str = "",
) -> str:
    """Return the banner shown at the top of a page (every value escaped).

    Examples
    --------
    >>> b = banner_html(title="<b>", parameters={"unit": "01"}, inputs=[], synthetic=True, commit="abc",
    ...                 versions={}, run_date="2026-01-01")
    >>> "DỮ LIỆU TỔNG HỢP" in b and "&lt;b&gt;" in b and "<b>" not in b
    True
    """
    parts = [f'<header class="rv-banner" id="rv-banner"><h1>{esc(title)}</h1>']
    if synthetic:
        parts.append(
            f'<div class="rv-synthetic">{esc(SYNTHETIC_TEXT)}<br><small>{esc(SYNTHETIC_NOTE)}</small></div>'
        )
    if status != "ok":
        parts.append(f'<div class="rv-status-failed">FAILED / LỖI: {esc(error or "see the log")}</div>')
    params = [(esc(k), f"<code>{esc(repr(v))}</code>") for k, v in parameters.items()]
    parts.append("<details open><summary>Parameters / Tham số</summary>" + _table(params, ("name", "value")))
    parts.append("</details>")
    src = [
        (f"<code>{esc(i.get('path', ''))}</code>", f"<code>{esc(i.get('sha256', ''))}</code>",
         "yes" if i.get("synthetic") else "no")
        for i in inputs
    ]  # fmt: skip
    parts.append(
        f"<details><summary>Data sources / Nguồn dữ liệu ({len(inputs)} files"
        f"{', synthetic' if synthetic else ''})</summary>"
        + _table(src, ("file", "sha256", "synthetic"))
        + "</details>"
    )
    vers = ", ".join(f"{esc(k)} {esc(v)}" for k, v in versions.items())
    parts.append(
        f"<p>Commit <code>{esc(commit)}</code> · run date {esc(run_date)} · versions: {vers}</p></header>"
    )
    return "".join(parts)


def _css() -> str:
    return (TEMPLATES_DIR / "reviewer.css").read_text(encoding="utf-8")


def check_offline(text: str, *, where: str) -> None:
    """Raise ``ValueError`` when ``text`` references a script, style, font or image on the network."""
    found = EXTERNAL_REF.search(text) or re.search(r"@import\s+url\(\s*['\"]?https?:", text, re.IGNORECASE)
    if found:
        snippet = text[max(0, found.start() - 40) : found.end() + 40]
        raise ValueError(f"{where}: page would load from the network: {snippet!r}")


def render_notebook(
    ipynb: Path,
    out: Path,
    *,
    status: str = "ok",
    error: str = "",
    parameters: dict[str, Any] | None = None,
    inputs_file: Path | None = None,
) -> Path:
    """Write an executed notebook as reviewer HTML: outputs only (no code, no prompts), banner on top.

    Parameters default to the notebook's papermill record; inputs come from ``inputs_file`` (default: the
    ``inputs.json`` written by ``analysis run`` in ``reports/<year>/``). Markdown and HTML outputs are
    sanitised (tags outside :data:`SAFE_TAGS` are escaped, so text from data shows as text), and the page is
    checked to reference nothing on the network.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    nb = nbformat.read(ipynb, as_version=4)
    pm = nb.metadata.get("papermill", {})
    params = dict(parameters if parameters is not None else pm.get("parameters", {}))
    reports = ipynb.parent.parent
    doc = read_json(inputs_file or reports / "inputs.json", {})
    unit = str(params.get("unit", ipynb.parent.name))
    names = unit_names(reports / "counts.parquet", [unit])
    title = f"{ipynb.stem} · {unit} {names.get(unit, '')} · {params.get('year', reports.name)}"
    synthetic = bool(doc.get("synthetic")) or is_synthetic(None, doc.get("inputs", []))
    banner = banner_html(
        title=title, parameters=params, inputs=doc.get("inputs", []), synthetic=synthetic,
        commit=git_commit(), versions=package_versions(), run_date=dt.date.today().isoformat(),
        status=status, error=error,
    )  # fmt: skip
    exporter = HTMLExporter(
        template_name="lab",
        template_file="reviewer.html.j2",
        extra_template_paths=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    sanitizer = SanitizeHTML(tags=list(SAFE_TAGS), attributes=SAFE_ATTRIBUTES, strip=False)
    exporter.register_preprocessor(sanitizer, enabled=True)
    body, _ = exporter.from_notebook_node(
        nb, resources={"reviewer_banner": banner, "reviewer_css": _css(), "metadata": {"name": ipynb.stem}}
    )
    check_offline(body, where=str(out))
    write_text_atomic(out, body)
    return out


def _rel(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def _figure_files(entry: dict[str, Any], fig_dir: Path) -> dict[str, Path]:
    """Return kind -> file of a manifest entry (``files`` as a dict or a list; else ``<id>.<kind>``)."""
    files = entry.get("files") or {}
    found: dict[str, Path] = {}
    items = files.items() if isinstance(files, dict) else [(None, f) for f in files]
    for kind, value in items:
        name = value.get("path") or value.get("file") if isinstance(value, dict) else value
        if name:
            path = fig_dir / Path(str(name)).name
            found[kind or path.suffix.lstrip(".")] = path
    for kind in FIGURE_KINDS:
        guess = fig_dir / f"{entry.get('id', '')}.{kind}"
        if kind not in found and guess.is_file():
            found[kind] = guess
    return found


def figures_html(fig_dir: Path, start: Path, *, notebook: str | None = None) -> str:
    """Return thumbnails and links of the figures of ``fig_dir`` (from its manifest.json)."""
    manifest = read_json(fig_dir / "manifest.json", [])
    entries = manifest.get("figures", []) if isinstance(manifest, dict) else manifest
    cards = []
    for entry in sorted(entries, key=lambda e: str(e.get("id", ""))):
        if notebook is not None and entry.get("notebook") not in (None, notebook):
            continue
        files = _figure_files(entry, fig_dir)
        img = ""
        if "png" in files and files["png"].is_file():
            src, alt = esc(_rel(files["png"], start)), esc(entry.get("alt", ""))
            img = f'<img src="{src}" alt="{alt}">'
        links = " · ".join(
            f'<a href="{esc(_rel(p, start))}">{esc(k.upper())}</a>'
            for k, p in sorted(files.items())
            if p.is_file()
        )
        cards.append(f'<figure class="rv-figure">{img}<figcaption>{esc(entry.get("title", ""))}<br>{links}'
                     "</figcaption></figure>")  # fmt: skip
    return f'<div class="rv-figures">{"".join(cards)}</div>' if cards else "<p>No figures recorded.</p>"


def index_html(reports: Path, *, figures_root: Path) -> str:
    """Return the year's index page: every notebook and unit with status, key findings and figures."""
    runs = read_json(reports / "runs.json", {"results": []})
    doc = read_json(reports / "inputs.json", {})
    names = unit_names(reports / "counts.parquet", [str(r["unit"]) for r in runs.get("results", [])])
    year = runs.get("year", reports.name)
    synthetic = bool(doc.get("synthetic"))
    results = runs.get("results", [])
    rows = []
    for r in results:
        ok = r.get("status") == "ok"
        status = '<span class="ok">ok</span>' if ok else '<span class="failed">FAILED / LỖI</span>'
        page = Path(r.get("html") or reports / r["unit"] / f"{r['notebook']}.html")
        links = []
        for label, path in (
            ("page", page),
            ("notebook", Path(r.get("output", ""))),
            ("log", Path(r.get("log", ""))),
        ):
            if str(path) not in ("", ".") and path.is_file():
                links.append(f'<a href="{esc(_rel(path, reports))}">{label}</a>')
        rows.append(
            (esc(r["notebook"]), f"{esc(r['unit'])} {esc(names.get(r['unit'], ''))}", status,
             f"{float(r.get('seconds', 0)):.1f}", " · ".join(links),
             esc((r.get("error") or "").split("\n")[0]))
        )  # fmt: skip
    parts = [f'<div class="rv-index"><h1>Reviewer site / Trang rà soát · {esc(year)}</h1>']
    if synthetic:
        parts.append(
            f'<div class="rv-synthetic">{esc(SYNTHETIC_TEXT)}<br><small>{esc(SYNTHETIC_NOTE)}</small></div>'
        )
    n_failed = sum(r.get("status") != "ok" for r in results)
    parts.append(f"<p>{len(results)} run(s), {n_failed} failed · commit <code>{esc(git_commit())}</code> · "
                 f"started {esc(runs.get('started', ''))}</p>")  # fmt: skip
    parts.append(_table(rows, ("notebook", "unit", "status", "seconds", "links", "error")))
    for unit in dict.fromkeys(str(r["unit"]) for r in results):
        fig_dir = paths.OutputLayout(figures_root=figures_root).figures(year, unit)
        parts.append(f"<h2>{esc(unit)} {esc(names.get(unit, ''))}</h2>")
        findings = read_json(fig_dir / "findings.json", {})
        if findings:
            parts.append("<h3>Key findings / Phát hiện chính</h3>")
            for nb, items in sorted(findings.items()):
                lis = "".join(f"<li>{esc(i)}</li>" for i in (items if isinstance(items, list) else [items]))
                parts.append(f"<h4>{esc(nb)}</h4><ul>{lis}</ul>")
        parts.append("<h3>Figures / Biểu đồ</h3>" + figures_html(fig_dir, reports))
    parts.append("</div>")
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        '<link rel="icon" href="data:,">'
        f"<title>Reviewer site {esc(year)}</title><style>{_css()}</style></head><body>"
        + "".join(parts)
        + "</body></html>\n"
    )


def write_index(reports: Path, *, figures_root: Path = paths.FIGURES_DIR) -> Path:
    """Write ``reports/<year>/index.html`` (atomically) and return its path."""
    text = index_html(reports, figures_root=figures_root)
    check_offline(text, where=str(reports / "index.html"))
    out = reports / "index.html"
    write_text_atomic(out, text)
    return out
