"""Which process variation each row of the YoY table allows for, estimated from the Counts table itself.

The order and its reasons are in :func:`analysis.stats.yoy_table` and METHODS.md §12: the first source
that shows variation beyond sampling is used - the yearly histories of the series' rows (pooled), the
spread of many rows' changes (funnel of changes), each row's months - else the binomial interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.stats.tables_periods import SERIES_KEYS
from analysis.stats.variation import (
    MIN_HISTORY_DF,
    MIN_UNITS,
    change_overdispersion,
    deff_from_tau2,
    history_variation,
    monthly_dispersion,
)

#: Values of the ``method`` column ("" for rows without two periods).
METHODS = ("binomial", "across units", "yearly history", "monthly", "")
#: Accepted values of ``yoy_table(variation=...)``.
VARIATIONS = ("auto", "binomial")


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def yoy_variation(
    out: pd.DataFrame, scoped: pd.DataFrame, rows: pd.DataFrame, *, year: int, by: list[str], variation: str
) -> pd.DataFrame:
    """Return, per row of ``out`` (the YoY rows), the variation its change interval allows for.

    Columns ``method``, ``deff_curr``, ``deff_prev`` (variance inflation of each period), ``df``,
    ``dispersion`` (of the change) and ``note``.

    ``scoped`` is the Counts table the rows were built from (double counting dropped), ``rows`` the output
    of :func:`analysis.stats.tables_periods.comparable_periods`.
    """
    size = len(out)
    res = {"method": np.full(size, "", dtype=object), "deff_curr": np.ones(size), "deff_prev": np.ones(size),
           "df": np.full(size, np.inf), "note": np.full(size, "", dtype=object)}
    x1, n1 = (out[c].fillna(0).astype(float).to_numpy() for c in ("numerator_curr", "denominator_curr"))
    x2, n2 = (out[c].fillna(0).astype(float).to_numpy() for c in ("numerator_prev", "denominator_prev"))
    ok = (n1 > 0) & (n2 > 0)
    res["method"][ok] = "binomial"
    if variation == "binomial":
        res["note"][ok] = "sampling error only (variation='binomial')"
    elif ok.any():
        keys = SERIES_KEYS + by
        hist = history_variation(*_history_arrays(out, scoped, keys, year))
        series = out.groupby(SERIES_KEYS, sort=False).ngroup().to_numpy()
        pending: dict[int, list[str]] = {}
        for s in np.unique(series[ok]):
            pos = np.flatnonzero((series == s) & ok)
            counts = (x1[pos], n1[pos], x2[pos], n2[pos])
            checked = _history(res, pos, counts, hist)
            if checked is None:
                continue
            if pos.size >= MIN_UNITS:
                found = _across(res, pos, counts)
                if found is None:
                    continue
                checked.append(found)
            else:
                checked.append(f"{pos.size} unit(s): fewer than {MIN_UNITS} to compare their changes")
            pending |= {int(p): checked for p in pos}
        if pending:
            rest = np.fromiter(pending, dtype=int)
            months = monthly_dispersion(*_month_arrays(out.iloc[rest], scoped, rows, keys))
            for j, p in enumerate(rest):
                _monthly_row(res, p, j, months, pending[p])
    v1, v2 = _binomial_var(x1, n1), _binomial_var(x2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        disp = (res["deff_curr"] * v1 + res["deff_prev"] * v2) / (v1 + v2)
    res["dispersion"] = np.where(ok, disp, np.nan)
    res["df"] = np.where(ok, res["df"], np.nan)
    return pd.DataFrame(res, index=out.index)


def _binomial_var(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    pt = (x + 0.5) / (n + 1)
    return np.where(n > 0, pt * (1 - pt) / np.where(n > 0, n, 1), np.nan)


def _row_ids(out: pd.DataFrame, frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` with ``_row``, the position in ``out`` of the row its keys belong to (inner join)."""
    ids = out[keys].assign(_row=np.arange(len(out)))
    return frame.merge(ids, on=keys, how="inner")


def _history_arrays(out, scoped, keys, year):
    """Yearly counts before ``year`` per row of ``out``: x, n (rows x years) and the years."""
    past = scoped[(scoped["period_type"] == "year") & (scoped["year"] < year)]
    past = past.groupby(keys + ["year"], dropna=False)[["numerator", "denominator"]].sum().reset_index()
    past = _row_ids(out, past, keys)
    years = np.sort(past["year"].unique()) if len(past) else np.array([year - 1])
    x = np.zeros((len(out), years.size))
    n = np.zeros((len(out), years.size))
    col = np.searchsorted(years, past["year"].to_numpy())
    np.add.at(x, (past["_row"].to_numpy(), col), past["numerator"].to_numpy(float))
    np.add.at(n, (past["_row"].to_numpy(), col), past["denominator"].to_numpy(float))
    return x, n, years.astype(float)


