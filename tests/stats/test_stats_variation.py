"""Process-variation estimators (analysis.stats.variation, glm_batch) against statsmodels and hand values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from analysis import stats
from analysis.stats import variation
from analysis.stats.glm_batch import logit_irls


def statsmodels_pearson(design, x, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(x / n, design, family=sm.families.Binomial(), var_weights=n).fit(scale="X2")
    return float(res.pearson_chi2), np.asarray(res.mu)


def test_batched_irls_equals_statsmodels():
    rng = np.random.default_rng(0)
    t = np.arange(6.0)
    design = np.column_stack([np.ones(6), t - t.mean()])
    n = rng.integers(50, 5000, (40, 6)).astype(float)
    x = rng.binomial(n.astype(int), 1 / (1 + np.exp(-(1 + 0.2 * t + rng.normal(0, 0.2, (40, 6)))))).astype(
        float
    )
    fit = logit_irls(np.broadcast_to(design, (40, 6, 2)), x, n)
    assert fit.converged.all()
    for g in range(40):
        chi2, mu = statsmodels_pearson(design, x[g], n[g])
        assert fit.pearson_chi2[g] == pytest.approx(chi2, rel=1e-8)
        np.testing.assert_allclose(fit.mu[g], mu, rtol=1e-8)


def test_monthly_dispersion_equals_quasibinomial_glm_with_month_factors():
    """phi = Pearson X² / (M - 1) of logit(p) ~ period + factor(month), as R quasibinomial."""
    rng = np.random.default_rng(1)
    n = rng.integers(800, 1200, (2, 12)).astype(float)
    eta = 2 + 0.1 * np.arange(2)[:, None] + 0.2 * np.sin(np.arange(12))[None, :] + rng.normal(0, 0.1, (2, 12))
    x = rng.binomial(n.astype(int), 1 / (1 + np.exp(-eta))).astype(float)
    design = np.column_stack([np.ones(24), np.repeat([0.0, 1.0], 12), np.tile(np.eye(12)[:, 1:], (2, 1))])
    chi2, _ = statsmodels_pearson(design, x.ravel(), n.ravel())
    md = variation.monthly_dispersion(x, n)
    assert md.df[0] == 11 and md.months[0] == 12
    assert md.phi[0] == pytest.approx(chi2 / 11, rel=1e-8)
    assert md.overdispersed[0] == (chi2 > sps.chi2.ppf(0.95, 11))
    # a year-to-date span: months 1-6 only, df 5; different months in the two periods: refused
    half = n.copy()
    half[:, 6:] = 0
    assert variation.monthly_dispersion(x * (half > 0), half).df[0] == 5
    half[0, 5] = 0
    odd = variation.monthly_dispersion(x * (half > 0), half)
    assert np.isnan(odd.phi[0]) and "same months" in odd.note[0]


def test_history_variation_pooling_and_moment_estimate():
    rng = np.random.default_rng(2)
    t = np.arange(2018, 2024.0)
    n = np.full((30, 6), 1e5)
    eta = 2.0 + 0.05 * (t - 2018) + rng.normal(0, 0.05, (30, 6))
    x = rng.binomial(n.astype(int), 1 / (1 + np.exp(-eta))).astype(float)
    hv = variation.history_variation(x, n, t)
    assert (hv.df == 4).all() and hv.overdispersed.all()
    for g in (0, 7):
        design = np.column_stack([np.ones(6), t])
        chi2, mu = statsmodels_pearson(design, x[g], n[g])
        assert hv.pearson_chi2[g] == pytest.approx(chi2, rel=1e-8)
        assert hv.weight[g] == pytest.approx(4 * np.mean(n[g] * mu * (1 - mu)), rel=1e-8)
    pooled = hv.pooled()
    assert pooled.df[0] == 120
    assert pooled.tau2[0] == pytest.approx((hv.pearson_chi2.sum() - 120) / hv.weight.sum())
    # the pooled log-odds variance recovers the simulated one (0.05^2) to within sampling error
    assert 0.0015 < pooled.tau2[0] < 0.0035
    short = variation.history_variation(x[:1, :2], n[:1, :2], t[:2])
    assert short.df[0] == 0 and "needs 3" in short.note[0]


def test_history_refuses_separated_or_constant_series():
    t = np.arange(5.0)
    n = np.full((2, 5), 50.0)
    x = np.array([[0, 0, 0, 50, 50], [0, 0, 0, 0, 0]], dtype=float)
    hv = variation.history_variation(x, n, t)
    assert (hv.df == 0).all() and all("separation" in s for s in hv.note)


def test_change_overdispersion_hand_values():
    # four units, changes on the empirical-logit scale computed by hand
    x1, n1 = np.array([90, 80, 95, 70]), np.full(4, 100)
    x2, n2 = np.array([85, 82, 80, 75]), np.full(4, 100)
    od = stats.change_overdispersion(x1, n1, x2, n2, trim=0)
    ell = lambda x, n: np.log((x + 0.5) / (n - x + 0.5))  # noqa: E731
    var = lambda x, n: 1 / (x + 0.5) + 1 / (n - x + 0.5)  # noqa: E731
    y, s2 = ell(x1, n1) - ell(x2, n2), var(x1, n1) + var(x2, n2)
    w = 1 / s2
    centre = np.sum(w * y) / np.sum(w)
    phi = np.mean((y - centre) ** 2 / s2)
    tau2 = max(0, (4 * phi - 3) / (w.sum() - (w**2).sum() / w.sum()))
    assert (
        od.centre == pytest.approx(centre) and od.phi == pytest.approx(phi) and od.tau2 == pytest.approx(tau2)
    )
    assert od.overdispersed == (4 * phi > sps.chi2.ppf(0.95, 3))


def test_deff_from_tau2():
    # 1 + n p q tau2 with p = (x + 1/2) / (n + 1)
    assert variation.deff_from_tau2(900, 1000, 0.01) == pytest.approx(
        1 + 1000 * (900.5 / 1001) * (100.5 / 1001) * 0.01
    )
    assert variation.deff_from_tau2(5, 10, 0.0) == 1
