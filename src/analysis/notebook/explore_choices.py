"""What the explorer offers: its words (vi/en), the selection, and the choices the data allow (pure).

Indicators come from ``analysis.indicators.REGISTRY``, units (with names) and comparisons from the Counts
table itself, conventions from the registry (an indicator and its twin in another convention).
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from analysis import indicators, text
from analysis.counts import in_scope, subset
from analysis.schemas import BREAKDOWN_COLUMNS

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


#: Short names of the conventions (the definition family), used where no twin asks to tell them apart.
CONVENTION_NAMES = {"bieu06": "Biểu 06", "qd766": "QĐ 766", "de_an_06": "Đề án 06"}


def convention_name(convention: str, *, twin: bool, lang: str) -> str:
    """Return how a convention is named: with what it counts for a twin pair, else its short name.

    >>> convention_name("qd766", twin=True, lang="en"), convention_name("qd766", twin=False, lang="en")
    ('QĐ 766 (resolved and pending)', 'QĐ 766')
    """
    if twin:
        return text.label(convention, lang=lang)
    return CONVENTION_NAMES.get(convention, convention)


def convention_choices(indicator: str, *, lang: str) -> list[tuple[str, str]]:
    """Return the conventions offered for ``indicator``: its own, its twin's and both side by side.

    >>> [v for _, v in convention_choices("timeliness.on_time", lang="en")]
    ['bieu06', 'qd766', 'both']
    >>> [v for _, v in convention_choices("payment.online", lang="en")]
    ['qd766']
    """
    own = indicators.get(indicator).convention
    out = [(convention_name(own, twin=indicator in CONVENTION_TWINS, lang=lang), own)]
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
