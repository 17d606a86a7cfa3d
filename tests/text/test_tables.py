"""Reading tables: labels not ids, rates "98,8 %" with intervals, points, thousands separators, no index,
a caption and a source note; published rows with readable, distinct labels; the merger table's heading."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import analysis.io
from analysis.text import tables, tables_peers, tables_welfare

YOY = pd.DataFrame(
    [
        dict(
            indicator="payment.online",
            periods="2024 vs 2023",
            rate_prev=0.789,
            rate_prev_lower=0.786,
            rate_prev_upper=0.792,
            rate_curr=0.872,
            rate_curr_lower=0.869,
            rate_curr_upper=0.875,
            change=0.083,
            change_lower=0.079,
            change_upper=0.087,
            label="improved",
            target=0.98,
            target_year=2023,
        )
    ]
)
STAGES = pd.DataFrame(
    {
        "group": ["BTXH", "NCC"],
        "beneficiaries": [29344, 9607],
        "with_account": [25188, 7999],
        "paid": [23947, 7454],
    }
)


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", html, re.S)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_yoy_table_reads_as_a_table(lang):
    html = tables.yoy_gt(
        YOY, lang=lang, unit_name="Bà Rịa - Vũng Tàu", year=2024, synthetic=True
    ).as_raw_html()
    cells = _cells(html)
    assert "payment.online" not in html and "0.872" not in html  # labels and formatted numbers, not ids
    rate = "87,2 % (86,9–87,5 %)" if lang == "vi" else "87.2% (86.9–87.5%)"
    change = "+8,3 điểm phần trăm [+7,9; +8,7]" if lang == "vi" else "+8.3 pp [+7.9; +8.7]"
    assert rate in cells and change in cells
    assert ("98,0 % (2023)" if lang == "vi" else "98.0% (2023)") in cells  # the target says its year
    assert "Bà Rịa - Vũng Tàu, 2024" in html  # caption
    assert ("Nguồn:" if lang == "vi" else "Source:") in html and (
        "mô phỏng" if lang == "vi" else "simulated"
    ) in html
    assert (
        cells[0] not in ("", "0") and "<th" in html and not any(c == "0" for c in cells[:8])
    )  # no row index


def test_stage_counts_have_the_language_s_thousands_separator():
    vi = _cells(tables_welfare.stages_gt(STAGES, lang="vi").as_raw_html())
    en = _cells(tables_welfare.stages_gt(STAGES, lang="en").as_raw_html())
    assert "29.344" in vi and "29,344" in en
    assert any(c.startswith("25.188 (85,8 %;") for c in vi) and any(
        c.startswith("25,188 (85.8%;") for c in en
    )
    assert "Bảo trợ xã hội" in vi and "Social protection (BTXH)" in en and "BTXH" not in vi


def test_outlook_has_no_ids_and_says_when_there_is_no_target():
    o = pd.DataFrame(
        [
            dict(
                indicator="online.submission",
                projection_year=2025,
                projection=0.989,
                pi_lower=0.914,
                pi_upper=0.999,
                target=float("nan"),
                prob_reach=float("nan"),
            )
        ]
    )
    html = tables.outlook_gt(o, lang="vi", synthetic=True).as_raw_html()
    assert "online.submission" not in html and "0.989" not in html and "NaN" not in html
    assert "98,9 % (91,4–99,9 %)" in _cells(html) and "không có chỉ tiêu trong nguồn" in html


def test_published_rows_are_readable_and_distinct():
    published = analysis.io.read_published()
    ids = ["timeliness.on_time", "online.submission", "payment.online"]
    for lang in ("vi", "en"):
        rows = tables_peers.published_rows(published, registry_ids=ids, lang=lang)
        assert len(rows) == (published["registry_id"].isin(ids) & published["value"].notna()).sum()
        assert not rows["label"].str.contains(r"[\[\]_]").any(), rows["label"][
            rows["label"].str.contains("_")
        ]
        assert not rows.duplicated(["indicator", "label"]).any()  # rows can be told apart
    en = tables_peers.published_rows(published, registry_ids=ids, lang="en")
    assert "Lâm Đồng · district level · Q1 2020" in set(en["label"])
    assert "Hòa Bình · Jan – early Nov 2022" in set(en["label"])


def test_the_province_s_own_welfare_figure_has_its_panel():
    published = analysis.io.read_published()
    rows = tables_peers.published_rows(
        published,
        registry_ids=["welfare.paid_share"],
        lang="vi",
        also=["welfare_paid_via_account_rate_denominator_unspecified"],
    )
    own = rows[rows["province"] == "Bà Rịa - Vũng Tàu"]
    assert own["value"].round(3).tolist() == [0.606]  # the published 60,6 % (2023 review)
    assert own["definition"].iloc[0] == "Chi trả qua tài khoản (nguồn không nêu mẫu số)"


def test_merger_table_holds_the_province_s_numbers_under_a_true_heading():
    counts = pd.DataFrame(
        {
            "indicator": ["payment.online"] * 2,
            "unit_code": ["79"] * 2,
            "unit_name": ["Hồ Chí Minh"] * 2,
            "code_system": ["nso2025"] * 2,
            "year": [2023, 2024],
            "numerator": [789, 872],
            "denominator": [1000, 1000],
            "merged_from": ["77", "77"],
        }
    )
    cw = pd.DataFrame(
        {
            "old_code": ["77", "74", "79"],
            "old_name": ["Bà Rịa - Vũng Tàu", "Bình Dương", "Hồ Chí Minh"],
            "new_code": ["79"] * 3,
            "new_name": ["Thành phố Hồ Chí Minh"] * 3,
        }
    )
    html = tables_peers.merger_gt(
        counts, cw, unit="77", unit_name="Bà Rịa - Vũng Tàu", lang="vi", synthetic=True
    ).as_raw_html()
    heading = re.search(r'class="gt_heading gt_title[^"]*"[^>]*>(.*?)</td>', html, re.S).group(1)
    assert heading.startswith("Số liệu của Bà Rịa - Vũng Tàu (77)") and "(79)" in heading
    assert "78,9 %" in html and "87,2 %" in html and "1.000" in html  # 789/1000 and 872/1000
    assert "Bình Dương (74)" in html and "Hồ Chí Minh (79)" in html  # the provinces these counts lack


def test_source_cells_link_web_addresses_only_and_escape_the_title():
    from analysis.text.tables_peers import source_cell

    assert source_cell("Nhân Dân", "https://nhandan.vn/a_b") == "[Nhân Dân](https://nhandan.vn/a_b)"
    hostile = source_cell("x](javascript:alert(1)) <script>", "javascript:alert(1)")
    assert "](javascript" not in hostile and "<script>" not in hostile and hostile.startswith("x\\]")
    local = source_cell("Review", "source_documents/r.txt")
    assert local.endswith("(data/published/source\\_documents/r.txt)")
    assert not source_cell("t", "https://a.vn/x y").startswith("[")  # a space: no link


def test_published_table_shows_sources_as_links():
    import pandas as pd

    from analysis.text.tables_peers import published_gt

    rows = pd.DataFrame({"definition": ["d"], "label": ["Lâm Đồng · 2020"], "province": ["Lâm Đồng"],
                         "value": [98.8], "source_title": ["Báo Lâm Đồng"],
                         "source_url": ["https://baolamdong.vn/x"]})  # fmt: skip
    html = published_gt(rows, lang="en").as_raw_html()
    assert '<a href="https://baolamdong.vn/x">Báo Lâm Đồng</a>' in html
