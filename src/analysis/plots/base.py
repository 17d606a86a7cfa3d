"""Shared plotting helpers: the project style, palette, markers, figure creation and captions."""

from __future__ import annotations

import functools
import textwrap
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
import matplotlib.style
import pandas as pd
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


def style_context():
    """Return a context manager applying the project style (``analysis.mplstyle``)."""
    return mpl.style.context(STYLE_PATH)


def new_figure(*, nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = FIGSIZE, **kwargs):
    """Create a Figure (not registered with pyplot) and its axes under the project style.

    >>> fig, ax = new_figure()
    >>> [float(v) for v in fig.get_size_inches()]
    [8.0, 4.5]
    """
    with style_context():
        fig = Figure(figsize=figsize, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, **kwargs)
    return fig, axes


def nfc(text: object) -> str:
    """Return ``text`` as an NFC string."""
    return unicodedata.normalize("NFC", str(text))


def set_title(fig: Figure, title: str) -> Figure:
    """Set the figure title (NFC), wrapped at :data:`TITLE_WIDTH` characters so it stays on the image."""
    head, sep, where = nfc(title).partition(" — ")
    kept = head + sep + where.replace(" ", "\u00a0")  # never break the unit name across lines
    lines = textwrap.wrap(kept, TITLE_WIDTH, break_on_hyphens=False)
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


def titled(table: pd.DataFrame, key: str, *, lang: str) -> str:
    """Default title: the label of ``key`` after the indicator's label when the table holds one indicator.

    >>> titled(pd.DataFrame({"indicator": ["payment.online"]}), "funnel", lang="en")
    'Dossiers paid online: funnel plot'
    """
    from analysis import text

    base = text.label(key, lang=lang)
    if "indicator" in table.columns and table["indicator"].nunique() == 1:
        return (
            f"{text.indicator_label(str(table['indicator'].iloc[0]), lang=lang)}: {base[0].lower()}{base[1:]}"
        )
    return base


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


def target_line(ax, target: float, *, lang: str, vertical: bool = False) -> None:
    """Draw a target rate as a dotted black line labelled "target <value>" for the legend.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on (call inside :func:`style_context`).
    target : float
        Target rate on the 0–1 scale.
    lang : {"vi", "en"}
        Label language.
    vertical : bool
        Draw a vertical line (rate on the x axis) instead of a horizontal one.
    """
    from analysis import text

    draw = ax.axvline if vertical else ax.axhline
    draw(
        target,
        color=OKABE_ITO["black"],
        linestyle=":",
        linewidth=1.2,
        label=f"{text.label('target', lang=lang)} {text.format_percent(target, lang=lang)}",
    )
