"""Statistics for indicator proportions: intervals, changes, trends, funnels, decomposition, tables."""

from analysis.stats.decompose import Decomposition, decompose_change
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
from analysis.stats.tables import LABELS, LABELS_VI, YoyTable, change_label, trend_table, yoy_table
from analysis.stats.tables_peer import decompose_table, funnel_table
from analysis.stats.tables_periods import comparable_periods, period_label, rollup
from analysis.stats.tables_target import seasonal_table, target_table
from analysis.stats.trend import GlmTrend, MannKendall, TrendTest, glm_trend, mann_kendall, trend_test

__all__ = [
    "LABELS",
    "LABELS_VI",
    "PHE_LABELS",
    "YoyTable",
    "change_label",
    "comparable_periods",
    "decompose_table",
    "funnel_table",
    "period_label",
    "rollup",
    "seasonal_table",
    "target_table",
    "trend_table",
    "yoy_table",
    "Decomposition",
    "EqualityTest",
    "GlmTrend",
    "MannKendall",
    "Overdispersion",
    "ScoreTest",
    "TrendTest",
    "decompose_change",
    "diff_ci",
    "diff_test",
    "equality_test",
    "funnel_limits",
    "funnel_significance",
    "glm_trend",
    "mann_kendall",
    "overdispersion",
    "proportion_ci",
    "seasonal_adjust",
    "stl_parity_settings",
    "target_test",
    "trend_test",
]
