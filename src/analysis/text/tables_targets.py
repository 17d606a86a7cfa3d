"""Reading table of targets: each target with its year, the observed rate against it, and the projection."""

from __future__ import annotations

import pandas as pd

from analysis import text
from analysis.text.tables import _rate, _source, _where, reading_table

#: Column headers and words (vi, en).
WORDS = {
    "title": ("So với chỉ tiêu", "Against the target"),
    "indicator": ("Chỉ số", "Indicator"),
    "target": ("Chỉ tiêu (năm)", "Target (year)"),
    "observed": ("Kỳ quan sát: tỷ lệ (KTC 95 %)", "Observed period: rate (95% CI)"),
    "versus": ("So với chỉ tiêu (kiểm định score)", "Against the target (score test)"),
    "met": ("Đạt chỉ tiêu", "Target met"),
    "projection": ("Dự báo (khoảng dự báo 95 %)", "Projection (95% prediction interval)"),
    "prob": ("Khả năng đạt", "Chance of reaching it"),
    "better": ("cao hơn rõ rệt", "clearly better"),
    "worse": ("thấp hơn rõ rệt", "clearly worse"),
    "not significantly different": ("không khác biệt rõ rệt", "not significantly different"),
    "yes": ("đạt", "met"),
    "no": ("chưa đạt", "not met"),
    "note": (
        "Kiểm định score với phương sai tại chỉ tiêu; dự báo theo mô hình GLM nhị thức của các năm đủ số "
        "liệu.",
        "Score test with the variance at the target; projection from a binomial GLM on the whole years.",
    ),
}


def _w(key: str, lang: str) -> str:
    return WORDS[key][text.LANGS.index(text.check_lang(lang))]


def targets_view(table: pd.DataFrame, *, lang: str = "vi") -> pd.DataFrame:
    """Reader's view of ``analysis.stats.target_table``: labels, target with its year, rate and projection.

    >>> t = pd.DataFrame([dict(indicator="timeliness.on_time", target=0.98, target_year=2023,
    ...     observed_period="2023", rate=0.988, lower=0.987, upper=0.989, versus_target="better",
    ...     reached=True, projection_year=2025, projection=0.99, pi_lower=0.985, pi_upper=0.993,
    ...     prob_reach=0.97)])
    >>> targets_view(t, lang="en").iloc[0].tolist()[1:]
    ['98.0% (2023)', '2023: 98.8% (98.7–98.9%)', 'clearly better', 'met', '2025: 99.0% (98.5–99.3%)', '97%']
    """
    lang = text.check_lang(lang)
    rows = []
    for _, r in table.iterrows():
        year = r.get("target_year")
        observed = _rate(r.get("rate"), r.get("lower"), r.get("upper"), lang)
        projected = _rate(r.get("projection"), r.get("pi_lower"), r.get("pi_upper"), lang)
        pyear = r.get("projection_year")
        reached = r.get("reached")
        rows.append(
            {
                _w("indicator", lang): text.indicator_label(str(r["indicator"]), lang=lang),
                _w("target", lang): text.format_percent(r["target"], lang=lang)
                + ("" if pd.isna(year) else f" ({int(year)})"),
                _w("observed", lang): f"{r.get('observed_period') or '–'}: {observed}",
                _w("versus", lang): _w(str(r.get("versus_target")), lang)
                if str(r.get("versus_target")) in WORDS
                else "–",
                _w("met", lang): "–" if pd.isna(reached) else _w("yes" if bool(reached) else "no", lang),
                _w("projection", lang): "–" if pd.isna(pyear) else f"{int(pyear)}: {projected}",
                _w("prob", lang): "–"
                if pd.isna(r.get("prob_reach"))
                else text.format_percent(r["prob_reach"], lang=lang, digits=0),
            }
        )
    return pd.DataFrame(rows)


def targets_gt(
    table: pd.DataFrame,
    *,
    lang: str = "vi",
    unit_name: str | None = None,
    year: int | None = None,
    synthetic: bool = False,
    source: str | None = None,
):
    """Return the targets table (:func:`targets_view`) laid out for reading, with caption and source note."""
    view = targets_view(table, lang=lang)
    return reading_table(
        view,
        title=_where(_w("title", lang), unit_name, year),
        source=_source(synthetic, lang, source),
        notes=[_w("note", lang)],
        numeric=list(view.columns[1:2]),
        table_id="targets",
    )
