"""The GLM trend: degenerate fits refused, quasi-binomial predictions with t, fit_trend, minor fixes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from test_stats_tables import ON_TIME, counts_of, year_row

from analysis import stats

# Agresti (2007) §3.2.2 snoring data (tests/stats/reference_data/glm_binomial_trend.json); R quasibinomial
# dispersion 1.437162 (METHODS.md §4b).
SNORING = (np.array([24, 35, 21, 30]), np.array([1379, 638, 213, 254]), np.array([0, 2, 4, 5]))
R_DISPERSION = 1.437162


def test_two_period_quasi_fit_is_saturated_not_wrong():
    """Issue 9: glm_trend(quasi=True) on x = [348, 1139], n = [399, 1283] stopped after one IRLS step
    (deviance 19.4, next-year mean 0.860). The saturated fit has deviance 0 and passes through both
    rates, so next year's mean is their logit-linear extrapolation, 0.902."""
    x, n = np.array([348, 1139]), np.array([399, 1283])
    fit = stats.glm_trend(x, n, [2023, 2024], quasi=True)
    assert fit.deviance == pytest.approx(0, abs=1e-9)
    logit = np.log(x / (n - x))
    expected = 1 / (1 + np.exp(-(2 * logit[1] - logit[0])))
    pred = fit.predict([2025]).iloc[0]
    assert pred["mean"] == pytest.approx(expected, rel=1e-9) and round(expected, 3) == 0.902
    assert np.isnan(fit.dispersion) and np.isnan(pred["pi_lower"]) and "saturated" in fit.note


def test_identity_link_without_valid_line_is_refused():
    t = np.arange(2020, 2025)
    n = np.full(5, 20000)
    x = np.round(np.array([0.92, 0.955, 0.99, 0.999, 1.0]) * n)  # rising 3.5 points a year into 100 %
    fit = stats.glm_trend(x, n, t, link="identity")
    assert np.isnan(fit.params).all() and "link='logit'" in fit.note
    tt = stats.trend_table(
        counts_of([year_row(ON_TIME, "01", y, int(v), 20000) for y, v in zip(t, x, strict=True)]),
        link="identity",
    )
    assert tt["label"].item() == "not comparable" and "identity link" in tt["note"].item()
    # where a valid line exists it is fitted, inside (0, 1) at every observed year
    ok = stats.glm_trend(np.round(np.array([0.86, 0.895, 0.93, 0.965, 0.99]) * n), n, t, link="identity")
    assert ok.params[1] == pytest.approx(0.0316, abs=5e-4)
    assert np.all((ok.params[0] + ok.params[1] * t > 0) & (ok.params[0] + ok.params[1] * t < 1))


def test_separation_is_refused_with_a_note():
    fit = stats.glm_trend([0, 0, 0, 50, 50], [50] * 5, range(5))
    assert np.isnan(fit.params).all() and fit.note.startswith("separation")
    # overlapping successes and failures: a finite fit, no note
    assert stats.glm_trend([0, 0, 5, 9, 12], [50] * 5, range(5)).note == ""


