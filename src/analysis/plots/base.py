"""Shared plotting helpers: the project style, palette, markers, figure creation and captions."""

from __future__ import annotations

import functools
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import matplotlib.style
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

STYLE_PATH = str(Path(__file__).with_name("analysis.mplstyle"))

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}
#: Colour, marker and line style per series position: colour is never the only difference.
SERIES_STYLES = [
    {"color": OKABE_ITO["blue"], "marker": "o", "linestyle": "-"},
    {"color": OKABE_ITO["orange"], "marker": "s", "linestyle": "--"},
    {"color": OKABE_ITO["green"], "marker": "^", "linestyle": "-."},
    {"color": OKABE_ITO["vermillion"], "marker": "D", "linestyle": ":"},
    {"color": OKABE_ITO["purple"], "marker": "v", "linestyle": (0, (5, 1))},
    {"color": OKABE_ITO["sky"], "marker": "P", "linestyle": (0, (3, 1, 1, 1))},
]
#: Marker and colour of the year-over-year verdicts.
VERDICT_STYLES = {
    "improved": {"color": OKABE_ITO["blue"], "marker": "^"},
    "stable": {"color": OKABE_ITO["green"], "marker": "s"},
    "no clear change": {"color": OKABE_ITO["grey"], "marker": "o"},
    "worsened": {"color": OKABE_ITO["vermillion"], "marker": "v"},
}
#: Marker and colour of the PHE funnel significance labels.
FUNNEL_STYLES = {
    "Low (0.001)": {"color": OKABE_ITO["vermillion"], "marker": "v"},
    "Low (0.025)": {"color": OKABE_ITO["orange"], "marker": "<"},
    "Not significant": {"color": OKABE_ITO["grey"], "marker": "o"},
    "High (0.025)": {"color": OKABE_ITO["sky"], "marker": ">"},
    "High (0.001)": {"color": OKABE_ITO["blue"], "marker": "^"},
}
HATCHES = ["", "//", "..", "xx", "\\\\", "--"]
#: Figure titles longer than this many characters wrap onto further lines.
TITLE_WIDTH = 70
#: Default figure size in inches (PNG is this times the save dpi).
FIGSIZE = (8.0, 4.5)
TALL_FIGSIZE = (8.0, 6.5)
#: Size of figures with one row per unit (dumbbells, dot plots, heatmaps): fixed, whatever the row count.
LIST_FIGSIZE = (8.0, 8.0)
#: Size of the scorecard, the published-figures panels and the crosswalk chart.
SCORECARD_FIGSIZE = (8.0, 6.0)
WIDE_FIGSIZE = (12.0, 8.0)
CROSSWALK_FIGSIZE = (10.0, 9.0)


#: Dots per inch of a new figure: the PNG's (analysis.report.figures.PNG_DPI), so that what a plot function
#: measures to place its legend and labels is what the saved image shows.
MEASURE_DPI = 150


def style_context():
    """Return a context manager applying the project style (``analysis.mplstyle``)."""
    return mpl.style.context(STYLE_PATH)


def new_figure(*, nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = FIGSIZE, **kwargs):
    """Create a Figure (not registered with pyplot) and its axes under the project style.

    >>> fig, ax = new_figure()
    >>> [float(v) for v in fig.get_size_inches()]
    [8.0, 4.5]
    """
    from analysis.plots.axes import FittingLayout  # constrained, legends refitted to the width when drawn

    with style_context():
        fig = Figure(figsize=figsize, dpi=MEASURE_DPI, layout=FittingLayout())
        FigureCanvasAgg(fig)  # a renderer to measure text with (legends, direct labels), no pyplot
        axes = fig.subplots(nrows, ncols, squeeze=True, **kwargs)
    return fig, axes


def nfc(text: object) -> str:
    """Return ``text`` as an NFC string."""
    return unicodedata.normalize("NFC", str(text))


def set_title(fig: Figure, title: str) -> Figure:
    """Set the figure title (NFC), wrapped at :data:`TITLE_WIDTH` characters so it stays on the image."""
    head, sep, where = nfc(title).partition(" — ")
    kept = head + sep + where.replace(" ", "\u00a0")  # never break the unit name across lines
    width = int(TITLE_WIDTH * fig.get_size_inches()[0] / FIGSIZE[0])
    lines = textwrap.wrap(kept, width, break_on_hyphens=False)
    with style_context():
        fig.suptitle("\n".join(lines).replace("\u00a0", " ") or nfc(title))
    return fig


def attach_caption(fig: Figure, *, title: str, alt: str, data: pd.DataFrame) -> Figure:
    """Set the figure title and keep the title, alt text and plotted data on the figure.

    :func:`caption` returns them, ready for ``save_figure(fig, id, **caption(fig))``.
    """
    set_title(fig, title)
    fig.analysis_caption = {"title": nfc(title), "alt": nfc(alt), "data": data.reset_index(drop=True)}
    return fig


