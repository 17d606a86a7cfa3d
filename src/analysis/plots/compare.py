"""Plots that compare units: scorecard, year-over-year dumbbell, funnel plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import text
from analysis.plots.axes import legend_above, number_axis, place_labels, rate_axis
from analysis.plots.base import (
    FUNNEL_STYLES,
    LIST_FIGSIZE,
    OKABE_ITO,
    VERDICT_STYLES,
    attach_caption,
    find_target,
    new_figure,
    nfc,
    notice_figure,
    notice_when_empty,
    require_columns,
    style_context,
    target_line,
    titled,
)
from analysis.text.findings import variation_sentence

#: Columns of a year-over-year table (``analysis.stats.yoy_table``) used by the plots.
YOY_COLUMNS = ["unit_name", "rate_prev", "rate_curr", "rate_curr_lower", "rate_curr_upper", "label"]


def _comparable(yoy: pd.DataFrame) -> pd.DataFrame:
    """Rows of a YoY table with both rates, renamed to ``rate``, ``lower``, ``upper``, ``verdict``."""
    t = yoy.rename(
        columns={
            "rate_curr": "rate",
            "rate_curr_lower": "lower",
            "rate_curr_upper": "upper",
            "label": "verdict",
        }
    )
    return t[t["verdict"].isin(list(VERDICT_STYLES)) & t["rate"].notna() & t["rate_prev"].notna()]


def _nothing_to_compare(yoy: pd.DataFrame, *, lang: str, title: str | None) -> Figure:
    """Notice figure when no row has both periods (e.g. the first year of the data)."""
    periods = str(yoy["periods"].iloc[0]) if "periods" in yoy.columns and len(yoy) else ""
    message = text.label("no_previous", lang=lang) + (f" ({periods})" if periods else "")
    return notice_figure(message, title=title or titled(yoy, "yoy", lang=lang), data=yoy)


def _last_and_this_year(ax, t: pd.DataFrame, y: np.ndarray, *, lang: str, capsize: float) -> None:
    """Draw last year's rates as open circles and this year's with their interval, styled by verdict.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on (call inside :func:`~analysis.plots.base.style_context`).
    t : pandas.DataFrame
        Output of :func:`_comparable`: ``rate_prev``, ``rate``, ``lower``, ``upper``, ``verdict``.
    y : numpy.ndarray
        Vertical position of each row of ``t``.
    lang : {"vi", "en"}
        Label language.
    capsize : float
        Length of the interval caps, in points.
    """
    ax.scatter(
        t["rate_prev"],
        y,
        facecolor="white",
        edgecolor="black",
        marker="o",
        zorder=3,
        label=text.label("last_year", lang=lang),
    )
    for verdict, st in VERDICT_STYLES.items():
        m = (t["verdict"] == verdict).to_numpy()
        if m.any():
            ax.errorbar(
                t.loc[m, "rate"],
                y[m],
                xerr=[t.loc[m, "rate"] - t.loc[m, "lower"], t.loc[m, "upper"] - t.loc[m, "rate"]],
                fmt=st["marker"],
                color=st["color"],
                capsize=capsize,
                zorder=4,
                label=f"{text.label('this_year', lang=lang)}: {text.label(verdict, lang=lang)}",
            )


def _verdict_counts(verdicts: pd.Series, *, lang: str) -> str:
    counts = verdicts.value_counts()
    return ", ".join(f"{int(counts.get(k, 0))} {text.label(k, lang=lang)}" for k in VERDICT_STYLES)


@notice_when_empty("yoy")
def yoy_dumbbell(
    yoy: pd.DataFrame, *, lang: str = "vi", title: str | None = None, level: str | None = None
) -> Figure:
    """Plot each unit's rate last year (open circle) and this year (filled marker with its 95 % interval).

    Parameters
    ----------
    yoy : pandas.DataFrame
        ``analysis.stats.yoy_table`` output for one indicator: ``unit_name``, ``rate_prev``, ``rate_curr``
        with ``rate_curr_lower``/``rate_curr_upper`` and ``label`` ("improved", "no clear change",
        "worsened" from the Newcombe interval of the change; "not comparable" rows are left out).
    lang : {"vi", "en"}
        Label language.
    title : str, optional
        Figure title.
    level : str, optional
        The units' level (``"department"``, ``"district"``, ``"commune"``, ``"province"``), named in the
        default title ("... by district").

    Returns
    -------
    matplotlib.figure.Figure
        Units sorted by this year's rate; the verdict is shown by marker shape, colour and a text label.
    """
    require_columns(yoy, YOY_COLUMNS, what="yoy_dumbbell")
    t = _comparable(yoy).sort_values(["rate", "unit_name"]).reset_index(drop=True)
    if t.empty:
        return _nothing_to_compare(yoy, lang=lang, title=title or titled(yoy, "yoy", lang=lang, level=level))
    fig, ax = new_figure(figsize=LIST_FIGSIZE)
    y = np.arange(len(t))
    with style_context():
        ax.hlines(y, t["rate_prev"], t["rate"], color=OKABE_ITO["grey"], linewidth=1.2)
        _last_and_this_year(ax, t, y, lang=lang, capsize=2)
        ax.set_yticks(y, [nfc(n) for n in t["unit_name"]], fontsize=8 if len(t) <= 25 else 6)
        ax.set_ylim(-0.7, len(t) - 0.3)
        rate_axis(ax.xaxis, lang=lang)
        ax.set_xlabel(text.label("rate", lang=lang))
        legend_above(ax)
    low = t.iloc[0]
    alt = (
        (
            f"Biểu đồ quả tạ của {len(t)} đơn vị: vòng tròn rỗng "
            "là năm trước, điểm đặc là năm nay với khoảng tin "
            f"cậy 95 %. {_verdict_counts(t['verdict'], lang=lang)}. "
            f"Thấp nhất năm nay: {nfc(low['unit_name'])} "
            f"{text.format_percent(low['rate'], lang=lang)}."
        )
        if lang == "vi"
        else (
            f"Dumbbell chart of {len(t)} units: open circle last year, filled marker this year with its 95% "
            f"interval. {_verdict_counts(t['verdict'], lang=lang)}. "
            f"Lowest this year: {nfc(low['unit_name'])} "
            f"at {text.format_percent(low['rate'], lang=lang)}."
        )
    )
    alt = " ".join(s for s in (alt, variation_sentence(t, lang=lang)) if s)
    title = title or titled(t, "yoy", lang=lang, level=level)
    cols = [
        c
        for c in [
            "unit_code",
            "unit_name",
            "rate_prev",
            "rate",
            "lower",
            "upper",
            "change",
            "verdict",
            "method",
        ]
        if c in t.columns
    ]
    return attach_caption(fig, title=title, alt=alt, data=t[cols])


@notice_when_empty("funnel")
def funnel_plot(
    funnel: pd.DataFrame,
    *,
    lang: str = "vi",
    label_col: str = "unit_name",
    target: float | pd.DataFrame | None = None,
    title: str | None = None,
    level: str | None = None,
) -> Figure:
    """Plot each unit's rate against its denominator inside 95 % and 99.8 % control limits.

    Parameters
    ----------
    funnel : pandas.DataFrame
        One series of ``analysis.stats.funnel_table``: ``label_col``, ``numerator``, ``denominator``,
        ``rate``, ``baseline``, ``limits_used`` and ``significance`` (PHE labels "Low (0.001)" …).
        The limit curves are those the labels use (binomial, or random effects when overdispersed).
    lang : {"vi", "en"}
        Label language.
    label_col : str
        Column naming the units; units outside the 99.8 % limits are labelled on the plot, each at the
        first place around its point that covers no other point, label or the legend.
    target : float or pandas.DataFrame, optional
        When the table's baseline is a target (``baseline_kind`` "target"), the targets table it came from
        (``P.targets``): the line's label then gives the year the target was set for, and its source.
    title : str, optional
        Figure title.
    level : str, optional
        The units' level, named in the default title ("... by district").

    Returns
    -------
    matplotlib.figure.Figure
        The legend sits above the plot, outside the data.
    """
    from analysis.stats.series import funnel_curves

    require_columns(
        funnel,
        [label_col, "numerator", "denominator", "rate", "baseline", "significance"],
        what="funnel_plot",
    )
    funnel = funnel[(funnel["denominator"] > 0) & (funnel["significance"] != "")]
    if funnel.empty:  # a baseline of 0 or 1 gives no limits
        return notice_figure(
            text.label("no_data", lang=lang), title=title or text.label("funnel", lang=lang), data=funnel
        )
    p0 = float(funnel["baseline"].iloc[0])
    limits = funnel_curves(funnel)
    lim = limits.sort_values("denominator")
    fig, ax = new_figure()
    with style_context():
        kind = (
            "target"
            if str(funnel.get("baseline_kind", pd.Series(["overall"])).iloc[0]) == "target"
            else "overall"
        )
        ax.axhline(
            p0,
            color="black",
            linewidth=1,
            label=f"{text.label(kind, lang=lang)} {text.format_percent(p0, lang=lang)}",
        )
        ref = funnel["target"].iloc[0] if "target" in funnel.columns else None
        if ref is not None and pd.notna(ref):  # a reference line, not the centre of the limits
            ind = str(funnel["indicator"].iloc[0]) if "indicator" in funnel.columns else None
            year = int(funnel["year"].max()) if "year" in funnel.columns else None
            found = find_target(target, indicator=ind, year=year)
            same = found is not None and abs(found.value - float(ref)) < 1e-9
            target_line(ax, found if same else float(ref), lang=lang)
        ax.plot(
            lim["denominator"],
            lim["lower95"],
            color=OKABE_ITO["blue"],
            linestyle="--",
            label=text.label("limit95", lang=lang),
        )
        ax.plot(lim["denominator"], lim["upper95"], color=OKABE_ITO["blue"], linestyle="--")
        ax.plot(
            lim["denominator"],
            lim["lower998"],
            color=OKABE_ITO["vermillion"],
            linestyle=":",
            label=text.label("limit998", lang=lang),
        )
        ax.plot(lim["denominator"], lim["upper998"], color=OKABE_ITO["vermillion"], linestyle=":")
        for sig, st in FUNNEL_STYLES.items():
            m = funnel["significance"] == sig
            if m.any():
                ax.scatter(
                    funnel.loc[m, "denominator"],
                    funnel.loc[m, "rate"],
                    marker=st["marker"],
                    color=st["color"],
                    edgecolor="black",
                    linewidth=0.4,
                    zorder=3,
                    label=f"{text.label(sig, lang=lang)} ({int(m.sum())})",
                )
        ax.set_xscale("log")
        number_axis(ax.xaxis, lang=lang, log=True)
        rate_axis(ax.yaxis, lang=lang)
        ax.set_xlabel(text.label("denominator", lang=lang))
        ax.set_ylabel(text.label("rate", lang=lang))
        legend = legend_above(ax, fontsize=7)
        outside = funnel[funnel["significance"].isin(["Low (0.001)", "High (0.001)"])]
        names = [
            ax.annotate(
                nfc(r[label_col]),
                (r["denominator"], r["rate"]),
                xytext=(5, 0),
                textcoords="offset points",
                fontsize=7,
                va="center",
            )
            for _, r in outside.iterrows()
        ]
        place_labels(fig, ax, names, avoid=[legend])
    low = funnel[funnel["significance"] == "Low (0.001)"].sort_values("rate")
    names = ", ".join(nfc(n) for n in low[label_col].head(5))
    alt = text.phrase(
        "funnel_low_target" if kind == "target" else "funnel_low",
        lang=lang,
        n=len(low),
        p0=text.format_percent(p0, lang=lang),
        names=f" ({names})" if names else "",
    )
    alt = (
        f"Biểu đồ phễu của {len(funnel)} đơn vị (tỷ lệ theo số hồ sơ, trục log). "
        if lang == "vi"
        else f"Funnel plot of {len(funnel)} units (rate against dossiers, log axis). "
    ) + alt
    cols = [
        c
        for c in ["unit_code", label_col, "numerator", "denominator", "rate", "significance"]
        if c in funnel.columns
    ]
    key = "funnel_target" if "target" in set(funnel.get("baseline_kind", pd.Series(dtype=str))) else "funnel"
    title = title or titled(funnel, key, lang=lang, level=level)
    return attach_caption(fig, title=title, alt=alt, data=funnel[cols].sort_values(label_col))
