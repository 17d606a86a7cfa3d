"""Plots of other provinces: published figures one definition per panel, and the 2025 merger."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import text
from analysis.plots.base import (
    CROSSWALK_FIGSIZE,
    OKABE_ITO,
    WIDE_FIGSIZE,
    attach_caption,
    indicator_name,
    new_figure,
    nfc,
    notice_when_empty,
    require_columns,
    style_context,
)


@notice_when_empty("source")
def published_dotplot(
    table: pd.DataFrame, *, lang: str = "vi", highlight: str | None = None, title: str | None = None
) -> Figure:
    """Plot published rates across provinces, one panel per indicator definition (never mixed).

    Parameters
    ----------
    table : pandas.DataFrame
        Published figures: ``province``, ``year``, ``indicator`` (definition id as published),
        ``value`` (0–1) and ``source`` (short source label).
    lang : {"vi", "en"}
        Label language.
    highlight : str, optional
        Province drawn with a distinct marker and bold label.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(table, ["province", "year", "indicator", "value", "source"], what="published_dotplot")
    inds = sorted(table["indicator"].unique())
    fig, axes = new_figure(ncols=len(inds), figsize=WIDE_FIGSIZE)
    axes = np.atleast_1d(axes)
    with style_context():
        for ax, ind in zip(axes, inds, strict=True):
            t = table[table["indicator"] == ind].sort_values(["value", "province"]).reset_index(drop=True)
            y = np.arange(len(t))
            hl = (t["province"] == highlight).to_numpy() if highlight else np.zeros(len(t), bool)
            ax.scatter(t.loc[~hl, "value"], y[~hl], marker="o", color=OKABE_ITO["blue"], zorder=3)
            if hl.any():
                ax.scatter(
                    t.loc[hl, "value"], y[hl], marker="D", s=50, color=OKABE_ITO["vermillion"], zorder=4
                )
            ax.set_yticks(
                y,
                [f"{nfc(p)} ({int(yr)})" for p, yr in zip(t["province"], t["year"], strict=True)],
                fontsize=6,
            )
            for lab, flag in zip(ax.get_yticklabels(), hl, strict=True):
                if flag:
                    lab.set_fontweight("bold")
            ax.set_title(indicator_name(ind, lang=lang), fontsize=8)
            ax.xaxis.set_major_formatter(text.percent_formatter(lang=lang, digits=0))
    parts = [
        f"{indicator_name(i, lang=lang)}: {len(table[table['indicator'] == i])} "
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
    title = title or (
        "Số liệu công bố của các tỉnh" if lang == "vi" else "Published figures across provinces"
    )
    fig.analysis_real_data = True  # published figures with their sources: never stamped synthetic
    return attach_caption(
        fig,
        title=title,
        alt=alt,
        data=table[["indicator", "province", "year", "value", "source"]].sort_values(
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
    return attach_caption(fig, title=title, alt=alt, data=g[["new_code", "new_name", "n_old", "old_names"]])
