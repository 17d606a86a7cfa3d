"""Figure lint: what a reviewer would catch, measured with matplotlib's own renderer.

``lint(fig, lang)`` returns a list of problems (empty when the figure is clean):

- a tick label repeated on one axis (e.g. "97 %" twice), or a numeric tick label that misstates its tick
  (a tick at 99.5 % written "100 %");
- a legend over data: a data point, line, bar, band or error bar of any axes inside the legend's box;
- two texts overlapping (titles, axis labels, tick labels, legend entries, annotations, the source line);
- a text cut off at the figure's edge;
- a direct label (annotation) over a data marker that is not its own.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.ticker import LogFormatter, ScalarFormatter
from matplotlib.transforms import Bbox

from analysis.plots.axes import NumberTicks, PercentTicks

#: Tick formatters whose labels are numbers that must equal their tick's value.
NUMERIC_FORMATTERS = (PercentTicks, NumberTicks, ScalarFormatter, LogFormatter)
#: Pixels of tolerance: boxes touching within this distance do not count as overlapping.
TOL = 0.5


def _renderer(fig):
    fig.draw_without_rendering()  # layout and text extents as saved, without rasterising pixels
    return fig.canvas.get_renderer()


def parse_number(label: str, lang: str) -> float | None:
    """Return the number a tick label writes (vi "1.234,5 %" / en "1,234.5%"), or None if it is not one."""
    s = label.replace("\u2212", "-").replace("%", "").replace("\u00a0", " ").strip()
    s = s.replace(".", "").replace(",", ".") if lang == "vi" else s.replace(",", "")
    s = s.replace(" ", "")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", s):
        return None
    return float(s)


def _axis_ticks(axis, renderer):
    lo, hi = sorted(axis.get_view_interval())
    out = []
    for tick in axis.get_major_ticks():
        loc = tick.get_loc()
        lab = tick.label1
        if not (lab.get_visible() and tick.get_visible() and lab.get_text().strip()):
            continue
        if not (lo - 1e-9 * max(1, abs(lo)) <= loc <= hi + 1e-9 * max(1, abs(hi))):
            continue
        out.append((loc, lab))
    return out


def tick_problems(fig, lang: str, renderer) -> list[str]:
    """Repeated tick labels on an axis; numeric labels that do not equal their tick's value."""
    out = []
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            ticks = _axis_ticks(axis, renderer)
            texts = [lab.get_text() for _, lab in ticks]
            dup = sorted({t for t in texts if texts.count(t) > 1})
            if dup:
                out.append(f"{_where(ax)} {name} axis: tick labels repeat: {dup}")
            fmt = axis.get_major_formatter()
            if not isinstance(fmt, NUMERIC_FORMATTERS):  # categories, dates: nothing to parse back
                continue
            scale = getattr(fmt, "scale", 1.0)
            for loc, lab in ticks:
                value = parse_number(lab.get_text(), lang)
                if value is None:
                    continue
                shown = value / 100 if lab.get_text().rstrip().endswith("%") else value / scale
                if abs(shown - loc) > 1e-9 * max(1.0, abs(loc)) + 1e-12:
                    out.append(f"{_where(ax)} {name} axis: tick at {loc!r} is labelled {lab.get_text()!r}")
    return out


def _where(ax) -> str:
    title = ax.get_title() or ax.get_ylabel() or ax.get_xlabel() or "axes"
    return f"[{title[:40]}]"


