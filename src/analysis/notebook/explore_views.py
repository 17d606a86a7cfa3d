"""What the explorer shows for one selection: trend and comparison charts, verdicts and table (pure).

The explorer (:mod:`analysis.notebook.explore`) holds the widgets; this module turns a Counts table and a
:class:`~analysis.notebook.explore_choices.Selection` into what they display, through the public functions
of :mod:`analysis.stats`, :mod:`analysis.plots` and :mod:`analysis.text`, so that the explorer draws what
the reports draw.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis import plots, stats, text
from analysis.counts import in_scope, subset
from analysis.notebook.explore_choices import (
    BOTH,
    CONVENTION_TWINS,
    Selection,
    convention_name,
    escape,
    unit_name,
    word,
)
from analysis.stats import series
from analysis.text import tables as text_tables


@contextlib.contextmanager
def validated_once() -> Iterator[None]:
    """Within this block pandera models check nothing: for views recomputed from Counts validated whole.

    The explorer validates the Counts once when it loads them (``read_counts``); every view is then
    recomputed from slices of that table by the library's functions, whose pandera models would re-check
    (and coerce to the types they already have) the same columns on every widget change, about a fifth
    of an update.  The checks ``analysis.schemas.validate_counts`` writes itself (numerator <= denominator,
    period order, unique keys) still run; tests/notebook/test_explore.py checks the views are the same.
    """
    from pandera.config import config_context

    with config_context(validation_enabled=False):
        yield


#: How a view asks for a statistic: ``memo(key, make)`` returns ``make()``, or what it returned before for
#: ``key`` (the explorer keeps them; :func:`direct` computes every time).  A key names everything the
#: statistic depends on besides the data: indicator, unit, years, comparison; never the language or chart.
Memo = Callable[[tuple, Callable[[], Any]], Any]


def direct(_key: tuple, make: Callable[[], Any]) -> Any:
    """Compute ``make()``: the :data:`Memo` that keeps nothing."""
    return make()


@dataclass
class Views:
    """What one selection displays: two figures, the verdict line (HTML), the table (HTML) and its data."""

    trend: Any
    compare: Any
    verdict_html: str
    table_html: str
    table: pd.DataFrame


def _compared_rows(counts: pd.DataFrame, sel: Selection) -> tuple[pd.DataFrame, list[str] | None]:
    """Rows of the units compared and the ``by`` of the tables (None = one row per unit)."""
    kind, _, what = sel.compare.partition(":")
    if kind == "by":
        return subset(in_scope(counts, sel.unit), indicator=sel.indicator), [what]
    if kind == "peers":
        province = sel.unit.split(".")[0].split("-")[0]
        return subset(in_scope(counts, province), indicator=sel.indicator, level=what), None
    if kind == "level":
        rows = subset(in_scope(counts, sel.unit), indicator=sel.indicator, level=what)
        return rows[rows["unit_code"] != sel.unit], None
    return counts.iloc[0:0], None


def _group_names(yoy: pd.DataFrame, col: str, *, lang: str) -> pd.DataFrame:
    return yoy.assign(unit_name=[text.label(str(g), lang=lang) for g in yoy[col]])


def _in_years(rows: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    return rows[(rows["year"] >= sel.first_year) & (rows["year"] <= sel.last_year)]


def _history(rows: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """Return the rows a year-over-year table reads: every year up to the last one shown.

    The earlier years are not cut by the first year shown: ``yoy_table`` estimates the process variation
    of its verdicts from them, so the explorer's verdict is the reports' verdict.
    """
    return rows[rows["year"] <= sel.last_year]


def selected_rows(by_indicator: dict[str, pd.DataFrame], sel: Selection) -> pd.DataFrame:
    """Return the rows of the selected indicator (and of its twin when both conventions are shown)."""
    empty = next(iter(by_indicator.values())).iloc[0:0] if by_indicator else pd.DataFrame()
    rows = by_indicator.get(sel.indicator, empty)
    twin = by_indicator.get(CONVENTION_TWINS.get(sel.indicator, ""))
    if sel.convention == BOTH and twin is not None:
        rows = pd.concat([rows, twin])
    return rows


def _ids(sel: Selection) -> list[str]:
    """Return the indicators of the trend: the selected one, and its twin when both conventions are shown."""
    if sel.convention == BOTH and sel.indicator in CONVENTION_TWINS:
        return [sel.indicator, CONVENTION_TWINS[sel.indicator]]
    return [sel.indicator]


def trend_figure(
    scope: pd.DataFrame, sel: Selection, *, targets: pd.DataFrame | None, memo: Memo = direct
) -> Any:
    """Return the yearly rates of the unit (units under it summed) with their intervals and target lines."""
    ids = _ids(sel)

    def compute() -> tuple[pd.DataFrame, pd.DataFrame | None]:
        yearly = series.yearly_rates(_in_years(scope, sel), indicator=ids)
        target = None
        if targets is not None and len(targets):  # the unit's targets; trend_band picks each series' own
            target = stats.unit_targets(targets, unit=sel.unit, counts=scope)
        return yearly, target

    key = ("yearly", tuple(ids), sel.unit, sel.first_year, sel.last_year)
    yearly, target = memo(key, compute)
    return plots.trend_band(yearly, by="convention" if len(ids) > 1 else None, target=target, lang=sel.lang)


def compare_key(sel: Selection) -> tuple:
    """Return what the comparison depends on besides language and chart: not the first year shown."""
    return (sel.indicator, sel.unit, sel.last_year, sel.compare)


def compare_figure(counts: pd.DataFrame, sel: Selection, *, memo: Memo = direct) -> tuple[Any, pd.DataFrame]:
    """Return the comparison chart (dumbbell or funnel) of the units or groups, and their YoY table."""
    rows, by = _compared_rows(counts, sel)
    if _in_years(rows, sel).empty:
        fig = plots.notice_figure(
            word("nothing_to_compare", lang=sel.lang), title=text.label("by_unit", lang=sel.lang)
        )
        return fig, pd.DataFrame()
    key = compare_key(sel)
    yoy = memo(("yoy", *key), lambda: stats.yoy_table(_history(rows, sel), sel.last_year, by=by))
    if by:
        yoy = _group_names(yoy, by[0], lang=sel.lang)
    yoy = yoy.sort_values(["rate_curr", "unit_name"], na_position="first").reset_index(drop=True)
    if sel.chart == "funnel":
        funnel = memo(("funnel", *key), lambda: stats.funnel_table(_history(rows, sel), sel.last_year, by=by))
        label_col = "unit_name"
        if by:
            funnel = _group_names(funnel, by[0], lang=sel.lang)
        return plots.funnel_plot(funnel, lang=sel.lang, label_col=label_col), yoy
    return plots.yoy_dumbbell(yoy, lang=sel.lang), yoy


def compared_in_years(counts: pd.DataFrame, sel: Selection) -> bool:
    """Whether any unit or group compared has counts in the years shown (else the chart says so)."""
    return not _in_years(_compared_rows(counts, sel)[0], sel).empty


def verdict_html(
    total: pd.DataFrame, trend: pd.DataFrame, *, name: str, sel: Selection, synthetic: bool
) -> str:
    """One line per verdict: this period against the last (Newcombe interval) and the multi-year trend."""
    lang = sel.lang
    parts = [f"<b>{escape(name)}</b> — {escape(text.indicator_label(sel.indicator, lang=lang))}"]
    twin = sel.indicator in CONVENTION_TWINS
    for r in total.itertuples(index=False):
        if pd.isna(r.rate_curr):
            continue
        interval = ""
        if pd.notna(r.change_lower):
            lo = text.format_points(r.change_lower, lang=lang)
            hi = text.format_points(r.change_upper, lang=lang)
            interval = f", {word('ci', lang=lang)} {lo} {word('to', lang=lang)} {hi}"
        change = (
            f"{text.format_percent(r.rate_curr, lang=lang)} {word('against', lang=lang)} "
            f"{text.format_percent(r.rate_prev, lang=lang)} "
            f"({text.format_points(r.change, lang=lang)}{interval})"
        )
        parts.append(
            f"{escape(convention_name(r.convention, twin=twin, lang=lang))}, {escape(r.periods)}: {change} → "
            f"<b class='explore-verdict'>{escape(text.label(r.label, lang=lang))}</b>"
        )
    for r in trend.itertuples(index=False):
        if not r.n_years:
            continue
        slope = (
            ""
            if pd.isna(r.slope)
            else f" {text.format_points(r.slope, lang=lang)}{word('per_year', lang=lang)}"
        )
        parts.append(
            f"{word('trend', lang=lang)} {r.first_year}–{r.last_year}{slope} → "
            f"<b class='explore-trend'>{escape(text.label(r.label, lang=lang))}</b>"
        )
    if synthetic:
        parts.append(f"<span class='explore-synthetic'><b>{escape(word('synthetic', lang=lang))}</b></span>")
    return "<br>".join(parts)


#: Background of the verdict cells in the table (Okabe–Ito; the verdict is also written in words).
VERDICT_COLOURS = {
    "improved": "#cdeee0",
    "worsened": "#fbe0cc",
    "improving": "#cdeee0",
    "worsening": "#fbe0cc",
}


#: Light rules and padding for the table (the reviewer pages' look: a rule under the header, zebra rows).
TABLE_STYLES = [
    {"selector": "", "props": "border-collapse: collapse; font-size: 0.92em;"},
    {"selector": "th", "props": "text-align: left; padding: 3px 10px; border-bottom: 1px solid #888;"},
    {"selector": "td", "props": "padding: 2px 10px; white-space: nowrap;"},
    {"selector": "tbody tr:nth-child(even)", "props": "background-color: #f4f4f4;"},
    {"selector": "tbody tr:first-child", "props": "font-weight: bold;"},
]


def table_html(total: pd.DataFrame, units: pd.DataFrame, *, name: str, lang: str) -> tuple[str, pd.DataFrame]:
    """Return the reader's table (``analysis.text.tables.yoy_view``): the unit first, then the units compared.

    Returned as HTML from a pandas Styler (every value HTML-escaped, no index) and as the view itself.  The
    indicator column is left out when every row has the same indicator (the verdict line names it).
    """
    parts = [total.assign(unit_name=name)] + ([units] if len(units) else [])
    yoy = pd.concat(parts, ignore_index=True)
    view = text_tables.yoy_view(yoy, lang=lang)
    headers = text_tables.HEADERS[lang]
    if yoy["indicator"].nunique() == 1:
        view = view.drop(columns=[headers["indicator"]])
    verdicts = list(yoy["label"])
    head = headers["label"]

    def colour(col: pd.Series) -> list[str]:
        return [f"background-color: {VERDICT_COLOURS.get(v, 'transparent')}" for v in verdicts]

    styler = view.style.set_uuid("explore").format(escape="html").hide(axis="index")
    styler = styler.apply(colour, subset=[head])
    styler = styler.set_table_attributes('class="explore-table-view"').set_table_styles(TABLE_STYLES)
    return styler.to_html(), view


@dataclass
class TrendPart:
    """The unit's own view: trend chart, verdict line (HTML) and its year-over-year rows."""

    figure: Any
    verdict_html: str
    total: pd.DataFrame


