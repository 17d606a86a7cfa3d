"""Plot functions: each takes a table and ``lang=``, returns a matplotlib Figure, never shows or saves.

Every figure carries its title, alt text and plotted data (:func:`caption`), ready for
``analysis.report.figures.save_figure(fig, fig_id, **caption(fig))``.  The functions live in ``plots_trend``
(time), ``plots_compare`` and ``plots_units`` (units against each other), ``plots_welfare`` and
``plots_peers`` (welfare, other provinces); ``plots_tables`` shapes Counts into the tables they draw.
"""

from __future__ import annotations

from analysis.plots.base import STYLE_PATH, attach_caption, caption, new_figure, style_context
from analysis.plots.compare import funnel_plot, yoy_dumbbell
from analysis.plots.decomposition import product_decomposition_bars
from analysis.plots.peers import merger_bars, published_dotplot
from analysis.plots.scorecard import scorecard
from analysis.plots.trend import projection_plot, seasonal_plot, trend_band
from analysis.plots.units import decomposition_bars, late_heatmap
from analysis.plots.welfare import rate_dotplot, welfare_rates, welfare_stages

__all__ = [
    "STYLE_PATH",
    "attach_caption",
    "caption",
    "decomposition_bars",
    "funnel_plot",
    "late_heatmap",
    "merger_bars",
    "new_figure",
    "product_decomposition_bars",
    "projection_plot",
    "published_dotplot",
    "rate_dotplot",
    "scorecard",
    "seasonal_plot",
    "style_context",
    "trend_band",
    "welfare_rates",
    "welfare_stages",
    "yoy_dumbbell",
]
