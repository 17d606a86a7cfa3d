"""Plots of welfare payouts: the three rates side by side, payout stages, one rate per unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import text
from analysis.plots.axes import keep_inside, legend_above, number_axis, rate_axis
from analysis.plots.base import (
    HATCHES,
    LIST_FIGSIZE,
    OKABE_ITO,
    SERIES_STYLES,
    attach_caption,
    find_target,
    new_figure,
    nfc,
    notice_when_empty,
    require_columns,
    style_context,
    target_line,
    titled,
)
from analysis.text.findings import stage_sentences

#: The three welfare rates of DOMAIN.md §1.5, in the order they are shown.
WELFARE_INDICATORS = ("welfare.account_share", "welfare.paid_share", "welfare.paid_of_holders")
#: Stage columns of a payout-stage table and their label keys.
STAGES = (("beneficiaries", "beneficiaries"), ("with_account", "with_account"), ("paid", "paid_account"))


@notice_when_empty("rate")
def welfare_rates(
    table: pd.DataFrame,
    *,
    lang: str = "vi",
    target: float | pd.DataFrame | None = None,
    year: int | None = None,
    title: str | None = None,
) -> Figure:
    """Plot the three welfare rates side by side for each beneficiary group, with intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        ``indicator`` (one of :data:`WELFARE_INDICATORS`), ``group`` (e.g. "BTXH", "NCC", or "all"),
        ``rate``, ``lower``, ``upper``.
    lang : {"vi", "en"}
        Label language.
    target : float or pandas.DataFrame, optional
        Target for the paid share (``welfare.paid_share``), or a targets table to look it up in; drawn as a
        dotted line saying whether the paid share of all groups meets it.
    year : int, optional
        Year shown: a target looked up in a table is the latest one set for this year or before.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Bars are distinguished by colour, hatch and a direct value label; the legend sits above the plot.
    """
    require_columns(table, ["indicator", "group", "rate", "lower", "upper"], what="welfare_rates")
    groups = sorted(table["group"].astype(str).unique())
    fig, ax = new_figure()
    width = 0.8 / len(WELFARE_INDICATORS)
    x = np.arange(len(groups))
    values = []
    with style_context():
        for k, ind in enumerate(WELFARE_INDICATORS):
            sub = (
                table[table["indicator"] == ind]
                .set_index(table.loc[table["indicator"] == ind, "group"].astype(str))
                .reindex(groups)
            )
            pos = x + (k - 1) * width
            ax.bar(
                pos,
                sub["rate"],
                width=width,
                color=SERIES_STYLES[k]["color"],
                hatch=HATCHES[k],
                edgecolor="black",
                label=text.indicator_label(ind, lang=lang),
            )
            ax.errorbar(
                pos,
                sub["rate"],
                yerr=[sub["rate"] - sub["lower"], sub["upper"] - sub["rate"]],
                fmt="none",
                color="black",
                capsize=2,
            )
            for p, v, top in zip(pos, sub["rate"], sub["upper"], strict=True):
                if np.isfinite(v):  # written above the interval's upper end, never over it
                    values.append(
                        ax.annotate(
                            text.format_percent(v, lang=lang, digits=1),
                            (p, top),
                            xytext=(0, 3),
                            textcoords="offset points",
                            ha="center",
                            fontsize=6,
                        )
                    )
        paid = table[(table["indicator"] == "welfare.paid_share") & (table["group"].astype(str) == "all")]
        found = find_target(target, indicator="welfare.paid_share", year=year)
        if found is not None:
            rate = float(paid["rate"].iloc[0]) if len(paid) else None
            target_line(ax, found, lang=lang, rate=rate, indicator="welfare.paid_share")
        ax.set_xticks(x, [text.label(g, lang=lang) for g in groups])
        ax.set_ylim(0, 1.08)
        rate_axis(ax.yaxis, lang=lang)
        ax.set_ylabel(text.label("rate", lang=lang))
        legend_above(ax, fontsize=7)
        keep_inside(fig, ax, values, axis="y")
    parts = []
    for g in groups:
        sub = table[table["group"].astype(str) == g].set_index("indicator")["rate"]
        vals = ", ".join(
            f"{text.indicator_label(i, lang=lang).lower()} {text.format_percent(sub.get(i), lang=lang)}"
            for i in WELFARE_INDICATORS
            if i in sub.index
        )
        parts.append(f"{text.label(g, lang=lang)}: {vals}")
    alt = (
        (
            "Ba tỷ lệ chi trả qua tài khoản theo nhóm đối tượng. "
            if lang == "vi"
            else "The three welfare account rates by beneficiary group. "
        )
        + "; ".join(parts)
        + "."
    )
    title = title or (
        "Ba tỷ lệ chi trả an sinh xã hội qua tài khoản" if lang == "vi" else "Three welfare payout rates"
    )
    return attach_caption(
        fig,
        title=title,
        alt=alt,
        data=table[["group", "indicator", "rate", "lower", "upper"]].sort_values(["group", "indicator"]),
    )


@notice_when_empty("beneficiaries")
def welfare_stages(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """Plot the stages from beneficiaries to account holders to payouts through accounts, per group.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per group: ``group``, ``beneficiaries``, ``with_account``, ``paid`` (people).
    lang : {"vi", "en"}
        Label language.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(table, ["group", "beneficiaries", "with_account", "paid"], what="welfare_stages")
    t = table.sort_values("group").reset_index(drop=True)
    fig, ax = new_figure()
    y = np.arange(len(t))[::-1]
    h = 0.8 / len(STAGES)
    values = []
    with style_context():
        for k, (col, key) in enumerate(STAGES):
            pos = y + (1 - k) * h
            ax.barh(
                pos,
                t[col],
                height=h,
                color=SERIES_STYLES[k]["color"],
                hatch=HATCHES[k],
                edgecolor="black",
                label=text.label(key, lang=lang),
            )
            for p, v, base in zip(pos, t[col], t["beneficiaries"], strict=True):
                share = f" ({text.format_percent(v / base, lang=lang)})" if k and base else ""
                values.append(
                    ax.annotate(
                        text.format_number(v, lang=lang) + share,
                        (v, p),
                        xytext=(3, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=7,
                    )
                )
        ax.set_yticks(y, [text.label(str(g), lang=lang) for g in t["group"]])
        ax.set_xlabel(text.label("people", lang=lang))
        ax.set_xlim(0, float(t["beneficiaries"].max()) * 1.1)
        number_axis(ax.xaxis, lang=lang)
        legend_above(ax)
        keep_inside(fig, ax, values, axis="x")
    parts = stage_sentences(t, lang=lang)
    alt = (
        "Các bước từ đối tượng đến tài khoản đến chi trả. "
        if lang == "vi"
        else "Stages from beneficiaries to accounts to payouts. "
    ) + " ".join(parts)
    title = title or (
        "Từ đối tượng đến tài khoản đến chi trả"
        if lang == "vi"
        else "From beneficiaries to accounts to payouts"
    )
    return attach_caption(
        fig, title=title, alt=alt, data=t[["group", "beneficiaries", "with_account", "paid"]]
    )


@notice_when_empty("by_unit")
def rate_dotplot(
    table: pd.DataFrame,
    *,
    lang: str = "vi",
    label_col: str = "unit_name",
    target: float | pd.DataFrame | None = None,
    year: int | None = None,
    title: str | None = None,
    max_rows: int = 40,
) -> Figure:
    """Plot one rate per unit (e.g. commune) as a dot with its 95 % interval, sorted, with a target line.

    Parameters
    ----------
    table : pandas.DataFrame
        ``label_col``, ``rate``, ``lower``, ``upper``.
    lang : {"vi", "en"}
        Label language.
    label_col : str
        Column naming the units.
    target : float or pandas.DataFrame, optional
        Target rate (dotted line), or a targets table in which the table's indicator is looked up; units
        whose interval lies wholly below it get a ▼ marker.
    year : int, optional
        Year shown: a target looked up in a table is the latest one set for this year or before.
    title : str, optional
        Figure title.
    max_rows : int
        Show at most this many units (the lowest rates first, so the ones needing attention stay).

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(table, [label_col, "rate", "lower", "upper"], what="rate_dotplot")
    t = table.sort_values(["rate", label_col]).head(max_rows).reset_index(drop=True)
    fig, ax = new_figure(figsize=LIST_FIGSIZE)
    y = np.arange(len(t))
    ind = str(t["indicator"].iloc[0]) if "indicator" in t.columns and len(t) else None
    found = find_target(target, indicator=ind, year=year)
    below = (t["upper"] < found.value).to_numpy() if found is not None else np.zeros(len(t), bool)
    with style_context():
        for flag, st, _key in (
            (False, SERIES_STYLES[0], "rate"),
            (True, {"color": OKABE_ITO["vermillion"], "marker": "v"}, "target"),
        ):
            m = below == flag
            if m.any():
                lab = (
                    text.label("rate", lang=lang)
                    if not flag
                    else ("Dưới chỉ tiêu rõ rệt" if lang == "vi" else "Clearly below target")
                )
                ax.errorbar(
                    t.loc[m, "rate"],
                    y[m],
                    xerr=[t.loc[m, "rate"] - t.loc[m, "lower"], t.loc[m, "upper"] - t.loc[m, "rate"]],
                    fmt=st["marker"],
                    color=st["color"],
                    capsize=2,
                    label=lab,
                )
        if found is not None:
            target_line(ax, found, lang=lang, vertical=True)
        ax.set_yticks(y, [nfc(n) for n in t[label_col]], fontsize=7)
        ax.set_ylim(-0.7, len(t) - 0.3)
        rate_axis(ax.xaxis, lang=lang)
        ax.set_xlabel(text.label("rate", lang=lang))
        legend_above(ax, fontsize=7)
    lo, hi = t.iloc[0], t.iloc[-1]
    alt = (
        (
            f"Tỷ lệ của {len(t)} đơn vị với khoảng tin cậy 95 %, từ {nfc(lo[label_col])} "
            f"{text.format_percent(lo['rate'], lang=lang)} đến {nfc(hi[label_col])} "
            f"{text.format_percent(hi['rate'], lang=lang)}."
        )
        if lang == "vi"
        else (
            f"Rates of {len(t)} units with 95% intervals, from {nfc(lo[label_col])} at "
            f"{text.format_percent(lo['rate'], lang=lang)} to {nfc(hi[label_col])} at "
            f"{text.format_percent(hi['rate'], lang=lang)}."
        )
    )
    if found is not None:
        alt += (
            f" {int(below.sum())} đơn vị dưới chỉ tiêu {text.format_percent(found.value, lang=lang)} rõ rệt."
            if lang == "vi"
            else f" Units clearly below the {text.format_percent(found.value, lang=lang)} target: "
            f"{int(below.sum())}."
        )
    cols = [
        c
        for c in ["unit_code", label_col, "numerator", "denominator", "rate", "lower", "upper"]
        if c in t.columns
    ]
    title = title or titled(table, "by_unit", lang=lang)
    return attach_caption(fig, title=title, alt=alt, data=t[cols])
