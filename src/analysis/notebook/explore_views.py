"""What the explorer shows for one selection: choices offered by the data, charts, verdicts and table (pure).

The explorer (:mod:`analysis.notebook.explore`) holds the widgets; this module turns a Counts table and a
:class:`Selection` into what they display, through the public functions of :mod:`analysis.stats`,
:mod:`analysis.plots` and :mod:`analysis.text`, so that the explorer draws what the reports draw.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from analysis import indicators, plots, stats, text
from analysis.counts import in_scope, subset
from analysis.schemas import BREAKDOWN_COLUMNS
from analysis.stats import series
from analysis.text import tables as text_tables

#: Unit levels a comparison can be made at, in display order, with their labels (vi, en).
LEVELS: dict[str, tuple[str, str]] = {
    "department": ("Sở, ban, ngành", "Agencies"),
    "district": ("Cấp huyện", "Districts"),
    "commune": ("Cấp xã", "Communes"),
    "centre": ("Trung tâm", "Centres"),
}
#: The same question under two conventions (DOMAIN.md §1.3): the on-time rate of Biểu 06 (resolved dossiers)
#: and of QĐ 766 indicator 2.1 (resolved and pending).  Never mixed in one series; shown side by side.
CONVENTION_TWINS: dict[str, str] = {
    "timeliness.on_time": "timeliness.on_time_766",
    "timeliness.on_time_766": "timeliness.on_time",
}
#: Value of the convention choice that draws both conventions of a twin side by side.
BOTH = "both"
#: Comparison charts.
CHARTS = ("dumbbell", "funnel")
#: Words of the explorer itself (widget labels, verdict line), (vi, en).
WORDS: dict[str, tuple[str, str]] = {
    "indicator": ("Chỉ số", "Indicator"),
    "convention": ("Cách tính", "Convention"),
    "unit": ("Đơn vị", "Unit"),
    "years": ("Các năm", "Years"),
    "compare": ("So sánh theo", "Compare by"),
    "chart": ("Biểu đồ", "Chart"),
    "lang": ("Ngôn ngữ", "Language"),
    "data_dir": ("Thư mục dữ liệu", "Data folder"),
    "load": ("Đọc dữ liệu", "Load data"),
    "save": ("Lưu biểu đồ", "Save charts"),
    "dumbbell": ("Năm nay – năm trước", "This year vs last"),
    "funnel": ("Biểu đồ phễu", "Funnel plot"),
    "both": ("Cả hai, cạnh nhau", "Both, side by side"),
    "peers": ("Cùng cấp trong tỉnh", "Peers in the province"),
    "trend": ("Xu hướng", "Trend"),
    "per_year": ("/năm", "/year"),
    "against": ("so với", "against"),
    "ci": ("KTC 95 %", "95% CI"),
    "to": ("đến", "to"),
    "no_rows": (
        "Không có số liệu của chỉ số này cho đơn vị đã chọn.",
        "No counts of this indicator for the unit.",
    ),
    "nothing_to_compare": ("Không có đơn vị nào để so sánh.", "No units to compare."),
    "synthetic": (
        "⚠ DỮ LIỆU TỔNG HỢP: số liệu mô phỏng, không phải số liệu thật.",
        "⚠ SYNTHETIC DATA: simulated records, not real figures.",
    ),
    "loaded": ("Đã đọc", "Loaded"),
    "rows": ("dòng", "rows"),
    "saved": ("Đã lưu vào", "Saved to"),
}


def word(key: str, *, lang: str) -> str:
    """Return the explorer word ``key`` in ``lang`` (``"vi"`` or ``"en"``).

    >>> word("unit", lang="en")
    'Unit'
    """
    return WORDS[key][text.LANGS.index(text.check_lang(lang))]


@dataclass(frozen=True)
class Selection:
    """What the analyst picked: one indicator, unit, span of years, comparison, convention and language.

    ``compare`` is ``"level:<unit_level>"`` (units under the selected unit at that level),
    ``"peers:<unit_level>"`` (units of the selected unit's own level in its province, for a unit with
    nothing under it) or ``"by:<column>"`` (a breakdown such as ``beneficiary_group``).  ``convention`` is
    the indicator's own convention, or :data:`BOTH` for an indicator with a twin in another convention.
    """

    indicator: str
    unit: str
    first_year: int
    last_year: int
    compare: str = ""
    convention: str = ""
    chart: str = "dumbbell"
    lang: str = "vi"

    def as_dict(self) -> dict[str, Any]:
        """Return the selection as a plain dict (recorded with a saved chart)."""
        return asdict(self)


@dataclass
class Views:
    """What one selection displays: two figures, the verdict line (HTML), the table (HTML) and its data."""

    trend: Any
    compare: Any
    verdict_html: str
    table_html: str
    table: pd.DataFrame


def _levels_order(level: str) -> int:
    return list(LEVELS).index(level) if level in LEVELS else len(LEVELS)


def indicator_choices(*, lang: str, present: set[str] | None = None) -> list[tuple[str, str]]:
    """Return ``(label, id)`` for every registry indicator (those with data first when ``present`` is given).

    >>> indicator_choices(lang="en")[0]
    ('Dossiers resolved early or on time', 'timeliness.on_time')
    """
    ids = list(indicators.REGISTRY)
    if present is not None:
        ids = [i for i in ids if i in present] + [i for i in ids if i not in present]
    out = []
    for i in ids:
        missing = present is not None and i not in present
        label = text.indicator_label(i, lang=lang) + (" (–)" if missing else "")
        out.append((label, i))
    return out


def unit_name(counts: pd.DataFrame, unit: str) -> str:
    """Return the name of ``unit`` from its rows, else the province crosswalk, else the code."""
    from analysis.notebook.context import unit_name as context_unit_name

    return context_unit_name(counts, unit)


def unit_choices(counts: pd.DataFrame) -> list[tuple[str, str]]:
    """Return ``(label, code)`` for every unit in the data and the provinces above them, as a tree.

    The province comes first, then its agencies, then each district followed by its communes; a label is
    ``code · name`` (communes indented).
    """
    units = counts[["unit_code", "unit_name", "unit_level"]].drop_duplicates("unit_code")
    provinces = sorted({str(c).split(".")[0].split("-")[0] for c in units["unit_code"]})
    out = []
    for prov in provinces:
        out.append((f"{prov} · {unit_name(counts, prov)}", prov))
        mine = units[
            units["unit_code"].str.startswith(prov + ".") | units["unit_code"].str.startswith(prov + "-")
        ]
        mine = mine.assign(order=mine["unit_level"].map(_levels_order)).sort_values(["unit_code"])
        parents = mine[mine["unit_code"].str.count(r"\.") <= 1].sort_values(["order", "unit_code"])
        for row in parents.itertuples(index=False):
            out.append((f"{row.unit_code} · {row.unit_name}", row.unit_code))
            children = mine[mine["unit_code"].str.startswith(row.unit_code + ".")]
            out += [
                (f"    {c.unit_code} · {c.unit_name}", c.unit_code) for c in children.itertuples(index=False)
            ]
    return out


def compare_choices(counts: pd.DataFrame, unit: str, indicator: str, *, lang: str) -> list[tuple[str, str]]:
    """Return the comparisons the data allow for ``unit`` and ``indicator``, as ``(label, value)``.

    Levels of the units under ``unit`` (agencies, districts, communes), breakdowns present for the
    indicator (e.g. beneficiary groups), and, for a unit with nothing under it, its peers of the same level
    in the province.
    """
    rows = subset(in_scope(counts, unit), indicator=indicator)
    below = rows[rows["unit_code"] != unit]
    out = [
        (LEVELS[lv][text.LANGS.index(lang)] if lv in LEVELS else lv, f"level:{lv}")
        for lv in sorted(below["unit_level"].unique(), key=_levels_order)
        if lv != "province"
    ]
    for col in BREAKDOWN_COLUMNS:
        if col in rows.columns and rows[col].notna().any():
            out.append((text.label("group", lang=lang) if col == "beneficiary_group" else col, f"by:{col}"))
    if below.empty and not rows.empty:
        level = str(rows["unit_level"].iloc[0])
        label = f"{word('peers', lang=lang)} ({LEVELS.get(level, (level, level))[text.LANGS.index(lang)]})"
        out.append((label, f"peers:{level}"))
    return out


def convention_choices(indicator: str, *, lang: str) -> list[tuple[str, str]]:
    """Return the conventions offered for ``indicator``: its own, its twin's and both side by side.

    >>> [v for _, v in convention_choices("timeliness.on_time", lang="en")]
    ['bieu06', 'qd766', 'both']
    >>> [v for _, v in convention_choices("payment.online", lang="en")]
    ['qd766']
    """
    own = indicators.get(indicator).convention
    out = [(text.label(own, lang=lang), own)]
    twin = CONVENTION_TWINS.get(indicator)
    if twin is None:
        return out
    other = indicators.get(twin).convention
    pair = [(text.label(c, lang=lang), c) for c in sorted({own, other})]
    return [*pair, (word("both", lang=lang), BOTH)]


def indicator_for(indicator: str, convention: str) -> str:
    """Return the indicator of ``convention`` for ``indicator`` (itself, or its twin in that convention).

    >>> indicator_for("timeliness.on_time", "qd766"), indicator_for("payment.online", "qd766")
    ('timeliness.on_time_766', 'payment.online')
    """
    twin = CONVENTION_TWINS.get(indicator)
    if twin is not None and indicators.get(twin).convention == convention:
        return twin
    return indicator


def year_span(counts: pd.DataFrame, indicator: str) -> tuple[int, int]:
    """Return the first and last year with counts of ``indicator`` (ValueError when it has none)."""
    years = counts.loc[counts["indicator"] == indicator, "year"]
    if years.empty:
        raise ValueError(f"no counts of indicator {indicator!r} in the data")
    return int(years.min()), int(years.max())


def escape(value: object) -> str:
    """Return ``value`` as HTML-escaped text (names from data never become markup).

    >>> escape('<b>Sở "A"</b>')
    '&lt;b&gt;Sở &quot;A&quot;&lt;/b&gt;'
    """
    return html.escape(str(value), quote=True)


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


def _last_two_years(rows: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """Return the rows a year-over-year table reads: the last year and the one before."""
    return rows[rows["year"].isin([sel.last_year - 1, sel.last_year])]


def trend_figure(scope: pd.DataFrame, sel: Selection, *, targets: pd.DataFrame | None) -> Any:
    """Yearly rates of the unit (units under it summed) with their intervals and the target line."""
    ids = [sel.indicator]
    if sel.convention == BOTH and sel.indicator in CONVENTION_TWINS:
        ids.append(CONVENTION_TWINS[sel.indicator])
    yearly = series.yearly_rates(_in_years(scope, sel), indicator=ids)
    target = None
    if targets is not None and len(targets) and len(ids) == 1:
        mine = series.unit_targets(targets, unit=sel.unit, counts=scope)
        target = series.target_for(mine, sel.indicator, year=sel.last_year)
    return plots.trend_band(yearly, by="convention" if len(ids) > 1 else None, target=target, lang=sel.lang)


def compare_figure(counts: pd.DataFrame, sel: Selection) -> tuple[Any, pd.DataFrame]:
    """Return the comparison chart (dumbbell or funnel) of the units or groups, and their YoY table."""
    rows, by = _compared_rows(counts, sel)
    rows = _in_years(rows, sel)
    if rows.empty:
        fig = plots.notice_figure(
            word("nothing_to_compare", lang=sel.lang), title=text.label("by_unit", lang=sel.lang)
        )
        return fig, pd.DataFrame()
    yoy = stats.yoy_table(_last_two_years(rows, sel), sel.last_year, by=by)
    if by:
        yoy = _group_names(yoy, by[0], lang=sel.lang)
    yoy = yoy.sort_values(["rate_curr", "unit_name"], na_position="first").reset_index(drop=True)
    if sel.chart == "funnel":
        funnel = stats.funnel_table(_last_two_years(rows, sel), sel.last_year, by=by)
        label_col = "unit_name"
        if by:
            funnel = _group_names(funnel, by[0], lang=sel.lang)
        return plots.funnel_plot(funnel, lang=sel.lang, label_col=label_col), yoy
    return plots.yoy_dumbbell(yoy, lang=sel.lang), yoy


def verdict_html(
    total: pd.DataFrame, trend: pd.DataFrame, *, name: str, sel: Selection, synthetic: bool
) -> str:
    """One line per verdict: this period against the last (Newcombe interval) and the multi-year trend."""
    lang = sel.lang
    parts = [f"<b>{escape(name)}</b> — {escape(text.indicator_label(sel.indicator, lang=lang))}"]
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
            f"{escape(text.label(r.convention, lang=lang))}, {escape(r.periods)}: {change} → "
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


def table_html(total: pd.DataFrame, units: pd.DataFrame, *, name: str, lang: str) -> tuple[str, pd.DataFrame]:
    """Return the reader's table (``analysis.text.tables.yoy_view``): the unit first, then the units compared.

    Returned as HTML from a pandas Styler (every value HTML-escaped, no index) and as the view itself.
    """
    parts = [total.assign(unit_name=name)] + ([units] if len(units) else [])
    yoy = pd.concat(parts, ignore_index=True)
    view = text_tables.yoy_view(yoy, lang=lang)
    verdicts = list(yoy["label"])
    head = text_tables.HEADERS[lang]["label"]

    def colour(col: pd.Series) -> list[str]:
        return [f"background-color: {VERDICT_COLOURS.get(v, 'transparent')}" for v in verdicts]

    styler = view.style.format(escape="html").hide(axis="index").apply(colour, subset=[head])
    styler = styler.set_table_attributes('class="explore-table"')
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


def trend_part(
    counts: pd.DataFrame,
    sel: Selection,
    *,
    targets: pd.DataFrame | None = None,
    synthetic: bool = False,
    name: str | None = None,
) -> TrendPart:
    """Return the trend chart (intervals, target) and the verdicts: this period vs the last, and the trend."""
    text.check_lang(sel.lang)
    scope = in_scope(counts, sel.unit)
    name = name or unit_name(counts, sel.unit)
    rows = _in_years(subset(scope, indicator=sel.indicator), sel)
    if rows.empty:
        message = word("no_rows", lang=sel.lang)
        fig = plots.notice_figure(message, title=text.indicator_label(sel.indicator, lang=sel.lang))
        return TrendPart(fig, f"<b>{escape(name)}</b>: {escape(message)}", pd.DataFrame())
    total = stats.yoy_table(_last_two_years(rows, sel), sel.last_year, by=[])
    whole = rows[rows["period_type"] == "year"]  # what trend_table reads (whole years only)
    trend = stats.trend_table(whole, by=[], years=range(sel.first_year, sel.last_year + 1))
    fig = trend_figure(scope, sel, targets=targets)
    plots.caption(fig, unit_name=name, year=sel.last_year)  # the title names the unit and the year
    return TrendPart(fig, verdict_html(total, trend, name=name, sel=sel, synthetic=synthetic), total)


def compare_part(
    counts: pd.DataFrame, sel: Selection, *, total: pd.DataFrame, name: str | None = None
) -> ComparePart:
    """Return the comparison chart and the table: the unit (``total``) first, then the units compared."""
    name = name or unit_name(counts, sel.unit)
    fig, units = compare_figure(counts, sel)
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
    other = compare_part(counts, sel, total=own.total)
    return Views(own.figure, other.figure, own.verdict_html, other.table_html, other.table)
