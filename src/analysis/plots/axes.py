"""Axis ticks, legends and direct labels that never repeat, misstate, collide or leave the figure.

Tick labels get as many decimals as the tick spacing needs (:class:`PercentTicks`, :class:`NumberTicks`), so
ticks at 99 % and 99.5 % read "99,0 %" and "99,5 %", never "99 %" twice or "100 %" for 99.5 %; rate axes
never carry a tick outside 0–100 % (:class:`RateLocator`).  Legends go above the axes, outside the data
(:func:`legend_above`; :class:`FittingLayout` reduces their columns until they fit the figure's width).
Direct labels are moved apart (:func:`spread_vertically`) or to the first free place around their point
(:func:`place_labels`), measured with the figure's own renderer.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.legend import Legend
from matplotlib.ticker import Formatter, MaxNLocator, NullFormatter
from matplotlib.transforms import Bbox, ScaledTranslation

from analysis import text

#: Most decimals a tick label may need (0.001 percentage point spacing).
MAX_DIGITS = 3
#: Attribute marking a legend drawn by :func:`legend_above` (so :class:`FittingLayout` can refit it).
ABOVE = "_analysis_above"
#: Candidate offsets (points) and alignments for a direct label, tried in order by :func:`place_labels`.
AROUND = (
    (5, 0, "left", "center"),
    (-5, 0, "right", "center"),
    (0, 6, "center", "bottom"),
    (0, -6, "center", "top"),
    (5, 8, "left", "bottom"),
    (-5, 8, "right", "bottom"),
    (5, -8, "left", "top"),
    (-5, -8, "right", "top"),
    (12, 16, "left", "bottom"),
    (-12, 16, "right", "bottom"),
    (12, -16, "left", "top"),
    (-12, -16, "right", "top"),
)


def digits_for(values: Iterable[float], *, most: int = MAX_DIGITS) -> int:
    """Return the fewest decimals that write every value exactly (so none repeats or misstates).

    >>> digits_for([96.0, 96.5, 97.0])
    1
    >>> digits_for([20.0, 40.0, 60.0])
    0
    >>> digits_for([99.75, 100.0])
    2
    """
    vals = [float(v) for v in values if math.isfinite(float(v))]
    for d in range(most + 1):
        if all(abs(round(v, d) - v) < 1e-6 * max(1.0, abs(v)) for v in vals):
            return d
    return most


class PercentTicks(Formatter):
    """Tick labels of proportions (0–1) as percentages in ``lang``, decimals from the tick spacing.

    >>> f = PercentTicks("vi")
    >>> f.format_ticks([0.96, 0.965, 0.97])
    ['96,0 %', '96,5 %', '97,0 %']
    >>> PercentTicks("en").format_ticks([0.2, 0.4])
    ['20%', '40%']
    """

    def __init__(self, lang: str = "vi") -> None:
        self.lang = text.check_lang(lang)
        self.digits = 0

    def set_locs(self, locs) -> None:  # noqa: D102 - matplotlib API
        super().set_locs(locs)
        lo, hi = self.axis.get_view_interval() if self.axis is not None else (-np.inf, np.inf)
        shown = [100 * v for v in locs if min(lo, hi) - 1e-12 <= v <= max(lo, hi) + 1e-12]
        self.digits = digits_for(shown or [100 * v for v in locs])

    def __call__(self, x, pos=None) -> str:  # noqa: D102 - matplotlib API
        return text.format_percent(x, lang=self.lang, digits=self.digits)


class NumberTicks(Formatter):
    """Tick labels of plain numbers with the separators of ``lang``, decimals from the tick spacing.

    ``scale`` multiplies the value first (100 writes a 0–1 difference in percentage points).

    >>> NumberTicks("vi").format_ticks([0, 50000, 100000])
    ['0', '50.000', '100.000']
    >>> NumberTicks("en", scale=100).format_ticks([-0.0025, 0.0, 0.0025])
    ['-0.25', '0.00', '0.25']
    """

    def __init__(self, lang: str = "vi", *, scale: float = 1.0) -> None:
        self.lang = text.check_lang(lang)
        self.scale = float(scale)
        self.digits = 0

    def set_locs(self, locs) -> None:  # noqa: D102 - matplotlib API
        super().set_locs(locs)
        self.digits = digits_for([self.scale * v for v in locs])

    def __call__(self, x, pos=None) -> str:  # noqa: D102 - matplotlib API
        return text.format_number(self.scale * x, lang=self.lang, digits=self.digits)


class RateLocator(MaxNLocator):
    """Nice ticks (steps 1, 2, 5) that stay inside 0–1: a rate axis never shows 100.5 % or -0.5 %."""

    def __init__(self, nbins: int | str = 6) -> None:
        super().__init__(nbins=nbins, steps=[1, 2, 5, 10])

    def tick_values(self, vmin, vmax):  # noqa: D102 - matplotlib API
        ticks = super().tick_values(vmin, vmax)
        return ticks[(ticks >= -1e-9) & (ticks <= 1 + 1e-9)]


def rate_axis(axis, *, lang: str, nbins: int | str = 6) -> None:
    """Give an axis of proportions :class:`RateLocator` and :class:`PercentTicks`."""
    axis.set_major_locator(RateLocator(nbins))
    axis.set_major_formatter(PercentTicks(lang))
    axis.set_minor_formatter(NullFormatter())


def number_axis(axis, *, lang: str, scale: float = 1.0, log: bool = False) -> None:
    """Give an axis :class:`NumberTicks` (and, on a log axis, unlabelled minor ticks)."""
    axis.set_major_formatter(NumberTicks(lang, scale=scale))
    if log:
        axis.set_minor_formatter(NullFormatter())


def legend_above(
    ax,
    handles: Sequence | None = None,
    labels: Sequence[str] | None = None,
    *,
    fontsize: float = 8,
    ncols: int | None = None,
    raise_pt: float = 0.0,
) -> Legend | None:
    """Draw the legend of ``ax`` above its top edge, outside the data, left-aligned with the axes.

    The constrained layout keeps room for it under the figure title; the layout of a new figure
    (:class:`FittingLayout`) reduces the number of columns until it fits the figure when it is drawn.
    ``raise_pt`` lifts it further (points), above a panel title.
    """
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    if ncols is None:  # a first guess from the labels' lengths; FittingLayout measures, corrects
        width_pt = ax.figure.get_size_inches()[0] * 72 * 0.95
        each = [fontsize * (0.6 * len(str(lab)) + 4) for lab in labels]
        ncols = max(1, min(len(handles), int(width_pt // max(each))))
    transform = ax.transAxes + ScaledTranslation(0, raise_pt / 72, ax.figure.dpi_scale_trans)
    leg = ax.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.02),
        bbox_transform=transform,
        borderaxespad=0.0,
        ncols=ncols,
        fontsize=fontsize,
        frameon=False,
        handlelength=1.8,
        columnspacing=1.2,
    )
    setattr(
        leg,
        ABOVE,
        {
            "fontsize": fontsize,
            "handles": list(handles),
            "labels": list(labels),
            "ncols": ncols,
            "raise_pt": raise_pt,
        },
    )
    return leg


def lay_out(fig: Figure, *, fit: bool = False) -> None:
    """Place the axes where drawing the figure would (its layout engine), without drawing the artists.

    Enough to measure a legend or a label: its box follows the axes it is anchored to, whatever the axes
    hold.  What ``Figure.draw`` does first, about half its time; a ValueError of the engine is ignored as it
    does.  The legends are refitted (:class:`FittingLayout`) only with ``fit=True``, as a draw does; so a
    label placed clear of a legend stays clear of that very legend.
    """
    engine = fig.get_layout_engine()
    if fig.axes and engine is not None:
        plain = isinstance(engine, FittingLayout) and not fit
        execute = super(FittingLayout, engine).execute if plain else engine.execute
        try:
            execute(fig)
        except ValueError:  # pragma: no cover - Figure.draw ignores it too (a window being resized)
            pass


class FittingLayout(ConstrainedLayoutEngine):
    """The constrained layout, then the :func:`legend_above` legends refitted to the width it left them.

    It runs where the figure is finally laid out, at every draw or save (title and source line in place), so
    a figure whose legends fit costs one layout, not a layout to measure them and another to draw; a legend
    refitted with fewer columns is laid out again.  Warnings of the layouts made while fitting (a too-wide
    legend may squeeze the axes) are dropped; those of the final layout are shown.  The engine of a figure
    made by :func:`analysis.plots.base.new_figure`.
    """

    def execute(self, fig: Figure) -> Any:  # noqa: D102
        while True:
            with warnings.catch_warnings(record=True) as seen:
                result = super().execute(fig)
            if not _refit_one(fig):
                break
        for w in seen:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return result


def _refit_one(fig: Figure) -> bool:
    """Give one :func:`legend_above` legend wider than the figure one column fewer; True when one was."""
    for ax in fig.axes:  # measured with the renderer of the save under way (SVG, PNG) or the figure's own
        leg = ax.get_legend()
        info = getattr(leg, ABOVE, None) if leg is not None else None
        if info is None or info["ncols"] <= 1 or leg.get_window_extent().x1 <= fig.bbox.x1 - 4:
            continue
        legend_above(
            ax,
            info["handles"],
            info["labels"],
            fontsize=info["fontsize"],
            ncols=info["ncols"] - 1,
            raise_pt=info["raise_pt"],
        )
        return True
    return False


def _boxes(fig: Figure, artists: Iterable) -> list[Bbox]:
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists if a is not None and a.get_visible()]


def spread_vertically(fig: Figure, ax, labels: Sequence, *, gap: float = 2.0) -> None:
    """Move direct labels (annotations with offsets in points) apart vertically so none overlaps another.

    Labels keep their order by height; each is moved by the least amount, measured in pixels and converted
    back to points.
    """
    labels = [t for t in labels if t is not None]
    if len(labels) < 2:
        return
    lay_out(fig)
    boxes = _boxes(fig, labels)
    order = sorted(range(len(labels)), key=lambda i: (boxes[i].y0 + boxes[i].y1) / 2)
    tops: list[float] = []
    shift = {i: 0.0 for i in order}
    for i in order:
        lo = boxes[i].y0
        if tops and lo < tops[-1] + gap:
            shift[i] = tops[-1] + gap - lo
        tops.append(boxes[i].y1 + shift[i])
    spread = (tops[-1] - boxes[order[-1]].y1) / 2 if tops else 0.0
    for i in order:
        dx, dy = labels[i].xyann
        labels[i].xyann = (dx, dy + (shift[i] - spread) * 72.0 / fig.dpi)


def place_labels(fig: Figure, ax, labels: Sequence, *, avoid: Sequence = (), candidates=AROUND) -> None:
    """Move each direct label to the first offset of ``candidates`` where it overlaps nothing.

    A label must stay inside the axes and clear of the other labels, of the artists in ``avoid`` (legends,
    tick labels) and of the data points (scatter markers) of ``ax`` other than its own anchor.  A label with
    no free place keeps the first candidate.
    """
    lay_out(fig)
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    taken = _boxes(fig, avoid)
    points = _marker_boxes(ax)
    for t in labels:
        anchor = ax.transData.transform(t.xy)
        others = [b for b in points if not b.contains(*anchor)]
        chosen = candidates[0]
        for cand in candidates:
            _apply(t, cand)
            box = t.get_window_extent(renderer)
            fits = inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
            if fits and not any(box.overlaps(b) for b in taken + others):
                chosen = cand
                break
        _apply(t, chosen)
        taken.append(t.get_window_extent(renderer))


def _apply(label, cand) -> None:
    dx, dy, ha, va = cand
    label.xyann = (dx, dy)
    label.set_ha(ha)
    label.set_va(va)


def _marker_boxes(ax, radius: float = 5.0) -> list[Bbox]:
    """Pixel boxes around the scatter markers of ``ax``."""
    out = []
    for coll in ax.collections:
        offsets = getattr(coll, "get_offsets", lambda: np.empty((0, 2)))()
        if len(offsets) == 0 or coll.get_offset_transform() is not ax.transData:
            continue
        for x, y in ax.transData.transform(np.asarray(offsets, dtype=float)):
            if np.isfinite(x) and np.isfinite(y):
                out.append(Bbox([[x - radius, y - radius], [x + radius, y + radius]]))
    return out


def keep_inside(fig: Figure, ax, labels: Sequence, *, axis: str = "y", pad: float = 0.04) -> None:
    """Widen the data limits of ``ax`` until every label in ``labels`` lies inside the axes.

    Used for value labels at the end of bars, which must not run into the tick labels below the axes.
    """
    labels = [t for t in labels if t is not None]
    for _ in range(3):
        lay_out(fig)
        renderer = fig.canvas.get_renderer()
        inside = ax.get_window_extent(renderer)
        boxes = _boxes(fig, labels)
        if not boxes:
            return
        lo = min(b.y0 if axis == "y" else b.x0 for b in boxes)
        hi = max(b.y1 if axis == "y" else b.x1 for b in boxes)
        a0, a1 = (inside.y0, inside.y1) if axis == "y" else (inside.x0, inside.x1)
        if lo >= a0 and hi <= a1:
            return
        vmin, vmax = ax.get_ylim() if axis == "y" else ax.get_xlim()
        per_px = (vmax - vmin) / max(a1 - a0, 1.0)
        vmin -= max(0.0, a0 - lo) * per_px * (1 + pad) + (pad * (vmax - vmin) if lo < a0 else 0)
        vmax += max(0.0, hi - a1) * per_px * (1 + pad) + (pad * (vmax - vmin) if hi > a1 else 0)
        (ax.set_ylim if axis == "y" else ax.set_xlim)(vmin, vmax)


def year_axis(ax, years: Sequence[int], *, left: float = 0.3, right: float = 0.3) -> None:
    """Put one tick per year on the x axis, written as plain digits ("2024"), with room at both ends."""
    years = [int(y) for y in years]
    ax.set_xticks(years, [str(y) for y in years])
    if years:
        ax.set_xlim(min(years) - left, max(years) + right)
