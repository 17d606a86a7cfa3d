"""Plots of units over the months and of a change split into its parts: late heatmap, decomposition."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import text
from analysis.plots.axes import PercentTicks, keep_inside, legend_above, number_axis
from analysis.plots.base import (
    LIST_FIGSIZE,
    OKABE_ITO,
    attach_caption,
    new_figure,
    nfc,
    notice_figure,
    require_columns,
    style_context,
    titled,
)


def late_heatmap(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """Plot a heatmap of the late share per agency (rows) and month (columns), each cell labelled.

    Parameters
    ----------
    table : pandas.DataFrame
        Long table with ``unit_name``, ``month`` (1–12) and ``late_share`` (0–1).
    lang : {"vi", "en"}
        Label language.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Cells carry their value as text, so colour is not the only carrier of meaning.
    """
    if table.empty:
        return notice_figure(
            text.label("no_monthly", lang=lang),
            title=title or text.label("late_share", lang=lang),
            data=table,
        )
    require_columns(table, ["unit_name", "month", "late_share"], what="late_heatmap")
    wide = table.pivot_table(index="unit_name", columns="month", values="late_share", aggfunc="mean")
    wide = wide.loc[wide.mean(axis=1).sort_values(ascending=False).index]
    import seaborn as sns  # here, not at the top: 0.2 s of every kernel's start, for this one figure

    fig, ax = new_figure(figsize=LIST_FIGSIZE)
    values = wide.to_numpy()
    cells = np.vectorize(lambda v: text.format_number(100 * v, lang=lang, digits=1) if np.isfinite(v) else "")
    with style_context():
        sns.heatmap(
            wide.set_axis([nfc(n) for n in wide.index], axis=0).set_axis(
                [str(int(m)) for m in wide.columns], axis=1
            ),
            ax=ax,
            cmap="cividis_r",
            vmin=0,
            annot=cells(values) if values.size else False,
            fmt="",
            annot_kws={"fontsize": 6},
            linewidths=0.5,
            linecolor="white",
            cbar_kws={"shrink": 0.8, "label": text.label("late_share", lang=lang)},
        )
        ax.set_xlabel(text.label("month", lang=lang))
        ax.set_ylabel("")
        ax.tick_params(axis="y", rotation=0)
        cbar = ax.collections[0].colorbar
        cbar.ax.yaxis.set_major_formatter(PercentTicks(lang))
    worst = wide.stack().idxmax() if wide.size else ("–", 0)
    worst_v = float(wide.stack().max()) if wide.size else float("nan")
    month_mean = wide.mean(axis=0)
    alt = (
        (
            f"Bản đồ nhiệt tỷ lệ hồ sơ trễ hạn của {len(wide)} "
            f"cơ quan theo {wide.shape[1]} tháng (số trong ô là "
            f"phần trăm). Cao nhất: {nfc(worst[0])} tháng {int(worst[1])} "
            f"({text.format_percent(worst_v, lang=lang)}); "
            f"tháng có tỷ lệ trễ trung bình cao nhất: {int(month_mean.idxmax())}."
        )
        if lang == "vi"
        else (
            f"Heatmap of the late share for {len(wide)} agencies by {wide.shape[1]} months (cells give the "
            f"percentage). Highest: {nfc(worst[0])} in month {int(worst[1])} "
            f"({text.format_percent(worst_v, lang=lang)}); month with the highest mean late share: "
            f"{int(month_mean.idxmax())}."
        )
    )
    title = title or text.label("late_share", lang=lang)
    return attach_caption(
        fig,
        title=title,
        alt=alt,
        data=table[["unit_name", "month", "late_share"]].sort_values(["unit_name", "month"]),
    )


def decomposition_bars(
    table: pd.DataFrame, *, lang: str = "vi", label_col: str = "unit_name", title: str | None = None
) -> Figure:
    """Plot a change in an overall rate split into the mix and performance (rate) effects (Kitagawa).

    Parameters
    ----------
    table : pandas.DataFrame
        One series of ``analysis.stats.decompose_table``: per group ``label_col``, ``mix`` and
        ``rate_effect`` (contributions, 0–1 scale); the ``is_total`` row, if present, is left out and the
        totals are the sums of the groups (which equal it: Kitagawa's terms add up exactly).
    lang : {"vi", "en"}
        Label language.
    label_col : str
        Column naming the groups.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Left: the total change and its two parts; right: the largest per-group contributions.
    """
    if table.empty:
        return notice_figure(
            text.label("no_previous", lang=lang),
            title=title or text.label("decomposition", lang=lang),
            data=table,
        )
    require_columns(table, [label_col, "mix", "rate_effect"], what="decomposition_bars")
    if "is_total" in table.columns:
        table = table[~table["is_total"].astype(bool)]
    table = table.rename(columns={"rate_effect": "rate"}).assign(group=table[label_col].astype(str))
    default_title = titled(table, "decomposition", lang=lang)
    mix, rate = float(table["mix"].sum()), float(table["rate"].sum())
    total = mix + rate
    fig, (ax1, ax2) = new_figure(ncols=2, gridspec_kw={"width_ratios": [1, 2]})
    names = [text.label(k, lang=lang) for k in ("total_short", "mix_short", "rate_short")]
    colors = [OKABE_ITO["black"], OKABE_ITO["orange"], OKABE_ITO["blue"]]
    pts = [100 * total, 100 * mix, 100 * rate]
    with style_context():
        bars = ax1.bar(range(3), pts, color=colors, edgecolor="black")
        for b, h in zip(bars, ["", "//", ".."], strict=True):
            b.set_hatch(h)
        ax1.set_xticks(range(3), names, fontsize=8)
        number_axis(ax1.yaxis, lang=lang)
        ax1.set_xlim(-0.6, 2.6)
        values = [
            ax1.annotate(  # the unit (percentage points) is the axis label's
                ("+" if v > 0 else "") + text.format_number(100 * v, lang=lang, digits=3),
                (i, pts[i]),
                xytext=(0, 3 if pts[i] >= 0 else -3),
                textcoords="offset points",
                ha="center",
                va="bottom" if pts[i] >= 0 else "top",
                fontsize=8,
            )
            for i, v in enumerate([total, mix, rate])
        ]
        ax1.axhline(0, color="black", linewidth=0.8)
        ax1.set_ylabel(text.label("points", lang=lang))
        t = table.assign(total=table["mix"] + table["rate"])
        t = t.reindex(t["total"].abs().sort_values(ascending=False).index).head(12).iloc[::-1]
        y = np.arange(len(t))
        ax2.barh(
            y - 0.2,
            100 * t["rate"],
            height=0.4,
            color=OKABE_ITO["blue"],
            hatch="..",
            edgecolor="black",
            label=text.label("rate_effect", lang=lang),
        )
        ax2.barh(
            y + 0.2,
            100 * t["mix"],
            height=0.4,
            color=OKABE_ITO["orange"],
            hatch="//",
            edgecolor="black",
            label=text.label("mix", lang=lang),
        )
        ax2.set_yticks(y, [nfc(g) for g in t["group"]], fontsize=7)
        ax2.axvline(0, color="black", linewidth=0.8)
        ax2.set_xlabel(text.label("points", lang=lang))
        number_axis(ax2.xaxis, lang=lang)
        legend_above(ax2, fontsize=7)
        keep_inside(fig, ax1, values, axis="y")
    alt = text.phrase(
        "decomposition",
        lang=lang,
        total=text.format_points(total, lang=lang, digits=3),
        rate_effect=text.format_points(rate, lang=lang, digits=3),
        mix=text.format_points(mix, lang=lang, digits=3),
    )
    top = t.iloc[-1] if len(t) else None
    if top is not None:
        alt += (
            f" Đóng góp lớn nhất: {nfc(top['group'])} "
            f"({text.format_points(top['total'], lang=lang, digits=3)})."
            if lang == "vi"
            else f" Largest contribution: {nfc(top['group'])} "
            f"({text.format_points(top['total'], lang=lang, digits=3)})."
        )
    title = title or default_title
    return attach_caption(
        fig,
        title=title,
        alt=alt,
        data=table[["group", "mix", "rate"]].rename(columns={"rate": "rate_effect"}).sort_values("group"),
    )
