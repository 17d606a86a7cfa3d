"""Table-level statistics on small hand-made Counts tables (synthetic fixtures, values checked by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import stats
from analysis.indicators import get
from analysis.schemas import finalise_counts

SOURCE = "synthetic test fixture"


def row(ind, unit, start, end, x, n, ptype, *, level="department", convention=None, **extra):
    return dict(
        indicator=ind,
        unit_code=unit,
        unit_name=f"Đơn vị {unit}",
        unit_level=level,
        code_system="gso2004",
        period_start=start,
        period_end=end,
        period_type=ptype,
        numerator=x,
        denominator=n,
        convention=convention or get(ind).convention,
        source=SOURCE,
        **extra,
    )


def year_row(ind, unit, year, x, n, **kw):
    return row(ind, unit, f"{year}-01-01", f"{year}-12-31", x, n, "year", **kw)


def month_rows(ind, unit, year, months, x, n, **kw):
    out = []
    for m in months:
        end = pd.Timestamp(year, m, 1) + pd.offsets.MonthEnd(0)
        out.append(row(ind, unit, f"{year}-{m:02d}-01", end.strftime("%Y-%m-%d"), x, n, "month", **kw))
    return out


def counts_of(rows):
    return finalise_counts(pd.DataFrame(rows))


Z95 = 1.959963984540054  # Phi^-1(0.975)
ON_TIME = "timeliness.on_time"
OVERDUE = "timeliness.overdue_pending"


# ---------------------------------------------------------------- rollup and periods
def test_rollup_sums_units_and_skips_province_rows():
    c = counts_of(
        [
            year_row(ON_TIME, "01", 2024, 90, 100),
            year_row(ON_TIME, "02", 2024, 50, 100),
            year_row(ON_TIME, "77", 2024, 1, 1, level="province"),
        ]
    )
    tot = stats.rollup(c)
    assert (tot["numerator"].item(), tot["denominator"].item()) == (140, 200)
    assert tot["unit_level"].item() == "province"


def test_period_labels():
    assert stats.period_label(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")) == "2024"
    assert (
        stats.period_label(pd.Timestamp("2022-12-15"), pd.Timestamp("2023-12-14")) == "15/12/2022–14/12/2023"
    )


# ---------------------------------------------------------------- yoy_table
def test_yoy_whole_years_hand_values_and_labels():
    c = counts_of(
        [
            year_row(ON_TIME, "01", 2023, 500, 1000),
            year_row(ON_TIME, "01", 2024, 900, 1000),
            year_row(ON_TIME, "02", 2023, 90, 100),
            year_row(ON_TIME, "02", 2024, 91, 100),
            year_row(ON_TIME, "03", 2023, 95, 100),
            year_row(ON_TIME, "03", 2024, 50, 100),
        ]
    )
    yoy = stats.yoy_table(c, 2024).set_index("unit_code")
    assert yoy.loc["01", "rate_prev"] == 0.5 and yoy.loc["01", "rate_curr"] == 0.9
    assert yoy.loc["01", "change"] == pytest.approx(0.4)
    assert list(yoy["label"]) == ["improved", "no clear change", "worsened"]
    assert set(yoy["periods"]) == {"2024 vs 2023"} and set(yoy["basis"]) == {"year"}
    assert yoy.loc["01", "unit_name"] == "Đơn vị 01"
    stats.YoyTable.validate(yoy.reset_index())


def test_yoy_lower_is_better_indicator():
    c = counts_of(
        [
            year_row(OVERDUE, "01", 2023, 10, 1000),
            year_row(OVERDUE, "01", 2024, 100, 1000),
            year_row(OVERDUE, "02", 2023, 100, 1000),
            year_row(OVERDUE, "02", 2024, 10, 1000),
        ]
    )
    yoy = stats.yoy_table(c, 2024).set_index("unit_code")
    assert yoy.loc["01", "label"] == "worsened" and yoy.loc["02", "label"] == "improved"
    assert not yoy["higher_is_better"].any()


def test_yoy_partial_year_like_for_like_never_full_year():
    c = counts_of(
        [
            year_row(ON_TIME, "01", 2024, 100, 1000),  # full 2024: must not be used for Jan-Jun 2025
            row(ON_TIME, "01", "2024-01-01", "2024-06-30", 450, 500, "ytd"),
            row(ON_TIME, "01", "2025-01-01", "2025-06-30", 480, 500, "ytd"),
        ]
    )
    yoy = stats.yoy_table(c, 2025)
    assert yoy["periods"].item() == "01–06/2025 vs 01–06/2024"
    assert yoy["basis"].item() == "ytd"
    assert (yoy["numerator_prev"].item(), yoy["denominator_prev"].item()) == (450, 500)


def test_yoy_missing_previous_ytd_built_from_months_flow_and_stock():
    rows = [
        row(ON_TIME, "01", "2025-01-01", "2025-06-30", 480, 500, "ytd"),
        row(OVERDUE, "01", "2025-01-01", "2025-06-30", 5, 50, "ytd"),
    ]
    rows += month_rows(ON_TIME, "01", 2024, range(1, 13), 70, 100)
    rows += month_rows(OVERDUE, "01", 2024, range(1, 6), 1, 10) + month_rows(OVERDUE, "01", 2024, [6], 4, 40)
    yoy = stats.yoy_table(counts_of(rows), 2025).set_index("indicator")
    # flow: six months Jan-Jun summed (6 x 70 / 6 x 100); stock: the June row only
    assert (yoy.loc[ON_TIME, "numerator_prev"], yoy.loc[ON_TIME, "denominator_prev"]) == (420, 600)
    assert "summing 6 monthly rows" in yoy.loc[ON_TIME, "note"]
    assert (yoy.loc[OVERDUE, "numerator_prev"], yoy.loc[OVERDUE, "denominator_prev"]) == (4, 40)
    assert "last monthly row" in yoy.loc[OVERDUE, "note"]


def test_yoy_incomplete_months_are_not_summed():
    rows = [row(ON_TIME, "01", "2025-01-01", "2025-06-30", 480, 500, "ytd")]
    rows += month_rows(ON_TIME, "01", 2024, [1, 2, 3, 5, 6], 70, 100)  # April missing
    yoy = stats.yoy_table(counts_of(rows), 2025)
    assert yoy["label"].item() == "not comparable"
    assert pd.isna(yoy["denominator_prev"].item())


def test_yoy_unit_in_one_year_only():
    c = counts_of(
        [
            year_row(ON_TIME, "01", 2023, 90, 100),
            year_row(ON_TIME, "01", 2024, 95, 100),
            year_row(ON_TIME, "09", 2024, 40, 50),
        ]
    )
    yoy = stats.yoy_table(c, 2024).set_index("unit_code")
    assert yoy.loc["09", "label"] == "not comparable"
    assert "no row for the earlier period 2023" in yoy.loc["09", "note"]
    assert yoy.loc["09", "rate_curr"] == pytest.approx(0.8)


def test_yoy_province_total_and_breakdown():
    rows = []
    for unit, grp, x23, x24 in [("01", "BTXH", 50, 80), ("01", "NCC", 30, 30), ("02", "BTXH", 20, 60)]:
        rows += [
            year_row("welfare.paid_share", unit, 2023, x23, 100, beneficiary_group=grp),
            year_row("welfare.paid_share", unit, 2024, x24, 100, beneficiary_group=grp),
        ]
    c = counts_of(rows)
    total = stats.yoy_table(c, 2024, by=[])
    assert (total["numerator_prev"].item(), total["numerator_curr"].item()) == (100, 170)
    assert total["denominator_curr"].item() == 300
    per_unit = stats.yoy_table(c, 2024).set_index("unit_code")
    assert per_unit.loc["01", "numerator_curr"] == 110 and per_unit.loc["01", "denominator_curr"] == 200
    groups = stats.yoy_table(c, 2024, by=["beneficiary_group"]).set_index("beneficiary_group")
    assert groups.loc["BTXH", "numerator_curr"] == 140 and groups.loc["NCC", "label"] == "no clear change"


def test_yoy_conventions_never_mixed():
    c = counts_of(
        [
            year_row(ON_TIME, "01", 2023, 90, 100),
            year_row(ON_TIME, "01", 2024, 95, 100),
            year_row(ON_TIME, "01", 2023, 10, 100, convention="other"),
            year_row(ON_TIME, "01", 2024, 20, 100, convention="other"),
        ]
    )
    yoy = stats.yoy_table(c, 2024, by=[]).set_index("convention")
    assert yoy.loc["bieu06", "numerator_curr"] == 95 and yoy.loc["other", "numerator_curr"] == 20


def test_yoy_bad_by_column():
    c = counts_of([year_row(ON_TIME, "01", 2024, 90, 100)])
    with pytest.raises(ValueError, match="sector"):
        stats.yoy_table(c, 2024, by=["sector"])


def test_labels_vi_cover_every_label():
    assert set(stats.LABELS) <= set(stats.LABELS_VI)
    assert stats.LABELS_VI["improved"] == "cải thiện"


# ---------------------------------------------------------------- trend_table
@pytest.mark.filterwarnings("ignore:Perfect separation")  # the rates lie exactly on a line by construction
def test_trend_table_identity_slope_and_single_year():
    rows = [
        year_row(ON_TIME, "01", y, int(1000 * (0.5 + 0.02 * (y - 2020))), 1000) for y in range(2020, 2025)
    ]
    rows.append(year_row(ON_TIME, "02", 2024, 90, 100))
    tt = stats.trend_table(counts_of(rows), link="identity").set_index("unit_code")
    assert tt.loc["01", "slope"] == pytest.approx(0.02, rel=1e-6)
    assert tt.loc["01", "label"] == "improving" and tt.loc["01", "n_years"] == 5
    assert tt.loc["01", "sen_slope"] == pytest.approx(0.02)
    assert tt.loc["02", "label"] == "not comparable" and "fewer than two" in tt.loc["02", "note"]


def test_trend_table_quasi_when_overdispersed():
    xs = [800, 900, 820, 920, 840, 940]
    rows = [year_row(ON_TIME, "01", 2019 + i, x, 1000) for i, x in enumerate(xs)]
    tt = stats.trend_table(counts_of(rows))
    assert tt["model"].item() == "quasi-binomial" and tt["dispersion"].item() > 1


# ---------------------------------------------------------------- funnel_table
def test_funnel_table_outlier_lower_is_worse():
    rows = [year_row(ON_TIME, f"{i:02d}", 2024, 900, 1000) for i in range(1, 10)]
    rows.append(year_row(ON_TIME, "10", 2024, 700, 1000))
    f = stats.funnel_table(counts_of(rows), 2024).set_index("unit_code")
    assert f["baseline"].iloc[0] == pytest.approx(8800 / 10000)
    assert f.loc["10", "significance"] == "Low (0.001)" and f.loc["10", "assessment"] == "worse"
    # score limit by hand: 0.88 - 1.959964 * sqrt(0.88 * 0.12 / 1000)
    assert f.loc["01", "lower95"] == pytest.approx(0.88 - Z95 * np.sqrt(0.88 * 0.12 / 1000), rel=1e-9)


def test_funnel_table_target_and_overdispersion_switch():
    rng = np.random.default_rng(3)
    rows = [year_row(ON_TIME, f"{i:02d}", 2024, int(rng.uniform(0.6, 0.99) * 2000), 2000) for i in range(20)]
    c = counts_of(rows)
    f = stats.funnel_table(c, 2024, target=0.9)
    # the target is a reference line, never the centre: same limits and labels as without it
    plain = stats.funnel_table(c, 2024)
    assert set(f["baseline_kind"]) == {"overall rate"} and set(f["target"]) == {0.9}
    assert f["baseline"].iloc[0] == pytest.approx(c["numerator"].sum() / c["denominator"].sum())
    assert list(f["significance"]) == list(plain["significance"])
    assert f["limits_used"].iloc[0].startswith("random effects")
    quiet = [year_row(ON_TIME, f"{i:02d}", 2024, 1800 + (i % 3) * 5, 2000) for i in range(20)]
    g = stats.funnel_table(counts_of(quiet), 2024, method="exact")
    assert set(g["limits_used"]) == {"binomial (exact)"}


def test_funnel_overdispersion_is_around_the_overall_rate_not_the_target():
    """Issue 9: 20 units all truly at 0.95 with a 0.99 target gave phi = 1784 around the target."""
    rng = np.random.default_rng(9)
    rows = [year_row(ON_TIME, f"{i:02d}", 2024, int(rng.binomial(5000, 0.95)), 5000) for i in range(20)]
    f = stats.funnel_table(counts_of(rows), 2024, target=0.99)
    assert f["phi"].iloc[0] < 3 and f["limits_used"].iloc[0] == "binomial (score)"
    assert (f["significance"] == "Not significant").mean() >= 0.8


# ---------------------------------------------------------------- decompose_table
def test_decompose_table_hand_values():
    # unit A 90 % on 100 -> 90 % on 300; unit B 50 % on 100 -> 50 % on 100: pure mix effect.
    c = counts_of(
        [
            year_row(ON_TIME, "A", 2023, 90, 100),
            year_row(ON_TIME, "A", 2024, 270, 300),
            year_row(ON_TIME, "B", 2023, 50, 100),
            year_row(ON_TIME, "B", 2024, 50, 100),
        ]
    )
    d = stats.decompose_table(c, 2024)
    total = d[d["is_total"]].iloc[0]
    assert total["rate_prev"] == pytest.approx(0.7) and total["rate_curr"] == pytest.approx(0.8)
    assert total["contribution"] == pytest.approx(0.1)
    assert total["rate_effect"] == pytest.approx(0.0) and total["mix"] == pytest.approx(0.1)
    units = d[~d["is_total"]]
    assert units["contribution"].sum() == pytest.approx(total["contribution"])


# ---------------------------------------------------------------- target_table
def test_target_table_point_test_projection_and_direction():
    rows = [year_row(ON_TIME, "01", y, x, 100) for y, x in [(2021, 82), (2022, 85), (2023, 88), (2024, 90)]]
    rows += [year_row(OVERDUE, "01", y, x, 100) for y, x in [(2023, 8), (2024, 4)]]
    targets = pd.DataFrame(
        {
            "indicator": [ON_TIME, OVERDUE],
            "unit_code": ["01", np.nan],
            "year": [2024, 2025],
            "target": [0.8, 0.05],
            "source": ["test target (synthetic)"] * 2,
        }
    )
    t = stats.target_table(counts_of(rows), targets).set_index("indicator")
    # z by hand: (0.90 - 0.80) / sqrt(0.8 * 0.2 / 100) = 2.5
    assert t.loc[ON_TIME, "score_z"] == pytest.approx(2.5)
    assert t.loc[ON_TIME, "versus_target"] == "better" and t.loc[ON_TIME, "reached"]
    assert t.loc[ON_TIME, "projection_year"] == 2025
    assert t.loc[ON_TIME, "pi_lower"] < t.loc[ON_TIME, "projection"] < t.loc[ON_TIME, "pi_upper"]
    # lower is better: 4 % observed (2024, latest whole year) against 5 %: reached
    assert t.loc[OVERDUE, "reached"] and t.loc[OVERDUE, "observed_period"] == "2024"
    assert t.loc[OVERDUE, "change_needed_per_year"] == pytest.approx(0.05 - 0.04)
    # two years cannot estimate the year-to-year variation: no projection, said in words
    assert np.isnan(t.loc[OVERDUE, "projection"]) and np.isnan(t.loc[OVERDUE, "prob_reach"])
    assert "too few years to project" in t.loc[OVERDUE, "note"]
    assert 0 <= t.loc[ON_TIME, "prob_reach"] <= 1 and t.loc[ON_TIME, "df"] == 2


def test_target_table_rejects_percent_scale():
    targets = pd.DataFrame(
        {"indicator": [ON_TIME], "unit_code": [np.nan], "year": [2024], "target": [98.0], "source": ["x"]}
    )
    with pytest.raises(ValueError, match="row 0, column 'target'"):
        stats.target_table(counts_of([year_row(ON_TIME, "01", 2024, 9, 10)]), targets)


# ---------------------------------------------------------------- seasonal_table
def test_seasonal_table_three_years_and_gap():
    rows = []
    for y in (2022, 2023, 2024):
        for m in range(1, 13):
            rows += month_rows(ON_TIME, "01", y, [m], 800 + 50 * (m in (1, 2)), 1000)
    rows += month_rows(ON_TIME, "02", 2024, [1, 2, 4], 50, 100)
    s = stats.seasonal_table(counts_of(rows))
    one = s[s["unit_code"] == "01"]
    assert len(one) == 36 and one["trend"].notna().all()
    np.testing.assert_allclose(
        one["trend"] + one["seasonal"] + (one["rate"] - one["trend"] - one["seasonal"]), one["rate"]
    )
    assert (one["seasonal"][one["period_start"].dt.month == 1] > 0.02).all()
    two = s[s["unit_code"] == "02"]
    assert two["trend"].isna().all() and "months missing" in two["note"].iloc[0]


def test_trend_table_constant_zero_and_separation():
    rows = [year_row(OVERDUE, "01", y, 0, 20 + y - 2019) for y in range(2019, 2025)]
    rows += [
        year_row(OVERDUE, "02", y, x, 50) for y, x in zip(range(2019, 2025), [0, 0, 0, 5, 9, 12], strict=True)
    ]
    tt = stats.trend_table(counts_of(rows)).set_index("unit_code")
    assert tt.loc["01", "slope"] == 0.0 and tt.loc["01", "label"] == "no clear trend"
    assert "every year" in tt.loc["01", "note"]
    # unit 02: rising overdue share (lower is better) -> worsening, whatever model was usable
    assert tt.loc["02", "slope"] > 0 and tt.loc["02", "label"] == "worsening"


def test_rollup_by_level_and_breakdown():
    rows = [
        year_row("welfare.paid_share", "01", 2024, 10, 20, level="district", beneficiary_group="BTXH"),
        year_row("welfare.paid_share", "01", 2024, 5, 10, level="district", beneficiary_group="NCC"),
        year_row("welfare.paid_share", "01.X1", 2024, 7, 7, level="commune", beneficiary_group="BTXH"),
    ]
    c = counts_of(rows)
    districts = stats.rollup(c, "district")
    assert (districts["numerator"].item(), districts["denominator"].item()) == (15, 30)
    groups = stats.rollup(c, by=["beneficiary_group"]).set_index("beneficiary_group")
    assert groups.loc["BTXH", "numerator"] == 17 and groups.loc["NCC", "denominator"] == 10


def test_target_table_partial_year_uses_year_to_date():
    rows = [year_row(ON_TIME, "01", y, x, 1000) for y, x in [(2022, 950), (2023, 960), (2024, 970)]]
    rows.append(row(ON_TIME, "01", "2025-01-01", "2025-06-30", 490, 500, "ytd"))
    targets = pd.DataFrame(
        {
            "indicator": [ON_TIME],
            "unit_code": [np.nan],
            "year": [2025],
            "target": [0.98],
            "source": ["synthetic"],
        }
    )
    t = stats.target_table(counts_of(rows), targets).iloc[0]
    assert t["observed_period"] == "01–06/2025" and "year to date" in t["note"]
    assert t["rate"] == pytest.approx(0.98) and t["versus_target"] == "not significantly different"
    assert t["projection_year"] == 2025
    assert t["change_needed_per_year"] == pytest.approx(0.98 - 0.97)