def caption(fig: Figure, *, unit_name: str | None = None, year: int | None = None) -> dict:
    """Return ``{"title", "alt", "data"}`` recorded on a figure by a plot function of this package.

    With ``unit_name`` and ``year`` the title (and the figure's title) end with "— unit, year".

    >>> fig, _ = new_figure()
    >>> _ = attach_caption(fig, title="T", alt="A", data=pd.DataFrame({"x": [1]}))
    >>> caption(fig, unit_name="Bà Rịa - Vũng Tàu", year=2024)["title"]
    'T — Bà Rịa - Vũng Tàu, 2024'
    """
    meta = getattr(fig, "analysis_caption", None)
    if meta is None:
        raise ValueError("this figure has no caption: it was not made by an analysis.plots function")
    out = dict(meta)
    where = ", ".join(str(v) for v in (unit_name, year) if v not in (None, ""))
    if where and not out["title"].endswith(where):
        out["title"] = nfc(f"{out['title']} — {where}")
        set_title(fig, out["title"])
        fig.analysis_caption = {**meta, "title": out["title"]}
    return out


def require_columns(table: pd.DataFrame, columns: Iterable[str], *, what: str) -> pd.DataFrame:
    """Raise ``ValueError`` naming the missing columns when ``table`` lacks any of ``columns``."""
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{what}: expected a DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: table lacks column(s) {missing}; it has {list(table.columns)}")
    if table.empty:
        raise ValueError(f"{what}: the table is empty, nothing to plot")
    return table


def series_style(i: int) -> dict:
    """Return the colour / marker / line style of the ``i``-th series (cycles)."""
    return dict(SERIES_STYLES[i % len(SERIES_STYLES)])


def titled(table: pd.DataFrame, key: str, *, lang: str, level: str | None = None) -> str:
    """Default title: what the table holds, then the label of ``key`` (and the units' level).

    One indicator gives its label; several give their family (one or two families) or "main indicators".

    >>> titled(pd.DataFrame({"indicator": ["payment.online"]}), "funnel", lang="en", level="district")
    'Dossiers paid online: funnel plot by district'
    >>> two = pd.DataFrame({"indicator": ["online.submission", "payment.online"]})
    >>> titled(two, "trend_by_year", lang="en")
    'Online submission and online payment: trend by year'
    """
    from analysis import indicators, text

    base = text.label(key, lang=lang)
    if level:
        base = f"{base} {text.label(f'by.{level}', lang=lang)}"
    if "indicator" not in table.columns or table["indicator"].nunique() == 0:
        return base
    ids = list(dict.fromkeys(str(i) for i in table["indicator"]))
    if len(ids) == 1:
        what = text.indicator_label(ids[0], lang=lang)
    else:
        families = list(dict.fromkeys(indicators.get(i).family for i in ids))
        words = [text.label(f"family.{f}", lang=lang) for f in families]
        if len(words) > 2:
            what = text.label("main_indicators", lang=lang)
        else:
            joint = " và " if lang == "vi" else " and "
            what = words[0] + "".join(joint + w[0].lower() + w[1:] for w in words[1:])
    return f"{what}: {base[0].lower()}{base[1:]}"


def notice_figure(message: str, *, title: str, data: pd.DataFrame | None = None) -> Figure:
    """Return a figure stating why there is nothing to draw (e.g. no monthly counts), as alt text too.

    >>> fig = notice_figure("No monthly counts.", title="Seasonal pattern")
    >>> caption(fig)["alt"]
    'No monthly counts.'
    """
    fig, ax = new_figure(figsize=(8.0, 2.5))
    with style_context():
        ax.set_axis_off()
        ax.text(0.5, 0.5, nfc(message), ha="center", va="center", wrap=True, fontsize=11)
    return attach_caption(fig, title=title, alt=message, data=data if data is not None else pd.DataFrame())


def notice_when_empty(title_key: str):
    """Decorate a plot function: an empty first table gives a notice figure ("no counts") instead of an error.

    A notebook run for a unit or year without these counts still completes, and says why a figure is
    empty.
    """

    def wrap(func):
        @functools.wraps(func)
        def plot(table, *args, lang: str = "vi", title: str | None = None, **kwargs):
            if isinstance(table, pd.DataFrame) and table.empty:
                from analysis import text

                message = text.label("no_data", lang=lang)
                return notice_figure(message, title=title or text.label(title_key, lang=lang), data=table)
            return func(table, *args, lang=lang, title=title, **kwargs)

        return plot

    return wrap


def indicator_name(ind: str, *, lang: str) -> str:
    """Return the label of an indicator id, or the id itself (NFC) when it has no label.

    Parameters
    ----------
    ind : str
        Indicator id, e.g. ``"payment.online"`` or a published definition id.
    lang : {"vi", "en"}
        Label language.

    Returns
    -------
    str
        ``analysis.text.indicator_label(ind)``, or ``ind`` when the id is unknown.

    >>> indicator_name("no.such.indicator", lang="en")
    'no.such.indicator'
    """
    from analysis import text

    try:
        return text.indicator_label(ind, lang=lang)
    except KeyError:
        return nfc(ind)


