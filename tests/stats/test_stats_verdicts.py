"""Verdicts: widened Newcombe interval, its p-value, materiality and "stable" (issue 9 points 1-3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from test_stats_tables import ON_TIME, counts_of, month_rows, year_row

from analysis import indicators, stats
from analysis.stats import verdicts


def random_counts(seed, size=3000):
    rng = np.random.default_rng(seed)
    n1, n2 = rng.integers(1, 400, size), rng.integers(1, 400, size)
    return (
        rng.binomial(n1, rng.uniform(0.05, 0.95, size)),
        n1,
        rng.binomial(n2, rng.uniform(0.05, 0.95, size)),
        n2,
    )


def test_change_ci_without_inflation_is_newcombe():
    x1, n1, x2, n2 = random_counts(1)
    np.testing.assert_allclose(stats.change_ci(x1, n1, x2, n2), stats.diff_ci(x1, n1, x2, n2), atol=1e-12)


def test_change_ci_inflation_is_newcombe_on_effective_counts():
    # deff = 4 on both periods and df = inf: Newcombe on n / 4 cases with the same proportions
    lo, hi = stats.change_ci(560, 700, 480, 800, deff1=4, deff2=4)
    np.testing.assert_allclose([lo[0], hi[0]], stats.diff_ci(140, 175, 120, 200), atol=1e-12)
    # a t quantile on df: the same interval as Newcombe at the level whose normal quantile it is
    q = sps.t.ppf(0.975, 5)
    lo, hi = stats.change_ci(56, 70, 48, 80, df=5)
    np.testing.assert_allclose(
        [lo[0], hi[0]], stats.diff_ci(56, 70, 48, 80, 2 * sps.norm.cdf(q) - 1), atol=1e-12
    )


def test_p_value_and_interval_always_agree():
    x1, n1, x2, n2 = random_counts(2)
    deff = np.random.default_rng(3).uniform(1, 5, x1.size)
    for df in (np.inf, 4.0):
        lo, hi = stats.change_ci(x1, n1, x2, n2, deff1=deff, deff2=deff, df=df)
        p = stats.change_p_value(x1, n1, x2, n2, deff1=deff, deff2=deff, df=df)
        excludes = (lo > 0) | (hi < 0)
        assert np.array_equal(p < 0.05, excludes)
        # and the p-value is the level at which the interval touches 0
        for i in np.flatnonzero((p > 1e-6) & (p < 1))[:20]:
            lo_p, hi_p = stats.change_ci(
                x1[i], n1[i], x2[i], n2[i], 1 - p[i], deff1=deff[i], deff2=deff[i], df=df
            )
            touch = lo_p if x1[i] / n1[i] > x2[i] / n2[i] else hi_p
            assert touch[0] == pytest.approx(0, abs=1e-9)


def test_issue_example_p_and_label_agree():
    """Issue 9: 4/30 vs 0/30 gave p = 0.038 (pooled z) with "no clear change" (Newcombe)."""
    c = counts_of([year_row(ON_TIME, "01", 2023, 0, 30), year_row(ON_TIME, "01", 2024, 4, 30)])
    row = stats.yoy_table(c, 2024).iloc[0]
    assert row["label"] == "no clear change" and row["p_value"] >= 0.05
    assert row["change_lower"] < 0 < row["change_upper"]


def test_verdict_stable_improved_worsened_and_direction():
    lo = np.array([0.01, -0.02, -0.002, 0.001, -0.03, np.nan])
    hi = np.array([0.05, 0.01, 0.003, 0.002, -0.01, 0.1])
    hib = np.array([True, True, True, True, False, True])
    got = stats.verdict(lo, hi, hib, 0.005)
    assert list(got) == ["improved", "no clear change", "stable", "stable", "improved", "not comparable"]
    assert list(stats.change_label(lo, hi, hib)) == [
        "improved",
        "no clear change",
        "no clear change",
        "improved",
        "improved",
        "not comparable",
    ]


def test_equivalence_p_value_matches_the_interval():
    x1, n1, x2, n2 = random_counts(4)
    m = 0.05
    lo, hi = stats.change_ci(x1, n1, x2, n2)
    p = stats.equivalence_p_value(x1, n1, x2, n2, m)
    assert np.array_equal(p < 0.025, (lo > -m) & (hi < m))


def test_materiality_from_registry_and_overrides():
    assert (
        stats.materiality_for("timeliness.on_time")
        == indicators.get("timeliness.on_time").materiality
        == 0.005
    )
    assert stats.materiality_for("payment.online", 0.02) == 0.02
    assert stats.materiality_for("payment.online", {"timeliness.on_time": 0.001}) == 0.01
    with pytest.raises(ValueError, match="0.005 = 0.5 points"):
        stats.materiality_for("payment.online", 0.5 * 100)


def test_yoy_stable_at_census_scale_and_override():
    # 10^6 cases, +0.1 point: a detectable but immaterial change is "stable" (ổn định), not "improved"
    c = counts_of(
        [year_row(ON_TIME, "01", 2023, 990_000, 1_000_000), year_row(ON_TIME, "01", 2024, 991_000, 1_000_000)]
    )
    row = stats.yoy_table(c, 2024).iloc[0]
    assert row["label"] == "stable" and row["label_vi"] == "ổn định" and row["materiality"] == 0.005
    assert row["p_value"] < 0.05 and row["p_equivalence"] < 0.025
    tight = stats.yoy_table(c, 2024, materiality={ON_TIME: 0.0005}).iloc[0]
    assert tight["label"] == "improved" and tight["label_vi"] == "cải thiện"


def test_yoy_note_and_method_say_which_variation():
    # one unit, six years of wobbling rates at 10^5: its own history shows extra-binomial variation
    rates = [0.90, 0.93, 0.89, 0.94, 0.90, 0.92]
    rows = [year_row(ON_TIME, "01", 2019 + i, int(r * 100_000), 100_000) for i, r in enumerate(rates)]
    row = stats.yoy_table(counts_of(rows), 2024).iloc[0]
    assert row["method"] == "yearly history" and row["df"] == 3 and row["dispersion"] > 10
    assert "yearly history" in row["note"] and "t on 3 df" in row["note"]
    assert row["label"] == "no clear change"  # +2 points is within this unit's usual year-to-year swing
    binomial = stats.yoy_table(counts_of(rows), 2024, variation="binomial").iloc[0]
    assert binomial["label"] == "improved" and binomial["method"] == "binomial"


def test_yoy_monthly_variation_when_no_history():
    # two years only, months alternating +-3 points around 90 % at 10^4 a month: monthly dispersion
    rows = []
    for y in (2023, 2024):
        for m in range(1, 13):
            rate = 0.90 + (0.03 if (m + y) % 2 else -0.03) + (0.005 if y == 2024 else 0)
            rows += month_rows(ON_TIME, "01", y, [m], int(rate * 10_000), 10_000)
    yoy = stats.yoy_table(counts_of(rows), 2024)
    row = yoy.iloc[0]
    assert row["basis"] == "ytd" and row["method"] == "monthly" and row["df"] == 11
    assert "not visible within it" in row["note"]
    # without the monthly variation the same +0.5 point would be called
    assert stats.yoy_table(counts_of(rows), 2024, variation="binomial").iloc[0]["label"] == "improved"


def test_yoy_binomial_note_says_what_was_checked():
    rows = [year_row(ON_TIME, "01", 2023, 90, 100), year_row(ON_TIME, "01", 2024, 95, 100)]
    row = stats.yoy_table(counts_of(rows), 2024).iloc[0]
    assert row["method"] == "binomial" and np.isinf(row["df"]) and row["dispersion"] == pytest.approx(1)
    assert "binomial interval" in row["note"] and "yearly history too short" in row["note"]


def test_yoy_rejects_unknown_variation():
    with pytest.raises(ValueError, match="variation"):
        stats.yoy_table(counts_of([year_row(ON_TIME, "01", 2024, 9, 10)]), 2024, variation="robust")


def test_labels_vi_cover_every_verdict():
    assert set(stats.LABELS) | set(stats.TREND_LABELS) <= set(stats.LABELS_VI)
    assert list(verdicts.labels_vi(pd.Series(["stable", "worsening"]))) == ["ổn định", "đang xấu đi"]


def test_adoption_curve_bend_is_not_counted_as_noise():
    """A history that bends (3 % to 61 % in five years, as account-based welfare payments did) is judged
    around a quadratic trend: the residuals around a straight line would count the bend as noise and
    call a +20-point rise "no clear change"."""
    rates = [0.0327, 0.0462, 0.0648, 0.1947, 0.6060, 0.8062]
    rows = [
        year_row("welfare.paid_share", "01", 2019 + i, int(r * 39_000), 39_000) for i, r in enumerate(rates)
    ]
    row = stats.yoy_table(counts_of(rows), 2024).iloc[0]
    assert row["method"] == "yearly history" and "quadratic" in row["note"] and row["df"] == 2
    assert row["label"] == "improved"
