"""Simulated Counts tables with known truth, for the calibration tests (synthetic, seeded).

Each replicate is its own series (``convention = "sim<r>"``), so one call of a public table function
judges every replicate's units at once, exactly as it would judge one province's units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.schemas import finalise_counts

SOURCE = "simulated calibration data (synthetic)"
INDICATOR = "online.submission"  # materiality 1 point; higher is better


def expit(v):
    return 1 / (1 + np.exp(-v))


def logit(p):
    return np.log(p / (1 - p))


def simulate_counts(
    rng: np.random.Generator,
    *,
    replicates: int,
    units: int,
    per_year: float,
    years: range = range(2019, 2025),
    year_sd: float = 0.0,
    month_sd: float = 0.0,
    change: float = 0.0,
    base: tuple[float, float] = (0.85, 0.95),
    monthly: bool = True,
    indicator: str = INDICATOR,
) -> pd.DataFrame:
    """Monthly rows (when ``monthly``) and whole-year rows (sums of the months) per unit and replicate.

    logit p(unit, year, month) = logit(base_unit) + season(month) + u(unit, year) + e(unit, year, month),
    u ~ N(0, year_sd^2), e ~ N(0, month_sd^2); the last year's base rate is raised by ``change`` (points on
    the 0-1 scale) before the noise. Each month has per_year / 12 cases (Poisson around it).
    """
    yrs = np.asarray(list(years))
    r, u, y, m = np.meshgrid(np.arange(replicates), np.arange(units), yrs, np.arange(1, 13), indexing="ij")
    p_base = rng.uniform(*base, size=(replicates, units))[..., None, None]
    p_base = np.broadcast_to(p_base, r.shape).copy()
    p_base = np.where(y == yrs[-1], np.clip(p_base + change, 1e-6, 1 - 1e-6), p_base)
    season = 0.15 * np.sin(2 * np.pi * m / 12)
    year_eff = rng.normal(0, year_sd, size=(replicates, units, yrs.size))[..., None] if year_sd else 0.0
    month_eff = rng.normal(0, month_sd, size=r.shape) if month_sd else 0.0
    p = expit(logit(p_base) + season + year_eff + month_eff)
    n = rng.poisson(per_year / 12, size=r.shape)
    x = rng.binomial(n, p)
    months = pd.DataFrame(
        {
            "rep": r.ravel(),
            "unit": u.ravel(),
            "year": y.ravel(),
            "month": m.ravel(),
            "numerator": x.ravel(),
            "denominator": n.ravel(),
        }
    )
    whole = months.groupby(["rep", "unit", "year"], as_index=False)[["numerator", "denominator"]].sum()
    start = pd.to_datetime({"year": months["year"], "month": months["month"], "day": 1})
    months = months.assign(period_start=start, period_end=start + pd.offsets.MonthEnd(0), period_type="month")
    ys = pd.to_datetime({"year": whole["year"], "month": 1, "day": 1})
    whole = whole.assign(period_start=ys, period_end=ys + pd.offsets.YearEnd(0), period_type="year")
    rows = pd.concat([months, whole] if monthly else [whole], ignore_index=True)
    code = rows["unit"].map(lambda i: f"{i:02d}")
    out = pd.DataFrame(
        {
            "indicator": indicator,
            "unit_code": code,
            "unit_name": "Đơn vị " + code,
            "unit_level": "department",
            "code_system": "gso2004",
            "period_start": rows["period_start"],
            "period_end": rows["period_end"],
            "period_type": rows["period_type"],
            "numerator": rows["numerator"],
            "denominator": rows["denominator"],
            "convention": "sim" + rows["rep"].astype(str),
            "source": SOURCE,
        }
    )
    return finalise_counts(out)


def simulate_years(
    rng: np.random.Generator,
    *,
    replicates: int,
    years: int,
    per_year: float,
    year_sd: float,
    base: tuple[float, float] = (0.80, 0.95),
    slope: float = 0.1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Yearly counts (replicates x years+1) on a logit-linear trend with year-level logit noise.

    Returns ``(x, n, t, p_next_observed)``: the history and the rate observed in the year after it.
    """
    t = np.arange(years + 1, dtype=float)
    p0 = rng.uniform(*base, size=(replicates, 1))
    eta = logit(p0) + slope * t[None, :] + rng.normal(0, year_sd, size=(replicates, t.size))
    n = np.full((replicates, t.size), per_year)
    x = rng.binomial(n.astype(int), expit(eta))
    return x[:, :-1], n[:, :-1], t[:-1], x[:, -1] / n[:, -1]
