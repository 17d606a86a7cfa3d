"""Edge cases of analysis.stats: 0/n, n/n, n = 0, bad input, short series, prediction interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import stats

Z95 = 1.959963984540054  # Phi^-1(0.975)


def test_zero_and_full_counts_hand_values():
    # Wilson at x = 0: L = 0, U = z^2 / (n + z^2); at x = n: L = n / (n + z^2), U = 1 (Wilson 1927 formula).
    lo, hi = stats.proportion_ci(np.array([0, 10]), np.array([10, 10]))
    np.testing.assert_allclose(lo, [0.0, 10 / (10 + Z95**2)], rtol=1e-12)
    np.testing.assert_allclose(hi, [Z95**2 / (10 + Z95**2), 1.0], rtol=1e-12)


def test_n_zero_gives_nan_not_crash():
    lo, hi = stats.proportion_ci([0, 3], [0, 4])
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and 0 < lo[1] < 0.75 < hi[1] < 1
    dlo, dhi = stats.diff_ci([1, 0], [2, 0], [1, 1], [2, 2])
    assert np.isnan(dlo[1]) and np.isnan(dhi[1]) and dlo[0] < 0 < dhi[0]
    assert np.isnan(stats.target_test(0, 0, 0.5).z)
    assert np.isnan(stats.diff_test(0, 0, 1, 2).p_value)
    flo, fhi = stats.funnel_limits([0, 100], 0.5)
    assert np.isnan(flo[0]) and flo[1] < 0.5 < fhi[1]


def test_series_in_series_out():
    x = pd.Series([5, 9], index=["a", "b"])
    n = pd.Series([10, 10], index=["a", "b"])
    lo, hi = stats.proportion_ci(x, n)
    assert isinstance(lo, pd.Series) and list(lo.index) == ["a", "b"]
    assert isinstance(stats.proportion_ci(5, 10)[0], float)


@pytest.mark.parametrize(
    ("x", "n", "message"),
    [
        ([1, 2, -1], [5, 5, 5], "x < 0 at index 2"),
        ([1, 6, 1], [5, 5, 5], "x > n at index 1"),
        ([1, np.nan], [5, 5], "x is not finite at index 1"),
        ([1, 1], [5, np.inf], "n is not finite at index 1"),
        ([1, 1], [5, -1], "n < 0 at index 1"),
    ],
)
def test_bad_counts_name_the_position(x, n, message):
    with pytest.raises(ValueError, match=message):
        stats.proportion_ci(x, n)


def test_bad_series_position_names_label():
    with pytest.raises(ValueError, match="index 'b'"):
        stats.proportion_ci(pd.Series([1, 7], index=["a", "b"]), pd.Series([5, 5], index=["a", "b"]))


def test_diff_ci_errors_name_argument():
    with pytest.raises(ValueError, match="x2 > n2 at index 0"):
        stats.diff_ci([1], [5], [6], [5])


def test_single_year_and_short_series():
    assert np.isnan(stats.trend_test([5], [10]).chi2)
    single = stats.glm_trend([5, 0], [10, 0], [2024, 2025])
    assert np.isnan(single.params).all() and np.isnan(single.predict([2026])["mean"]).all()
    assert np.isnan(stats.mann_kendall([0.5, 0.6]).z)
    with pytest.raises(ValueError, match="two full periods"):
        stats.seasonal_adjust(np.linspace(0.5, 0.6, 23))


def test_trend_test_zero_denominators_dropped_and_slope_sign():
    up = stats.trend_test([10, 0, 20, 30], [100, 0, 100, 100], scores=[1, 2, 3, 4])
    assert up.n_groups == 3 and up.slope > 0 and up.z > 0
    # slope by hand: weighted LS of p on score, equal n: scores 1,3,4 (mean 8/3), p .1,.2,.3
    s, p = np.array([1, 3, 4.0]), np.array([0.1, 0.2, 0.3])
    assert up.slope == pytest.approx(np.sum((s - s.mean()) * (p - p.mean())) / np.sum((s - s.mean()) ** 2))


def test_seasonal_adjust_recovers_seasonal_pattern():
    t = np.arange(60)
    season = 0.03 * np.sin(2 * np.pi * t / 12)
    y = pd.Series(0.8 + 0.001 * t + season, index=pd.date_range("2020-01-01", periods=60, freq="MS"))
    out = stats.seasonal_adjust(y)
    assert list(out.index) == list(y.index)
    np.testing.assert_allclose(out["trend"] + out["seasonal"] + out["resid"], y, atol=1e-12)
    np.testing.assert_allclose(out["seasonal"].iloc[12:48], season[12:48], atol=0.005)
    np.testing.assert_allclose(out["adjusted"].iloc[12:48], (0.8 + 0.001 * t)[12:48], atol=0.005)


def test_seasonal_adjust_even_window_as_r_and_bad_values():
    # R's Fortran raises an even s.window to the next odd one; with p = 12, s = 8 and 9 give the same
    # trend window (23) and jumps (1), hence the same decomposition.
    y = 0.9 + 0.01 * np.cos(np.arange(48) * 0.5) + 0.0005 * np.arange(48)
    np.testing.assert_allclose(stats.seasonal_adjust(y, seasonal=8), stats.seasonal_adjust(y, seasonal=9))
    with pytest.raises(ValueError, match=">= 3"):
        stats.seasonal_adjust(y, seasonal=1)
    with pytest.raises(ValueError, match="periodic"):
        stats.seasonal_adjust(y, seasonal="weekly")


def test_seasonal_adjust_periodic_is_exactly_periodic():
    rng = np.random.default_rng(1)
    y = 0.8 + 0.02 * np.sin(2 * np.pi * np.arange(48) / 12) + rng.normal(0, 0.002, 48)
    out = stats.seasonal_adjust(y, seasonal="periodic")
    season = out["seasonal"].to_numpy()
    np.testing.assert_allclose(season[:12], season[12:24], atol=1e-15)
    np.testing.assert_allclose(season[:12], season[36:48], atol=1e-15)
    np.testing.assert_allclose(out["trend"] + out["seasonal"] + out["resid"], y, atol=1e-12)


def test_funnel_exact_clips_negative_lower():
    lo, _ = stats.funnel_limits(20, 0.1, method="exact")
    raw, _ = stats.funnel_limits(20, 0.1, method="exact", clip=False)
    assert raw < 0 and lo == 0.0


def test_overdispersion_none_when_binomial_and_flagged_when_not():
    rng = np.random.default_rng(20251129)
    n = np.full(30, 2000)
    binomial = stats.overdispersion(rng.binomial(n, 0.9), n)
    assert not binomial.overdispersed
    spread = stats.overdispersion(rng.binomial(n, rng.uniform(0.7, 0.99, 30)), n)
    assert spread.overdispersed and spread.tau2 > 0


def test_decompose_group_present_in_one_period_only():
    # group B exists only in period 2: its rate counts in the mix effect only (hand: mix = 0.5*0.5 + ...)
    d = stats.decompose_change([100, 0], [0.9, np.nan], [50, 50], [0.9, 0.5])
    assert d.total == pytest.approx(0.7 - 0.9)
    assert d.rate == pytest.approx(0.0)
    assert d.mix == pytest.approx(-0.2)
    with pytest.raises(ValueError, match="r1 is not finite at index 1"):
        stats.decompose_change([100, 10], [0.9, np.nan], [50, 50], [0.9, 0.5])
    assert np.isnan(stats.decompose_change([0, 0], [np.nan, np.nan], [50, 50], [0.9, 0.5]).total)


def test_glm_prediction_interval_covers_future_years():
    """Simulation: the 95 % prediction interval for next year's observed proportion covers it ~95 %."""
    rng = np.random.default_rng(7)
    years = np.arange(2018, 2025)
    n = np.full(years.size, 800)
    eta = lambda t: 1.0 + 0.15 * (t - 2018)  # noqa: E731
    hits = 0
    sims = 300
    for _ in range(sims):
        x = rng.binomial(n, 1 / (1 + np.exp(-eta(years))))
        fit = stats.glm_trend(x, n, years)
        pred = fit.predict([2025], n_new=800).iloc[0]
        future = rng.binomial(800, 1 / (1 + np.exp(-eta(2025)))) / 800
        hits += pred["pi_lower"] <= future <= pred["pi_upper"]
        assert (
            pred["pi_lower"]
            <= pred["mean_ci_lower"]
            <= pred["mean"]
            <= pred["mean_ci_upper"]
            <= pred["pi_upper"]
        )
    assert 0.91 <= hits / sims <= 0.99


def test_prob_reach_half_at_the_projection_and_direction():
    fit = stats.glm_trend([800, 820, 850, 860], [1000] * 4, [2021, 2022, 2023, 2024])
    mean = fit.predict([2025])["mean"].iloc[0]
    assert fit.prob_reach(2025, mean) == pytest.approx(0.5, abs=1e-9)
    above = fit.prob_reach(2025, mean + 0.02)
    assert above < 0.5
    assert fit.prob_reach(2025, mean + 0.02, higher_is_better=False) == pytest.approx(1 - above)


@pytest.mark.filterwarnings("ignore:Perfect separation")  # an exact fit: zero deviance by construction
def test_glm_identity_slope_on_exact_line():
    # p = 0.5 + 0.02 (t - 2020) exactly, equal n: the linear-probability fit is the line itself.
    t = np.arange(2020, 2025)
    n = np.full(5, 1000)
    x = (0.5 + 0.02 * (t - 2020)) * n
    fit = stats.glm_trend(x, n, t, link="identity")
    assert fit.slope_points() == pytest.approx(0.02, rel=1e-8)
    assert fit.params[1] == pytest.approx(0.02, rel=1e-8)
