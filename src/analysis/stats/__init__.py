"""Statistics for indicator proportions: intervals, changes, trends, funnels, decomposition, tables.

Verdicts judge a change against sampling *and* process variation estimated from the data
(:mod:`analysis.stats.variation`, METHODS.md §12), with the indicator's materiality ("stable").
"""

from analysis.stats.decompose import Decomposition, ProductDecomposition, decompose_change, decompose_product
from analysis.stats.funnel import (
    PHE_LABELS,
    Overdispersion,
    funnel_limits,
    funnel_significance,
    overdispersion,
)
from analysis.stats.proportions import (
    EqualityTest,
    ScoreTest,
    diff_ci,
    diff_test,
    equality_test,
    proportion_ci,
    target_test,
)
from analysis.stats.seasonal import seasonal_adjust, stl_parity_settings
from analysis.stats.tables import (
    LABELS,
    LABELS_VI,
    TREND_LABELS,
    YoyTable,
    change_label,
    trend_table,
    yoy_table,
)
from analysis.stats.tables_peer import decompose_product_table, decompose_table, funnel_table
from analysis.stats.tables_periods import comparable_periods, period_label, rollup
from analysis.stats.tables_target import (
    attach_targets,
    latest_targets,
    projection_table,
    seasonal_table,
    target_table,
    target_value,
    unit_targets,
)
from analysis.stats.trend import (
    GlmTrend,
    MannKendall,
    TrendTest,
    fit_trend,
    glm_trend,
    mann_kendall,
    trend_test,
)
from analysis.stats.variation import ChangeOverdispersion, change_overdispersion
from analysis.stats.verdicts import (
    change_ci,
    change_p_value,
    equivalence_p_value,
    materiality_for,
    verdict,
)

__all__ = [
    "LABELS",
    "LABELS_VI",
    "PHE_LABELS",
    "TREND_LABELS",
    "YoyTable",
    "attach_targets",
    "change_label",
    "comparable_periods",
    "decompose_product_table",
    "decompose_table",
    "funnel_table",
    "latest_targets",
    "period_label",
    "projection_table",
    "rollup",
    "seasonal_table",
    "target_table",
    "target_value",
    "trend_table",
    "unit_targets",
    "yoy_table",
    "ChangeOverdispersion",
    "Decomposition",
    "EqualityTest",
    "GlmTrend",
    "MannKendall",
    "Overdispersion",
    "ProductDecomposition",
    "ScoreTest",
    "TrendTest",
    "change_ci",
    "change_overdispersion",
    "change_p_value",
    "decompose_change",
    "decompose_product",
    "diff_ci",
    "diff_test",
    "equality_test",
    "equivalence_p_value",
    "fit_trend",
    "funnel_limits",
    "funnel_significance",
    "glm_trend",
    "mann_kendall",
    "materiality_for",
    "overdispersion",
    "proportion_ci",
    "seasonal_adjust",
    "stl_parity_settings",
    "target_test",
    "trend_test",
    "verdict",
]
