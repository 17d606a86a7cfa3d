"""Other provinces' tables: published figures with readable labels; a province in the 2025 merger."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pandas as pd

from analysis import text
from analysis.text import published_labels as names
from analysis.text.tables import _rate, reading_table, wilson, word


def _definition(row: pd.Series, *, lang: str) -> str:
    """Panel name of a published row: the registry indicator's label, else the published definition's."""
    rid = row.get("registry_id")
    if isinstance(rid, str) and rid:
        return text.indicator_label(rid, lang=lang)
    base = str(row["indicator"]).split("__")[0]
    pair = names.PUBLISHED_NAMES.get(base)
    return pair[text.LANGS.index(lang)] if pair else base.replace("_", " ")


def published_rows(
    published: pd.DataFrame,
    *,
    registry_ids: Sequence[str],
    also: Sequence[str] = (),
    lang: str = "vi",
) -> pd.DataFrame:
    """Select published rates for the dot plot and the table, each row with a readable, distinct label.

    Parameters
    ----------
    published : pandas.DataFrame
        ``analysis.io.read_published()``.
    registry_ids : sequence of str
        Registry definitions to keep (one panel each; definitions are never mixed).
    also : sequence of str
        Published definitions that match no registry indicator but are shown in a panel of their own (for
        instance the province's own welfare figure, whose source does not state its base), named in
        ``analysis.names.PUBLISHED_NAMES``.
    lang : {"vi", "en"}
        Language of the labels.

    Returns
    -------
    pandas.DataFrame
        ``indicator`` (registry id, or the published definition for ``also`` rows), ``definition`` (its
        label), ``province``, ``year``, ``value`` (0–1), ``label`` ("Lâm Đồng · cấp huyện · quý I/2020",
        never a raw period code; made distinct when two rows would read alike), ``source`` (title — URL),
        ``source_title``, ``source_url``.

    Examples
    --------
    >>> p = pd.DataFrame({"province": ["Lâm Đồng", "Lâm Đồng"], "year": [2020, 2020], "value": [0.98, 0.99],
    ...     "indicator": ["ontime_or_early_rate_district_level__q1",
    ...                   "ontime_or_early_rate_commune_level__q1"],
    ...     "qualifier": ["q1", "q1"], "registry_id": ["timeliness.on_time"] * 2,
    ...     "source_title": ["Báo Lâm Đồng"] * 2, "source_url": ["https://baolamdong.vn/x"] * 2})
    >>> published_rows(p, registry_ids=["timeliness.on_time"], lang="en")["label"].tolist()
    ['Lâm Đồng · district level · Q1 2020', 'Lâm Đồng · commune level · Q1 2020']
    """
    lang = text.check_lang(lang)
    base = published["indicator"].astype(str).str.split("__").str[0]
    keep = published["registry_id"].isin(list(registry_ids)) | base.isin(list(also))
    t = published[keep & published["value"].notna()].copy()
    t["indicator"] = [
        r if isinstance(r, str) and r else b
        for r, b in zip(t["registry_id"], t["indicator"].astype(str).str.split("__").str[0], strict=True)
    ]
    t["definition"] = [_definition(r, lang=lang) for _, r in published.loc[t.index].iterrows()]
    labels = []
    for _, r in published.loc[t.index].iterrows():
        parts = [names.place_label(r["province"], lang=lang)]
        scope = names.published_scope(r["indicator"], lang=lang)
        if scope:
            parts.append(scope)
        parts.append(names.period_label(r.get("qualifier", ""), int(r["year"]), lang=lang))
        labels.append(" · ".join(parts))
    t["label"] = labels
    dup = t.groupby(["indicator", "label"])["label"].transform("size") > 1
    t.loc[dup, "label"] = t.loc[dup, "label"] + " (" + t.loc[dup, "source_title"].astype(str).str[:30] + ")"
    t["source"] = t["source_title"].astype(str) + " — " + t["source_url"].astype(str)
    cols = [
        "indicator",
        "definition",
        "province",
        "year",
        "value",
        "label",
        "source",
        "source_title",
        "source_url",
    ]
    return t[cols].reset_index(drop=True)


def _address(url: object) -> str:
    """Return a source's address as a reader can follow it: a URL, or a document's path in the project."""
    text = str(url)
    return text if text.startswith(("http://", "https://")) or not text else f"data/published/{text}"


_MARKDOWN = re.compile(r"([\\`*_\[\]()#!|~])")


def source_cell(title: object, url: object, *, width: int = 90) -> str:
    r"""Return a table cell (Markdown) naming a source: a link to its web address, else its title and path.

    The title is cut to ``width`` characters; HTML and Markdown characters in it are escaped, and only
    ``http(s)`` addresses without spaces or brackets become links (anything else stays text).

    >>> source_cell("Báo [A] <b>", "https://a.vn/x_1")
    '[Báo \\[A\\] &lt;b&gt;](https://a.vn/x_1)'
    >>> source_cell("Review", "source_documents/r.txt")
    'Review (data/published/source\\_documents/r.txt)'
    """
    name = str(title)
    name = name[:width] + ("…" if len(name) > width else "")
    address = str(url)
    safe = _MARKDOWN.sub(r"\\\1", html.escape(name, quote=False))
    if re.fullmatch(r"https?://[^\s()<>\[\]\\`\"']+", address):
        return f"[{safe}]({address})"
    where = _MARKDOWN.sub(r"\\\1", html.escape(_address(address), quote=False))
    return f"{safe} ({where})"


def published_gt(
    rows: pd.DataFrame, *, lang: str = "vi", highlight: str | None = None, title: str | None = None
):
    """Return the published figures (:func:`published_rows`) as a table grouped by definition, with sources.

    Rates are written "98,8 %" (no interval: the sources publish no counts); each row names its source.
    """
    lang = text.check_lang(lang)
    t = rows.sort_values(["definition", "value"], ascending=[True, False])
    mark = [" ◆" if highlight and p == highlight else "" for p in t["province"]]
    view = pd.DataFrame(
        {
            word("definition", lang=lang): t["definition"].to_numpy(),
            word("who", lang=lang): [f"{lab}{m}" for lab, m in zip(t["label"], mark, strict=True)],
            word("value", lang=lang): [text.format_percent(v, lang=lang) for v in t["value"]],
            word("source", lang=lang): [
                source_cell(s, u) for s, u in zip(t["source_title"], t["source_url"], strict=True)
            ],
        }
    )
    notes = []
    if highlight:
        notes.append(f"◆ {highlight}")
    return reading_table(
        view,
        title=title or word("published_title", lang=lang),
        source=word("published_source", lang=lang),
        notes=notes,
        numeric=[word("value", lang=lang)],
        group=word("definition", lang=lang),
        table_id="published",
        markdown=[word("source", lang=lang)],
    )


def merger_view(merged: pd.DataFrame, *, lang: str = "vi") -> pd.DataFrame:
    """Rates (with Wilson intervals) by indicator and year of one old province's counts under its new code.

    >>> m = pd.DataFrame({"indicator": ["payment.online"] * 2, "year": [2023, 2024], "numerator": [789, 872],
    ...                   "denominator": [1000, 1000], "code_system": ["nso2025"] * 2})
    >>> merger_view(m, lang="en").iloc[0].tolist()
    ['Dossiers paid online', '78.9% (76.3–81.3%)', '87.2% (85.0–89.1%)', '1,000']
    """
    lang = text.check_lang(lang)
    m = merged[merged["code_system"] == "nso2025"] if "code_system" in merged.columns else merged
    g = m.groupby(["indicator", "year"], sort=True)[["numerator", "denominator"]].sum().reset_index()
    years = sorted(int(y) for y in g["year"].unique())
    out = []
    for ind, rows in g.groupby("indicator", sort=False):
        rec = {word("indicator", lang=lang): text.indicator_label(ind, lang=lang)}
        for y in years:
            r = rows[rows["year"] == y]
            if len(r) and r["denominator"].iloc[0] > 0:
                x, n = float(r["numerator"].iloc[0]), float(r["denominator"].iloc[0])
                lo, hi = wilson(x, n)
                rec[str(y)] = _rate(x / n, lo, hi, lang)
            else:
                rec[str(y)] = "–"
        last = rows[rows["year"] == years[-1]]
        rec[word("dossiers_year", lang=lang).format(year=years[-1])] = (
            text.format_number(last["denominator"].iloc[0], lang=lang) if len(last) else "–"
        )
        out.append(rec)
    return pd.DataFrame(out)


def merger_gt(
    merged: pd.DataFrame,
    crosswalk: pd.DataFrame,
    *,
    unit: str,
    unit_name: str,
    lang: str = "vi",
    synthetic: bool = False,
):
    """Return one old province's figures under its post-2025 province, with a heading that says so.

    The counts of the other provinces merged into the same new province are not in the data, so the table
    is titled with the old province and names the provinces missing for the new one's rates.
    """
    lang = text.check_lang(lang)
    old = str(unit).split(".")[0]
    row = crosswalk[crosswalk["old_code"] == old]
    if row.empty:
        new_code, new_name, others = "–", "–", "–"
    else:
        new_code, new_name = str(row["new_code"].iloc[0]), str(row["new_name"].iloc[0])
        held = set(
            merged.get("merged_from", pd.Series(dtype=str)).astype(str).str.split(",").explode().str.strip()
        )
        held |= {old}
        rest = crosswalk[(crosswalk["new_code"] == new_code) & ~crosswalk["old_code"].isin(held)]
        others = (
            ", ".join(f"{n} ({c})" for c, n in zip(rest["old_code"], rest["old_name"], strict=True)) or "–"
        )
    view = merger_view(merged, lang=lang)
    title = word("merger_title", lang=lang).format(unit=f"{unit_name} ({old})")
    title += f" — {new_name} ({new_code})"
    note = word("merger_note", lang=lang).format(
        unit=unit_name, old=old, new=new_name, code=new_code, others=others
    )
    source = word("synthetic_source" if synthetic else "inputs_source", lang=lang)
    return reading_table(
        view, title=title, source=source, notes=[note], numeric=list(view.columns[1:]), table_id="merger"
    )
