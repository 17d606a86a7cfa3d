"""Year-over-year table from a Counts table: changes judged against sampling *and* process variation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from analysis import indicators
from analysis.schemas import validate_counts
from analysis.stats.proportions import proportion_ci
from analysis.stats.tables_periods import (
    SERIES_KEYS,
    aggregate,
    check_by,
    comparable_periods,
    drop_double_counting,
)
from analysis.stats.tables_trend import TREND_LABELS, trend_table  # noqa: F401  (re-exported)
from analysis.stats.verdicts import (
    LABELS,
    LABELS_VI,
    change_ci,
    change_p_value,
    equivalence_p_value,
    labels_vi,
    materiality_for,
    verdict,
)
from analysis.stats.yoy_variation import METHODS, VARIATIONS, yoy_variation

__all__ = ["LABELS", "LABELS_VI", "TREND_LABELS", "YoyTable", "change_label", "trend_table", "yoy_table"]


class YoyTable(pa.DataFrameModel):
    """One row per series and group: two like-for-like periods, their rates and the change between them."""

    indicator: Series[str] = pa.Field(description="indicator id")
    convention: Series[str] = pa.Field(description="definition family (never mixed in a row)")
    code_system: Series[str] = pa.Field(description="unit code system")
    periods: Series[str] = pa.Field(description="periods compared, e.g. '01–06/2025 vs 01–06/2024'")
    basis: Series[str] = pa.Field(isin=["year", "ytd"], description="whole years or year-to-date spans")
    numerator_prev: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="earlier numerator")
    denominator_prev: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="earlier denominator")
    rate_prev: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="earlier rate, 0-1")
    rate_prev_lower: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="Wilson lower")
    rate_prev_upper: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="Wilson upper")
    numerator_curr: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="later numerator")
    denominator_curr: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="later denominator")
    rate_curr: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="later rate, 0-1")
    rate_curr_lower: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="Wilson lower")
    rate_curr_upper: Series[float] = pa.Field(nullable=True, ge=0, le=1, description="Wilson upper")
    change: Series[float] = pa.Field(nullable=True, ge=-1, le=1, description="rate_curr - rate_prev, 0-1")
    change_lower: Series[float] = pa.Field(nullable=True, ge=-1, le=1,
                                           description="lower limit, widened for process variation")
    change_upper: Series[float] = pa.Field(nullable=True, ge=-1, le=1,
                                           description="upper limit, widened for process variation")
    p_value: Series[float] = pa.Field(nullable=True, ge=0, le=1,
                                      description="p of 'no change' from the same interval (its inversion)")
    method: Series[str] = pa.Field(isin=list(METHODS), description="variation the interval allows for")
    dispersion: Series[float] = pa.Field(nullable=True, ge=1, description="change variance over binomial")
    df: Series[float] = pa.Field(nullable=True, gt=0, description="t degrees of freedom (inf = normal)")
    materiality: Series[float] = pa.Field(gt=0, lt=1, description="smallest change that matters, 0-1")
    p_equivalence: Series[float] = pa.Field(nullable=True, ge=0, le=1,
                                            description="TOST p that the change is inside ± materiality")
    higher_is_better: Series[bool] = pa.Field(description="indicator direction")
    label: Series[str] = pa.Field(isin=list(LABELS), description="verdict (English key)")
    label_vi: Series[str] = pa.Field(description="verdict in Vietnamese")
    note: Series[str] = pa.Field(description="how periods were built; which variation; absent units")

    class Config:
        """Grouping columns (``by``) and ``unit_name`` are extra columns."""

        strict = False
        coerce = True


def change_label(
    lower: np.ndarray, upper: np.ndarray, higher_is_better: np.ndarray, *, materiality: object = None
) -> np.ndarray:
    """Label a change from its interval: excluding 0 on the good side "improved", on the bad side "worsened".

    With ``materiality`` (0-1 scale) an interval inside ± materiality is "stable"
    (:func:`analysis.stats.verdicts.verdict`).

    Examples
    --------
    >>> lo, hi = np.array([0.01, -0.02, -0.03]), np.array([0.05, 0.01, -0.01])
    >>> change_label(lo, hi, np.array([True, True, False]))
    array(['improved', 'no clear change', 'improved'], dtype=object)
    """
    return verdict(lower, upper, higher_is_better, materiality)


def yoy_table(
    counts: pd.DataFrame,
    year: int,
    *,
    by: Sequence[str] | str | None = None,
    level: float = 0.95,
    materiality: float | Mapping[str, float] | None = None,
    variation: str = "auto",
) -> pd.DataFrame:
    r"""Compare ``year`` with the like-for-like period a year earlier, per indicator and group.

    Parameters
    ----------
    counts : pandas.DataFrame
        A Counts table (``analysis.schemas``), with its monthly and earlier whole-year rows: they are
        what the process variation is estimated from.
    year : int
        The later year. Whole years are compared when ``year`` has year rows; otherwise its year-to-date
        span (e.g. January-June 2025) is compared with the same span of the year before (see
        :func:`analysis.stats.tables_periods.comparable_periods`).
    by : str or sequence of str, optional, keyword-only
        Grouping columns besides indicator, convention and code system; default ``["unit_code"]`` (one row
        per unit). ``[]`` gives the province total (units summed); ``["beneficiary_group"]`` a breakdown.
    level : float, default 0.95, keyword-only
        Confidence level of the intervals.
    materiality : float or mapping indicator -> float, optional, keyword-only
        Smallest change that matters (0-1 scale), overriding the registry's ``Indicator.materiality``
        (a documented assumption, :data:`analysis.indicators.MATERIALITY_ASSUMPTION`).
    variation : {"auto", "binomial"}, default "auto", keyword-only
        ``"auto"`` estimates process variation from the data (Notes); ``"binomial"`` uses sampling error
        only (for true samples).

    Returns
    -------
    pandas.DataFrame
        Validated by :class:`YoyTable`: both periods' counts and rates with Wilson intervals (sampling
        only: what each period's rate is), ``change`` (0-1 scale; x100 for points) with its interval
        widened for process variation, ``p_value`` from the same interval, ``method`` / ``dispersion`` /
        ``df`` (which variation, how much, t df), ``materiality``, ``p_equivalence``, ``label`` and
        ``label_vi``, ``periods`` and ``note`` (in words: periods built, variation used, absences).

    Notes
    -----
    **Interval.** Newcombe's hybrid score interval on effective counts :math:`n/\mathrm{deff}` with a t
    quantile (:func:`analysis.stats.verdicts.change_ci`); with ``deff = 1`` it is the ordinary Newcombe
    interval. **p-value**: its inversion, so ``p_value < 1 - level`` exactly when the interval excludes 0.

    **Variation** (``method``), in this order (:mod:`analysis.stats.yoy_variation`,
    :mod:`analysis.stats.variation`):

    1. ``yearly history`` - whenever the series' rows have whole years *before* ``year`` (one unit alone
       needs 4): each row's binomial logit trend (quadratic where it bends), the Pearson X² around it
       pooled over the rows into one log-odds process variance :math:`\hat\tau^2 \ge 0`, added to both
       years' logits, t on the pooled k - 2 df. No pre-test: on a unit's few df it would miss real
       variation; pooled over many units df is large, so binomial data keep the ordinary size and power.
       A real change in ``year`` cannot inflate it.
    2. ``across units`` - at least :data:`~analysis.stats.variation.MIN_UNITS` comparable rows: the
       spread of their changes on the log-odds scale around the common change (Spiegelhalter funnel of
       changes, :func:`~analysis.stats.variation.change_overdispersion`), when it exceeds sampling
       (chi-squared test at 5 %), t on N - 1 df. Real changes that differ between units also widen it.
    3. ``monthly`` - the row's months of both periods, when their quasi-binomial dispersion beyond
       month-of-year effects is significant at 5 %: deff = phi, t on M - 1 df. Shocks shared by a whole
       year are invisible within it (the note says so).
    4. ``binomial`` - the note says what was checked and found nothing, or why nothing could be.

    **Verdict** (:func:`analysis.stats.verdicts.verdict`): "stable" when the interval lies inside
    ± materiality (two one-sided tests, Schuirmann 1987, each at (1 - level)/2; ``p_equivalence``);
    else "improved" / "worsened" when it excludes 0 on the good / bad side; else "no clear change";
    "not comparable" when a period is missing. Vietnamese: ``label_vi``.

    References
    ----------
    Newcombe RG (1998) Stat Med 17:873-890; Wilson EB (1927) JASA 22:209-212; Spiegelhalter DJ (2005)
    Stat Med 24:1185-1202 and Qual Saf Health Care 14:347-351; McCullagh P, Nelder JA (1989) *Generalized
    Linear Models*, ch. 4 and 9; Schuirmann DJ (1987) J Pharmacokinet Biopharm 15:657-680; METHODS.md
    §1-3, §12.
    """
    if variation not in VARIATIONS:
        raise ValueError(f"variation must be one of {VARIATIONS}; got {variation!r}")
    counts = validate_counts(counts)
    by = check_by(counts, by)
    scoped = drop_double_counting(counts, by)
    rows = comparable_periods(scoped, year)
    keys = SERIES_KEYS + by
    if rows.empty:
        return YoyTable.validate(_empty_yoy(keys))
    meta = rows.groupby(SERIES_KEYS).agg(periods=("periods", "first"), basis=("basis", "first")).reset_index()
    notes = rows[rows["note"] != ""].groupby(keys, dropna=False)["note"].agg(
        lambda s: "; ".join(sorted(set(s)))).rename("note_built").reset_index()
    curr = aggregate(rows[rows["side"] == "curr"], by)
    prev = aggregate(rows[rows["side"] == "prev"], by)
    out = curr.merge(prev, on=keys, how="outer", suffixes=("_curr", "_prev"))
    out = out.merge(meta, on=SERIES_KEYS, how="left").merge(notes, on=keys, how="left")
    if "unit_code" in by:
        out["unit_name"] = out["unit_name_curr"].fillna(out["unit_name_prev"])
        out = out.drop(columns=["unit_name_curr", "unit_name_prev"])
    out = out.reset_index(drop=True)
    var = yoy_variation(out, scoped, rows, year=year, by=by, variation=variation)
    return YoyTable.validate(_add_yoy_stats(out, var, level=level, materiality=materiality))


def _add_yoy_stats(out: pd.DataFrame, var: pd.DataFrame, *, level: float, materiality) -> pd.DataFrame:
    out = out.copy()
    absent_prev, absent_curr = out["denominator_prev"].isna(), out["denominator_curr"].isna()
    for side in ("prev", "curr"):
        x = out[f"numerator_{side}"].fillna(0).astype(float)
        n = out[f"denominator_{side}"].fillna(0).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"rate_{side}"] = np.where(n > 0, x / n, np.nan)
        lo, hi = proportion_ci(x.to_numpy(), n.to_numpy(), level)
        out[f"rate_{side}_lower"], out[f"rate_{side}_upper"] = lo, hi
        out[f"numerator_{side}"] = out[f"numerator_{side}"].astype("Int64")
        out[f"denominator_{side}"] = out[f"denominator_{side}"].astype("Int64")
    args = [out[c].fillna(0).astype(float).to_numpy()
            for c in ("numerator_curr", "denominator_curr", "numerator_prev", "denominator_prev")]
    spread = {"deff1": var["deff_curr"].to_numpy(), "deff2": var["deff_prev"].to_numpy(),
              "df": var["df"].to_numpy()}
    out["change"] = out["rate_curr"] - out["rate_prev"]
    out["change_lower"], out["change_upper"] = change_ci(*args, level, **spread)
    out["p_value"] = change_p_value(*args, **spread)
    out["method"] = var["method"].to_numpy()
    out["dispersion"] = var["dispersion"].to_numpy()
    out["df"] = var["df"].to_numpy()
    out["materiality"] = [materiality_for(i, materiality) for i in out["indicator"]]
    out["p_equivalence"] = equivalence_p_value(*args, out["materiality"].to_numpy(), **spread)
    out["higher_is_better"] = [indicators.get(i).higher_is_better for i in out["indicator"]]
    out["label"] = verdict(out["change_lower"], out["change_upper"], out["higher_is_better"],
                           out["materiality"])
    out["label_vi"] = labels_vi(out["label"])
    note = out.pop("note_built").fillna("").astype(str)
    note = note + "; " + var["note"].to_numpy()
    prev_label = out["periods"].str.split(" vs ").str[1]
    curr_label = out["periods"].str.split(" vs ").str[0]
    note = note.where(~absent_prev, note + "; no row for the earlier period " + prev_label
                      + " (nor complete monthly rows to build it)")
    note = note.where(~absent_curr, note + "; no row for " + curr_label)
    out["note"] = note.str.strip("; ").str.replace("; ; ", "; ", regex=False)
    first = [c for c in out.columns if c not in YoyTable.to_schema().columns]
    return out[first + list(YoyTable.to_schema().columns)]


def _empty_yoy(keys: list[str]) -> pd.DataFrame:
    cols = keys + [c for c in YoyTable.to_schema().columns if c not in keys]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
