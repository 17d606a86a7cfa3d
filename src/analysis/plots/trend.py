"""Plots over time: yearly trend with interval band and target, seasonal pattern, projection."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import text
from analysis.plots.axes import legend_above, number_axis, rate_axis, spread_vertically, year_axis
from analysis.plots.base import (
    OKABE_ITO,
    TALL_FIGSIZE,
    attach_caption,
    find_target,
    indicator_name,
    new_figure,
    notice_figure,
    notice_when_empty,
    require_columns,
    series_style,
    style_context,
    target_label,
    target_line,
    titled,
)
from analysis.stats.tables_target import MIN_PROJECTION_YEARS


def _series_name(value: object, *, lang: str) -> str:
    key = str(value)
    if key in text.LABELS:
        return text.label(key, lang=lang)
    return indicator_name(key, lang=lang)


@notice_when_empty("trend_by_year")
def trend_band(
    table: pd.DataFrame,
    *,
    lang: str = "vi",
    by: str | None = None,
    target: float | pd.DataFrame | None = None,
    title: str | None = None,
) -> Figure:
    """Plot yearly rates with their 95 % interval as a band, one line per series, and target lines.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``year``, ``rate``, ``lower``, ``upper`` (0–1 scale) and, when ``by`` is given, the series
        column (e.g. ``convention`` to show Biểu 06 and QĐ 766 side by side).
    lang : {"vi", "en"}
        Label language.
    by : str, optional
        Column naming the series; each gets its own colour, marker and line style, and a direct label.
    target : float or pandas.DataFrame, optional
        Target rate, or a targets table (``P.targets``) in which each series' indicator is looked up (the
        latest target set for the last year shown or before).  Drawn as a dotted line labelled with its
        value, the year it was set for and whether the last year meets it.
    title : str, optional
        Figure title (a default names the series).

    Returns
    -------
    matplotlib.figure.Figure
        Legend above the plot; the last value of each series is written at its end, labels moved apart
        so that they never overlap.
    """
    require_columns(table, ["year", "rate", "lower", "upper"] + ([by] if by else []), what="trend_band")
    fig, ax = new_figure()
    groups = list(table.groupby(by, sort=True)) if by else [("", table)]
    notes, ends, targets_drawn = [], [], []
    with style_context():
        for i, (name, g) in enumerate(groups):
            g = g.sort_values("year")
            st = series_style(i)
            label = _series_name(name, lang=lang) if by else text.label("rate", lang=lang)
            ax.fill_between(
                g["year"],
                g["lower"],
                g["upper"],
                color=st["color"],
                alpha=0.18,
                linewidth=0,
                hatch=None if i == 0 else "//",
            )
            ax.plot(g["year"], g["rate"], label=label, **st)
            last = g.iloc[-1]
            ends.append(
                ax.annotate(
                    text.format_percent(last["rate"], lang=lang),
                    (last["year"], last["rate"]),
                    xytext=(7, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                    color=st["color"],
                )
            )
            notes.append(
                f"{label}: {text.format_percent(g['rate'].iloc[0], lang=lang)} "
                f"({int(g['year'].iloc[0])}) → {text.format_percent(last['rate'], lang=lang)} "
                f"({int(last['year'])})"
            )
            ind = str(g["indicator"].iloc[0]) if "indicator" in g.columns else None
            found = find_target(target, indicator=ind, year=int(last["year"]))
            if found is not None:
                target_line(
                    ax,
                    found,
                    lang=lang,
                    rate=float(last["rate"]),
                    rate_year=int(last["year"]),
                    indicator=ind,
                    color=st["color"] if len(groups) > 1 else None,
                )
                targets_drawn.append((label, found, float(last["rate"]), int(last["year"]), ind))
        rate_axis(ax.yaxis, lang=lang)
        ax.set_xlabel(text.label("year", lang=lang))
        ax.set_ylabel(text.label("rate", lang=lang))
        year_axis(ax, sorted(table["year"].unique()), right=0.6)
        legend_above(ax)
        spread_vertically(fig, ax, ends)
    band = text.label("interval", lang=lang)
    title = title or (
        text.label("conventions", lang=lang)
        if by == "convention"
        else titled(table, "trend_by_year", lang=lang)
    )
    what = "Đường xu hướng theo năm, dải là " if lang == "vi" else "Yearly trend; the band is the "
    alt = what + band.lower() + ". " + "; ".join(notes) + "."
    for label, found, rate, year, ind in targets_drawn:
        alt += f" {label}: " if len(targets_drawn) > 1 else " "
        alt += target_label(found, lang=lang, rate=rate, rate_year=year, indicator=ind) + "."
    cols = ["year", "rate", "lower", "upper"] + ([by] if by else [])
    return attach_caption(
        fig, title=title.strip(), alt=alt, data=table[cols].sort_values(([by] if by else []) + ["year"])
    )


def seasonal_plot(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """Plot a monthly rate with its seasonally adjusted trend (top) and the seasonal component (bottom).

    Parameters
    ----------
    table : pandas.DataFrame
        One series of ``analysis.stats.seasonal_table``: ``period_start`` (or ``period``, month start),
        ``rate`` (observed), ``trend`` and ``seasonal``, on the 0–1 scale.
    lang : {"vi", "en"}
        Label language.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if "period" not in table.columns and "period_start" in table.columns:
        table = table.rename(columns={"period_start": "period"})
    if table.empty or not table.get("seasonal", pd.Series(dtype=float)).notna().any():
        note = str(table["note"].iloc[0]) if "note" in table.columns and len(table) else ""
        message = text.label("no_monthly", lang=lang) + (f" ({note})" if note else "")
        return notice_figure(message, title=title or text.label("seasonal_title", lang=lang), data=table)
    require_columns(table, ["period", "rate", "trend", "seasonal"], what="seasonal_plot")
    t = table.sort_values("period").reset_index(drop=True)
    fig, (ax1, ax2) = new_figure(
        nrows=2, figsize=TALL_FIGSIZE, sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    with style_context():
        ax1.plot(
            t["period"],
            t["rate"],
            color=OKABE_ITO["grey"],
            marker=".",
            linestyle="-",
            linewidth=0.8,
            label=text.label("observed", lang=lang),
        )
        ax1.plot(
            t["period"],
            t["trend"],
            color=OKABE_ITO["blue"],
            linestyle="-",
            linewidth=2.2,
            label=text.label("trend", lang=lang),
        )
        rate_axis(ax1.yaxis, lang=lang)
        ax1.set_ylabel(text.label("rate", lang=lang))
        legend_above(ax1)
        ax2.bar(
            t["period"],
            t["seasonal"],
            width=20,
            color=np.where(t["seasonal"] < 0, OKABE_ITO["vermillion"], OKABE_ITO["sky"]),
            hatch=None,
            edgecolor="none",
        )
        ax2.axhline(0, color="black", linewidth=0.8)
        number_axis(ax2.yaxis, lang=lang, scale=100)
        ax2.set_ylabel(
            text.label("seasonal", lang=lang) + f"\n({text.label('points', lang=lang)})", fontsize=8
        )
        ax2.set_xlabel(text.label("month", lang=lang))
    month = t["period"].dt.month
    by_month = t.groupby(month)["seasonal"].mean()
    low_m, high_m = int(by_month.idxmin()), int(by_month.idxmax())
    mname = text.label("month", lang=lang).lower()
    alt = (
        (
            f"Tỷ lệ theo tháng từ {t['period'].iloc[0]:%m/%Y} đến "
            f"{t['period'].iloc[-1]:%m/%Y} và xu hướng đã khử "
            f"mùa vụ (STL). Thành phần mùa vụ thấp nhất vào {mname} {low_m} "
            f"({text.format_points(by_month.min(), lang=lang)}), cao nhất vào {mname} {high_m} "
            f"({text.format_points(by_month.max(), lang=lang)})."
        )
        if lang == "vi"
        else (
            f"Monthly rate from {t['period'].iloc[0]:%Y-%m} to "
            f"{t['period'].iloc[-1]:%Y-%m} with its seasonally "
            f"adjusted (STL) trend. The seasonal component is lowest in {mname} {low_m} "
            f"({text.format_points(by_month.min(), lang=lang)}) and highest in {mname} {high_m} "
            f"({text.format_points(by_month.max(), lang=lang)})."
        )
    )
    title = title or titled(t, "seasonal_title", lang=lang)
    return attach_caption(fig, title=title, alt=alt, data=t[["period", "rate", "trend", "seasonal"]])


@notice_when_empty("projection_title")
def projection_plot(
    history: pd.DataFrame,
    projection: pd.DataFrame,
    *,
    lang: str = "vi",
    target: float | pd.DataFrame | None = None,
    title: str | None = None,
) -> Figure:
    """Plot yearly rates with intervals and their projection to a target year with a prediction interval.

    Parameters
    ----------
    history : pandas.DataFrame
        Observed years: ``year``, ``rate``, ``lower``, ``upper`` (and ``indicator``, to look up a target).
    projection : pandas.DataFrame
        Projected years: ``year``, ``rate``, ``lower``, ``upper`` (prediction interval).
    lang : {"vi", "en"}
        Label language.
    target : float or pandas.DataFrame, optional
        Target rate for the last projected year, or a targets table in which the indicator is looked up;
        drawn as a dotted line saying whether the projection reaches it.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(history, ["year", "rate", "lower", "upper"], what="projection_plot (history)")
    if projection.empty:
        return notice_figure(
            text.label("no_data", lang=lang),
            title=title or text.label("projection_title", lang=lang),
            data=history,
        )
    require_columns(projection, ["year", "rate", "lower", "upper"], what="projection_plot (projection)")
    h = history.sort_values("year")
    p = projection[np.isfinite(projection["rate"].to_numpy(float))].sort_values("year")
    if p.empty:  # projection_table's row for a series too short to project: say so, draw nothing false
        years = int(h["year"].nunique()) if len(h) else 0
        return notice_figure(
            text.phrase("projection_too_few", lang=lang, years=years, need=MIN_PROJECTION_YEARS),
            title=title or text.label("projection_title", lang=lang),
            data=history,
        )
    ind = str(h["indicator"].iloc[0]) if "indicator" in h.columns and len(h) else None
    found = find_target(target, indicator=ind, year=int(p["year"].max()))
    fig, ax = new_figure()
    with style_context():
        st = series_style(0)
        ax.errorbar(
            h["year"],
            h["rate"],
            yerr=[h["rate"] - h["lower"], h["upper"] - h["rate"]],
            capsize=3,
            label=text.label("rate", lang=lang),
            **st,
        )
        joined = pd.concat([h.tail(1), p])
        ax.fill_between(
            joined["year"],
            joined["lower"],
            joined["upper"],
            color=OKABE_ITO["orange"],
            alpha=0.2,
            hatch="//",
            linewidth=0,
        )
        ax.plot(
            joined["year"],
            joined["rate"],
            color=OKABE_ITO["orange"],
            marker="s",
            linestyle="--",
            markerfacecolor="white",
            label=text.label("prediction", lang=lang),
        )
        if found is not None:
            target_line(
                ax,
                found,
                lang=lang,
                rate=float(p["rate"].iloc[-1]),
                rate_year=int(p["year"].iloc[-1]),
                indicator=ind,
            )
        rate_axis(ax.yaxis, lang=lang)
        year_axis(ax, sorted(set(h["year"]) | set(p["year"])))
        ax.set_xlabel(text.label("year", lang=lang))
        ax.set_ylabel(text.label("rate", lang=lang))
        legend_above(ax)
    last = p.iloc[-1]
    alt = text.phrase(
        "projection_only",
        lang=lang,
        year=int(last["year"]),
        rate=text.format_percent(last["rate"], lang=lang),
        lower=text.format_percent(last["lower"], lang=lang),
        upper=text.format_percent(last["upper"], lang=lang),
    )
    if found is not None:
        label = target_label(
            found, lang=lang, rate=float(last["rate"]), rate_year=int(last["year"]), indicator=ind
        )
        alt += f" {label}."
    first = h.iloc[0]
    alt = (
        f"{text.format_percent(first['rate'], lang=lang)} ({int(first['year'])}) → "
        f"{text.format_percent(h.iloc[-1]['rate'], lang=lang)} ({int(h.iloc[-1]['year'])}). " + alt
    )
    data = pd.concat([h.assign(kind="observed"), p.assign(kind="projected")])[
        ["year", "kind", "rate", "lower", "upper"]
    ]
    title = title or titled(h, "projection_title", lang=lang)
    return attach_caption(fig, title=title, alt=alt, data=data)
