"""The scorecard: every indicator this year against last year and its target, met or not met, one row each."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import text
from analysis.plots.axes import legend_above, rate_axis
from analysis.plots.base import (
    SCORECARD_FIGSIZE,
    attach_caption,
    find_target,
    new_figure,
    note_inputs,
    notice_when_empty,
    reached,
    require_columns,
    style_context,
)
from analysis.plots.compare import YOY_COLUMNS, _comparable, _last_and_this_year, _nothing_to_compare
from analysis.text.findings import variation_sentence


@notice_when_empty("yoy")
def scorecard(
    table: pd.DataFrame, *, lang: str = "vi", targets: pd.DataFrame | None = None, title: str | None = None
) -> Figure:
    """Plot every indicator this year (with interval) against last year and its target, one row each.

    Parameters
    ----------
    table : pandas.DataFrame
        ``analysis.stats.yoy_table(counts, year, by=[])`` rows, one per indicator: ``indicator``,
        ``rate_prev``, ``rate_curr`` with its interval, ``label`` and optionally ``target`` (NaN when none).
    lang : {"vi", "en"}
        Label language.
    targets : pandas.DataFrame, optional
        The targets table the ``target`` column came from (``P.targets``): the figure's source line then
        names each target's source.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Each row is labelled with the value, the change and the verdict in words, and with its target and
        whether it is met ("đạt" / "chưa đạt") where a target exists.
    """
    require_columns(table, ["indicator", *YOY_COLUMNS[1:]], what="scorecard")
    t = _comparable(table).reset_index(drop=True)
    if t.empty:
        return _nothing_to_compare(table, lang=lang, title=title)
    fig, ax = new_figure(figsize=SCORECARD_FIGSIZE)
    y = np.arange(len(t))[::-1]
    has_target = t["target"].notna().to_numpy() if "target" in t.columns else np.zeros(len(t), bool)
    status = [
        _target_status(r, lang=lang) if flag else ""
        for flag, (_, r) in zip(has_target, t.iterrows(), strict=True)
    ]
    with style_context():
        _last_and_this_year(ax, t, y, lang=lang, capsize=3)
        if has_target.any():
            ax.scatter(
                t.loc[has_target, "target"],
                y[has_target],
                marker="|",
                s=300,
                color="black",
                linewidths=2,
                zorder=5,
                label=text.label("target", lang=lang),
            )
            for _, r in t[has_target].iterrows():
                year = (
                    int(r["target_year"])
                    if "target_year" in t.columns and r["target_year"] == r["target_year"]
                    else None
                )
                note_inputs(fig, "targets", target=find_target(targets, indicator=r["indicator"], year=year))
        for yi, (_, r), mark in zip(y, t.iterrows(), status, strict=True):
            line = (
                f"{text.format_percent(r['rate'], lang=lang)} · "
                f"{text.format_points(r['rate'] - r['rate_prev'], lang=lang)} · "
                f"{text.label(r['verdict'], lang=lang)}"
            )
            ax.annotate(
                line + (f"\n{mark}" if mark else ""),
                (1.02, yi),
                xycoords=("axes fraction", "data"),
                va="center",
                fontsize=7,
                fontweight="normal",
            )
        names = [text.indicator_label(i, lang=lang) for i in t["indicator"]]
        if "convention" in t.columns and t["indicator"].duplicated(keep=False).any():
            names = [
                f"{n} [{text.label(c, lang=lang)}]" if d else n
                for n, c, d in zip(names, t["convention"], t["indicator"].duplicated(keep=False), strict=True)
            ]
        ax.set_yticks(y, [_wrap(n, 34) for n in names], fontsize=7)
        ax.set_ylim(-0.6, len(t) - 0.4)
        rate_axis(ax.xaxis, lang=lang)
        ax.set_xlabel(text.label("rate", lang=lang))
        legend_above(ax, fontsize=7)
    parts = [
        f"{text.indicator_label(r['indicator'], lang=lang)} {text.format_percent(r['rate'], lang=lang)} "
        f"({text.label(r['verdict'], lang=lang)}{'; ' + mark if mark else ''})"
        for (_, r), mark in zip(t.iterrows(), status, strict=True)
    ]
    alt = (
        ("Bảng điểm các chỉ số: " if lang == "vi" else "Scorecard of the indicators: ")
        + "; ".join(parts)
        + "."
    )
    alt = " ".join(s for s in (alt, variation_sentence(table, lang=lang)) if s)
    cols = [
        c
        for c in [
            "indicator",
            "rate_prev",
            "rate",
            "lower",
            "upper",
            "change",
            "verdict",
            "target",
            "target_year",
        ]
        if c in t.columns
    ]
    title = title or ("Bảng điểm" if lang == "vi" else "Scorecard")
    return attach_caption(fig, title=title, alt=alt, data=t[cols])


def _wrap(label: str, width: int) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _target_status(row: pd.Series, *, lang: str) -> str:
    """Return "Target (2023) 98.0%: met" for a scorecard row with ``target`` (and ``target_year``)."""
    year = row.get("target_year")
    found = find_target(float(row["target"]))
    head = text.label("target", lang=lang) + (f" ({int(year)})" if year == year and year is not None else "")
    ok = reached(float(row["rate"]), found, indicator=str(row["indicator"]))
    status = text.label("met" if ok else "not met", lang=lang)
    return f"{head} {text.format_percent(found.value, lang=lang)}: {status}"
