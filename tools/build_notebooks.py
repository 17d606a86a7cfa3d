"""Write the five notebooks of notebooks/ (without outputs) from the cell lists below: run after editing them.

Usage: ``python tools/build_notebooks.py [--out DIR]``.  Cell ids are fixed, so the files are byte-stable.
"""

# ruff: noqa: E501  (narrative text of the notebooks: long Vietnamese/English lines are kept whole)
from __future__ import annotations

import argparse
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

PARAMS = """year: int = 2024  # help: reporting year (the latest full year of the sample is 2024)
unit: str = "77"  # help: unit code as a string (keep leading zeros); "77" is the whole province
data_dir: str = ""  # help: folder of exports; empty means the shipped synthetic sample (data/sample)
counts_file: str = ""  # help: Counts table (parquet) precomputed by `analysis run`; empty means read data_dir
lang: str = "vi"  # help: label language, "vi" or "en"
out_dir: str = ""  # help: root folder for figures; empty means figures/ in the project"""

IMPORTS = """import analysis.io
import analysis.plots
import analysis.stats.series as tables
import analysis.stats
import analysis.text
import analysis.text.findings
import analysis.text.tables
from IPython.display import Markdown

Markdown(analysis.text.banner(synthetic=P.synthetic, unit_name=P.unit_name, year=P.year, lang=P.lang))"""

SCOPE = """counts = tables.in_scope(P.counts, P.unit)
targets = tables.unit_targets(P.targets, unit=P.unit, counts=counts)"""

FINDINGS_MD = (
    "## Kết luận chính · Key findings\n\nCác câu dưới đây được tính từ các bảng ở trên, không gõ tay. "
    "*Computed from the tables above, not typed.*"
)


def setup_cell(name: str) -> str:
    """Return the cell after the parameters: it validates them and loads the data once."""
    return f'import analysis.notebook.context\n\nP = analysis.notebook.context.setup(globals(), notebook="{name}")'


def save(fig_id: str) -> str:
    """Return a line saving ``fig`` with its computed title and alt text."""
    return f'P.save(fig, "{fig_id}", **analysis.plots.caption(fig, unit_name=P.unit_name, year=P.year))'


def head(name: str, extra_params: str = "") -> list[tuple[str, str]]:
    """Return the three opening code cells: parameters, set-up, imports with the data banner."""
    return [("params", PARAMS + extra_params), ("code", setup_cell(name)), ("code", IMPORTS)]


NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "00_overview": [
        (
            "md",
            "# Tổng quan các chỉ số · Overview of the indicators\n\n"
            "**Câu hỏi:** năm nay mỗi chỉ số đạt bao nhiêu, so với năm trước và so với chỉ tiêu thì thế nào?\n\n"
            "*Question: where does each indicator stand this year, against last year and against its "
            "target?*\n\n"
            "Mỗi tỷ lệ có khoảng tin cậy 95 % (Wilson); thay đổi được đánh giá bằng khoảng Newcombe: chỉ khi "
            "khoảng này không chứa 0 mới ghi *cải thiện* hoặc *xấu đi*. Định nghĩa các chỉ số: "
            "`analysis.indicators` (QĐ 766/QĐ-TTg, Biểu số 06/VPCP/KSTT, Đề án 06).",
        ),
        *head("00_overview"),
        (
            "md",
            "## Mỗi chỉ số: năm nay, năm trước, chỉ tiêu · Each indicator: this year, last year, target\n\n"
            "Chỉ tiêu chỉ lấy từ nguồn đã trích dẫn (`data/reference/targets.csv`); chỉ số không có chỉ tiêu "
            "thì không vẽ. *Targets come only from cited sources; none is invented.*",
        ),
        ("code", SCOPE),
        (
            "code",
            "card = tables.attach_targets(analysis.stats.yoy_table(counts, P.year, by=[]), targets, year=P.year)",
        ),
        (
            "code",
            "analysis.text.tables.yoy_view(card, lang=P.lang)",
        ),
        ("code", "fig = analysis.plots.scorecard(card, lang=P.lang)\n" + save("00_scorecard")),
        (
            "md",
            "## Xu hướng nhiều năm · Trends over the years\n\nMỗi đường một chỉ số, dải là khoảng tin cậy 95 %. "
            "*One line per indicator; the band is the 95% interval.*",
        ),
        (
            "code",
            'yearly = tables.yearly_rates(counts, indicator=["timeliness.on_time", "online.submission", '
            '"payment.online", "welfare.paid_share"])',
        ),
        (
            "code",
            'fig = analysis.plots.trend_band(yearly, by="indicator", lang=P.lang)\n' + save("00_trends"),
        ),
        ("md", FINDINGS_MD),
        ("code", "P.findings(analysis.text.findings.findings_overview(card, lang=P.lang, synthetic=P.synthetic))"),
    ],
    "10_dossier_timeliness": [
        (
            "md",
            "# Giải quyết hồ sơ đúng hạn · Dossier timeliness\n\n"
            "**Câu hỏi:** hồ sơ thủ tục hành chính có được giải quyết đúng hạn hơn năm trước không; cơ quan "
            "nào, cấp nào, tháng nào chậm; và thay đổi đến từ đâu?\n\n"
            "*Question: are dossiers resolved on time more often than last year; which agencies, levels and "
            "months lag; and where does the change come from?*",
        ),
        *head("10_dossier_timeliness"),
        (
            "md",
            "## Toàn tỉnh theo năm · The whole unit, year by year\n\n"
            "Tỷ lệ theo Biểu 06: (trước hạn + đúng hạn) / đã giải quyết (cột 8 + 9 trên cột 7), với khoảng tin "
            "cậy 95 % và chỉ tiêu HĐND khi nguồn có.",
        ),
        ("code", SCOPE),
        (
            "code",
            'yearly = tables.yearly_rates(counts, indicator="timeliness.on_time")\n'
            'target = tables.target_for(targets, "timeliness.on_time", year=P.year)',
        ),
        ("code", "fig = analysis.plots.trend_band(yearly, target=target, lang=P.lang)\n" + save("10_trend")),
        (
            "md",
            "## Hai cách tính cạnh nhau · Two conventions side by side\n\n"
            "**Biểu 06** chỉ tính hồ sơ đã giải quyết; **QĐ 766 (chỉ số 2.1)** tính cả hồ sơ đang giải quyết "
            "còn trong hạn trên tổng số hồ sơ đã và đang xử lý (DOMAIN.md §1.3). Hai chuỗi không được trộn "
            "và không so sánh trực tiếp với nhau. *Never mixed in one series.*",
        ),
        (
            "code",
            'both = tables.yearly_rates(counts, indicator=["timeliness.on_time", "timeliness.on_time_766"])',
        ),
        (
            "code",
            'fig = analysis.plots.trend_band(both, by="convention", lang=P.lang)\n' + save("10_conventions"),
        ),
        (
            "code",
            'yoy = analysis.stats.yoy_table(tables.subset(counts, indicator=["timeliness.on_time", '
            '"timeliness.on_time_766"]), P.year, by=[])',
        ),
        (
            "code",
            "analysis.text.tables.yoy_view(yoy, lang=P.lang)",
        ),
        (
            "md",
            "## Sở, ban, ngành: năm nay so với năm trước · Agencies: this year against last year\n\n"
            "Vòng tròn rỗng là năm trước; điểm đặc là năm nay với khoảng tin cậy; hình dạng điểm cho biết "
            "cải thiện (▲), chưa rõ (●) hay xấu đi (▼).",
        ),
        (
            "code",
            'agencies = tables.subset(counts, indicator="timeliness.on_time", level="department")\n'
            "yoy_units = analysis.stats.yoy_table(agencies, P.year)",
        ),
        ("code", "fig = analysis.plots.yoy_dumbbell(yoy_units, lang=P.lang)\n" + save("10_yoy_agencies")),
        ("md", "## Cấp huyện · District level"),
        (
            "code",
            'districts = tables.subset(counts, indicator="timeliness.on_time", level="district")\n'
            "yoy_districts = analysis.stats.yoy_table(districts, P.year)",
        ),
        (
            "code",
            "fig = analysis.plots.yoy_dumbbell(yoy_districts, lang=P.lang)\n" + save("10_yoy_districts"),
        ),
        (
            "md",
            "## Biểu đồ phễu · Funnel plot\n\n"
            "Cơ quan nằm ngoài giới hạn 99,8 % khác tỷ lệ chung nhiều hơn mức ngẫu nhiên giải thích "
            "(PHE / Spiegelhalter 2005; giới hạn hiệu chỉnh khi phân tán quá mức).",
        ),
        ("code", "funnel = analysis.stats.funnel_table(agencies, P.year)"),
        ("code", "fig = analysis.plots.funnel_plot(funnel, lang=P.lang)\n" + save("10_funnel")),
        ("md", "## Hồ sơ trễ hạn theo cơ quan và tháng · Late dossiers by agency and month"),
        ("code", 'late = tables.late_share_table(counts, year=P.year, level="department")'),
        ("code", "fig = analysis.plots.late_heatmap(late, lang=P.lang)\n" + save("10_late_heatmap")),
        (
            "md",
            "## Mùa vụ · Seasonal pattern\n\n"
            "Phân rã STL (thiết lập tương đương R `stl`) của tỷ lệ đúng hạn theo tháng: xu hướng và thành phần "
            "mùa vụ (ví dụ dịp Tết).",
        ),
        (
            "code",
            'seasonal = analysis.stats.seasonal_table(tables.subset(counts, indicator="timeliness.on_time"), '
            "by=[])",
        ),
        ("code", "fig = analysis.plots.seasonal_plot(seasonal, lang=P.lang)\n" + save("10_seasonal")),
        (
            "md",
            "## Thay đổi đến từ đâu · Where the change comes from\n\n"
            "Phân tách Kitagawa: phần do từng đơn vị làm tốt hơn hay kém đi, và phần do cơ cấu hồ sơ dịch "
            "chuyển giữa các đơn vị. Hai phần cộng lại đúng bằng tổng thay đổi.",
        ),
        (
            "code",
            "decomposition = analysis.stats.decompose_table(tables.subset(counts, "
            'indicator="timeliness.on_time"), P.year)',
        ),
        (
            "code",
            "fig = analysis.plots.decomposition_bars(decomposition, lang=P.lang)\n"
            + save("10_decomposition"),
        ),
        ("md", FINDINGS_MD),
        (
            "code",
            "P.findings(analysis.text.findings.findings_timeliness(yoy, yoy_units, funnel, decomposition, lang=P.lang, "
            "synthetic=P.synthetic))",
        ),
    ],
    "20_online_payment": [
        (
            "md",
            "# Nộp hồ sơ và thanh toán trực tuyến · Online submission and online payment\n\n"
            "**Câu hỏi:** người dân nộp hồ sơ và thanh toán trực tuyến nhiều hơn chưa; cơ quan nào chậm; và "
            "nếu xu hướng giữ nguyên thì năm mục tiêu sẽ đạt bao nhiêu?\n\n"
            "*Question: are more dossiers submitted and paid online; which agencies lag; and where will the "
            "trend be in the target year?*\n\n"
            "Thanh toán trực tuyến theo QĐ 766 chỉ số 3.6: mẫu số là hồ sơ của TTHC có phí, lệ phí, trừ hồ sơ "
            "có phí bằng 0.",
        ),
        *head("20_online_payment", "\ntarget_year: int = 2025  # help: year to project the trend to"),
        ("md", "## Xu hướng · Trend"),
        ("code", SCOPE),
        ("code", 'yearly = tables.yearly_rates(counts, indicator=["online.submission", "payment.online"])'),
        (
            "code",
            'fig = analysis.plots.trend_band(yearly, by="indicator", lang=P.lang)\n'
            + save("20_adoption_trend"),
        ),
        (
            "code",
            'yoy = analysis.stats.yoy_table(tables.subset(counts, indicator=["online.submission", '
            '"payment.online"]), P.year, by=[])',
        ),
        (
            "code",
            "analysis.text.tables.yoy_view(yoy, lang=P.lang)",
        ),
        ("md", "## Sở, ban, ngành · Agencies"),
        (
            "code",
            'pay_units = analysis.stats.yoy_table(tables.subset(counts, indicator="payment.online", '
            'level="department"), P.year)',
        ),
        ("code", "fig = analysis.plots.yoy_dumbbell(pay_units, lang=P.lang)\n" + save("20_payment_agencies")),
        ("md", "## Biểu đồ phễu · Funnel plots"),
        (
            "code",
            'online_funnel = analysis.stats.funnel_table(tables.subset(counts, indicator="online.submission", '
            'level="department"), P.year)',
        ),
        ("code", "fig = analysis.plots.funnel_plot(online_funnel, lang=P.lang)\n" + save("20_online_funnel")),
        (
            "code",
            'pay_funnel = analysis.stats.funnel_table(tables.subset(counts, indicator="payment.online", '
            'level="department"), P.year)',
        ),
        ("code", "fig = analysis.plots.funnel_plot(pay_funnel, lang=P.lang)\n" + save("20_payment_funnel")),
        (
            "md",
            "## Dự báo đến năm mục tiêu · Projection to the target year\n\n"
            "Mô hình GLM nhị thức theo năm; khoảng dự báo 95 % là nơi tỷ lệ quan sát được sẽ rơi vào nếu xu "
            "hướng tiếp diễn. Không có chỉ tiêu trong nguồn thì không vẽ đường chỉ tiêu.",
        ),
        ("code", "outlook = tables.outlook_table(yearly, targets, to_year=target_year)\noutlook"),
        (
            "code",
            'payment = yearly[yearly["indicator"] == "payment.online"]\n'
            "payment_projection = tables.projection_table(payment, to_year=target_year)\n"
            'payment_target = tables.target_for(targets, "payment.online", year=target_year)',
        ),
        (
            "code",
            "fig = analysis.plots.projection_plot(payment, payment_projection, target=payment_target, "
            "lang=P.lang)\n" + save("20_payment_projection"),
        ),
        (
            "code",
            'online = yearly[yearly["indicator"] == "online.submission"]\n'
            "online_projection = tables.projection_table(online, to_year=target_year)\n"
            'online_target = tables.target_for(targets, "online.submission", year=target_year)',
        ),
        (
            "code",
            "fig = analysis.plots.projection_plot(online, online_projection, target=online_target, "
            "lang=P.lang)\n" + save("20_online_projection"),
        ),
        ("md", FINDINGS_MD),
        (
            "code",
            "P.findings(analysis.text.findings.findings_online(yoy, outlook, pay_units, unit_name=P.unit_name, "
            "lang=P.lang, synthetic=P.synthetic))",
        ),
    ],
    "30_welfare_payouts": [
        (
            "md",
            "# Chi trả an sinh xã hội qua tài khoản · Welfare payouts through accounts\n\n"
            "**Câu hỏi:** bao nhiêu đối tượng có tài khoản, bao nhiêu được chi trả qua tài khoản, ở nhóm nào "
            "và xã nào còn thấp?\n\n"
            "*Question: how many beneficiaries hold an account and are paid through it, and which groups "
            "and communes lag?*\n\n"
            "Ba tỷ lệ khác nhau được công bố và phải để riêng (DOMAIN.md §1.5): (1) có tài khoản / tổng số "
            "đối tượng; (2) được chi trả qua tài khoản / tổng số; (3) được chi trả / số có tài khoản.",
        ),
        *head("30_welfare_payouts"),
        ("md", "## Ba tỷ lệ cạnh nhau · The three rates side by side"),
        ("code", SCOPE),
        (
            "code",
            "rates = tables.welfare_rate_table(counts, year=P.year)\n"
            'target = tables.target_for(targets, "welfare.paid_share", year=P.year)',
        ),
        (
            "code",
            "fig = analysis.plots.welfare_rates(rates, target=target, lang=P.lang)\n"
            + save("30_three_rates"),
        ),
        ("md", "## Từ đối tượng đến tài khoản đến chi trả · From beneficiaries to accounts to payouts"),
        ("code", "stages = tables.welfare_stage_table(counts, year=P.year)\nstages"),
        ("code", "fig = analysis.plots.welfare_stages(stages, lang=P.lang)\n" + save("30_stages")),
        ("md", "## Theo năm · Year by year"),
        (
            "code",
            'welfare = ["welfare.account_share", "welfare.paid_share", "welfare.paid_of_holders"]\n'
            "yearly = tables.yearly_rates(counts, indicator=welfare)",
        ),
        ("code", 'fig = analysis.plots.trend_band(yearly, by="indicator", lang=P.lang)\n' + save("30_trend")),
        ("code", "yoy = analysis.stats.yoy_table(tables.subset(counts, indicator=welfare), P.year, by=[])"),
        ("code", "analysis.text.tables.yoy_view(yoy, lang=P.lang)"),
        ("md", "## Theo xã, phường · By commune\n\nCác xã thấp nhất trước; khoảng tin cậy 95 %."),
        (
            "code",
            'communes = tables.unit_rates(counts, indicator="welfare.paid_share", year=P.year, '
            'level="commune")',
        ),
        (
            "code",
            "fig = analysis.plots.rate_dotplot(communes, target=target, lang=P.lang)\n"
            + save("30_paid_by_commune"),
        ),
        ("md", FINDINGS_MD),
        (
            "code",
            "P.findings(analysis.text.findings.findings_welfare(rates, stages, yoy, unit_name=P.unit_name, "
            "target=target, lang=P.lang, synthetic=P.synthetic))",
        ),
    ],
    "40_peer_comparison": [
        (
            "md",
            "# So sánh với các tỉnh khác · Comparison with other provinces\n\n"
            "**Câu hỏi:** các tỉnh khác công bố con số nào, theo định nghĩa nào; đơn vị nào của tỉnh khác "
            "biệt thật sự; và sáp nhập năm 2025 thay đổi gì?\n\n"
            "*Question: what do other provinces publish, under which definition; which units differ "
            "beyond chance; and what does the 2025 merger change?*\n\n"
            "Số liệu công bố chỉ có tỷ lệ, không có tử số và mẫu số; mỗi định nghĩa một ô riêng, không bao "
            "giờ trộn (ví dụ hồ sơ trực tuyến 'toàn trình' không cùng chuỗi với chỉ số 3.3 của QĐ 766).",
        ),
        *head("40_peer_comparison"),
        (
            "md",
            "## Số liệu công bố · Published figures\n\nNguồn và trích dẫn nguyên văn: "
            "`data/published/published_indicators.csv`.",
        ),
        ("code", "published = analysis.io.read_published()\ncrosswalk = analysis.io.read_crosswalk()"),
        (
            "code",
            'dossiers = tables.published_table(published, registry_ids=["timeliness.on_time", '
            '"online.submission", "payment.online"])\n'
            'welfare = tables.published_table(published, registry_ids=["welfare.account_share", '
            '"welfare.paid_share", "welfare.paid_of_holders"])\n'
            "province = tables.province_name(crosswalk, P.unit)",
        ),
        (
            "code",
            "fig = analysis.plots.published_dotplot(dossiers, highlight=province, lang=P.lang)\n"
            + save("40_published_dossiers"),
        ),
        (
            "code",
            "fig = analysis.plots.published_dotplot(welfare, highlight=province, lang=P.lang)\n"
            + save("40_published_welfare"),
        ),
        ("code", "dossiers"),
        (
            "md",
            "## Biểu đồ phễu so với chỉ tiêu · Funnel against the target\n\n"
            "Chỉ có tử số và mẫu số cho các đơn vị của tỉnh này (tỷ lệ công bố của tỉnh khác không đủ để vẽ "
            "phễu), nên phễu so sánh các đơn vị với chỉ tiêu của tỉnh, hoặc với tỷ lệ chung khi không có chỉ "
            "tiêu.",
        ),
        ("code", SCOPE),
        (
            "code",
            'units = tables.subset(counts, indicator="timeliness.on_time", level="district")\n'
            'target = tables.target_for(targets, "timeliness.on_time", year=P.year)\n'
            "funnel = analysis.stats.funnel_table(units, P.year, target=target)",
        ),
        ("code", "fig = analysis.plots.funnel_plot(funnel, lang=P.lang)\n" + save("40_funnel_target")),
        (
            "md",
            "## Sáp nhập tỉnh năm 2025 · The 2025 merger\n\n"
            "Từ 1/7/2025, 63 tỉnh thành 34 (bảng chuyển đổi kèm nguồn: `data/reference/`). Số liệu chỉ cộng "
            "được theo tử số và mẫu số; tỷ lệ của tỉnh mới không phải trung bình tỷ lệ các tỉnh cũ.",
        ),
        (
            "code",
            "fig = analysis.plots.merger_bars(crosswalk, highlight=P.unit, lang=P.lang)\n"
            + save("40_merger"),
        ),
        (
            "code",
            "merged = analysis.io.to_2025_units(tables.province_totals(counts, unit=P.unit, "
            "unit_name=P.unit_name))",
        ),
        (
            "code",
            'merged[merged["code_system"] == "nso2025"][["indicator", "unit_code", "unit_name", "year", '
            '"numerator", "denominator", "merged_from"]]',
        ),
        ("md", FINDINGS_MD),
        (
            "code",
            "P.findings(analysis.text.findings.findings_peers(published, crosswalk, unit=P.unit, funnel=funnel, "
            "lang=P.lang, synthetic=P.synthetic))",
        ),
    ],
}


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """Return the notebook ``name`` made of ``cells`` (kind, source), with fixed cell ids and no outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, source) in enumerate(cells):
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell(source)
            if kind == "params":
                cell.metadata["tags"] = ["parameters"]
        cell.id = f"{name[:2]}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def main(argv: list[str] | None = None) -> int:
    """Write every notebook to ``--out`` (default notebooks/)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        text = nbformat.writes(build(name, cells)) + "\n"
        (args.out / f"{name}.ipynb").write_text(text, encoding="utf-8")
        print(f"wrote {args.out / (name + '.ipynb')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
