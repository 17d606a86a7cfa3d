"""The figure lint catches what it says it catches (each check fails on a figure built to break it)."""

from __future__ import annotations

import matplotlib.ticker as mticker
import pytest
from figlint import lint, parse_number

from analysis import text
from analysis.plots.axes import PercentTicks, RateLocator, digits_for, legend_above, rate_axis
from analysis.plots.base import new_figure


def _plain(ax):
    ax.plot([1, 2, 3], [0.96, 0.99, 0.995], marker="o", label="rate")
    ax.set_xticks([1, 2, 3])
    return ax


def test_whole_number_ticks_that_repeat_and_misstate_are_caught():
    # the reported defect: 96..99.5 % written with no decimals gives "97 %" twice and "100 %" for 99.5 %
    fig, ax = new_figure()
    _plain(ax)
    ax.set_ylim(0.958, 0.997)
    ax.yaxis.set_major_locator(mticker.MultipleLocator(0.005))
    ax.yaxis.set_major_formatter(text.percent_formatter(lang="vi", digits=0))
    problems = lint(fig, lang="vi")
    assert any("repeat" in p for p in problems), problems


def test_percent_ticks_take_their_decimals_from_the_spacing():
    fig, ax = new_figure()
    _plain(ax)
    ax.set_ylim(0.958, 0.997)
    ax.yaxis.set_major_locator(mticker.MultipleLocator(0.005))
    ax.yaxis.set_major_formatter(PercentTicks("vi"))
    fig.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "99,5 %" in labels and "100 %" not in labels and len(set(labels)) == len(labels)
    assert lint(fig, lang="vi") == []


def test_rate_locator_never_goes_past_100_percent():
    ticks = RateLocator().tick_values(0.95, 1.004)
    assert ticks.max() <= 1.0 and ticks.min() >= 0.95 - 1e-9


def test_digits_for_spacing():
    assert digits_for([10, 20, 30]) == 0
    assert digits_for([97.5, 98.0]) == 1
    assert digits_for([99.25, 99.5]) == 2


def test_legend_over_a_data_point_is_caught():
    fig, ax = new_figure()
    ax.scatter([0.1, 0.5, 0.9], [0.9, 0.5, 0.1], label="points")
    ax.plot([0, 1], [0.2, 0.2], label="line")
    ax.legend(loc="center")  # right over the point at (0.5, 0.5)
    assert any("legend" in p and "covers" in p for p in lint(fig, lang="en"))


def test_legend_above_the_axes_covers_nothing():
    fig, ax = new_figure()
    ax.scatter([0.1, 0.9], [0.9, 0.1], label="points")
    ax.plot([0, 1], [1.0, 1.0], label="a line along the top edge")
    rate_axis(ax.yaxis, lang="en")
    legend_above(ax)
    assert lint(fig, lang="en") == []


def test_overlapping_texts_and_cut_off_texts_are_caught():
    fig, ax = new_figure()
    ax.plot([0, 1], [0, 1])
    ax.annotate("first label", (0.5, 0.5))
    ax.annotate("second label", (0.5, 0.5))
    fig.text(0.9, 0.5, "a note running off the figure's right edge")  # not in the layout: cut off
    problems = lint(fig, lang="en")
    assert any("overlaps" in p and "first label" in p for p in problems), problems
    assert any("cut off" in p for p in problems), problems


def test_a_label_over_another_point_is_caught():
    fig, ax = new_figure()
    ax.scatter([0.0, 0.05], [0.0, 0.0])
    ax.set_xlim(-1, 1)
    ax.annotate(
        "label of the first point, long", (0.0, 0.0), xytext=(-5, 0), textcoords="offset points", va="center"
    )
    ax.texts[0].set_ha("left")
    assert any("covers a data marker" in p for p in lint(fig, lang="en"))


@pytest.mark.parametrize(
    "label, lang, value",
    [("1.234,5 %", "vi", 1234.5), ("1,234.5%", "en", 1234.5), ("-0,25", "vi", -0.25), ("Q1", "en", None)],
)
def test_parse_number(label, lang, value):
    assert parse_number(label, lang) == value
