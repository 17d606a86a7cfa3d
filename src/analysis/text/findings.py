"""Key findings of each notebook, computed from its tables (vi/en), from the sentences of :mod:`sentences`."""

from __future__ import annotations

import pandas as pd

from analysis import text
from analysis.text.sentences import (  # noqa: F401 - the sentences are public here too
    CLEAR,
    COMPARED,
    METHODS,
    _as_projection,
    _label,
    _ok,
    _periods,
    decomposition_sentence,
    funnel_sentence,
    no_target_sentence,
    product_sentence,
    projection_sentence,
    synthetic_note,
    target_sentence,
    units_sentences,
    variation_sentence,
    yoy_sentence,
)


def findings_overview(card: pd.DataFrame, *, lang: str = "vi", synthetic: bool = False) -> list[str]:
    """Return the scorecard findings: each indicator against last year, then against its target."""
    rows = card[card["rate_curr"].notna() & card["rate_prev"].notna()]
    out = [yoy_sentence(r, lang=lang) for _, r in rows.iterrows()]
    if "target" in card.columns:
        out += [target_sentence(r, lang=lang) for _, r in rows[rows["target"].notna()].iterrows()]
    return out + synthetic_note(synthetic, lang=lang)


def findings_timeliness(
    yoy: pd.DataFrame,
    yoy_units: pd.DataFrame,
    funnel: pd.DataFrame,
    decomposition: pd.DataFrame,
    *,
    lang: str = "vi",
    synthetic: bool = False,
) -> list[str]:
    """Return the timeliness findings: change per convention, units, funnel, decomposition."""
    rows = yoy[yoy["rate_curr"].notna() & yoy["rate_prev"].notna()]
    out = [yoy_sentence(r, lang=lang) for _, r in rows.iterrows()]
    out += units_sentences(yoy_units, lang=lang)
    out += [s for s in (variation_sentence(yoy_units, lang=lang),) if s]
    out.append(funnel_sentence(funnel, lang=lang))
    out.append(decomposition_sentence(decomposition, lang=lang))
    return out + synthetic_note(synthetic, lang=lang)


def findings_online(
    yoy: pd.DataFrame,
    projection: pd.DataFrame,
    yoy_units: pd.DataFrame,
    *,
    unit_name: str,
    lang: str = "vi",
    synthetic: bool = False,
) -> list[str]:
    """Return the online findings: adoption change, projection (and target if any), units."""
    rows = yoy[yoy["rate_curr"].notna() & yoy["rate_prev"].notna()]
    out = [yoy_sentence(r, lang=lang) for _, r in rows.iterrows()]
    if "year" in projection.columns and "projection_year" not in projection.columns and len(projection):
        keys = [c for c in ("indicator", "convention") if c in projection.columns]
        projection = projection.sort_values("year").groupby(keys, sort=True).tail(1)
    for _, r in projection.iterrows():
        out.append(projection_sentence(r, lang=lang))
        if not _ok(r.get("target")):
            out.append(no_target_sentence(str(r["indicator"]), unit_name, lang=lang))
    out += units_sentences(yoy_units, lang=lang)
    return out + synthetic_note(synthetic, lang=lang)


def stage_sentences(stages: pd.DataFrame, *, lang: str = "vi") -> list[str]:
    """Return one sentence per beneficiary group: people, account holders and payouts through accounts.

    Parameters
    ----------
    stages : pandas.DataFrame
        One row per group: ``group``, ``beneficiaries``, ``with_account``, ``paid`` (people).
    lang : {"vi", "en"}
        Language of the sentences.

    Returns
    -------
    list of str
        The ``welfare_stage`` phrase per group, in row order; groups without beneficiaries are left out.
    """
    return [
        text.phrase(
            "welfare_stage",
            lang=lang,
            group=text.label(str(r["group"]), lang=lang),
            total=text.format_number(r["beneficiaries"], lang=lang),
            holders=text.format_number(r["with_account"], lang=lang),
            share=text.format_percent(r["with_account"] / r["beneficiaries"], lang=lang),
            paid=text.format_number(r["paid"], lang=lang),
            paid_share=text.format_percent(r["paid"] / r["beneficiaries"], lang=lang),
        )
        for _, r in stages.iterrows()
        if r["beneficiaries"]
    ]


