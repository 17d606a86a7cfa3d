"""Plots of other provinces: published figures one definition per panel, and the 2025 merger."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis import text
from analysis.plots.axes import legend_above, rate_axis
from analysis.plots.base import (
    CROSSWALK_FIGSIZE,
    OKABE_ITO,
    attach_caption,
    indicator_name,
    new_figure,
    nfc,
    note_inputs,
    notice_when_empty,
    require_columns,
    style_context,
)

#: Size of the published-figures chart: one panel per definition stacked, one row per figure.
PUBLISHED_FIGSIZE = (9.0, 10.0)


@notice_when_empty("source")
def published_dotplot(
    table: pd.DataFrame, *, lang: str = "vi", highlight: str | None = None, title: str | None = None
) -> Figure:
    """Plot published rates across provinces, one panel per indicator definition (never mixed).

    Parameters
    ----------
    table : pandas.DataFrame
        Published figures: ``province``, ``year``, ``indicator`` (definition id), ``value`` (0–1) and
        ``source``; ``label`` (a readable, distinct row label) and ``definition`` (the panel's name) as
        ``analysis.text.tables_peers.published_rows`` gives them (else province and year are shown).
    lang : {"vi", "en"}
        Label language.
    highlight : str, optional
        Province drawn with a distinct marker (◆) and bold label; a note under the panels says so when
        the province has no figure under these definitions.
    title : str, optional
        Figure title (by default it names the family of indicators, so two such figures differ).

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(table, ["province", "year", "indicator", "value", "source"], what="published_dotplot")
    table = table.copy()
    if "label" not in table.columns:
        table["label"] = [
            f"{nfc(p)} ({int(y)})" for p, y in zip(table["province"], table["year"], strict=True)
        ]
    if "definition" not in table.columns:
        table["definition"] = [indicator_name(i, lang=lang) for i in table["indicator"]]
    inds = list(dict.fromkeys(table.sort_values(["indicator"])["indicator"]))
    registry = [i for i in inds if "." in i]
    inds = registry + [i for i in inds if i not in registry]  # registry definitions first, others after
    sizes = [int((table["indicator"] == i).sum()) for i in inds]
    fig, axes = new_figure(
        nrows=len(inds),
        figsize=PUBLISHED_FIGSIZE,
        gridspec_kw={"height_ratios": [n + 2.5 for n in sizes]},
    )
    axes = np.atleast_1d(axes)
    with style_context():
        for ax, ind in zip(axes, inds, strict=True):
            t = table[table["indicator"] == ind].sort_values(["value", "label"]).reset_index(drop=True)
            y = np.arange(len(t))
            hl = (t["province"] == highlight).to_numpy() if highlight else np.zeros(len(t), bool)
            ax.scatter(
                t.loc[~hl, "value"],
                y[~hl],
                marker="o",
                color=OKABE_ITO["blue"],
                zorder=3,
                label=text.label("other_published", lang=lang),
            )
            if hl.any():
                ax.scatter(
                    t.loc[hl, "value"],
                    y[hl],
                    marker="D",
                    s=50,
                    color=OKABE_ITO["vermillion"],
                    zorder=4,
                    label=nfc(highlight),
                )
            ax.set_yticks(
                y, [textwrap.shorten(nfc(lab), 70, placeholder="…") for lab in t["label"]], fontsize=7
            )
            ax.set_ylim(-0.8, len(t) - 0.2)
            for lab, flag in zip(ax.get_yticklabels(), hl, strict=True):
                if flag:
                    lab.set_fontweight("bold")
            ax.set_title(nfc(t["definition"].iloc[0]), fontsize=9, loc="left")
            lo, hi = float(t["value"].min()), float(t["value"].max())
            pad = max(0.02, 0.06 * (hi - lo))
            ax.set_xlim(max(0.0, lo - pad), min(1.0, hi + pad) + (0.01 if hi + pad >= 1.0 else 0.0))
            rate_axis(ax.xaxis, lang=lang, nbins=8)
        axes[-1].set_xlabel(text.label("published_rate", lang=lang))
        handles = {}
        for ax in axes:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(lab, h)
        if highlight and highlight not in set(table["province"]):
            handles[text.label("highlight_none", lang=lang).format(name=nfc(highlight))] = Line2D(
                [], [], ls=""
            )
        legend_above(axes[0], list(handles.values()), list(handles), fontsize=7, raise_pt=16)
    parts = [
        f"{nfc(table.loc[table['indicator'] == i, 'definition'].iloc[0])}: "
        f"{len(table[table['indicator'] == i])} "
        f"({text.format_percent(table.loc[table['indicator'] == i, 'value'].min(), lang=lang)}–"
        f"{text.format_percent(table.loc[table['indicator'] == i, 'value'].max(), lang=lang)})"
        for i in inds
    ]
    alt = (
        (
            "Số liệu công bố theo tỉnh, mỗi định nghĩa một ô riêng: "
            if lang == "vi"
            else "Published figures by province, one panel per definition: "
        )
        + "; ".join(parts)
        + "."
    )
    families = {i.split(".")[0] for i in registry}
    key = (
        "published_welfare"
        if families == {"welfare"}
        else "published_dossiers"
        if families
        else "published_other"
    )
    title = title or text.label(key, lang=lang)
    fig.analysis_real_data = True  # published figures with their sources: never stamped synthetic
    fig.analysis_source = text.label("source_published", lang=lang).format(n=table["source"].nunique())
    note_inputs(fig, "published")
    return attach_caption(
        fig,
        title=title,
        alt=alt,
        data=table[["indicator", "province", "year", "value", "label", "source"]].sort_values(
            ["indicator", "province", "year"]
        ),
    )


def merger_bars(
    crosswalk: pd.DataFrame, *, lang: str = "vi", highlight: str | None = None, title: str | None = None
) -> Figure:
    """Plot how many pre-2025 provinces each province from 1 July 2025 absorbs, naming them.

    Parameters
    ----------
    crosswalk : pandas.DataFrame
        ``old_code``, ``old_name``, ``new_code``, ``new_name`` (the shipped 63 → 34 crosswalk).
    lang : {"vi", "en"}
        Label language.
    highlight : str, optional
        Old province code (or a unit code under it, e.g. ``77.S01``) whose new province is drawn with a
        distinct hatch and bold label.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(crosswalk, ["old_code", "old_name", "new_code", "new_name"], what="merger_bars")
    g = (
        crosswalk.groupby(["new_code", "new_name"])
        .agg(n_old=("old_code", "size"), old_names=("old_name", lambda s: ", ".join(sorted(map(nfc, s)))))
        .reset_index()
        .sort_values(["n_old", "new_name"])
        .reset_index(drop=True)
    )
    old = highlight.split(".")[0] if highlight else None
    hl_new = set(crosswalk.loc[crosswalk["old_code"] == old, "new_code"]) if old else set()
    fig, ax = new_figure(figsize=CROSSWALK_FIGSIZE)
    y = np.arange(len(g))
    with style_context():
        flag = g["new_code"].isin(hl_new).to_numpy()
        ax.barh(y[~flag], g.loc[~flag, "n_old"], color=OKABE_ITO["sky"], edgecolor="black")
        ax.barh(y[flag], g.loc[flag, "n_old"], color=OKABE_ITO["vermillion"], hatch="//", edgecolor="black")
        for yi, (_, r) in zip(y, g.iterrows(), strict=True):
            if r["n_old"] > 1:
                ax.annotate(
                    r["old_names"],
                    (r["n_old"], yi),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=6,
                )
        ax.set_yticks(y, [nfc(n) for n in g["new_name"]], fontsize=6)
        for lab, f in zip(ax.get_yticklabels(), flag, strict=True):
            if f:
                lab.set_fontweight("bold")
        ax.set_xlim(0, float(g["n_old"].max()) + 2.5)
        ax.set_xlabel(text.label("old_provinces", lang=lang))
    merged = int((g["n_old"] > 1).sum())
    alt = (
        (
            f"{len(crosswalk)} tỉnh cũ thành {len(g)} tỉnh, "
            f"thành phố từ 1/7/2025; {merged} đơn vị mới là hợp "
            f"nhất của từ 2 tỉnh cũ trở lên."
        )
        if lang == "vi"
        else (
            f"{len(crosswalk)} former provinces become {len(g)} "
            f"from 1 July 2025; {merged} new units merge two or "
            f"more former provinces."
        )
    )
    if hl_new:
        r = g[g["new_code"].isin(hl_new)].iloc[0]
        alt += f" {nfc(r['new_name'])}: {r['old_names']}."
    title = title or text.label("new_province", lang=lang)
    fig.analysis_real_data = True  # the shipped crosswalk, with its source: never stamped synthetic
    fig.analysis_source = text.label("source_crosswalk", lang=lang)
    note_inputs(fig, "crosswalk")
    return attach_caption(fig, title=title, alt=alt, data=g[["new_code", "new_name", "n_old", "old_names"]])
