"""The welfare payout stages for reading: beneficiaries, with an account, paid to it (people and shares)."""

from __future__ import annotations

import pandas as pd

from analysis import text
from analysis.text.tables import _source, _where, reading_table, wilson, word


def stages_view(stages: pd.DataFrame, *, lang: str = "vi") -> pd.DataFrame:
    """Reader's view of ``welfare_stage_table``: group labels, people with separators, shares with intervals.

    >>> s = pd.DataFrame({"group": ["BTXH"], "beneficiaries": [29344], "with_account": [25188],
    ...                   "paid": [23947]})
    >>> stages_view(s, lang="vi").iloc[0].tolist()
    ['Bảo trợ xã hội', '29.344', '25.188 (85,8 %; 85,4–86,2 %)', '23.947 (81,6 %; 81,2–82,0 %)']
    """
    lang = text.check_lang(lang)

    def share(x, n) -> str:
        if not n or pd.isna(x):
            return "–"
        lo, hi = wilson(float(x), float(n))
        return (
            f"{text.format_number(x, lang=lang)} ({text.format_percent(x / n, lang=lang)}; "
            f"{text.format_interval(lo, hi, lang=lang)})"
        )

    return pd.DataFrame(
        {
            word("group", lang=lang): [text.label(str(g), lang=lang) for g in stages["group"]],
            word("beneficiaries", lang=lang): [
                text.format_number(v, lang=lang) for v in stages["beneficiaries"]
            ],
            word("with_account", lang=lang): [
                share(x, n) for x, n in zip(stages["with_account"], stages["beneficiaries"], strict=True)
            ],
            word("paid", lang=lang): [
                share(x, n) for x, n in zip(stages["paid"], stages["beneficiaries"], strict=True)
            ],
        }
    )


def stages_gt(
    stages: pd.DataFrame,
    *,
    lang: str = "vi",
    unit_name: str | None = None,
    year: int | None = None,
    synthetic: bool = False,
    source: str | None = None,
):
    """Return the payout-stage table (:func:`stages_view`) laid out for reading."""
    view = stages_view(stages, lang=lang)
    return reading_table(
        view,
        title=_where(word("stages_title", lang=lang), unit_name, year),
        source=_source(synthetic, lang, source),
        notes=[word("ci_note", lang=lang).split(";")[0] + "."],
        numeric=list(view.columns[1:]),
        table_id="stages",
    )