def test_quasi_prediction_matches_r_formula_and_statsmodels():
    """R predict.glm(se.fit = TRUE) uses the summary() dispersion (R documentation of predict.glm); for
    quasibinomial that is Pearson X²/df, 1.437162 for the snoring data. Check se.fit against statsmodels'
    own prediction with scale = X2, and the interval against the formula with t on k - 2 df."""
    x, n, t = SNORING
    quasi = stats.glm_trend(x, n, t, quasi=True)
    binom = stats.glm_trend(x, n, t)
    assert quasi.dispersion == pytest.approx(R_DISPERSION, abs=5e-7)
    new = np.array([6.0, 7.0])
    q, b = quasi.predict(new, n_new=500), binom.predict(new, n_new=500)
    np.testing.assert_allclose(q["mean_se"], b["mean_se"] * np.sqrt(quasi.dispersion), rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(x / n, sm.add_constant(t), family=sm.families.Binomial(), var_weights=n).fit(scale="X2")
    sm_pred = res.get_prediction(sm.add_constant(new), which="linear").summary_frame()
    np.testing.assert_allclose(q["mean_se"], sm_pred["se"], rtol=1e-7)
    mu = q["mean"].to_numpy()
    se_obs = np.sqrt(q["mean_se"] ** 2 + quasi.dispersion / (500 * mu * (1 - mu)))
    tq = sps.t.ppf(0.975, 2)
    eta = np.log(mu / (1 - mu))
    np.testing.assert_allclose(q["pi_upper"], 1 / (1 + np.exp(-(eta + tq * se_obs))), rtol=1e-10)
    np.testing.assert_allclose(q["mean_ci_lower"], 1 / (1 + np.exp(-(eta - tq * q["mean_se"]))), rtol=1e-10)
    # binomial: normal quantile
    z = sps.norm.ppf(0.975)
    eta_b = np.log(b["mean"] / (1 - b["mean"]))
    np.testing.assert_allclose(b["mean_ci_upper"], 1 / (1 + np.exp(-(eta_b + z * b["mean_se"]))), rtol=1e-10)
    # prob_reach from the same t distribution: 1/2 at the projection, and symmetric
    assert quasi.prob_reach(6, float(mu[0]), n_new=500) == pytest.approx(0.5, abs=1e-9)
    assert quasi.slope_p_value() == pytest.approx(2 * sps.t.sf(abs(quasi.params[1] / quasi.bse[1]), 2))


def test_fit_trend_policy_floor_and_two_periods():
    x, n, t = SNORING
    fit = stats.fit_trend(x, n, t)
    assert fit.quasi and fit.scale == pytest.approx(R_DISPERSION, abs=5e-7) and fit.df_resid == 2
    # under-dispersed: the scale is floored at 1 (never narrower than binomial), t still on k - 2 df
    flat = stats.fit_trend([500, 510, 520, 530], [1000] * 4, [1, 2, 3, 4])
    assert flat.dispersion < 1 and flat.scale == 1.0 and flat.quantile() == pytest.approx(sps.t.ppf(0.975, 2))
    two = stats.fit_trend([90, 95], [100, 100], [2023, 2024])
    assert not two.quasi and "not estimable" in two.note


def test_predict_default_n_is_latest_period_not_last_row():
    fit = stats.glm_trend([950, 80, 90], [1000, 100, 100], [2024, 2022, 2023])  # latest given first
    mu = fit.predict([2025])["mean"].iloc[0]
    assert fit.latest_n() == 1000
    pd.testing.assert_frame_equal(fit.predict([2025]), fit.predict([2025], n_new=1000))
    assert 0 < mu < 1


def test_mann_kendall_p_in_the_far_tail():
    r = stats.mann_kendall(np.arange(200.0))
    assert r.z > 8.3 and 0 < r.p_value == pytest.approx(2 * sps.norm.sf(r.z), rel=1e-12)


def test_seasonal_adjust_refuses_exactly_two_periods_like_r():
    with pytest.raises(ValueError, match="more than two full periods"):
        stats.seasonal_adjust(np.linspace(0.5, 0.6, 24))
    assert len(stats.seasonal_adjust(np.linspace(0.5, 0.6, 25))) == 25


def test_trend_table_quasi_t_label_p_consistent_and_stable():
    rows = [
        year_row(ON_TIME, "01", 2019 + i, x, 100_000)
        for i, x in enumerate([95010, 95030, 94990, 95020, 95000])
    ]
    rows += [year_row(ON_TIME, "02", 2019 + i, 80000 + 2000 * i, 100_000) for i in range(5)]
    rows += [year_row(ON_TIME, "03", y, x, 100) for y, x in [(2023, 90), (2024, 95)]]
    tt = stats.trend_table(counts_of(rows)).set_index("unit_code")
    assert tt.loc["01", "label"] == "stable" and tt.loc["01", "label_vi"] == "ổn định"
    assert tt.loc["02", "label"] == "improving" and tt.loc["02", "p_value"] < 0.05 and tt.loc["02", "df"] == 3
    assert tt.loc["03", "label"] == "not comparable" and "three years" in tt.loc["03", "note"]
