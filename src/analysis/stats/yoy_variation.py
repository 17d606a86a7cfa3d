"""Which process variation each row of the YoY table allows for, estimated from the Counts table itself.

The order (first available wins) and its reasons are in :func:`analysis.stats.yoy_table` and METHODS.md
§12: across units (many rows of one series), the row's yearly history, its months, else binomial.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.stats.tables_periods import SERIES_KEYS
from analysis.stats.variation import (
    MIN_HISTORY_YEARS,
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
_NA = "\x00NA"


def _key(values: Sequence) -> tuple:
    return tuple(_NA if pd.isna(v) else str(v) for v in values)


def _groups(frame: pd.DataFrame, keys: list[str]) -> dict[tuple, pd.DataFrame]:
    if frame.empty:
        return {}
    return {_key(k if isinstance(k, tuple) else (k,)): g for k, g in frame.groupby(keys, dropna=False, sort=False)}


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def yoy_variation(
    out: pd.DataFrame, scoped: pd.DataFrame, rows: pd.DataFrame, *, year: int, by: list[str], variation: str
) -> pd.DataFrame:
    """Per row of ``out`` (the YoY rows): ``method``, ``deff_curr``, ``deff_prev``, ``df``, ``dispersion``, ``note``.

    ``scoped`` is the Counts table the rows were built from (double counting dropped), ``rows`` the output
    of :func:`analysis.stats.tables_periods.comparable_periods`.
    """
    size = len(out)
    res = pd.DataFrame({"method": [""] * size, "deff_curr": np.ones(size), "deff_prev": np.ones(size),
                        "df": np.full(size, np.inf), "note": [""] * size}, index=out.index)
    x1, n1 = (out[c].fillna(0).astype(float).to_numpy() for c in ("numerator_curr", "denominator_curr"))
    x2, n2 = (out[c].fillna(0).astype(float).to_numpy() for c in ("numerator_prev", "denominator_prev"))
    ok = (n1 > 0) & (n2 > 0)
    res.loc[ok, "method"] = "binomial"
    if variation == "binomial":
        res.loc[ok, "note"] = "sampling error only (variation='binomial')"
    else:
        keys = SERIES_KEYS + by
        years = _groups(scoped[(scoped["period_type"] == "year") & (scoped["year"] < year)], keys)
        months = _groups(scoped[scoped["period_type"] == "month"], keys)
        spans = _spans(rows)
        for _, idx in out.groupby(SERIES_KEYS, sort=False).groups.items():
            idx = np.asarray([i for i in idx if ok[out.index.get_loc(i)]])
            if idx.size == 0:
                continue
            pos = out.index.get_indexer(idx)
            if idx.size >= MIN_UNITS:
                _across(res, idx, x1[pos], n1[pos], x2[pos], n2[pos])
                continue
            for i, p in zip(idx, pos, strict=True):
                key = _key(out.loc[i, keys])
                span = spans.get(_key(out.loc[i, SERIES_KEYS]))
                _own(res, i, (x1[p], n1[p], x2[p], n2[p]), years.get(key), months.get(key), span,
                     single=idx.size == 1)
    v1 = _binomial_var(x1, n1)
    v2 = _binomial_var(x2, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        disp = (res["deff_curr"] * v1 + res["deff_prev"] * v2) / (v1 + v2)
    res["dispersion"] = np.where(ok, disp, np.nan)
    res.loc[~ok, ["deff_curr", "deff_prev"]] = 1.0
    res.loc[~ok, "df"] = np.nan
    return res


def _binomial_var(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    pt = (x + 0.5) / (n + 1)
    with np.errstate(divide="ignore"):
        return np.where(n > 0, pt * (1 - pt) / np.where(n > 0, n, 1), np.nan)


def _spans(rows: pd.DataFrame) -> dict[tuple, tuple]:
    """(curr start, curr end, prev start, prev end) per series, from the rows compared."""
    out = {}
    for key, g in rows.groupby(SERIES_KEYS, sort=False):
        c, p = g[g["side"] == "curr"], g[g["side"] == "prev"]
        if len(c) and len(p):
            out[_key(key)] = (c["period_start"].min(), c["period_end"].max(),
                              p["period_start"].min(), p["period_end"].max())
    return out


def _across(res: pd.DataFrame, idx: np.ndarray, x1, n1, x2, n2) -> None:
    od = change_overdispersion(x1, n1, x2, n2)
    big_n = od.n_units
    if od.overdispersed and od.tau2 > 0:
        res.loc[idx, "method"] = "across units"
        res.loc[idx, "deff_curr"] = deff_from_tau2(x1, n1, od.tau2 / 2)
        res.loc[idx, "deff_prev"] = deff_from_tau2(x2, n2, od.tau2 / 2)
        res.loc[idx, "df"] = big_n - 1
        res.loc[idx, "note"] = (
            f"across {big_n} units: their changes vary beyond sampling (Spiegelhalter funnel of changes, "
            f"phi = {_fmt(od.phi)}, tau2 = {_fmt(od.tau2)} on the log-odds scale); interval widened, "
            f"t on {big_n - 1} df")
    else:
        res.loc[idx, "note"] = (
            f"across {big_n} units: their changes vary no more than sampling (phi = {_fmt(od.phi)}); "
            "binomial interval")


def _own(res, i, counts, years, months, span, *, single: bool) -> None:
    """Variation of one row from its own yearly history, else its months, else binomial."""
    x1, n1, x2, n2 = counts
    why = [] if single else [f"fewer than {MIN_UNITS} units to compare"]
    if years is not None:
        hist = years.groupby("year")[["numerator", "denominator"]].sum()
        hist = hist[hist["denominator"] > 0]
        hv = history_variation(hist["numerator"], hist["denominator"], hist.index.to_numpy(float))
        if np.isfinite(hv.phi):
            res.loc[i, "method"] = "yearly history"
            res.loc[i, "deff_curr"] = float(deff_from_tau2(x1, n1, hv.tau2))
            res.loc[i, "deff_prev"] = float(deff_from_tau2(x2, n2, hv.tau2))
            res.loc[i, "df"] = hv.df
            res.loc[i, "note"] = (
                f"yearly history {int(hist.index.min())}–{int(hist.index.max())} ({hv.years} years): "
                f"quasi-binomial trend, phi = {_fmt(hv.phi)}, t on {hv.df} df")
            return
        why.append(hv.note)
    else:
        why.append(f"no whole years of history (needs {MIN_HISTORY_YEARS})")
    md = _monthly(months, span)
    if md is not None and md.overdispersed:
        res.loc[i, "method"] = "monthly"
        res.loc[i, ["deff_curr", "deff_prev"]] = md.phi
        res.loc[i, "df"] = md.df
        res.loc[i, "note"] = (
            f"monthly series ({md.months} months a period): quasi-binomial beyond month-of-year effects, "
            f"phi = {_fmt(md.phi)}, t on {md.df} df; shocks shared by a whole year are not visible within it")
        return
    if md is not None and np.isfinite(md.phi):
        res.loc[i, "note"] = (
            "; ".join(why) + f"; monthly series: no extra-binomial variation (phi = {_fmt(md.phi)} on {md.df} "
            "df); binomial interval")
        return
    why.append(md.note if md is not None else "no monthly rows")
    res.loc[i, "note"] = "process variation not estimable (" + "; ".join(why) + "): binomial interval only"


def _monthly(months: pd.DataFrame | None, span: tuple | None):
    if months is None or span is None:
        return None
    cs, ce, ps, pe = span
    in_curr = (months["period_start"] >= cs) & (months["period_end"] <= ce)
    in_prev = (months["period_start"] >= ps) & (months["period_end"] <= pe)
    m = months[in_curr | in_prev].assign(later=in_curr[in_curr | in_prev])
    if m.empty:
        return None
    g = m.groupby(["period_start", "later"])[["numerator", "denominator"]].sum().reset_index()
    return monthly_dispersion(g["numerator"], g["denominator"], g["later"],
                              pd.DatetimeIndex(g["period_start"]).month)
