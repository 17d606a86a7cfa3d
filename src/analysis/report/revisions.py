"""The index's revisions section: earlier years' values that moved since their sets were published.

The document is ``revisions.json`` written by ``analysis run`` (:mod:`analysis.runner.revisions`); every
value is escaped.  Words in Vietnamese or English (``lang``).
"""

from __future__ import annotations

import html
from typing import Any

#: At most this many revisions are listed on the page (revisions.json has them all).
SHOWN = 50

WORDS = {
    "vi": {
        "title": "Số liệu các năm trước đã thay đổi",
        "none": "Không có số liệu nào của các năm trước thay đổi so với bộ đã công bố ({years}).",
        "no_set": "Chưa có bộ đã công bố để so sánh cho năm: {years}.",
        "nothing": "Các biểu đồ năm nay không chứa số liệu của năm trước.",
        "count": "{n} giá trị của các năm trước khác với bộ đã công bố ({years}); {rule}.",
        "more": "… và {n} giá trị nữa (xem revisions.json).",
        "head": ("đơn vị", "biểu đồ", "năm", "dòng", "cột", "đã công bố", "nay", "tệp đầu vào thay đổi"),
    },
    "en": {
        "title": "Earlier years' numbers that changed",
        "none": "No number of an earlier year moved against its published set ({years}).",
        "no_set": "No published set to compare with for: {years}.",
        "nothing": "This year's figures hold no numbers of earlier years.",
        "count": "{n} value(s) of earlier years differ from their published set ({years}); {rule}.",
        "more": "… and {n} more (see revisions.json).",
        "head": ("unit", "figure", "year", "row", "column", "published", "now", "input files changed"),
    },
}


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)


def revisions_html(doc: dict[str, Any] | None, *, lang: str = "vi") -> str:
    """Return the section for the index (empty when there is no ``revisions.json``).

    Examples
    --------
    >>> doc = {"compared": [{"year": 2023}], "no_published_set": [2022], "count": 1, "rule": "r",
    ...        "revisions": [{"unit": "77", "figure": "10_trend", "year": 2023, "row": {"year": 2023},
    ...                       "column": "rate", "old": 0.5, "new": 0.6, "changed_inputs": ["a.csv"]}]}
    >>> out = revisions_html(doc, lang="en")
    >>> "0.5" in out and "0.6" in out and "a.csv" in out and "2022" in out
    True
    """
    if not doc:
        return ""
    words = WORDS.get(lang, WORDS["vi"])
    years = ", ".join(str(c.get("year")) for c in doc.get("compared", []))
    parts = [f'<section class="rv-revisions" id="revisions"><h2>{_esc(words["title"])}</h2>']
    count = int(doc.get("count", 0))
    if count:
        parts.append(f"<p>{_esc(words['count'].format(n=count, years=years, rule=doc.get('rule', '')))}</p>")
        rows = []
        for r in doc.get("revisions", [])[:SHOWN]:
            row = ", ".join(f"{k}={v}" for k, v in (r.get("row") or {}).items())
            cells = (
                r.get("unit"),
                r.get("figure"),
                r.get("year"),
                row,
                r.get("column"),
                _number(r.get("old")),
                _number(r.get("new")),
                ", ".join(r.get("changed_inputs") or []) or "—",
            )
            rows.append("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>")
        head = "".join(f"<th>{_esc(h)}</th>" for h in words["head"])
        parts.append(
            f'<div class="rv-table-wrap"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )
        if count > SHOWN:
            parts.append(f"<p>{_esc(words['more'].format(n=count - SHOWN))}</p>")
    elif years:
        parts.append(f"<p>{_esc(words['none'].format(years=years))}</p>")
    elif not doc.get("no_published_set"):
        parts.append(f"<p>{_esc(words['nothing'])}</p>")
    missing = doc.get("no_published_set") or []
    if missing:
        parts.append(f"<p>{_esc(words['no_set'].format(years=', '.join(map(str, missing))))}</p>")
    parts.append("</section>")
    return "".join(parts)
