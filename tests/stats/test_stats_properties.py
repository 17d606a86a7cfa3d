"""Property tests (hypothesis) of analysis.stats: intervals, decomposition, funnel limits, duality."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import Table

from analysis import stats

LEVELS = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998])


@st.composite
def count_pair(draw, max_n=10**6):
    n = draw(st.integers(min_value=1, max_value=max_n))
    x = draw(st.integers(min_value=0, max_value=n))
    return x, n


@settings(max_examples=300, deadline=None)
@given(count_pair(), LEVELS)
def test_wilson_contains_estimate_within_unit_interval(pair, level):
    x, n = pair
    lo, hi = stats.proportion_ci(x, n, level)
    assert 0.0 <= lo <= x / n <= hi <= 1.0


@settings(max_examples=300, deadline=None)
@given(count_pair(10**5), count_pair(10**5), LEVELS)
def test_newcombe_contains_difference(a, b, level):
    (x1, n1), (x2, n2) = a, b
    lo, hi = stats.diff_ci(x1, n1, x2, n2, level)
    d = x1 / n1 - x2 / n2
    assert -1.0 <= lo <= d + 1e-12 and d - 1e-12 <= hi <= 1.0


@settings(max_examples=200, deadline=None)
@given(count_pair(10**4), count_pair(10**4))
def test_newcombe_is_square_and_add_of_wilson(a, b):
    """Independent check: Newcombe (1998) method 10 written out from two Wilson intervals."""
    (x1, n1), (x2, n2) = a, b
    l1, u1 = stats.proportion_ci(x1, n1)
    l2, u2 = stats.proportion_ci(x2, n2)
    p1, p2 = x1 / n1, x2 / n2
    lower = p1 - p2 - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = p1 - p2 + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    np.testing.assert_allclose(stats.diff_ci(x1, n1, x2, n2), [lower, upper], atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(count_pair(10**5), st.floats(min_value=0.01, max_value=0.99))
def test_score_test_duality_with_wilson(pair, target):
    """METHODS.md §3: the target is outside the Wilson interval iff the score test rejects at that level."""
    x, n = pair
    lo, hi = stats.proportion_ci(x, n, 0.95)
    p = stats.target_test(x, n, target).p_value
    assume(abs(p - 0.05) > 1e-9)
    assert (target < lo or target > hi) == (p < 0.05)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.0, 1000.0), st.floats(0.0, 1.0), st.floats(0.0, 1000.0), st.floats(0.0, 1.0)),
        min_size=1,
        max_size=30,
    )
)
def test_kitagawa_terms_add_up(groups):
    w1, r1, w2, r2 = (np.array(v) for v in zip(*groups, strict=True))
    assume(w1.sum() > 1e-6 and w2.sum() > 1e-6)
    d = stats.decompose_change(w1, r1, w2, r2)
    assert d.mix + d.rate == pytest.approx(d.total, abs=1e-12)
    assert d.total == pytest.approx(np.sum(w2 * r2) / w2.sum() - np.sum(w1 * r1) / w1.sum(), abs=1e-12)
    assert d.by_group["total"].sum() == pytest.approx(d.total, abs=1e-12)
    np.testing.assert_allclose(d.by_group["mix"] + d.by_group["rate"], d.by_group["total"], atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**6), st.integers(1, 10**6), st.floats(0.001, 0.999), LEVELS)
def test_score_funnel_narrows_as_n_grows(n1, n2, p0, level):
    small, large = sorted((n1, n2))
    lo_s, hi_s = stats.funnel_limits(small, p0, level)
    lo_l, hi_l = stats.funnel_limits(large, p0, level)
    assert lo_s <= lo_l + 1e-15 and hi_l <= hi_s + 1e-15
    assert lo_l <= p0 <= hi_l


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10**5), st.integers(1, 10**5), st.floats(0.01, 0.99), st.floats(0.0, 0.05))
def test_random_effects_funnel_narrows_and_is_wider_than_binomial(n1, n2, p0, tau2):
    od = stats.Overdispersion(
        phi=2.0, tau2=tau2, p0=p0, zscores=np.array([]), z_winsorised=np.array([]), n_units=10
    )
    small, large = sorted((n1, n2))
    lo_s, hi_s = od.limits(small)
    lo_l, hi_l = od.limits(large)
    assert lo_s <= lo_l + 1e-15 and hi_l <= hi_s + 1e-15
    lo_b, hi_b = od.limits(large, kind="none")
    assert lo_l <= lo_b + 1e-15 and hi_b <= hi_l + 1e-15


@settings(max_examples=100, deadline=None)
@given(st.lists(count_pair(5000), min_size=2, max_size=8))
def test_trend_test_matches_statsmodels_rescaled(groups):
    """METHODS.md §4a: statsmodels' ordinal association z² times N/(N-1) is the R prop.trend.test chi2."""
    x = np.array([g[0] for g in groups], dtype=float)
    n = np.array([g[1] for g in groups], dtype=float)
    assume(0 < x.sum() < n.sum())
    res = stats.trend_test(x, n)
    table = np.column_stack([x, n - x])
    assume((table.sum(axis=1) > 0).all())
    ref = Table(table, shift_zeros=False).test_ordinal_association(
        row_scores=np.arange(1, len(x) + 1), col_scores=np.array([1, 0])
    )
    big_n = n.sum()
    assert res.chi2 == pytest.approx(ref.zscore**2 * big_n / (big_n - 1), rel=1e-9, abs=1e-12)
