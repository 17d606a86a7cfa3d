"""Tests of the shared style, the plot functions and the label/number text (analysis.plots, analysis.text)."""

from __future__ import annotations

import io
import unicodedata
import warnings

import matplotlib
import matplotlib.font_manager as fm
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from analysis import plots, text
from analysis.plots.base import FUNNEL_STYLES, SERIES_STYLES, VERDICT_STYLES, style_context
from analysis.text import findings as text_findings

#: Every Vietnamese letter (lower and upper case, all tones) plus đ/Đ and the currency sign.
VIETNAMESE = (
    "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ"
    "AÀẢÃÁẠĂẰẲẴẮẶÂẦẨẪẤẬEÈẺẼÉẸÊỀỂỄẾỆIÌỈĨÍỊOÒỎÕÓỌÔỒỔỖỐỘƠỜỞỠỚỢUÙỦŨÚỤƯỪỬỮỨỰYỲỶỸÝỴĐ₫"
)
TITLE_VI = "Tỷ lệ hồ sơ giải quyết đúng hạn – Sở Tài nguyên và Môi trường, Bà Rịa - Vũng Tàu"


# --- style -------------------------------------------------------------------------------------------


def test_style_font_has_every_vietnamese_glyph():
    with style_context():
        path = fm.findfont(
            fm.FontProperties(family=matplotlib.rcParams["font.family"]), fallback_to_default=False
        )
    assert "DejaVuSans" in path.replace(" ", "")
    charmap = FT2Font(path).get_charmap()
    missing = [ch for ch in unicodedata.normalize("NFC", VIETNAMESE) if ord(ch) not in charmap]
    assert missing == []


