"""The banner on top of a reviewer page, in the page's language.

It holds the navigation, the title, the synthetic warning, the parameters, each figure's data kind (real or
synthetic) and every input file with its sha256.
"""

from __future__ import annotations

from typing import Any

from analysis.report.sanitize import esc
from analysis.report.words import word

#: Marks around the navigation block of a page (the index rewrites it once every page exists).
NAV_START, NAV_END = "<!--rv-nav-->", "<!--/rv-nav-->"
#: The synthetic warning, per language.
SYNTHETIC_TEXTS = {"vi": word("synthetic", "vi"), "en": word("synthetic", "en")}


def _table(rows: list[tuple[Any, ...]], head: tuple[str, ...]) -> str:
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<div class="rv-scroll"><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


def nav_html(*, lang: str, year: Any, pages: list[tuple[str, str]] = (), current: str = "") -> str:
    """Navigation of a page: back to the year's index (``../index.html``) and the unit's other pages.

    ``pages`` are (file name, title) of the pages in the same folder.
    """
    links = [f'<a href="../index.html">{esc(word("back_to_index", lang, year=year))}</a>']
    others = [
        f'<a href="{esc(name)}">{esc(title)}</a>' if name != current else f"<strong>{esc(title)}</strong>"
        for name, title in pages
    ]
    if others:
        links.append(f"{esc(word('other_pages', lang))}: " + " · ".join(others))
    return f'{NAV_START}<nav class="rv-nav">{" | ".join(links)}</nav>{NAV_END}'


def _input_rows(inputs: list[dict[str, Any]], lang: str) -> list[tuple[str, ...]]:
    rows = []
    for i in inputs:
        role = (
            word(i.get("kind", "export"), lang)
            if i.get("kind") in ("published", "targets", "crosswalk")
            else (word("export", lang))
        )
        kind = word("synthetic_kind" if i.get("synthetic") else "real", lang)
        rows.append(
            (
                f"<code>{esc(i.get('path', ''))}</code>",
                esc(role),
                esc(kind),
                f"<code>{esc(i.get('sha256', ''))}</code>",
            )
        )
    return rows


def _figure_rows(
    entries: list[dict[str, Any]], lang: str, fig_links: dict[str, str]
) -> list[tuple[str, ...]]:
    rows = []
    for e in entries:
        if e.get("synthetic"):
            data = word("fig_synthetic", lang)
        else:
            source = str(e.get("source", "")).split(": ", 1)[-1].rstrip(".")
            data = word("fig_real", lang, source=source)
        rows.append((esc(e.get("title", e.get("id", ""))), esc(data), fig_links.get(str(e.get("id")), "")))
    return rows


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
    lang: str = "vi",
    figures: list[dict[str, Any]] = (),
    nav: str = "",
    fig_links: dict[str, str] | None = None,
) -> str:
    """Return the banner shown at the top of a page, in ``lang`` (every value escaped).

    ``synthetic`` is the page's data: ``True`` (all synthetic), ``False`` (all real) or ``"mixed"``.

    Examples
    --------
    >>> b = banner_html(title="<b>", parameters={"unit": "01"}, inputs=[], synthetic=True, commit="abc",
    ...                 versions={}, run_date="2026-01-01", lang="en")
    >>> "SYNTHETIC DATA" in b and "&lt;b&gt;" in b and "<b>" not in b and "DỮ LIỆU" not in b
    True
    """
    parts = [f'<header class="rv-banner" id="rv-banner">{nav}<h1>{esc(title)}</h1>']
    if synthetic == "mixed":
        parts.append(
            f'<div class="rv-synthetic">{esc(SYNTHETIC_TEXTS[lang])}<br>'
            f"<small>{esc(word('mixed_note', lang))}</small></div>"
        )
    elif synthetic:
        parts.append(
            f'<div class="rv-synthetic">{esc(SYNTHETIC_TEXTS[lang])}<br>'
            f"<small>{esc(word('synthetic_note', lang))}</small></div>"
        )
    if status != "ok":
        parts.append(
            f'<div class="rv-status-failed">{esc(word("failed", lang))}: '
            f"{esc(error or word('see_log', lang))}</div>"
        )
    params = [(esc(k), f"<code>{esc(repr(v))}</code>") for k, v in parameters.items()]
    parts.append(
        f"<details><summary>{esc(word('parameters', lang))}</summary>"
        + _table(params, (word("name", lang), word("value", lang)))
        + "</details>"
    )
    if figures:
        rows = _figure_rows(list(figures), lang, fig_links or {})
        parts.append(
            f"<details open><summary>{esc(word('figures', lang, n=len(rows)))}</summary>"
            + _table(rows, (word("figure", lang), word("data", lang), word("files", lang)))
            + "</details>"
        )
    parts.append(
        f"<details><summary>{esc(word('inputs', lang, n=len(inputs)))}</summary>"
        + _table(
            _input_rows(inputs, lang), (word("file", lang), word("role", lang), word("kind", lang), "sha256")
        )
        + "</details>"
    )
    vers = ", ".join(f"{esc(k)} {esc(v)}" for k, v in versions.items())
    parts.append(
        "<p>"
        + word("provenance", lang, commit=f"<code>{esc(commit)}</code>", date=esc(run_date), versions=vers)
        + "</p></header>"
    )
    return "".join(parts)
