"""Plot of a change in a product rate split into its two factors (Das Gupta): the welfare paid share."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import text
from analysis.plots.base import (
    OKABE_ITO,
    attach_caption,
    new_figure,
    nfc,
    notice_figure,
    require_columns,
    style_context,
)
from analysis.text.findings import product_sentence

#: Bars of each group: (column, label key, colour, hatch).
BARS = (
    ("change", "total_short", OKABE_ITO["black"], ""),
    ("alpha_effect", "alpha_effect", OKABE_ITO["orange"], "//"),
    ("beta_effect", "beta_effect", OKABE_ITO["blue"], ".."),
)


def product_decomposition_bars(
    table: pd.DataFrame, *, lang: str = "vi", group_col: str | None = None, title: str | None = None
) -> Figure:
    """Plot the change in the paid share and its two parts: more account holders, more holders paid.

    Parameters
    ----------
    table : pandas.DataFrame
        ``analysis.stats.decompose_product_table`` output: ``change``, ``alpha_effect``,
        ``beta_effect`` (0-1 scale; they add up), ``periods``; one row per group.
    lang : {"vi", "en"}
        Label language.
    group_col : str, optional
        Column naming the groups (e.g. ``"beneficiary_group"``); default one row, "all".
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Per group three bars in points: the total change, the account-holding effect and the
        paid-of-holders effect (colour, hatch and a value label each, so colour is never the only cue).
    """
    if table.empty:
        return notice_figure(
            text.label("no_previous", lang=lang),
            title=title or text.label("product_decomposition", lang=lang),
            data=table,
        )
    require_columns(table, ["change", "alpha_effect", "beta_effect"], what="product_decomposition_bars")
    t = table.reset_index(drop=True)
    groups = (
        [nfc(text.label(str(g), lang=lang)) for g in t[group_col]]
        if group_col
        else [text.label("all", lang=lang)]
    )
    fig, ax = new_figure()
    width = 0.8 / len(BARS)
    x = np.arange(len(t))
    with style_context():
        for i, (col, key, colour, hatch) in enumerate(BARS):
            pts = 100 * t[col].to_numpy(dtype=float)
            bars = ax.bar(
                x + (i - 1) * width,
                pts,
                width,
                color=colour,
                hatch=hatch,
                edgecolor="black",
                label=text.label(key, lang=lang),
            )
            for b, v in zip(bars, t[col], strict=True):
                ax.annotate(
                    text.format_points(v, lang=lang),
                    (b.get_x() + b.get_width() / 2, b.get_height()),
                    ha="center",
                    va="bottom" if b.get_height() >= 0 else "top",
                    fontsize=7,
                )
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(x, groups)
        ax.set_ylabel(text.label("points", lang=lang))
        ax.yaxis.set_major_formatter(text.number_formatter(lang=lang, digits=1))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=7)
    periods = str(t["periods"].iloc[0]) if "periods" in t.columns else ""
    alt = product_sentence(t, lang=lang) + (f" ({periods})" if periods else "")
    cols = [
        c
        for c in [
            group_col,
            "periods",
            "alpha_prev",
            "alpha_curr",
            "beta_prev",
            "beta_curr",
            "rate_prev",
            "rate_curr",
            "change",
            "alpha_effect",
            "beta_effect",
        ]
        if c and c in t.columns
    ]
    return attach_caption(
        fig, title=title or text.label("product_decomposition", lang=lang), alt=alt, data=t[cols]
    )