def test_vietnamese_title_renders_without_missing_glyphs_and_svg_keeps_nfc():
    decomposed = unicodedata.normalize("NFD", TITLE_VI)
    fig, ax = plots.new_figure()
    ax.plot([0, 1], [0, 1])
    ax.set_title(decomposed)
    fig.suptitle(unicodedata.normalize("NFC", TITLE_VI))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        buf = io.BytesIO()
        with style_context():
            fig.savefig(buf, format="png")
            svg = io.BytesIO()
            fig.savefig(svg, format="svg")
    glyph = [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    assert glyph == []
    assert unicodedata.normalize("NFC", TITLE_VI) in svg.getvalue().decode("utf-8")


def test_palette_is_okabe_ito_and_series_differ_beyond_colour():
    with style_context():
        cycle = [c.upper() for c in matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle[:3] == ["#0072B2", "#E69F00", "#009E73"]  # Okabe & Ito (2008)
    for styles in (SERIES_STYLES, list(VERDICT_STYLES.values()), list(FUNNEL_STYLES.values())):
        markers = [s["marker"] for s in styles]
        assert len(set(markers)) == len(markers), "each series needs its own marker, not only a colour"
    assert len({s["linestyle"] for s in SERIES_STYLES}) == len(SERIES_STYLES)


# --- text ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, lang, expected",
    [
        (0.988, "vi", "98,8 %"),
        (0.988, "en", "98.8%"),
        (0.0, "vi", "0,0 %"),
        (1.0, "en", "100.0%"),
        (0.606, "vi", "60,6 %"),
    ],  # BRVT 2023 welfare paid via account (published 60,6%)
)
def test_format_percent(value, lang, expected):
    assert text.format_percent(value, lang=lang) == expected


def test_format_number_and_points():
    assert text.format_number(1234567, lang="vi") == "1.234.567"
    assert text.format_number(1234567, lang="en") == "1,234,567"
    assert text.format_points(0.0091, lang="vi") == "+0,9 điểm phần trăm"  # one word per language
    assert text.format_points(-0.0091, lang="en") == "-0.9 pp"
    assert text.format_points(0.0, lang="en") == "0.0 pp"
    with pytest.raises(ValueError, match="lang"):
        text.format_percent(0.5, lang="fr")


def test_labels_follow_lang_and_are_nfc():
    for key in text.LABELS:
        for lang in text.LANGS:
            s = text.label(key, lang=lang)
            assert s == unicodedata.normalize("NFC", s)
    assert text.label("worsened", lang="vi") != text.label("worsened", lang="en")


# --- plot functions on small hand-made tables ----------------------------------------------------------


def yoy_table():
    """Columns as analysis.stats.yoy_table returns them (a hand-made table, not computed)."""
    return pd.DataFrame(
        {
            "unit_code": ["a", "b", "c", "d"],
            "unit_name": ["Sở Tư pháp", "Sở Xây dựng", "UBND huyện Đất Đỏ", "Sở mới"],
            "rate_prev": [0.95, 0.99, 0.97, np.nan],
            "rate_curr": [0.97, 0.93, 0.971, 0.5],
            "rate_curr_lower": [0.96, 0.92, 0.96, 0.4],
            "rate_curr_upper": [0.98, 0.94, 0.98, 0.6],
            "label": ["improved", "worsened", "no clear change", "not comparable"],
        }
    )


def markers_of(fig: Figure) -> set[str]:
    found = set()
    for ax in fig.axes:
        for line in ax.get_lines():
            m = line.get_marker()
            if m not in (None, "None", "", " "):
                found.add(str(m))
    return found


def test_yoy_dumbbell_caption_counts_verdicts_and_names_the_lowest():
    fig = plots.yoy_dumbbell(yoy_table(), lang="en")
    cap = plots.caption(fig)
    assert "3 units" in cap["alt"]
    assert "1 improved, 0 stable, 1 no clear change, 1 worsened" in cap["alt"]
    assert "Sở Xây dựng at 93.0%" in cap["alt"]
    assert list(cap["data"]["unit_name"]) == ["Sở Xây dựng", "Sở Tư pháp", "UBND huyện Đất Đỏ"]  # by rate
    assert {"^", "v", "o"} <= markers_of(fig)


def test_stable_verdict_has_its_own_marker_and_words():
    t = yoy_table().assign(label=["improved", "worsened", "stable", "not comparable"])
    t["method"] = ["yearly history"] * 3 + [""]
    t["materiality"] = 0.005
    fig = plots.yoy_dumbbell(t, lang="vi")
    assert VERDICT_STYLES["stable"]["marker"] not in {
        v["marker"] for k, v in VERDICT_STYLES.items() if k != "stable"
    }
    assert VERDICT_STYLES["stable"]["marker"] in markers_of(fig)
    cap = plots.caption(fig)
    assert "1 ổn định" in cap["alt"] and "biến động giữa các năm" in cap["alt"]  # says which variation
    assert "method" in cap["data"].columns


def test_product_decomposition_bars_values_and_caption():
    table = pd.DataFrame(
        {"periods": ["2024 vs 2023"], "change": [0.2], "alpha_effect": [0.19], "beta_effect": [0.01]}
    )
    fig = plots.product_decomposition_bars(table, lang="en")
    cap = plots.caption(fig)
    assert "+19.0 pp from more beneficiaries holding an account" in cap["alt"]
    heights = sorted(round(p.get_height(), 6) for p in fig.axes[0].patches)
    assert heights == [1.0, 19.0, 20.0]
    empty = plots.product_decomposition_bars(table.iloc[0:0], lang="vi")
    assert "Không có kỳ trước" in plots.caption(empty)["alt"]


def test_yoy_dumbbell_vietnamese_labels():
    cap = plots.caption(plots.yoy_dumbbell(yoy_table(), lang="vi"))
    assert "1 cải thiện" in cap["alt"] and "93,0 %" in cap["alt"]


def test_trend_band_two_conventions_distinct_series_and_target():
    t = pd.DataFrame(
        {
            "year": [2022, 2023, 2022, 2023],
            "convention": ["bieu06", "bieu06", "qd766", "qd766"],
            "rate": [0.979, 0.988, 0.95, 0.96],
            "lower": [0.97, 0.98, 0.94, 0.95],
            "upper": [0.985, 0.99, 0.96, 0.97],
        }
    )
    fig = plots.trend_band(t, by="convention", target=0.98, lang="vi")
    cap = plots.caption(fig)
    assert "97,9 % (2022) → 98,8 % (2023)" in cap["alt"] and "98,0 %" in cap["alt"]
    styles = {
        (line.get_marker(), line.get_linestyle())
        for line in fig.axes[0].get_lines()
        if line.get_marker() not in ("None", None, "")
    }
    assert len(styles) == 2
    assert fig.get_suptitle()


def test_funnel_plot_labels_units_outside_998():
    funnel = pd.DataFrame(
        {
            "unit_name": ["A", "B", "C"],
            "numerator": [90, 4000, 776],
            "denominator": [100, 5000, 800],
            "rate": [0.9, 0.80, 0.97],
            "baseline": 0.95,
            "baseline_kind": "overall rate",
            "limits_used": "binomial (score)",
            "significance": ["Not significant", "Low (0.001)", "Not significant"],
        }
    )
    fig = plots.funnel_plot(funnel, lang="en")
    cap = plots.caption(fig)
    assert cap["alt"].startswith("Funnel plot of 3 units")
    expected = "Units below the overall rate of 95.0% by more than chance (outside the 99.8% limits): 1 (B)"
    assert expected in cap["alt"]
    assert [t.get_text() for t in fig.axes[0].texts] == ["B"]


def test_funnel_plot_draws_a_target_as_a_reference_line():
    funnel = pd.DataFrame(
        {
            "unit_name": ["A", "B"],
            "numerator": [90, 4000],
            "denominator": [100, 5000],
            "rate": [0.9, 0.80],
            "baseline": 0.81,
            "baseline_kind": "overall rate",
            "target": 0.99,
            "limits_used": "binomial (score)",
            "significance": ["Not significant", "Not significant"],
        }
    )
    ax = plots.funnel_plot(funnel, lang="en").axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "Overall rate 81.0%" in labels and "Target 99.0%" in labels


def test_findings_say_stable_variation_and_too_few_years():
    units = pd.DataFrame(
        {
            "unit_name": ["A", "B", "C"],
            "label": ["stable", "stable", "worsened"],
            "change": [0.001, -0.001, -0.03],
            "materiality": 0.005,
            "method": ["yearly history"] * 3,
        }
    )
    en = text_findings.units_sentences(units, lang="en")
    assert "2 of 3 units are stable (the change is surely smaller than ±0.5 pp)." in en
    vi = text_findings.variation_sentence(units, lang="vi")
    assert "biến động giữa các năm" in vi and "±0,5 điểm %" in vi
    row = pd.Series(
        {
            "indicator": "payment.online",
            "year": 2025,
            "rate": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "target": 0.8,
            "prob_reach": np.nan,
        }
    )
    assert text_findings.projection_sentence(row, lang="en") == (
        "Dossiers paid online: too few years to project, 2025."
    )
    from analysis.text.tables import yoy_view

    view = yoy_view(
        pd.DataFrame(
            [
                dict(
                    indicator="payment.online",
                    periods="2024 vs 2023",
                    rate_prev=0.9,
                    rate_prev_lower=0.89,
                    rate_prev_upper=0.91,
                    rate_curr=0.901,
                    rate_curr_lower=0.89,
                    rate_curr_upper=0.91,
                    change=0.001,
                    change_lower=-0.002,
                    change_upper=0.004,
                    label="stable",
                    method="yearly history",
                )
            ]
        ),
        lang="vi",
    )
    assert view.iloc[0].tolist()[-2:] == ["ổn định", "lịch sử các năm"]


def test_late_heatmap_cells_carry_numbers():
    t = pd.DataFrame(
        {"unit_name": ["A", "A", "B", "B"], "month": [1, 2, 1, 2], "late_share": [0.10, 0.02, 0.0, 0.25]}
    )
    fig = plots.late_heatmap(t, lang="vi")
    cells = sorted(x.get_text() for x in fig.axes[0].texts)
    assert cells == ["0,0", "10,0", "2,0", "25,0"]
    assert "B tháng 2 (25,0 %)" in plots.caption(fig)["alt"]


def test_decomposition_total_is_sum_of_parts():
    t = pd.DataFrame(
        {
            "unit_name": ["A", "B", "total"],
            "mix": [0.001, -0.002, 99.0],
            "rate_effect": [0.004, 0.003, 99.0],
            "is_total": [False, False, True],
        }
    )
    cap = plots.caption(plots.decomposition_bars(t, lang="en"))
    # hand sum: mix -0.001, rate 0.007, total 0.006
    assert "Change of +0.600 pp: +0.700 pp from units' performance, -0.100 pp from the mix" in cap["alt"]


def test_scorecard_states_value_change_and_verdict():
    t = pd.DataFrame(
        {
            "indicator": ["timeliness.on_time", "payment.online"],
            "rate_curr": [0.988, 0.789],
            "rate_curr_lower": [0.987, 0.78],
            "rate_curr_upper": [0.989, 0.80],
            "rate_prev": [0.979, 0.80],
            "label": ["improved", "worsened"],
            "target": [0.98, np.nan],
            "unit_name": "Toàn tỉnh",
        }
    )
    fig = plots.scorecard(t, lang="vi")
    labels = [x.get_text() for x in fig.axes[0].texts]
    assert "98,8 % · +0,9 điểm phần trăm · cải thiện\nChỉ tiêu 98,0 %: đạt" in labels  # met mark
    assert "78,9 % · -1,1 điểm phần trăm · xấu đi" in labels


def test_seasonal_plot_names_low_and_high_months():
    period = pd.date_range("2022-01-01", periods=24, freq="MS")
    seasonal = np.where(period.month == 2, -0.03, np.where(period.month == 12, 0.02, 0.0))
    t = pd.DataFrame({"period": period, "trend": 0.95, "seasonal": seasonal})
    t["rate"] = t["trend"] + t["seasonal"]
    cap = plots.caption(plots.seasonal_plot(t, lang="en"))
    assert "lowest in month 2 (-3.0 pp)" in cap["alt"] and "highest in month 12 (+2.0 pp)" in cap["alt"]


def test_welfare_plots_and_projection():
    rates = pd.DataFrame(
        {
            "indicator": ["welfare.account_share", "welfare.paid_share", "welfare.paid_of_holders"],
            "group": "BTXH",
            "rate": [0.8, 0.6, 0.75],
            "lower": [0.79, 0.59, 0.74],
            "upper": [0.81, 0.61, 0.76],
        }
    )
    assert "60,0 %" in plots.caption(plots.welfare_rates(rates, lang="vi"))["alt"]
    stages = pd.DataFrame({"group": ["NCC"], "beneficiaries": [1000], "with_account": [800], "paid": [600]})
    alt = plots.caption(plots.welfare_stages(stages, lang="en"))["alt"]
    assert "1,000 beneficiaries, 800 with an account (80.0%), 600 paid through it (60.0%)" in alt
    hist = pd.DataFrame(
        {"year": [2023, 2024], "rate": [0.7, 0.8], "lower": [0.69, 0.79], "upper": [0.71, 0.81]}
    )
    proj = pd.DataFrame({"year": [2025], "rate": [0.88], "lower": [0.8], "upper": [0.93]})
    alt = plots.caption(plots.projection_plot(hist, proj, target=0.9, lang="en"))["alt"]
    assert "Projection for 2025: 88.0% (prediction interval 80.0% – 93.0%)" in alt


def test_peer_plots_keep_definitions_apart():
    pub = pd.DataFrame(
        {
            "province": ["A", "B", "A"],
            "year": [2023, 2023, 2024],
            "indicator": ["ontime_rate", "ontime_rate", "online_payment_rate"],
            "value": [0.98, 0.95, 0.7],
            "source": ["s1", "s2", "s3"],
        }
    )
    fig = plots.published_dotplot(pub, lang="en", highlight="A")
    assert sorted(ax.get_title(loc="left") for ax in fig.axes) == [
        "online_payment_rate",
        "ontime_rate",
    ]  # not registry ids: kept
    cw = pd.DataFrame(
        {
            "old_code": ["77", "74", "79", "01"],
            "old_name": ["BRVT", "Bình Dương", "HCM", "HN"],
            "new_code": ["79", "79", "79", "01"],
            "new_name": ["HCM", "HCM", "HCM", "HN"],
        }
    )
    alt = plots.caption(plots.merger_bars(cw, lang="en", highlight="77"))["alt"]
    assert "4 former provinces become 2" in alt and "HCM: BRVT, Bình Dương, HCM." in alt


def test_rate_dotplot_flags_units_clearly_below_target():
    t = pd.DataFrame(
        {"unit_name": ["X", "Y"], "rate": [0.5, 0.9], "lower": [0.45, 0.85], "upper": [0.55, 0.95]}
    )
    alt = plots.caption(plots.rate_dotplot(t, target=0.6, lang="en"))["alt"]
    assert "Units clearly below the 60.0% target: 1." in alt


def test_missing_columns_are_clear_errors_and_empty_tables_give_notices():
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['label'\]"):
        plots.yoy_dumbbell(yoy_table().drop(columns="label"))
    notice = plots.caption(plots.yoy_dumbbell(yoy_table().iloc[0:0], lang="en"))
    assert notice["alt"] == "No counts for this period."  # a notice figure, not a crash
    first_year = yoy_table().assign(rate_prev=np.nan, label="not comparable")
    assert plots.caption(plots.yoy_dumbbell(first_year, lang="en"))["alt"].startswith("No earlier period")


def test_plots_do_not_touch_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plots.yoy_dumbbell(yoy_table())
    assert plt.get_fignums() == before


# --- plot-ready tables (analysis.stats.series) on hand-made Counts ------------------------------------


def counts_rows():
    from analysis.schemas import finalise_counts

    def row(ind, code, level, start, end, x, n, **extra):
        return {
            "indicator": ind,
            "unit_code": code,
            "unit_name": code,
            "unit_level": level,
            "code_system": "gso2004",
            "period_start": start,
            "period_end": end,
            "numerator": x,
            "denominator": n,
            "convention": "bieu06",
            "source": "hand-made",
            **extra,
        }

    rows = [
        row("timeliness.on_time", "77.S01", "department", "2024-01-01", "2024-12-31", 90, 100),
        row("timeliness.on_time", "77.S02", "department", "2024-01-01", "2024-12-31", 45, 50),
        row("timeliness.on_time", "77", "province", "2024-01-01", "2024-12-31", 135, 150),  # a report total
        row("timeliness.on_time", "77.S01", "department", "2024-01-01", "2024-01-31", 8, 10),
        row("timeliness.on_time", "77.S01", "department", "2024-02-01", "2024-02-29", 5, 10),
        row("timeliness.on_time", "01.S01", "department", "2024-01-01", "2024-12-31", 1, 1),
    ]
    return finalise_counts(pd.DataFrame(rows))


def test_yearly_rates_sum_units_not_the_report_total():
    from analysis.stats import series as tables

    c = tables.in_scope(counts_rows(), "77")
    assert "01.S01" not in set(c["unit_code"])
    y = tables.yearly_rates(c, indicator="timeliness.on_time")
    assert y[["numerator", "denominator"]].values.tolist() == [[135, 150]]  # 90 + 45 of 100 + 50
    # Wilson 95% for 135/150 (z = 1.959964): centre (135 + z²/2) / (150 + z²), half-width by hand
    z = 1.959964
    centre = (135 + z**2 / 2) / (150 + z**2)
    half = z * np.sqrt(135 * 15 / 150 + z**2 / 4) / (150 + z**2)
    assert y["lower"].iloc[0] == pytest.approx(centre - half, abs=1e-6)
    assert y["upper"].iloc[0] == pytest.approx(centre + half, abs=1e-6)


def test_late_share_table_by_month():
    from analysis.stats import series as tables

    late = tables.late_share_table(counts_rows(), year=2024, level="department")
    assert late[["month", "late_share"]].values.tolist() == [[1, pytest.approx(0.2)], [2, pytest.approx(0.5)]]


def test_funnel_curves_are_the_phe_score_limits():
    from analysis.stats import series as tables

    funnel = pd.DataFrame(
        {"numerator": [90, 45], "denominator": [100, 50], "baseline": 0.9, "limits_used": "binomial (score)"}
    )
    curves = tables.funnel_curves(funnel)
    n = curves["denominator"].to_numpy()
    # PHE / Spiegelhalter score limits: p0 ± z sqrt(p0 (1 - p0) / n), z = 1.959964 and 3.090232
    assert np.allclose(curves["lower95"], np.clip(0.9 - 1.959964 * np.sqrt(0.09 / n), 0, 1), atol=1e-6)
    assert np.allclose(curves["upper998"], np.clip(0.9 + 3.090232 * np.sqrt(0.09 / n), 0, 1), atol=1e-6)


def test_welfare_stages_and_rates():
    from analysis.schemas import finalise_counts
    from analysis.stats import series as tables

    rows = []
    for ind, x, n in (
        ("welfare.account_share", 80, 100),
        ("welfare.paid_share", 60, 100),
        ("welfare.paid_of_holders", 60, 80),
    ):
        for group, k in (("BTXH", 1), ("NCC", 2)):
            rows.append(
                {
                    "indicator": ind,
                    "unit_code": "77.H01.X01",
                    "unit_name": "Phường 1",
                    "unit_level": "commune",
                    "code_system": "gso2004",
                    "period_start": "2024-01-01",
                    "period_end": "2024-12-31",
                    "numerator": k * x,
                    "denominator": k * n,
                    "convention": "de_an_06",
                    "source": "hand-made",
                    "beneficiary_group": group,
                }
            )
    c = finalise_counts(pd.DataFrame(rows))
    stages = tables.welfare_stage_table(c, year=2024)
    assert stages.set_index("group").loc["NCC"].tolist() == [200, 160, 120]
    rates = tables.welfare_rate_table(c, year=2024)
    assert rates.query("group == 'all' and indicator == 'welfare.paid_share'")[
        "rate"
    ].item() == pytest.approx(0.6)


def test_notice_figure_when_no_monthly_counts():
    empty = pd.DataFrame(columns=["unit_name", "month", "late_share"])
    cap = plots.caption(plots.late_heatmap(empty, lang="en"))
    assert cap["alt"].startswith("No monthly counts")


# --- findings sentences (analysis.text / analysis.text.findings) ---------------------------------------


def test_findings_are_built_from_the_table_numbers():
    yoy = pd.DataFrame(
        {
            "indicator": ["timeliness.on_time"],
            "periods": ["01–06/2025 vs 01–06/2024"],
            "rate_curr": [0.988],
            "rate_prev": [0.979],
            "change": [0.009],
            "label": ["improved"],
            "target": [0.98],
            "target_year": [2023],
        }
    )
    vi = text_findings.findings_overview(yoy, lang="vi", synthetic=True)
    assert vi[0] == (
        "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn: 98,8 % kỳ 01–06/2025 so với 97,9 % kỳ "
        "01–06/2024 (+0,9 điểm phần trăm; cải thiện)."
    )
    assert vi[1] == "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn: 98,8 % so với chỉ tiêu 98,0 % (2023) (đạt)."
    assert "tổng hợp" in vi[-1]
    en = text_findings.findings_overview(yoy.assign(rate_curr=0.97), lang="en", synthetic=False)
    assert en[1].endswith("against the target of 98.0% (2023) (not met).") and len(en) == 2


def test_satisfaction_findings_volume_target_assumption_and_funnel():
    card = pd.DataFrame({
        "indicator": ["feedback.on_time", "satisfaction.dossiers"],
        "periods": ["2023 vs 2022", "2023 vs 2022"],
        "numerator_curr": [333, 130155], "denominator_curr": [333, 149500],
        "rate_curr": [1.0, 130155 / 149500], "rate_prev": [0.982, 0.8526], "change": [0.018, 0.018],
        "label": ["improved", "improved"], "target": [float("nan"), 0.87],
        "target_year": [float("nan"), 2023],
    })
    funnel = pd.DataFrame({"unit_name": ["Sở A", "Sở B"], "rate": [0.7, 0.9], "baseline": [0.87, 0.87],
                           "significance": ["Low (0.001)", "Not significant"]})
    units = pd.DataFrame({"label": ["improved", "worsened"], "change": [0.02, -0.03],
                          "unit_name": ["A", "B"]})
    vi = text_findings.findings_satisfaction(card, funnel, units, unit_name="Tỉnh X", lang="vi",
                                             synthetic=True)
    assert vi[0] == ("333 phản ánh, kiến nghị (PAKN) tiếp nhận năm 2023; 333 PAKN được xử lý đúng hạn "
                     "(100,0 %).")
    assert vi[3].endswith("87,1 % so với chỉ tiêu 87,0 % (2023) (đạt).")
    assert "không nêu định nghĩa" in vi[4] and "5.4" in vi[4]
    assert "(Sở A)" in vi[-2] and "tổng hợp" in vi[-1]
    en = text_findings.findings_satisfaction(card.assign(target=float("nan")), funnel, units,
                                             unit_name="Tỉnh X", lang="en")
    assert en[0] == "333 feedback items (PAKN) received in 2023; 333 handled on time (100.0%)."
    assert "no target for Tỉnh X was found" in en[3]
    assert not any("định nghĩa" in f or "điểm %" in f for f in en)


def test_welfare_findings_say_when_no_target_exists():
    rates = pd.DataFrame({"indicator": ["welfare.paid_share"], "group": ["all"], "rate": [0.6]})
    stages = pd.DataFrame({"group": ["all"], "beneficiaries": [1000], "with_account": [700], "paid": [600]})
    empty = pd.DataFrame(columns=["indicator", "rate_curr", "rate_prev"])
    out = text_findings.findings_welfare(rates, stages, empty, unit_name="Tỉnh X", target=None, lang="en")
    assert out[0] == "All: 1,000 beneficiaries, 700 with an account (70.0%), 600 paid through it (60.0%)."
    assert "no target for Tỉnh X was found" in out[-1]
    met = text_findings.findings_welfare(rates, stages, empty, unit_name="Tỉnh X", target=0.95, lang="en")
    assert met[-1].endswith("against the target of 95.0% (not met).")


def test_peer_findings_count_per_definition_and_name_the_merger():
    published = pd.DataFrame(
        {
            "registry_id": ["payment.online", "payment.online", None],
            "province": ["Bà Rịa - Vũng Tàu", "Bình Phước", "X"],
            "value": [0.789, 0.6814, 0.5],
        }
    )
    cw = pd.DataFrame(
        {
            "old_code": ["77", "74", "79"],
            "old_name": ["Bà Rịa - Vũng Tàu", "Bình Dương", "Hồ Chí Minh"],
            "new_code": ["79", "79", "79"],
            "new_name": ["Hồ Chí Minh"] * 3,
            "effective_date": ["2025-07-01"] * 3,
        }
    )
    out = text_findings.findings_peers(published, cw, unit="77", funnel=pd.DataFrame(), lang="en")
    assert out[0] == (
        "Dossiers paid online: 2 published figures, from 68.1% to 78.9% (provinces and national series: 2)."
    )
    assert out[1] == (
        "Bà Rịa - Vũng Tàu (code 77) merged into Hồ Chí Minh (code 79) from 2025-07-01, "
        "with Bình Dương, Hồ Chí Minh."
    )
    assert len(out) == 2
