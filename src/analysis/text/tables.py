"""Tables for reading: statistics tables with rates as percentages, intervals and labels in vi or en."""

from __future__ import annotations

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
        out[head["target"]] = [
            "–" if pd.isna(t) else text.format_percent(t, lang=lang) for t in yoy["target"]
        ]
    return out.reset_index(drop=True)