def _month_arrays(out, scoped, rows, keys):
    """Monthly counts of both compared periods per row of ``out``: x, n (rows x 2 x 12)."""
    x = np.zeros((len(out), 2, 12))
    n = np.zeros((len(out), 2, 12))
    spans = rows.groupby(SERIES_KEYS + ["side"])[["period_start", "period_end"]].agg(
        {"period_start": "min", "period_end": "max"}).unstack("side")
    spans.columns = [f"{a}_{b}" for a, b in spans.columns]
    if not {"period_start_curr", "period_start_prev"} <= set(spans.columns):
        return x, n
    m = scoped[scoped["period_type"] == "month"].merge(spans.reset_index(), on=SERIES_KEYS)
    later = (m["period_start"] >= m["period_start_curr"]) & (m["period_end"] <= m["period_end_curr"])
    earlier = (m["period_start"] >= m["period_start_prev"]) & (m["period_end"] <= m["period_end_prev"])
    m = _row_ids(out, m[later | earlier].assign(side=later[later | earlier].astype(int)), keys)
    month = pd.DatetimeIndex(m["period_start"]).month.to_numpy() - 1
    idx = (m["_row"].to_numpy(), m["side"].to_numpy(), month)
    np.add.at(x, idx, m["numerator"].to_numpy(float))
    np.add.at(n, idx, m["denominator"].to_numpy(float))
    return x, n


def _history(res, pos, counts, hist) -> list[str] | None:
    """Pooled yearly history of the rows ``pos``; None when it was used, else what was checked."""
    x1, n1, x2, n2 = counts
    fields = ("pearson_chi2", "df", "weight", "years", "note", "curved")
    part = type(hist)(*(np.asarray(getattr(hist, f))[pos] for f in fields))
    pooled = part.pooled()
    df, units = int(pooled.df[0]), int((part.df > 0).sum())
    if df < MIN_HISTORY_DF:
        return [f"yearly history too short ({int(part.years.max(initial=0))} whole years before; one unit "
                "needs 4)"]
    whose = "the unit's" if units == 1 else f"{units} units' (pooled)"
    bent = int(pooled.curved[0]) if pooled.curved is not None else 0
    shape = ""
    if bent:
        shape = " (quadratic: it bends)" if units == 1 else f" (quadratic for {bent}: they bend)"
    text = (f"yearly history ({int(pooled.years[0])} years before), {whose}: X² = "
            f"{_fmt(float(pooled.pearson_chi2[0]))} on {df} df around the log-odds trend{shape}")
    # no pre-test here: on a unit's few df it would miss real year-to-year variation most of the time;
    # tau2 >= 0 and t on df keep the size (pooled over many units, df is large and the cost nil)
    tau2 = float(pooled.tau2[0])
    res["method"][pos] = "yearly history"
    res["deff_curr"][pos] = deff_from_tau2(x1, n1, tau2)
    res["deff_prev"][pos] = deff_from_tau2(x2, n2, tau2)
    res["df"][pos] = df
    res["note"][pos] = (text + f": year-to-year process variation tau2 = {_fmt(tau2)} (log-odds) added to "
                            f"each year; t on {df} df")
    return None


def _across(res, pos, counts) -> str | None:
    """Funnel of the rows' changes; None when it was used, else what was checked."""
    x1, n1, x2, n2 = counts
    od = change_overdispersion(x1, n1, x2, n2)
    big_n = od.n_units
    if not (od.overdispersed and od.tau2 > 0):
        return f"across {big_n} units: their changes vary no more than sampling (phi = {_fmt(od.phi)})"
    res["method"][pos] = "across units"
    res["deff_curr"][pos] = deff_from_tau2(x1, n1, od.tau2 / 2)
    res["deff_prev"][pos] = deff_from_tau2(x2, n2, od.tau2 / 2)
    res["df"][pos] = big_n - 1
    res["note"][pos] = (
        f"across {big_n} units: their changes vary beyond sampling (Spiegelhalter funnel of changes, "
        f"phi = {_fmt(od.phi)}, tau2 = {_fmt(od.tau2)} on the log-odds scale); t on {big_n - 1} df")
    return None


def _monthly_row(res, p: int, j: int, months, checked: list[str]) -> None:
    """Row ``p`` of the table, row ``j`` of ``months``: monthly dispersion if it shows, else binomial."""
    if bool(months.overdispersed[j]):
        res["method"][p] = "monthly"
        res["deff_curr"][p] = res["deff_prev"][p] = float(months.phi[j])
        res["df"][p] = int(months.df[j])
        res["note"][p] = (
            f"monthly series ({int(months.months[j])} months a period): quasi-binomial beyond month-of-year "
            f"effects, phi = {_fmt(float(months.phi[j]))}, t on {int(months.df[j])} df; shocks shared by a "
            "whole year are not visible within it")
        return
    if np.isfinite(months.phi[j]):
        last = (f"monthly series: phi = {_fmt(float(months.phi[j]))} on {int(months.df[j])} df, "
                "no variation beyond sampling")
    else:
        last = str(months.note[j]) if int(months.months[j]) else "no monthly rows"
    res["note"][p] = "binomial interval: " + "; ".join([*checked, last])