def texts_of(fig) -> list[tuple[str, Text]]:
    """Every visible, non-empty text of the figure with a short name of where it is."""
    found: list[tuple[str, Text]] = []
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        t = getattr(fig, name, None)
        if t is not None:
            found.append((name.strip("_"), t))
    found += [("figure text", t) for t in fig.texts]
    for leg in fig.legends:
        found += [("figure legend", t) for t in leg.get_texts()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        w = _where(ax)
        for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label):
            found.append((f"{w} title/label", t))
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            found += [(f"{w} {name} tick", lab) for _, lab in _axis_ticks(axis, None)]
            off = axis.get_offset_text()
            found.append((f"{w} {name} offset", off))
        found += [(f"{w} annotation", t) for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None and leg.get_visible():
            found += [(f"{w} legend", t) for t in leg.get_texts()]
            found.append((f"{w} legend title", leg.get_title()))
    seen, out = set(), []
    for n, t in found:
        if id(t) not in seen and t.get_visible() and t.get_text().strip():
            seen.add(id(t))
            out.append((n, t))
    return out


def _box(artist, renderer) -> Bbox:
    return artist.get_window_extent(renderer)


def _shrunk(b: Bbox) -> Bbox:
    return Bbox([[b.x0 + TOL, b.y0 + TOL], [b.x1 - TOL, b.y1 - TOL]])


def text_problems(fig, renderer) -> list[str]:
    """Texts cut off at the figure's edge; pairs of texts whose boxes overlap."""
    out = []
    page = fig.bbox
    items = [(n, t, _box(t, renderer)) for n, t in texts_of(fig)]
    for n, t, b in items:
        if b.x0 < page.x0 - 1 or b.y0 < page.y0 - 1 or b.x1 > page.x1 + 1 or b.y1 > page.y1 + 1:
            out.append(f"{n} {t.get_text()[:40]!r} is cut off at the figure edge ({_fmt(b)} vs {_fmt(page)})")
    for (n1, t1, b1), (n2, t2, b2) in itertools.combinations(items, 2):
        if t1 is t2:
            continue
        if _shrunk(b1).overlaps(_shrunk(b2)):
            out.append(f"{n1} {t1.get_text()[:30]!r} overlaps {n2} {t2.get_text()[:30]!r}")
    return out


def _fmt(b: Bbox) -> str:
    return f"({b.x0:.0f},{b.y0:.0f})–({b.x1:.0f},{b.y1:.0f})"


def data_items(ax):
    """Yield ``(kind, artist)`` for the data drawn in ``ax`` (lines, markers, bars, bands, error bars)."""
    for line in ax.lines:
        yield "line", line
    for coll in ax.collections:
        yield "collection", coll
    for patch in ax.patches:
        if isinstance(patch, Rectangle):
            yield "bar", patch


def _hits(kind, artist, ax, region: Bbox, renderer) -> bool:
    """Does ``artist`` (data of ``ax``) draw anything inside ``region`` (pixels)?"""
    if not artist.get_visible():
        return False
    if kind == "line":
        xy = np.asarray(artist.get_xydata(), dtype=float)
        if len(xy) == 0:
            return False
        path = artist.get_transform().transform_path(artist.get_path())
        if artist.get_marker() not in (None, "", "None", " "):
            pts = artist.get_transform().transform(xy)
            if any(region.contains(x, y) for x, y in pts if np.isfinite(x) and np.isfinite(y)):
                return True
        return artist.get_linestyle() not in ("None", "", " ") and path.intersects_bbox(region, filled=False)
    if kind == "bar":
        return _box(artist, renderer).overlaps(region)
    if isinstance(artist, PathCollection):
        offsets = np.asarray(artist.get_offsets(), dtype=float)
        if len(offsets) == 0:
            return False
        pts = artist.get_offset_transform().transform(offsets)
        grown = Bbox([[region.x0 - 3, region.y0 - 3], [region.x1 + 3, region.y1 + 3]])
        return any(grown.contains(x, y) for x, y in pts if np.isfinite(x) and np.isfinite(y))
    if isinstance(artist, (LineCollection, PolyCollection)):
        transform = artist.get_transform()
        return any(
            transform.transform_path(p).intersects_bbox(region, filled=isinstance(artist, PolyCollection))
            for p in artist.get_paths()
        )
    return False


def legend_problems(fig, renderer) -> list[str]:
    """Legends whose box covers a data point, line, bar, band or error bar (inside the axes it lies on)."""
    out = []
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    for leg in legends:
        if not leg.get_visible():
            continue
        lb = _box(leg, renderer)
        for ax in fig.axes:
            inter = Bbox.intersection(lb, ax.get_window_extent(renderer))
            if inter is None or inter.width <= 0 or inter.height <= 0:
                continue
            for kind, artist in data_items(ax):
                if _hits(kind, artist, ax, inter, renderer):
                    out.append(
                        f"legend of {_where(leg.axes) if leg.axes else 'figure'} covers {kind} "
                        f"{artist.get_label()!r} of {_where(ax)}"
                    )
                    break
    return out


def label_problems(fig, renderer) -> list[str]:
    """Direct labels (annotations) drawn over a scatter marker other than the one they point at."""
    out = []
    for ax in fig.axes:
        markers = []
        for coll in ax.collections:
            if isinstance(coll, PathCollection) and len(coll.get_offsets()):
                markers += list(coll.get_offset_transform().transform(np.asarray(coll.get_offsets(), float)))
        for line in ax.lines:
            if line.get_marker() not in (None, "", "None", " ") and isinstance(line, Line2D):
                markers += list(line.get_transform().transform(np.asarray(line.get_xydata(), float)))
        for t in ax.texts:
            if not isinstance(t, Annotation) or not t.get_visible():
                continue
            b = _box(t, renderer)
            anchor = ax.transData.transform(t.xy) if t.xycoords == "data" else None
            for x, y in markers:
                if anchor is not None and abs(x - anchor[0]) < 1 and abs(y - anchor[1]) < 1:
                    continue
                if b.x0 + 1 < x < b.x1 - 1 and b.y0 + 1 < y < b.y1 - 1:
                    out.append(
                        f"label {t.get_text()[:30]!r} of {_where(ax)} covers a data marker at "
                        f"({x:.0f}, {y:.0f})"
                    )
                    break
    return out


def lint(fig, *, lang: str) -> list[str]:
    """Every problem of ``fig`` a reviewer would see (see the module docstring); [] when clean."""
    renderer = _renderer(fig)
    return (
        tick_problems(fig, lang, renderer)
        + text_problems(fig, renderer)
        + legend_problems(fig, renderer)
        + label_problems(fig, renderer)
    )