@dataclass
class ComparePart:
    """The comparison: chart (dumbbell or funnel), the reader's table (HTML) and the table itself."""

    figure: Any
    table_html: str
    table: pd.DataFrame


def _stamped(fig: Any, synthetic: bool, *, lang: str) -> Any:
    """Stamp a figure drawn from synthetic data as the saved figures are (``stamp_synthetic``)."""
    from analysis.report.figures import stamp_synthetic

    return stamp_synthetic(fig, lang=lang) if synthetic else fig


def trend_part(
    counts: pd.DataFrame,
    sel: Selection,
    *,
    targets: pd.DataFrame | None = None,
    synthetic: bool = False,
    name: str | None = None,
    memo: Memo = direct,
) -> TrendPart:
    """Return the trend chart (intervals, target) and the verdicts: this period vs the last, and the trend.

    The statistics come through ``memo`` (the explorer's: a change of language or convention draws again
    without recomputing the year-over-year verdicts).
    """
    text.check_lang(sel.lang)
    scope = in_scope(counts, sel.unit)
    name = name or unit_name(counts, sel.unit)
    every = subset(scope, indicator=sel.indicator)
    rows = _in_years(every, sel)
    if rows.empty:
        message = word("no_rows", lang=sel.lang)
        fig = plots.notice_figure(message, title=text.indicator_label(sel.indicator, lang=sel.lang))
        return TrendPart(fig, f"<b>{escape(name)}</b>: {escape(message)}", pd.DataFrame())
    own = (sel.indicator, sel.unit)  # verdicts of the selected indicator only, whatever the convention
    total = memo(
        ("total", *own, sel.last_year), lambda: stats.yoy_table(_history(every, sel), sel.last_year, by=[])
    )
    whole = rows[rows["period_type"] == "year"]  # what trend_table reads (whole years only)
    trend = memo(
        ("trend", *own, sel.first_year, sel.last_year),
        lambda: stats.trend_table(whole, by=[], years=range(sel.first_year, sel.last_year + 1)),
    )
    fig = _stamped(trend_figure(scope, sel, targets=targets, memo=memo), synthetic, lang=sel.lang)
    plots.caption(fig, unit_name=name, year=sel.last_year)  # the title names the unit and the year
    return TrendPart(fig, verdict_html(total, trend, name=name, sel=sel, synthetic=synthetic), total)


