"""The one target and projection pipeline (analysis.stats.tables_target) and the product decomposition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_stats_tables import ON_TIME, counts_of, year_row

from analysis import stats

PAY = "payment.online"


def test_targets_of_a_unit_for_a_year():
    """Moved from the notebooks' old helpers (analysis.stats.series): same behaviour, one pipeline."""
    targets = pd.DataFrame(
        {
            "indicator": [ON_TIME, PAY, PAY],
            "unit_code": ["77", "79", "77"],
            "year": [2023, 2024, 2026],
            "target": [0.98, 0.9, 1.5],
            "source": ["s"] * 3,
        }
    )
    counts = counts_of([year_row(ON_TIME, "77.S01", 2024, 90, 100)])
    mine = stats.unit_targets(targets, unit="77", counts=counts)
    # the unit's own rows, proportions only; the unit is present only through its units: unit_code NaN
    assert mine["indicator"].tolist() == [ON_TIME] and mine["unit_code"].isna().all()
    assert stats.target_value(mine, ON_TIME, year=2024) == 0.98
    assert stats.target_value(mine, ON_TIME, year=2022) is None
    assert stats.target_value(mine, PAY, year=2024) is None
    card = stats.attach_targets(pd.DataFrame({"indicator": [ON_TIME, PAY]}), mine, year=2024)
    assert card["target_year"].tolist()[0] == 2023 and np.isnan(card["target"].tolist()[1])
    assert stats.unit_targets(None, unit="77", counts=counts).empty


def test_projection_table_path_target_and_same_model_as_target_table():
    rows = [
        year_row(ON_TIME, "01", y, x, 1000)
        for y, x in [(2020, 900), (2021, 915), (2022, 925), (2023, 940), (2024, 948)]
    ]
    rows += [year_row(PAY, "01", y, x, 1000) for y, x in [(2023, 500), (2024, 600)]]
    counts = counts_of(rows)
    targets = pd.DataFrame(
        {
            "indicator": [ON_TIME],
            "unit_code": [np.nan],
            "year": [2025],
            "target": [0.97],
            "source": ["synthetic"],
        }
    )
    proj = stats.projection_table(counts, targets, to_year=2026)
    on = proj[proj["indicator"] == ON_TIME].set_index("year")
    assert (
        list(on.index) == [2025, 2026]
        and (on["lower"] < on["rate"]).all()
        and (on["rate"] < on["upper"]).all()
    )
    assert on.loc[2026, "upper"] - on.loc[2026, "lower"] > on.loc[2025, "upper"] - on.loc[2025, "lower"]
    assert (on["target"] == 0.97).all() and on["target_year"].eq(2025).all() and on["df"].eq(3).all()
    pay = proj[proj["indicator"] == PAY]
    assert len(pay) == 1 and np.isnan(pay["rate"].item()) and pay["note"].item().startswith("too few years")
    t = stats.target_table(counts, targets).iloc[0]
    assert t["projection"] == pytest.approx(on.loc[2025, "rate"]) and t["prob_reach"] == pytest.approx(
        on.loc[2025, "prob_reach"]
    )
    assert t["pi_lower"] == pytest.approx(on.loc[2025, "lower"]) and t["model"] == "quasi-binomial"


def test_decompose_product_hand_values_add_up():
    d = stats.decompose_product(0.8, 0.9, 0.9, 0.95)
    # alpha effect (0.9 - 0.8)(0.9 + 0.95)/2, beta effect (0.95 - 0.9)(0.8 + 0.9)/2
    assert d.alpha_effect == pytest.approx(0.0925) and d.beta_effect == pytest.approx(0.0425)
    assert d.total == pytest.approx(0.9 * 0.95 - 0.8 * 0.9) == pytest.approx(d.alpha_effect + d.beta_effect)
    rng = np.random.default_rng(0)
    a1, b1, a2, b2 = rng.uniform(0, 1, (4, 500))
    v = stats.decompose_product(a1, b1, a2, b2)
    np.testing.assert_allclose(v.alpha_effect + v.beta_effect, a2 * b2 - a1 * b1, atol=1e-15)
    # only one factor moves: all of the change is its effect
    assert stats.decompose_product(0.5, 0.9, 0.7, 0.9).beta_effect == 0


def test_decompose_product_table_welfare():
    def welfare(unit, year, people, holders, paid, group):
        kw = {"beneficiary_group": group}
        return [
            year_row("welfare.account_share", unit, year, holders, people, **kw),
            year_row("welfare.paid_of_holders", unit, year, paid, holders, **kw),
            year_row("welfare.paid_share", unit, year, paid, people, **kw),
        ]

    rows = welfare("01", 2023, 1000, 600, 540, "BTXH") + welfare("01", 2024, 1000, 800, 760, "BTXH")
    rows += welfare("02", 2023, 500, 300, 150, "NCC") + welfare("02", 2024, 500, 300, 240, "NCC")
    table = stats.decompose_product_table(counts_of(rows), 2024)
    row = table.iloc[0]
    a1, b1, a2, b2 = 900 / 1500, 690 / 900, 1100 / 1500, 1000 / 1100
    assert row["rate_prev"] == pytest.approx(690 / 1500) and row["rate_curr"] == pytest.approx(1000 / 1500)
    assert row["alpha_effect"] == pytest.approx((a2 - a1) * (b1 + b2) / 2)
    assert row["beta_effect"] == pytest.approx((b2 - b1) * (a1 + a2) / 2)
    assert row["note"] == "" and row["periods"] == "2024 vs 2023"
    groups = stats.decompose_product_table(counts_of(rows), 2024, by=["beneficiary_group"]).set_index(
        "beneficiary_group"
    )
    assert groups.loc["NCC", "alpha_effect"] == pytest.approx(0) and groups.loc["NCC", "beta_effect"] > 0
