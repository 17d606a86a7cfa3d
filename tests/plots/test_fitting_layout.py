"""The layout of a new figure refits over-wide legends when the figure is drawn or saved (FittingLayout).

A legend drawn by ``legend_above`` with more columns than the figure's width holds must come out of a save
with fewer columns and inside the figure; one that fits keeps its columns; measuring helpers (``lay_out``)
do not refit, so a label placed clear of a legend is clear of the legend that is drawn.
"""

from __future__ import annotations

import io
import warnings

from matplotlib.layout_engine import ConstrainedLayoutEngine

from analysis.plots.axes import ABOVE, FittingLayout, lay_out, legend_above
from analysis.plots.base import new_figure
from analysis.report.figures import figure_bytes

LONG = [f"series number {i} with a long descriptive name" for i in range(6)]


def _wide_legend(fig, ax, ncols: int = 6):
    for i, label in enumerate(LONG):
        ax.plot([0, 1], [i, i + 1], label=label)
    return legend_above(ax, *ax.get_legend_handles_labels(), ncols=ncols)


def _ncols(ax) -> int:
    return getattr(ax.get_legend(), ABOVE)["ncols"]


def _inside(fig, ax) -> bool:
    box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    return box.x1 <= fig.bbox.x1 - 4 and box.x0 >= fig.bbox.x0


def test_new_figures_use_the_fitting_layout():
    fig, _ = new_figure()
    assert isinstance(fig.get_layout_engine(), FittingLayout)
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)  # what matplotlib checks for


def test_saving_refits_an_over_wide_legend_and_keeps_it_inside():
    fig, ax = new_figure()
    _wide_legend(fig, ax)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the too-wide legend squeezes the axes
        lay_out(fig)  # measuring only: six columns of long names run past the right edge
    assert _ncols(ax) == 6 and not _inside(fig, ax)
    figure_bytes(fig)
    assert 1 <= _ncols(ax) < 6
    assert _inside(fig, ax)


def test_a_draw_refits_too_and_a_legend_that_fits_keeps_its_columns():
    fig, ax = new_figure()
    _wide_legend(fig, ax)
    fig.savefig(io.BytesIO(), format="png")
    assert _ncols(ax) < 6 and _inside(fig, ax)

    fig2, ax2 = new_figure()
    ax2.plot([0, 1], [0, 1], label="a")
    ax2.plot([0, 1], [1, 0], label="b")
    legend_above(ax2, *ax2.get_legend_handles_labels(), ncols=2)
    fig2.savefig(io.BytesIO(), format="png")
    assert _ncols(ax2) == 2


def test_refitting_is_done_once():
    fig, ax = new_figure()
    _wide_legend(fig, ax)
    fig.savefig(io.BytesIO(), format="png")
    fitted = _ncols(ax)
    legend = ax.get_legend()
    fig.savefig(io.BytesIO(), format="svg")
    assert _ncols(ax) == fitted and ax.get_legend() is legend  # fits now: left as it is
