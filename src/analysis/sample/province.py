"""Synthetic sample province (code 77): dossiers, Biểu 06, 766 payment, welfare, feedback exports, one seed.

Everything here is **synthetic**.  Volumes, seasonality and unit behaviour are invented; only the 2023
province totals are calibrated, exactly, to the published 2023 review figures (on time 98.8 %, online
submission 95.5 %, online payment 78.9 %, welfare paid via account 60.6 %; source:
``source_documents/brvt_2023_par_review_vi.txt``, provincial conference of 27/01/2024).  The CLI is
``analysis sample --out DIR [--seed N]`` or ``analysis sample --dossiers N --out DIR [--format ...]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.sample import writers as sw
from analysis.sample.feedback import write_feedback
from analysis.sample.units import build_units, welfare_units

DEFAULT_SEED = 20240127
FIRST_DAY = np.datetime64("2019-01-01")
#: Export cut-off: the province merged into Thành phố Hồ Chí Minh on 1/7/2025 (DESIGN.md).
EXTRACT_DAY = np.datetime64("2025-06-30")
YEARS = (2019, 2020, 2021, 2022, 2023, 2024, 2025)
#: Dossiers received per year (synthetic; 2025 is January-June).  2023 must be a multiple of 1000.
VOLUME = {2019: 112_000, 2020: 118_000, 2021: 121_000, 2022: 134_000, 2023: 150_000, 2024: 163_000,
          2025: 86_000}
#: Share received online per year before unit offsets (synthetic trend; 2023 calibrated exactly below).
ONLINE = {2019: 0.10, 2020: 0.22, 2021: 0.42, 2022: 0.70, 2023: 0.95, 2024: 0.96, 2025: 0.965}
#: Base probability that a dossier with a deadline is resolved late (synthetic trend).
LATE = {2019: 0.040, 2020: 0.034, 2021: 0.030, 2022: 0.022, 2023: 0.012, 2024: 0.011, 2025: 0.012}
#: Share of fee-bearing dossiers paid online (synthetic trend).
PAID_ONLINE = {2019: 0.02, 2020: 0.06, 2021: 0.15, 2022: 0.40, 2023: 0.79, 2024: 0.84, 2025: 0.87}
#: Welfare: share of beneficiaries with an account, and paid via account among holders (synthetic).
WELFARE_ACCOUNT = {2019: 0.07, 2020: 0.09, 2021: 0.12, 2022: 0.28, 2023: 0.66, 2024: 0.86, 2025: 0.92}
WELFARE_PAID = {2019: 0.45, 2020: 0.50, 2021: 0.55, 2022: 0.70, 2023: 0.92, 2024: 0.95, 2025: 0.96}
#: Published 2023 figures the sample reproduces exactly (brvt_2023_par_review_vi.txt).
CALIBRATION_2023 = {
    "timeliness.on_time": Fraction(988, 1000),
    "online.submission": Fraction(955, 1000),
    "payment.online": Fraction(789, 1000),
    "welfare.paid_share": Fraction(606, 1000),
}
#: First day of Tết Nguyên Đán (lunar new year) per year: the seasonal slow-down is placed around it.
TET = {2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01",
       2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29"}
FIXED_HOLIDAYS = ("01-01", "04-30", "05-01", "09-02")
PROCEDURES_PER_UNIT = 6
DURATIONS = np.array([1, 3, 5, 7, 10, 15, 20, 30])
FEES = np.array([20_000, 50_000, 100_000, 150_000, 200_000, 500_000, 1_000_000])


def holidays() -> np.ndarray:
    """Return the synthetic office holidays 2019-2025 (Tết -1 to +4 and four fixed days)."""
    days = [np.datetime64(t) + k for t in TET.values() for k in range(-1, 5)]
    days += [np.datetime64(f"{y}-{md}") for y in YEARS for md in FIXED_HOLIDAYS]
    return np.unique(np.array(days, dtype="datetime64[D]"))


def day_weights(days: np.ndarray) -> np.ndarray:
    """Relative receipt volume per day: weekdays, Tết slow-down, holidays and month-end surges.

    Examples
    --------
    >>> d = np.arange(np.datetime64("2023-01-01"), np.datetime64("2023-02-01"))
    >>> w = day_weights(d)
    >>> bool(w[22] < w[9])    # 23/01/2023 (Tết) is quieter than an ordinary Tuesday
    True
    """
    dow = (days.astype("int64") + 3) % 7  # 0 = Monday
    w = np.where(dow < 5, 1.0, np.where(dow == 5, 0.12, 0.02))
    month_end = (days.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    w = w * np.where((month_end - days).astype(int) < 4, 1.45, 1.0)
    for t in TET.values():
        off = (days - np.datetime64(t)).astype(int)
        w = w * np.where((off >= -8) & (off < -1), 0.65, 1.0)
        w = w * np.where((off >= 5) & (off < 16), 0.7, 1.0)
    w[np.isin(days, holidays())] = 0.01
    return w


def tet_window(days: np.ndarray) -> np.ndarray:
    """Return True for days from 10 days before to 15 days after a Tết (deadlines there slip more)."""
    out = np.zeros(days.shape, dtype=bool)
    for t in TET.values():
        off = (days - np.datetime64(t)).astype(int)
        out |= (off >= -10) & (off <= 15)
    return out


def build_procedures(rng: np.random.Generator, units: pd.DataFrame) -> pd.DataFrame:
    """Return the synthetic procedures: per unit, code, sector, popularity, duration, fee, deadline flag."""
    n = len(units) * PROCEDURES_PER_UNIT
    unit_idx = np.repeat(np.arange(len(units)), PROCEDURES_PER_UNIT)
    k = np.tile(np.arange(1, PROCEDURES_PER_UNIT + 1), len(units))
    codes = units["unit_code"].to_numpy()[unit_idx]
    fee_bearing = rng.random(n) < np.where(units["unit_level"].to_numpy()[unit_idx] == "commune", 0.35, 0.5)
    no_deadline = rng.random(n) < 0.05
    return pd.DataFrame({
        "unit_idx": unit_idx,
        "procedure_code": [f"{c}.P{j:02d}" for c, j in zip(codes, k, strict=True)],
        "sector_code": [f"LV.{c.split('.')[1]}.{1 + (j - 1) // 3}" for c, j in zip(codes, k, strict=True)],
        "popularity": rng.gamma(0.8, size=n) + 0.05,
        "duration": rng.choice(DURATIONS, size=n, p=[0.12, 0.18, 0.2, 0.15, 0.15, 0.1, 0.05, 0.05]),
        "fee_bearing": fee_bearing,
        "fee": np.where(fee_bearing, rng.choice(FEES, size=n), 0),
        "no_deadline": no_deadline,
    })


def _year_dossiers(rng: np.random.Generator, year: int, units: pd.DataFrame, procs: pd.DataFrame,
                   hol: np.ndarray) -> dict[str, np.ndarray]:
    """Generate the dossiers received in ``year`` (vectorised) as a dict of canonical columns."""
    last = min(np.datetime64(f"{year}-12-31"), EXTRACT_DAY)
    days = np.arange(np.datetime64(f"{year}-01-01"), last + 1)
    w = day_weights(days)
    n = VOLUME[year]
    received = np.sort(days[rng.choice(len(days), size=n, p=w / w.sum())])
    size = units["size"].to_numpy()
    unit = rng.choice(len(units), size=n, p=size / size.sum())
    # procedure: within the unit, by popularity
    pop = procs["popularity"].to_numpy().reshape(len(units), PROCEDURES_PER_UNIT)
    cum = np.cumsum(pop / pop.sum(axis=1, keepdims=True), axis=1)
    k = np.minimum((rng.random(n)[:, None] > cum[unit]).sum(axis=1), PROCEDURES_PER_UNIT - 1)
    proc = unit * PROCEDURES_PER_UNIT + k
    duration = procs["duration"].to_numpy()[proc]
    no_deadline = procs["no_deadline"].to_numpy()[proc]
    # channel: online adoption rises over the years, units differ
    logit = np.log(ONLINE[year] / (1 - ONLINE[year])) + units["online"].to_numpy()[unit]
    online = rng.random(n) < 1 / (1 + np.exp(-logit))
    channel = np.where(online, 2, np.where(rng.random(n) < 0.06, 3, 1))
    if year <= 2021:  # older exports leave the channel of counter submissions empty (0 = null here)
        channel = np.where((channel == 1) & (rng.random(n) < 0.3), 0, channel)
    due = np.busday_offset(received, duration, roll="forward", holidays=hol)
    due = np.where(no_deadline, np.datetime64("NaT"), due)
    # resolution: late with a unit- and Tết-dependent probability, else early or on the due date
    late_rel = units["late"].to_numpy() / np.average(units["late"].to_numpy(), weights=size)
    p_late = LATE[year] * late_rel[unit] * np.where(tet_window(due), 3.0, 1.0)
    late = (rng.random(n) < p_late) & ~no_deadline
    used = np.where(rng.random(n) < 0.3, duration, np.floor(rng.beta(2.0, 1.3, n) * duration)).astype(int)
    used = np.where(no_deadline, rng.integers(2, 40, n), used)
    start = np.busday_offset(received, 0, roll="forward", holidays=hol)
    finish = np.busday_offset(start, used, roll="forward", holidays=hol)
    delay = 1 + rng.geometric(np.where(late_rel[unit] > 2.5, 0.12, 0.3))
    finish = np.where(late, np.busday_offset(start, duration + delay, holidays=hol), finish)
    # supplement pauses: the clock stops between request and the citizen's supplement
    sup = rng.random(n) < 0.07
    pause = rng.integers(2, 26, n)
    req = received + np.floor(rng.random(n) * np.maximum(used, 1)).astype(int)
    sup &= req + pause <= EXTRACT_DAY  # nothing in an export is dated after the export day
    sup_req = np.where(sup, req, np.datetime64("NaT"))
    sup_prov = np.where(sup, req + pause, np.datetime64("NaT"))
    finish = np.where(sup, finish + pause, finish)
    sup_count = np.where(sup, np.where(rng.random(n) < 0.1, 2, 1), 0)
    # a few dossiers of chronically late units stall and are never finished
    stalled = late & (late_rel[unit] > 2.5) & (rng.random(n) < 0.03)
    finish = np.where(stalled | (finish > EXTRACT_DAY), np.datetime64("NaT"), finish)
    # fees and online payment
    fee_bearing = procs["fee_bearing"].to_numpy()[proc]
    fee = np.where(fee_bearing & (rng.random(n) > 0.04), procs["fee"].to_numpy()[proc], 0)
    p_paid = np.clip(PAID_ONLINE[year] * np.where(online, 1.05, 0.7), 0, 1)
    paid = (fee > 0) & (rng.random(n) < p_paid)
    paid_online = np.where(paid, np.where(rng.random(n) < 0.7, 1, 2), 0)
    return {
        "unit_idx": unit, "procedure_idx": proc, "received": received, "due": due, "finished": finish,
        "sup_req": sup_req, "sup_prov": sup_prov, "sup_count": sup_count, "channel": channel,
        "fee_bearing": fee_bearing.astype(np.int8), "fee": fee, "paid_online": paid_online,
    }


def _pick(rng: np.random.Generator, mask: np.ndarray, k: int) -> np.ndarray:
    """Return ``k`` random indices where ``mask`` is True (raises if there are fewer)."""
    idx = np.flatnonzero(mask)
    if k > len(idx):
        raise RuntimeError(f"calibration needs {k} candidates, only {len(idx)} available")
    return np.sort(rng.choice(idx, size=k, replace=False))


def calibrate_dossiers(rng: np.random.Generator, d: dict[str, np.ndarray], *, year: int = 2023) -> None:
    """Adjust ``year``'s dossiers in place so that its province totals equal :data:`CALIBRATION_2023`.

    Online submission: channels flipped among dossiers received in the year.  Online payment: the
    denominator (fee-bearing, fee > 0, received in the year) trimmed to a multiple of 1000 by marking a few
    dossiers fee-exempt, then payments flipped.  On time (Biểu 06): the resolved count brought to a multiple
    of 250 by moving a few late-December resolutions into January, then resolution dates of a few dossiers
    moved across their effective due date.
    """
    lo, hi = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
    rec = (d["received"] >= lo) & (d["received"] <= hi)
    n = int(rec.sum())
    target = CALIBRATION_2023["online.submission"] * n
    assert target.denominator == 1, "received count must make the online ratio exact"
    diff = int(target) - int((rec & (d["channel"] == 2)).sum())
    if diff > 0:
        d["channel"][_pick(rng, rec & (d["channel"] != 2), diff)] = 2
    elif diff < 0:
        d["channel"][_pick(rng, rec & (d["channel"] == 2), -diff)] = 1
    base = rec & (d["fee_bearing"] == 1) & (d["fee"] > 0)
    drop = _pick(rng, base, int(base.sum()) % 1000)
    d["fee"][drop], d["paid_online"][drop] = 0, 0
    base[drop] = False
    paid = base & (d["paid_online"] > 0)
    diff = int(CALIBRATION_2023["payment.online"] * int(base.sum())) - int(paid.sum())
    if diff > 0:
        d["paid_online"][_pick(rng, base & ~paid & (d["channel"] == 2), diff)] = 1
    elif diff < 0:
        d["paid_online"][_pick(rng, paid, -diff)] = 0
    fin = d["finished"]
    done = (fin >= lo) & (fin <= hi)
    push = _pick(rng, done & rec & (fin >= hi - 10), int(done.sum()) % 250)
    fin[push] = hi + 2 + rng.integers(0, 4, len(push))
    done[push] = False
    eff = d["due"] + np.where(d["sup_count"] > 0, (d["sup_prov"] - d["sup_req"]).astype(int), 0)
    ok = done & (np.isnat(d["due"]) | (fin <= eff))
    diff = int(CALIBRATION_2023["timeliness.on_time"] * int(done.sum())) - int(ok.sum())
    if diff > 0:  # late -> on time: resolved on the effective due date, still within the year
        floor = np.where(d["sup_count"] > 0, d["sup_prov"], d["received"])
        idx = _pick(rng, done & ~ok & (eff >= lo) & (eff >= floor), diff)
        fin[idx] = eff[idx]
    elif diff < 0:  # on time -> late by a few days, still within the year
        idx = _pick(rng, ok & ~np.isnat(d["due"]) & (eff + 5 <= hi) & (eff >= lo), -diff)
        fin[idx] = eff[idx] + rng.integers(1, 6, len(idx))


def generate_dossiers(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Generate all synthetic dossiers 2019 to June 2025 (canonical column names), calibrated for 2023.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        One row per dossier: ``year`` (received), ``seq`` (number within the year), ``unit_code``,
        ``unit_name``, ``unit_level``, ``catalog``, ``procedure_code``, ``sector_code``, ``received``,
        ``due``, ``finished``, ``sup_req``, ``sup_prov``, ``sup_count``, ``channel`` (0 = not recorded),
        ``fee_bearing``, ``fee``, ``paid_online``.
    """
    rng = np.random.default_rng(seed)
    units = build_units()
    procs = build_procedures(rng, units)
    hol = holidays()
    parts = [_year_dossiers(rng, y, units, procs, hol) for y in YEARS]
    d = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    calibrate_dossiers(rng, d)
    years = d["received"].astype("datetime64[Y]").astype(int) + 1970
    seq = np.concatenate([np.arange(1, (years == y).sum() + 1) for y in YEARS])
    u, p = d["unit_idx"], d["procedure_idx"]
    out = pd.DataFrame({"year": years, "seq": seq})
    for col in ("unit_code", "unit_name", "unit_level", "catalog"):
        out[col] = _categorical(units[col], u)
    for col in ("procedure_code", "sector_code"):
        out[col] = _categorical(procs[col], p)
    for k in ("received", "due", "finished", "sup_req", "sup_prov"):
        out[k] = d[k].astype("datetime64[s]")
    for k in ("sup_count", "channel", "fee_bearing", "fee", "paid_online"):
        out[k] = d[k].astype("int64")
    return out