def compare_part(
    counts: pd.DataFrame,
    sel: Selection,
    *,
    total: pd.DataFrame,
    name: str | None = None,
    synthetic: bool = False,
    memo: Memo = direct,
) -> ComparePart:
    """Return the comparison chart and the table: the unit (``total``) first, then the units compared.

    Neither depends on the first year shown (only on the last, see :func:`_history`).
    """
    name = name or unit_name(counts, sel.unit)
    fig, units = compare_figure(counts, sel, memo=memo)
    fig = _stamped(fig, synthetic, lang=sel.lang)
    plots.caption(fig, unit_name=name, year=sel.last_year)
    if total.empty:
        return ComparePart(fig, "", pd.DataFrame())
    html_table, view = table_html(total, units, name=name, lang=sel.lang)
    return ComparePart(fig, html_table, view)


def build_views(
    counts: pd.DataFrame,
    sel: Selection,
    *,
    targets: pd.DataFrame | None = None,
    synthetic: bool = False,
) -> Views:
    """Compute everything one selection shows (:func:`trend_part` and :func:`compare_part`)."""
    own = trend_part(counts, sel, targets=targets, synthetic=synthetic)
    other = compare_part(counts, sel, total=own.total, synthetic=synthetic)
    return Views(own.figure, other.figure, own.verdict_html, other.table_html, other.table)
