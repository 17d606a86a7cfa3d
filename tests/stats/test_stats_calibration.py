"""Calibration of the verdicts by seeded simulation (issue 9, point 8), through the public names.

Each simulated Counts table holds ``replicates`` provinces (one series each) of ``units`` units with monthly
and whole-year rows and known truth (tests/stats/simulate.py). One ``yoy_table`` call judges them all. The
rates measured with these seeds are written in the report of the change that added this file; the
assertions are the acceptance thresholds of the issue, plus a check that the binomial-only verdict fails
them (so each test can fail).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simulate import simulate_counts, simulate_years

from analysis import stats
from analysis.schemas import finalise_counts

CALLED = ["improved", "worsened"]
#: A materiality so small that "stable" never hides a call: the tests measure the variation, not δ.
NO_MATERIALITY = 1e-4


def called(yoy: pd.DataFrame, labels=CALLED) -> float:
    return float(yoy["label"].isin(labels).mean())


def test_no_change_at_census_scale_is_rarely_called():
    """No real change, 10^6 a year, year- and month-level logit sd 0.03: at most 10 % called."""
    c = simulate_counts(
        np.random.default_rng(20251201), replicates=50, units=20, per_year=1e6, year_sd=0.03, month_sd=0.03
    )
    auto = stats.yoy_table(c, 2024, materiality=NO_MATERIALITY)
    assert len(auto) == 1000 and set(auto["method"]) == {"yearly history"}
    assert called(auto) <= 0.10
    assert called(stats.yoy_table(c, 2024)) <= 0.10  # registry materiality: also fewer calls
    # the binomial interval alone calls most of these units: the test has teeth
    assert called(stats.yoy_table(c, 2024, materiality=NO_MATERIALITY, variation="binomial")) >= 0.5


def test_no_change_one_unit_judged_on_its_own_history():
    """A province total (one row per series): its own yearly history, t on k - 2 df, at most 10 % called."""
    c = simulate_counts(
        np.random.default_rng(7), replicates=200, units=1, per_year=1e6, year_sd=0.03, month_sd=0.03
    )
    yoy = stats.yoy_table(c, 2024, by=[], materiality=NO_MATERIALITY)
    hist = yoy[yoy["method"] == "yearly history"]
    assert len(hist) >= 0.95 * len(yoy)
    # a straight log-odds trend on 5 years (3 df), a quadratic one where the curvature tests significant
    assert set(hist["df"]) <= {2.0, 3.0} and (hist["df"] == 3).mean() >= 0.85
    assert called(yoy) <= 0.10


def test_real_two_point_change_is_found():
    """A real +2-point change at 10^5 a year with the same variation: found in at least 80 %."""
    c = simulate_counts(
        np.random.default_rng(11),
        replicates=50,
        units=20,
        per_year=1e5,
        year_sd=0.03,
        month_sd=0.03,
        change=0.02,
    )
    yoy = stats.yoy_table(c, 2024)
    assert called(yoy, ["improved"]) >= 0.80
    assert (yoy["change_lower"] > 0).mean() >= 0.80 and (yoy["p_value"] < 0.05).mean() >= 0.80


def test_purely_binomial_keeps_size_and_power():
    """1,200 a year, no process variation: size at most 8 %, a +10-point change found in at least 80 %,
    and about the ordinary (binomial Newcombe) test's size and power."""
    rng = np.random.default_rng(3)
    null = simulate_counts(rng, replicates=50, units=20, per_year=1200)
    size = called(stats.yoy_table(null, 2024))
    assert size <= 0.08
    assert abs(size - called(stats.yoy_table(null, 2024, variation="binomial"))) <= 0.02
    moved = simulate_counts(rng, replicates=50, units=20, per_year=1200, change=0.10, base=(0.6, 0.85))
    power = called(stats.yoy_table(moved, 2024), ["improved"])
    assert power >= 0.80
    assert power >= called(stats.yoy_table(moved, 2024, variation="binomial"), ["improved"]) - 0.05


def test_projection_interval_covers_next_year():
    """5 years of history, year-level logit sd 0.1: the 95 % projection interval covers next year's
    observed rate at least 92 % of the time (the binomial interval, the old default, covers far less)."""
    x, n, t, nxt = simulate_years(
        np.random.default_rng(5), replicates=200, years=5, per_year=1e5, year_sd=0.1
    )
    reps, k = x.shape
    years = np.tile(2019 + t.astype(int), reps)
    counts = finalise_counts(
        pd.DataFrame(
            {
                "indicator": "online.submission",
                "unit_code": "77",
                "unit_name": "Tỉnh mô phỏng",
                "unit_level": "province",
                "code_system": "gso2004",
                "period_start": pd.to_datetime([f"{y}-01-01" for y in years]),
                "period_end": pd.to_datetime([f"{y}-12-31" for y in years]),
                "period_type": "year",
                "numerator": x.ravel(),
                "denominator": n.ravel().astype(int),
                "convention": np.repeat([f"sim{r:03d}" for r in range(reps)], k),
                "source": "simulated (synthetic)",
            }
        )
    )
    proj = stats.projection_table(counts, to_year=2024).sort_values("convention")
    assert (proj["year"] == 2024).all() and (proj["df"] == 3).all()
    covered = (proj["lower"].to_numpy() <= nxt) & (nxt <= proj["upper"].to_numpy())
    assert covered.mean() >= 0.92
    binomial = [stats.glm_trend(x[i], n[i], t).predict([t[-1] + 1]).iloc[0] for i in range(40)]
    hits = [b["pi_lower"] <= nxt[i] <= b["pi_upper"] for i, b in enumerate(binomial)]
    assert np.mean(hits) <= 0.6


@pytest.mark.parametrize("years", [1, 2])
def test_too_few_years_to_project(years):
    x, n, t, _ = simulate_years(
        np.random.default_rng(1), replicates=1, years=years, per_year=1e4, year_sd=0.1
    )
    counts = finalise_counts(
        pd.DataFrame(
            {
                "indicator": "payment.online",
                "unit_code": "77",
                "unit_name": "Tỉnh",
                "unit_level": "province",
                "code_system": "gso2004",
                "period_start": pd.to_datetime([f"{2022 + int(v)}-01-01" for v in t]),
                "period_end": pd.to_datetime([f"{2022 + int(v)}-12-31" for v in t]),
                "period_type": "year",
                "numerator": x[0],
                "denominator": n[0].astype(int),
                "convention": "qd766",
                "source": "synthetic",
            }
        )
    )
    proj = stats.projection_table(
        counts, pd.DataFrame({"indicator": ["payment.online"], "year": [2025], "target": [0.9]}), to_year=2025
    )
    assert len(proj) == 1 and np.isnan(proj["rate"].item()) and np.isnan(proj["prob_reach"].item())
    assert proj["note"].item().startswith("too few years to project")
