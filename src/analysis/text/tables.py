"""Tables for reading: statistics tables with rates as percentages, intervals and labels in vi or en.

``*_view`` functions return plain DataFrames of formatted strings (labels, not ids; "98,8 %" with its
interval; changes in percentage points; "1.234" / "1,234"); ``*_gt`` functions lay them out with
great-tables (a caption, a source note, no row index) for the notebooks and so for the reviewer pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pandas as pd

from analysis import text

#: Column headers of the reader's view of a year-over-year table.
HEADERS = {
    "vi": {
        "indicator": "Chỉ số",
        "unit_name": "Đơn vị",
        "periods": "Kỳ so sánh",
        "prev": "Kỳ trước (KTC 95 %)",
        "curr": "Kỳ này (KTC 95 %)",
        "change": "Thay đổi (KTC 95 %)",
        "label": "Đánh giá",
        "method": "Biến động tính đến",
        "target": "Chỉ tiêu",
    },
    "en": {
        "indicator": "Indicator",
        "unit_name": "Unit",
        "periods": "Periods compared",
        "prev": "Previous (95% CI)",
        "curr": "Current (95% CI)",
        "change": "Change (95% CI)",
        "label": "Verdict",
        "method": "Variation allowed for",
        "target": "Target",
    },
}


def _rate(p: float, lo: float, hi: float, lang: str) -> str:
    if pd.isna(p):
        return "–"
    return f"{text.format_percent(p, lang=lang)} ({text.format_interval(lo, hi, lang=lang)})"


def _points(d: float, lo: float, hi: float, lang: str) -> str:
    if pd.isna(d):
        return "–"

    def signed(x: float) -> str:
        return ("+" if x > 0 else "") + text.format_number(100 * x, lang=lang, digits=1)

    return f"{text.format_points(d, lang=lang)} [{signed(lo)}; {signed(hi)}]"


def yoy_view(yoy: pd.DataFrame, *, lang: str = "vi") -> pd.DataFrame:
    """Return a year-over-year table (``analysis.stats.yoy_table``) formatted for a reader.

    Rates become percentages with their Wilson interval, the change becomes points with its interval
    (widened for process variation), the verdict is translated ("stable" = ổn định), the variation the
    interval allows for is named (``method``), and indicator ids become their labels.

    Examples
    --------
    >>> row = dict(indicator="payment.online", periods="2024 vs 2023", rate_prev=0.789, rate_prev_lower=0.786,
    ...            rate_prev_upper=0.792, rate_curr=0.872, rate_curr_lower=0.869, rate_curr_upper=0.875,
    ...            change=0.083, change_lower=0.079, change_upper=0.087, label="improved")
    >>> yoy_view(pd.DataFrame([row]), lang="en").iloc[0].tolist()[2:]
    ['78.9% (78.6–79.2%)', '87.2% (86.9–87.5%)', '+8.3 pp [+7.9; +8.7]', 'improved']
    """
    lang = text.check_lang(lang)
    head = HEADERS[lang]
    out = pd.DataFrame(index=yoy.index)
    out[head["indicator"]] = [text.indicator_label(i, lang=lang) for i in yoy["indicator"]]
    if "unit_name" in yoy.columns and yoy["unit_name"].nunique() > 1:
        out[head["unit_name"]] = yoy["unit_name"]
    out[head["periods"]] = yoy["periods"]
    out[head["prev"]] = [
        _rate(*v, lang)
        for v in yoy[["rate_prev", "rate_prev_lower", "rate_prev_upper"]].itertuples(index=False)
    ]
    out[head["curr"]] = [
        _rate(*v, lang)
        for v in yoy[["rate_curr", "rate_curr_lower", "rate_curr_upper"]].itertuples(index=False)
    ]
    out[head["change"]] = [
        _points(*v, lang) for v in yoy[["change", "change_lower", "change_upper"]].itertuples(index=False)
    ]
    out[head["label"]] = [text.label(v, lang=lang) if lang == "vi" else v for v in yoy["label"]]
    if "method" in yoy.columns:
        out[head["method"]] = [text.label(m, lang=lang) if m else "–" for m in yoy["method"]]
    if "target" in yoy.columns:
        years = (
            yoy["target_year"] if "target_year" in yoy.columns else pd.Series(float("nan"), index=yoy.index)
        )
        out[head["target"]] = [
            "–" if pd.isna(t) else text.format_percent(t, lang=lang) + ("" if pd.isna(y) else f" ({int(y)})")
            for t, y in zip(yoy["target"], years, strict=True)
        ]
    return out.reset_index(drop=True)


#: Words of the reading tables (vi, en).
WORDS = {
    "yoy_title": ("So sánh với kỳ trước", "Against the previous period"),
    "outlook_title": ("Dự báo đến năm mục tiêu", "Projection to the target year"),
    "stages_title": ("Từ đối tượng đến tài khoản đến chi trả", "From beneficiaries to accounts to payouts"),
    "published_title": ("Số liệu công bố được so sánh", "Published figures compared"),
    "merger_title": (
        "Số liệu của {unit} trong tỉnh mới từ 1/7/2025",
        "{unit}'s figures in its province from 1 July 2025",
    ),
    "indicator": ("Chỉ số", "Indicator"),
    "projection_year": ("Năm dự báo", "Projected year"),
    "projection": ("Dự báo (khoảng dự báo 95 %)", "Projection (95% prediction interval)"),
    "target": ("Chỉ tiêu", "Target"),
    "prob_reach": ("Khả năng đạt chỉ tiêu", "Chance of reaching the target"),
    "no_target": ("không có chỉ tiêu trong nguồn", "no target in the sources"),
    "group": ("Nhóm đối tượng", "Beneficiary group"),
    "beneficiaries": ("Tổng số đối tượng", "All beneficiaries"),
    "with_account": ("Có tài khoản (tỷ lệ, KTC 95 %)", "With an account (share, 95% CI)"),
    "paid": ("Được chi trả qua tài khoản (tỷ lệ, KTC 95 %)", "Paid through an account (share, 95% CI)"),
    "definition": ("Định nghĩa", "Definition"),
    "who": ("Tỉnh, phạm vi, kỳ", "Province, scope, period"),
    "value": ("Tỷ lệ công bố", "Published rate"),
    "source": ("Nguồn", "Source"),
    "dossiers_year": ("Mẫu số năm {year}", "Denominator {year}"),
    "ci_note": (
        "KTC 95 %: khoảng tin cậy Wilson; thay đổi tính bằng điểm phần trăm, khoảng Newcombe.",
        "95% CI: Wilson interval; changes in percentage points (pp), Newcombe interval.",
    ),
    "synthetic_source": (
        "Nguồn: tỉnh mẫu tổng hợp (số liệu mô phỏng, không phải số liệu thật).",
        "Source: the synthetic sample province (simulated records, not real figures).",
    ),
    "inputs_source": (
        "Nguồn: các tệp dữ liệu đầu vào liệt kê ở đầu trang (kèm mã SHA-256).",
        "Source: the input files listed at the top of the page (with their SHA-256 hashes).",
    ),
    "published_source": (
        "Nguồn: từng số liệu theo bài báo, cổng thông tin ghi trong cột Nguồn "
        "(data/published/published_indicators.csv, kèm trích dẫn nguyên văn).",
        "Source: each figure's article or portal in the Source column "
        "(data/published/published_indicators.csv, with verbatim quotes).",
    ),
    "merger_note": (
        "Chỉ gồm số liệu của {unit} (mã cũ {old}); {new} (mã mới {code}) còn gồm {others}, không có trong dữ "
        "liệu này, nên đây không phải tỷ lệ của {new}. Tỷ lệ (KTC 95 %) theo năm.",
        "Only {unit}'s counts (former code {old}); {new} (new code {code}) also takes in {others}, which "
        "these data do not hold, so these are not {new}'s rates. Rates (95% CI) by year.",
    ),
}


def wilson(x: float, n: float) -> tuple[float, float]:
    """Return the 95 % Wilson score interval of ``x`` out of ``n`` (as ``analysis.stats.proportion_ci``).

    The words stand below the statistics in the package, so the interval comes from statsmodels directly.

    >>> [round(v, 4) for v in wilson(789, 1000)]
    [0.7626, 0.8132]
    """
    from statsmodels.stats.proportion import proportion_confint

    return proportion_confint(x, n, alpha=0.05, method="wilson")


def word(key: str, *, lang: str) -> str:
    """Return the table word ``key`` in ``lang``."""
    return WORDS[key][text.LANGS.index(text.check_lang(lang))]


def _where(title: str, unit_name: str | None, year: int | None) -> str:
    where = ", ".join(str(v) for v in (unit_name, year) if v not in (None, ""))
    return f"{title} — {where}" if where else title


def reading_table(
    view: pd.DataFrame,
    *,
    title: str,
    source: str,
    notes: Sequence[str] = (),
    numeric: Sequence[str] = (),
    group: str | None = None,
    table_id: str | None = None,
    markdown: Sequence[str] = (),
):
    """Lay out a view of formatted strings with great-tables: title, column labels, notes, source, no index.

    Parameters
    ----------
    view : pandas.DataFrame
        Columns already named and values already formatted for the reader.
    title : str
        The table's caption (its heading row).
    source : str
        Source note, printed under the table ("Nguồn: …" / "Source: …").
    notes : sequence of str
        Further notes under the table (method, definitions).
    numeric : sequence of str
        Columns aligned right (numbers).
    group : str, optional
        Column whose values head groups of rows (shown once per group, not in every row).
    table_id : str, optional
        Stem of the table's HTML id; the id adds a short digest of the table's content, so that two tables
        of one page never share an id (great-tables scopes its CSS by it) and a page's bytes stay the same
        between runs.
    markdown : sequence of str
        Columns whose cells are Markdown (links to sources); their text must already be escaped.

    Returns
    -------
    great_tables.GT
        Displayed as HTML by Jupyter (and so on the reviewer pages).
    """
    from great_tables import GT

    if table_id:
        content = "\x1f".join([title, *map(str, view.columns), view.to_csv(index=False)])
        table_id = f"{table_id}-{hashlib.blake2s(content.encode('utf-8'), digest_size=4).hexdigest()}"
    gt = GT(view.reset_index(drop=True), groupname_col=group, id=table_id)
    gt = gt.tab_header(title=title).cols_align("left")
    if numeric:
        gt = gt.cols_align("right", columns=list(numeric))
    if markdown:
        gt = gt.fmt_markdown(columns=list(markdown))
    for note in [*notes, source]:
        gt = gt.tab_source_note(note)
    return gt.tab_options(
        table_font_size="14px",
        heading_align="left",
        table_margin_left="0px",
        container_width="100%",
        table_font_names=["system-ui", "DejaVu Sans", "sans-serif"],
        heading_title_font_size="16px",
        row_group_font_weight="bold",
        data_row_padding="3px",
    )


def _source(synthetic: bool, lang: str, source: str | None) -> str:
    if source:
        return source
    return word("synthetic_source" if synthetic else "inputs_source", lang=lang)


def yoy_gt(
    yoy: pd.DataFrame,
    *,
    lang: str = "vi",
    unit_name: str | None = None,
    year: int | None = None,
    synthetic: bool = False,
    source: str | None = None,
    title: str | None = None,
):
    """Return the year-over-year table (:func:`yoy_view`) laid out for reading, with caption and source note.

    >>> row = dict(indicator="payment.online", periods="2024 vs 2023", rate_prev=0.789, rate_prev_lower=0.786,
    ...            rate_prev_upper=0.792, rate_curr=0.872, rate_curr_lower=0.869, rate_curr_upper=0.875,
    ...            change=0.083, change_lower=0.079, change_upper=0.087, label="improved")
    >>> html = yoy_gt(pd.DataFrame([row]), lang="vi", synthetic=True).as_raw_html()
    >>> "87,2 % (86,9–87,5 %)" in html and "+8,3 điểm phần trăm" in html and "mô phỏng" in html
    True
    """
    view = yoy_view(yoy, lang=lang)
    if "periods" in yoy.columns:
        view[HEADERS[lang]["periods"]] = [str(p).replace(" vs ", " / ") for p in yoy["periods"]]
    return reading_table(
        view,
        title=_where(title or word("yoy_title", lang=lang), unit_name, year),
        source=_source(synthetic, lang, source),
        notes=[word("ci_note", lang=lang)],
        numeric=[HEADERS[lang][k] for k in ("prev", "curr", "change")],
        table_id="yoy",
    )


def outlook_view(outlook: pd.DataFrame, *, lang: str = "vi") -> pd.DataFrame:
    """Reader's view of ``analysis.stats.projection_table``: labels, projection with interval, chance.

    A series too short to project shows why ("too few years to project") instead of an interval.

    >>> o = pd.DataFrame([dict(indicator="payment.online", year=2025, rate=0.9, lower=0.85, upper=0.94,
    ...                        target=float("nan"), prob_reach=float("nan"))])
    >>> outlook_view(o, lang="en").iloc[0].tolist()
    ['Dossiers paid online', '2025', '90.0% (85.0–94.0%)', 'no target in the sources', '–']
    """
    lang = text.check_lang(lang)
    none = word("no_target", lang=lang)
    if "projection" not in outlook.columns:  # projection_table names (as yearly_rates)
        outlook = outlook.rename(
            columns={
                "year": "projection_year",
                "rate": "projection",
                "lower": "pi_lower",
                "upper": "pi_upper",
            }
        )
    too_few = text.label("too_few_years", lang=lang)
    return pd.DataFrame(
        {
            word("indicator", lang=lang): [text.indicator_label(i, lang=lang) for i in outlook["indicator"]],
            word("projection_year", lang=lang): [str(int(y)) for y in outlook["projection_year"]],
            word("projection", lang=lang): [
                too_few if pd.isna(p) else _rate(p, lo, hi, lang)
                for p, lo, hi in outlook[["projection", "pi_lower", "pi_upper"]].itertuples(index=False)
            ],
            word("target", lang=lang): [
                none if pd.isna(t) else text.format_percent(t, lang=lang) for t in outlook["target"]
            ],
            word("prob_reach", lang=lang): [
                "–" if pd.isna(p) else text.format_percent(p, lang=lang, digits=0)
                for p in outlook["prob_reach"]
            ],
        }
    )


def outlook_gt(
    outlook: pd.DataFrame,
    *,
    lang: str = "vi",
    unit_name: str | None = None,
    year: int | None = None,
    synthetic: bool = False,
    source: str | None = None,
):
    """Return the projection table (:func:`outlook_view`) laid out for reading."""
    note = (
        "Mô hình GLM tựa nhị thức (quasi-binomial) theo năm, độ phân tán ước lượng từ chính chuỗi năm và "
        "phân vị t; khoảng dự báo 95 % là nơi tỷ lệ quan sát được sẽ rơi vào nếu xu hướng tiếp diễn. Dưới "
        "ba năm số liệu thì không dự báo."
        if lang == "vi"
        else "Quasi-binomial GLM on the years, its dispersion estimated from the yearly series itself, with "
        "t quantiles; the 95% prediction interval is where the observed rate would fall if the trend went "
        "on. With fewer than three years there is no projection."
    )
    view = outlook_view(outlook, lang=lang)
    return reading_table(
        view,
        title=_where(word("outlook_title", lang=lang), unit_name, year),
        source=_source(synthetic, lang, source),
        notes=[note],
        numeric=list(view.columns[1:]),
        table_id="outlook",
    )
