"""The Counts model: derived columns, and the checks that must refuse a bad table."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import indicators
from analysis.schemas import CountsError, finalise_counts, validate_counts


def _rows(**over):
    row = dict(
        indicator="timeliness.on_time", unit_code="77.S01", unit_name="Sở Tư pháp", unit_level="department",
        code_system="gso2004", period_start="2023-01-01", period_end="2023-12-31", numerator=988,
        denominator=1000, convention="bieu06", source="test.xlsx",
    )
    row.update(over)
    return pd.DataFrame([row])


def test_derived_columns_for_a_year_and_a_month():
    year = finalise_counts(_rows())
    assert year.loc[0, "period_type"] == "year" and year.loc[0, "year"] == 2023
    assert pd.isna(year.loc[0, "month"])
    month = finalise_counts(_rows(period_start="2023-02-01", period_end="2023-02-28"))
    assert month.loc[0, "period_type"] == "month" and month.loc[0, "month"] == 2


def test_provincial_year_ending_on_the_14th_belongs_to_its_end_year():
    out = finalise_counts(_rows(period_start="2022-12-15", period_end="2023-12-14"))
    assert out.loc[0, "year"] == 2023 and out.loc[0, "period_type"] == "year"


@pytest.mark.parametrize(
    "over, words",
    [
        (dict(numerator=1001), "numerator 1001 > denominator 1000"),
        (dict(numerator=-1), "numerator"),
        (dict(unit_level="village"), "unit_level"),
        (dict(code_system="gso1999"), "code_system"),
        (dict(period_start="2024-01-01"), "period_start after period_end"),
    ],
)
def test_bad_rows_are_refused(over, words):
    with pytest.raises(CountsError, match=words.split()[0]):
        finalise_counts(_rows(**over))


def test_duplicate_keys_are_refused_but_breakdowns_separate_rows():
    two = pd.concat([_rows(), _rows()])
    with pytest.raises(CountsError, match="duplicate key"):
        finalise_counts(two)
    groups = pd.concat([_rows(beneficiary_group="BTXH"), _rows(beneficiary_group="NCC")])
    assert len(finalise_counts(groups)) == 2


def test_missing_column_is_named():
    with pytest.raises(CountsError, match="source"):
        validate_counts(_rows().drop(columns="source"))


def test_registry_has_the_eight_indicators_of_the_design_and_the_satisfaction_family():
    assert set(indicators.REGISTRY) == {
        "timeliness.on_time", "timeliness.on_time_766", "timeliness.overdue_pending", "online.submission",
        "payment.online", "welfare.account_share", "welfare.paid_share", "welfare.paid_of_holders",
        "feedback.on_time", "satisfaction.feedback", "satisfaction.dossiers",
    }
    family = [i for i in indicators.REGISTRY.values() if i.family == "satisfaction"]
    assert "satisfaction" in indicators.FAMILIES and len(family) == 3
    assert all(i.convention == "qd766" and i.higher_is_better and 0 < i.materiality < 0.05 for i in family)
    assert "5.4" in indicators.get("satisfaction.dossiers").label_en and "5.3" in indicators.get(
        "satisfaction.feedback").label_vi
    assert {i.family for i in indicators.REGISTRY.values()} == set(indicators.FAMILIES)
    assert indicators.higher_is_better("timeliness.overdue_pending") is False
    with pytest.raises(KeyError, match="known"):
        indicators.get("nope")
