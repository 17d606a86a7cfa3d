"""Safe page HTML: every fragment cleaned with nh3 after Markdown rendering; nothing loaded from the network.

Markdown from notebooks and from data (findings, unit names, table cells) is rendered to HTML first, then
:func:`clean_html` keeps only the tags and attributes of :data:`TAGS` / :data:`ATTRIBUTES`, drops scripts
and event handlers, and lets links point only to ``http(s):``, ``mailto:`` or a relative address; images
may also be ``data:image/…``.  So a unit named ``[Sở Tư pháp](javascript:alert(1))`` shows as text, never
as a live link.  :func:`check_offline` refuses a page that would fetch anything from the network.
"""

from __future__ import annotations

import html
import re
from typing import Any

import nh3

#: Tags kept in rendered Markdown and HTML outputs (``style`` for the tables' own CSS; scripts never).
TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "small",
    "span",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ATTRIBUTES = {
    "*": {"class", "id", "title", "style", "align", "lang"},
    "a": {"href", "name", "title"},
    "img": {"src", "alt", "width", "height"},
    "table": {"aria-labelledby"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "scope", "headers"},
    "div": {"data-mime-type"},
}
#: URL schemes a link may use (besides relative addresses); ``data:`` only for images (see :func:`_filter`).
URL_SCHEMES = {"http", "https", "mailto", "data"}
#: Anything that would make a page fetch from the network: refused in the written HTML.  A ``src`` of any
#: element, and the ``href`` of anything but a link the reader clicks (``<a href>``: a source's address).
EXTERNAL_REF = re.compile(
    r"""(?:\bsrc|<(?!a\b)\w+\b[^>]*?\bhref)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE
)


def esc(value: Any) -> str:
    """Escape any value for HTML text or attributes.

    >>> esc("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return html.escape(str(value), quote=True)


def _filter(tag: str, attr: str, value: str) -> str | None:
    """Keep ``data:`` addresses for images only (a ``data:`` link could carry a page with a script)."""
    if attr in ("href", "src") and value.strip().lower().startswith("data:"):
        return value if tag == "img" and value.strip().lower().startswith("data:image/") else None
    return value


def clean_html(fragment: str) -> str:
    """Return ``fragment`` with only safe tags, attributes and links (nh3, the Ammonia sanitiser).

    Examples
    --------
    >>> clean_html('<a href="javascript:alert(1)">Sở Tư pháp</a><script>alert(2)</script>')
    '<a>Sở Tư pháp</a>'
    >>> clean_html('<a href="../index.html">index</a> <img src="data:image/png;base64,AA" onerror="x()">')
    '<a href="../index.html">index</a> <img src="data:image/png;base64,AA">'
    """
    return nh3.clean(
        str(fragment),
        tags=TAGS,
        clean_content_tags={"script"},
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_filter,
        link_rel=None,
        strip_comments=True,
    )


def check_offline(text: str, *, where: str) -> None:
    """Raise ``ValueError`` when ``text`` references a script, style, font or image on the network."""
    found = EXTERNAL_REF.search(text) or re.search(r"@import\s+url\(\s*['\"]?https?:", text, re.IGNORECASE)
    if found:
        snippet = text[max(0, found.start() - 40) : found.end() + 40]
        raise ValueError(f"{where}: page would load from the network: {snippet!r}")