def _categorical(values: pd.Series, idx: np.ndarray) -> pd.Categorical:
    """Return ``values[idx]`` as a categorical (cheap for the repeated unit and procedure labels)."""
    cats, codes = np.unique(values.to_numpy().astype(str), return_inverse=True)
    return pd.Categorical.from_codes(codes[idx], categories=cats)


def generate_welfare(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Generate the synthetic welfare payout table per unit, group and year; 2023 calibrated exactly.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``unit_code``, ``unit_name``, ``unit_level``, ``group`` (BTXH / NCC), ``total``,
        ``with_account``, ``paid``, ``amount`` (đồng).
    """
    rng = np.random.default_rng([seed, 6])
    wu = welfare_units()
    groups = np.array(["BTXH", "NCC"])
    base = np.stack([rng.integers(300, 2400, len(wu)), rng.integers(80, 900, len(wu))], axis=1)
    acc_off = rng.normal(0, 0.5, (len(wu), 2))
    pay_off = rng.normal(0, 0.4, (len(wu), 2))
    monthly = np.stack([rng.integers(400, 650, len(wu)), rng.integers(1800, 2900, len(wu))], axis=1) * 1000
    frames = []
    for i, year in enumerate(YEARS):
        total = np.round(base * (1 + 0.015 * i) * rng.normal(1, 0.02, base.shape)).astype(int)
        pa = 1 / (1 + np.exp(-(np.log(WELFARE_ACCOUNT[year] / (1 - WELFARE_ACCOUNT[year])) + acc_off)))
        pp = 1 / (1 + np.exp(-(np.log(WELFARE_PAID[year] / (1 - WELFARE_PAID[year])) + pay_off)))
        acc = rng.binomial(total, pa)
        paid = rng.binomial(acc, pp)
        if year == 2023:
            total, acc, paid = _calibrate_welfare(rng, total, acc, paid)
        months = 6 if year == 2025 else 12
        frames.append(pd.DataFrame({
            "year": year,
            "unit_code": np.repeat(wu["unit_code"].to_numpy(), 2),
            "unit_name": np.repeat(wu["unit_name"].to_numpy(), 2),
            "unit_level": np.repeat(wu["unit_level"].to_numpy(), 2),
            "group": np.tile(groups, len(wu)),
            "total": total.ravel(), "with_account": acc.ravel(), "paid": paid.ravel(),
            "amount": (paid * monthly * months).ravel().astype("int64"),
        }))
    return pd.concat(frames, ignore_index=True)


def _calibrate_welfare(rng: np.random.Generator, total: np.ndarray, acc: np.ndarray,
                       paid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Make sum(paid) / sum(total) exactly the published 2023 share (one beneficiary at a time)."""
    total, acc, paid = total.copy().ravel(), acc.copy().ravel(), paid.copy().ravel()
    total[0] += (-int(total.sum())) % 500
    diff = int(CALIBRATION_2023["welfare.paid_share"] * int(total.sum())) - int(paid.sum())
    step = 1 if diff > 0 else -1
    for _ in range(abs(diff)):
        room = (paid < total) if step > 0 else (paid > 0)
        i = rng.choice(np.flatnonzero(room))
        paid[i] += step
        acc[i] = max(acc[i], paid[i])
    shape = (-1, 2)
    return total.reshape(shape), acc.reshape(shape), paid.reshape(shape)


def generate_sample(out: str | Path, *, seed: int = DEFAULT_SEED) -> Path:
    """Write the whole synthetic sample folder ``out`` (atomically: built aside, renamed into place).

    Parameters
    ----------
    out : str or Path
        Target folder; an earlier sample there (with its ``SYNTHETIC.md``) is replaced, but only once the new
        one is complete.  Any other non-empty folder is refused (``FileExistsError``).
    seed : int, keyword-only
        Random seed; the same seed gives byte-identical files.

    Returns
    -------
    Path
        ``out``, containing dossiers/, bieu06/, payment766/, welfare/, feedback/ and ``SYNTHETIC.md`` (last).
    """
    out = Path(out).resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "SYNTHETIC.md").is_file())):
        raise FileExistsError(f"{out} exists and is not a sample folder (no SYNTHETIC.md); refusing to "
                              "replace it: choose a new or empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        dossiers, welfare = generate_dossiers(seed), generate_welfare(seed)
        files = sw.write_all(tmp, dossiers, welfare, units=build_units(), seed=seed)
        more, extra = write_feedback(tmp, dossiers, build_units(), seed=seed, hol=holidays(), end=EXTRACT_DAY)
        sw.write_synthetic_md(tmp, files + more, seed=seed, calibration=CALIBRATION_2023, volume=VOLUME,
                              extra=extra)
        old = out.with_name(f".{out.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        out.chmod(0o755)  # mkdtemp makes the folder private; the sample is meant to be read by anyone
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def main(argv: list[str] | None = None) -> int:
    """Run ``analysis sample``: the sample province, or ``--dossiers N`` large dossier files."""
    parser = argparse.ArgumentParser(prog="analysis sample", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--dossiers", type=int, default=None,
                        help="instead of the sample province, write N synthetic dossier rows")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet",
                        help="file format of --dossiers output")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if args.dossiers is not None:
        from analysis.sample.large import write_large_dossiers

        if args.dossiers <= 0:
            parser.error("--dossiers must be a positive number of rows")
        write_large_dossiers(args.dossiers, Path(args.out), fmt=args.format, seed=args.seed)
        print(f"wrote {args.dossiers} synthetic dossiers to {args.out} in {time.perf_counter() - t0:.1f} s")
        return 0
    try:
        out = generate_sample(args.out, seed=args.seed)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - t0
    print(f"wrote the SYNTHETIC sample province to {out} (seed {args.seed}) in {seconds:.1f} s")
    return 0