@dataclass(frozen=True)
class Target:
    """A target rate with the year it was set for and its source (``None`` when not known)."""

    value: float
    year: int | None = None
    source: str | None = None


def find_target(target, *, indicator: str | None = None, year: int | None = None) -> Target | None:
    """Return the :class:`Target` to draw: ``target`` as given, or looked up in a targets table.

    Parameters
    ----------
    target : float, Target, pandas.DataFrame or None
        A rate (0–1), a :class:`Target`, or a targets table (``indicator``, ``year``, ``target`` and
        optionally ``source``, as ``analysis.notebook`` contexts give in ``P.targets``).
    indicator : str, optional
        Indicator to look up in a table.
    year : int, optional
        Year shown: the latest target set for this year or before is used, and its own year is kept so the
        figure says when a target of an earlier year is drawn.

    >>> t = pd.DataFrame({"indicator": ["a", "a"], "year": [2023, 2026], "target": [0.98, 0.99]})
    >>> find_target(t, indicator="a", year=2024)
    Target(value=0.98, year=2023, source=None)
    >>> find_target(0.5) is None, find_target(None)
    (False, None)
    """
    if target is None:
        return None
    if isinstance(target, Target):
        return target
    if isinstance(target, pd.DataFrame):
        if indicator is None or target.empty or not {"indicator", "year", "target"} <= set(target.columns):
            return None
        rows = target[(target["indicator"] == indicator) & target["target"].notna()]
        if year is not None:
            rows = rows[rows["year"] <= year]
        if rows.empty:
            return None
        row = rows.sort_values("year").iloc[-1]
        source = row.get("source")
        return Target(
            float(row["target"]), int(row["year"]), str(source) if isinstance(source, str) else None
        )
    value = float(target)
    return None if value != value else Target(value)


def reached(rate: float, target: Target, *, indicator: str | None = None) -> bool:
    """Return True when ``rate`` meets ``target`` (at or above; at or below for a lower-is-better indicator).

    The point estimate decides, as in ``analysis.stats.target_table`` (``reached``); the interval around it
    is drawn beside, so a reader sees how sure the verdict is.
    """
    higher = True
    if indicator is not None:
        from analysis import indicators

        try:
            higher = indicators.get(indicator).higher_is_better
        except KeyError:
            higher = True
    return bool(rate >= target.value) if higher else bool(rate <= target.value)


def target_label(
    target: Target,
    *,
    lang: str,
    rate: float | None = None,
    rate_year: int | None = None,
    indicator: str | None = None,
) -> str:
    """Legend text of a target line: value, the year it was set for and, given a rate, met or not met.

    >>> target_label(Target(0.98, 2023), lang="en", rate=0.988, rate_year=2024)
    'Target (2023) 98.0%: 2024 met'
    """
    from analysis import text

    head = text.label("target", lang=lang) + (f" ({target.year})" if target.year else "")
    out = f"{head} {text.format_percent(target.value, lang=lang)}"
    if rate is not None and rate == rate:
        status = text.label("met" if reached(rate, target, indicator=indicator) else "not met", lang=lang)
        out += f": {rate_year} {status}" if rate_year else f": {status}"
    return out


def note_inputs(fig: Figure, *kinds: str, target: Target | None = None) -> None:
    """Record on the figure which shipped reference files it used (``published``, ``crosswalk``, ``targets``).

    ``analysis.report.figures.save_figure`` lists them, with their hashes, among the figure's inputs and
    names their sources in the figure's source line.
    """
    used = list(getattr(fig, "analysis_inputs", []))
    used += [k for k in kinds if k not in used]
    fig.analysis_inputs = used
    if target is not None and target.source:
        fig.analysis_target_source = target.source


def target_line(
    ax,
    target,
    *,
    lang: str,
    vertical: bool = False,
    rate: float | None = None,
    rate_year: int | None = None,
    indicator: str | None = None,
    color: str | None = None,
) -> None:
    """Draw a target rate as a dotted line labelled with its value, its year and whether ``rate`` meets it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on (call inside :func:`style_context`).
    target : float or Target
        Target rate on the 0–1 scale (a :class:`Target` also gives its year and source).
    lang : {"vi", "en"}
        Label language.
    vertical : bool
        Draw a vertical line (rate on the x axis) instead of a horizontal one.
    rate, rate_year : optional
        The rate compared with the target and its year: the label then says "met" or "not met".
    indicator : str, optional
        Indicator id (a lower-is-better indicator meets its target from below).
    color : str, optional
        Line colour (black by default; a series' colour when several series have targets).
    """
    target = target if isinstance(target, Target) else Target(float(target))
    draw = ax.axvline if vertical else ax.axhline
    draw(
        target.value,
        color=color or OKABE_ITO["black"],
        linestyle=":",
        linewidth=1.4,
        label=target_label(target, lang=lang, rate=rate, rate_year=rate_year, indicator=indicator),
    )
    note_inputs(ax.figure, "targets", target=target)