def findings_welfare(
    rates: pd.DataFrame,
    stages: pd.DataFrame,
    yoy: pd.DataFrame,
    *,
    unit_name: str,
    target: float | None,
    lang: str = "vi",
    synthetic: bool = False,
    product: pd.DataFrame | None = None,
) -> list[str]:
    """Return the welfare findings: stages per group, the change in each rate, target status.

    With ``product`` (``analysis.stats.decompose_product_table``) the change in the paid share is split
    into more account holders and more holders paid.
    """
    out = stage_sentences(stages, lang=lang)
    rows = yoy[yoy["rate_curr"].notna() & yoy["rate_prev"].notna()]
    out += [yoy_sentence(r, lang=lang) for _, r in rows.iterrows()]
    if product is not None and len(product):
        out.append(product_sentence(product, lang=lang))
    paid = rates[(rates["indicator"] == "welfare.paid_share") & (rates["group"] == "all")]
    if target is None:
        out.append(no_target_sentence("welfare.paid_share", unit_name, lang=lang))
    elif len(paid):
        row = paid.iloc[0].rename({"rate": "rate_curr"})
        out.append(target_sentence(pd.concat([row, pd.Series({"target": target})]), lang=lang))
    return out + synthetic_note(synthetic, lang=lang)


def findings_satisfaction(
    card: pd.DataFrame,
    funnel: pd.DataFrame,
    yoy_units: pd.DataFrame,
    *,
    unit_name: str,
    lang: str = "vi",
    synthetic: bool = False,
) -> list[str]:
    """Return the satisfaction findings: PAKN volume, change per indicator, the target, agencies, funnel.

    Parameters
    ----------
    card : pandas.DataFrame
        ``analysis.stats.yoy_table`` of the satisfaction family (units summed) with ``target`` and
        ``target_year`` attached (``analysis.stats.series.attach_targets``).
    funnel : pandas.DataFrame
        ``analysis.stats.funnel_table`` of the agencies on ``satisfaction.dossiers`` (QĐ 766 5.4).
    yoy_units : pandas.DataFrame
        ``analysis.stats.yoy_table`` per agency on ``satisfaction.dossiers``.
    unit_name : str
        Name of the unit, for the sentence saying that no target was found.
    lang : {"vi", "en"}
        Language of the sentences.
    synthetic : bool
        Add the synthetic-data sentence.

    Returns
    -------
    list of str
        PAKN received and handled on time in the later period; one YoY sentence per indicator; the 5.4
        target sentence with the note that the target's definition is assumed (or that none was found);
        agencies that improved or worsened; agencies below the overall rate on the funnel.
    """
    rows = card[card["rate_curr"].notna() & card["rate_prev"].notna()]
    out = []
    feedback = card[(card["indicator"] == "feedback.on_time") & card["rate_curr"].notna()]
    if len(feedback):
        r = feedback.iloc[0]
        cur = _periods(r)[0]
        out.append(
            text.phrase(
                "feedback_volume",
                lang=lang,
                n=text.format_number(r["denominator_curr"], lang=lang),
                period="năm" if cur.isdigit() else "kỳ",
                year=cur,
                on_time=text.format_number(r["numerator_curr"], lang=lang),
                share=text.format_percent(r["rate_curr"], lang=lang),
            )
        )
    out += [yoy_sentence(r, lang=lang) for _, r in rows.iterrows()]
    dossiers = card[(card["indicator"] == "satisfaction.dossiers") & card["rate_curr"].notna()]
    if len(dossiers) and _ok(dossiers.iloc[0].get("target")):
        out.append(target_sentence(dossiers.iloc[0], lang=lang))
        out.append(
            text.phrase(
                "target_assumed", lang=lang, target=text.format_percent(dossiers.iloc[0]["target"], lang=lang)
            )
        )
    elif len(dossiers):
        out.append(no_target_sentence("satisfaction.dossiers", unit_name, lang=lang))
    out += units_sentences(yoy_units, lang=lang)
    out.append(funnel_sentence(funnel, lang=lang))
    return out + synthetic_note(synthetic, lang=lang)


def findings_peers(
    published: pd.DataFrame,
    crosswalk: pd.DataFrame,
    *,
    unit: str,
    funnel: pd.DataFrame,
    lang: str = "vi",
    synthetic: bool = False,
) -> list[str]:
    """Return the peer findings: published figures per definition, the unit's merger, the funnel."""
    out = []
    for rid, g in published[published["value"].notna()].groupby("registry_id", sort=True):
        out.append(
            text.phrase(
                "peers",
                lang=lang,
                label=text.indicator_label(str(rid), lang=lang),
                n=len(g),
                k=g["province"].nunique(),
                low=text.format_percent(g["value"].min(), lang=lang),
                high=text.format_percent(g["value"].max(), lang=lang),
            )
        )
    row = crosswalk[crosswalk["old_code"] == unit.split(".")[0]]
    if len(row):
        r = row.iloc[0]
        others = crosswalk[
            (crosswalk["new_code"] == r["new_code"]) & (crosswalk["old_code"] != r["old_code"])
        ]
        out.append(
            text.phrase(
                "merger",
                lang=lang,
                old=r["old_name"],
                old_code=r["old_code"],
                new=r["new_name"],
                new_code=r["new_code"],
                date=str(r["effective_date"]),
                others=", ".join(others["old_name"]) or "–",
            )
        )
    if len(funnel):
        out.append(funnel_sentence(funnel, lang=lang))
    return out + synthetic_note(synthetic, lang=lang)
