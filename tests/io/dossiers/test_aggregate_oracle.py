"""The two-stage aggregation against a straightforward oracle written from the definitions (DATA_FORMATS §1).

The oracle loops over the periods and evaluates each definition row by row in pandas: flows by the dates
falling in the period, stocks by testing every dossier at the period end (received on or before it, not
finished by it, effective due date before it).  It shares no code with ``analysis.io.dossiers.stages``
(only the list of periods, tested on its own in ``test_aggregate.py``).  The random records cover what
the synthetic generator does not: supplement requests after the due date or before the received date,
a citizen who never supplements, more than one request, no due date, dossiers pending at the end.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis.io import read_dossiers
from analysis.io.dossiers.aggregate import build_periods

UNITS = {
    "77.S01": ("Sở A", "so-ban-nganh"),
    "77.H01": ("Huyện B", "quan-huyen"),
    "77.H01.X01": ("Xã C", "xa-phuong"),
}


def random_dossiers(n: int, seed: int, last: date) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day0 = pd.Timestamp("2023-01-01")
    span = (pd.Timestamp(last) - day0).days
    received = day0 + pd.to_timedelta(rng.integers(0, span + 1, n), unit="D")
    due = received + pd.to_timedelta(rng.integers(0, 25, n), unit="D")
    due = due.where(rng.random(n) > 0.1)  # 10 % without a deadline
    took = pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    finished = (received + took).where(rng.random(n) > 0.15)  # 15 % never finished in the file
    finished = finished.where(finished <= pd.Timestamp(last))
    has_req = rng.random(n) < 0.35
    req = received + pd.to_timedelta(rng.integers(-2, 30, n), unit="D")  # before received, after due ...
    req = req.where(has_req)
    prov = req + pd.to_timedelta(rng.integers(0, 20, n), unit="D")
    prov = prov.where(rng.random(n) > 0.3)  # some citizens never supplement
    prov = prov.where(prov <= pd.Timestamp(last))
    req = req.where(req <= pd.Timestamp(last))
    prov = prov.where(req.notna())
    count = pd.array(np.where(has_req, rng.integers(1, 4, n), rng.integers(0, 2, n)), dtype="Int64")
    count[rng.random(n) < 0.05] = pd.NA
    unit = rng.choice(list(UNITS), n)
    channel = pd.array(rng.choice([1, 2, 3], n), dtype="Int64")
    channel[rng.random(n) < 0.1] = pd.NA
    fee = pd.array(rng.choice([0, 0, 20000, 50000], n), dtype="Int64")
    fee_bearing = pd.array((fee > 0) | (rng.random(n) < 0.1), dtype="Int64")
    paid = pd.array(rng.choice([0, 1, 2], n), dtype="Int64")
    paid[rng.random(n) < 0.2] = pd.NA
    df = pd.DataFrame(
        {
            "MaHoSo": [f"R{seed}-{i}" for i in range(n)],
            "MaDonVi": unit,
            "TenDonVi": [UNITS[u][0] for u in unit],
            "CapDonVi": [UNITS[u][1] for u in unit],
            "NgayTiepNhan": received,
            "NgayHenTra": due,
            "NgayKetThucXuLy": finished,
            "NgayYeuCauBoSung": req,
            "NgayCongDanBoSung": prov,
            "SoLanBoSung": count,
            "KenhThucHien": channel,
            "PhiLePhi": fee,
            "CoPhiLePhi": fee_bearing,
            "DuocThanhToanTrucTuyen": paid,
        }
    )
    for c in [c for c in df.columns if c.startswith("Ngay")]:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ms]")
    # the input checks refuse these: finished before received, supplement provided before requested
    df.loc[df["NgayKetThucXuLy"] < df["NgayTiepNhan"], "NgayKetThucXuLy"] = pd.NaT
    return df


def pause(df: pd.DataFrame, at: pd.Series | pd.Timestamp) -> pd.Series:
    """Days from the supplement request to the citizen's supplement, or to ``at`` (0 without a request)."""
    req, prov = df["NgayYeuCauBoSung"], df["NgayCongDanBoSung"]
    at = pd.Series(at, index=df.index) if isinstance(at, pd.Timestamp) else at
    stop = prov.where(prov.notna() & (prov < at), at)
    days = (stop - req).dt.days
    return days.where(req.notna() & (req <= at), 0)


def oracle(df: pd.DataFrame, periods: pd.DataFrame) -> dict:
    out = {}
    r, f, due = df["NgayTiepNhan"], df["NgayKetThucXuLy"], df["NgayHenTra"]
    one = df["SoLanBoSung"].fillna(0) <= 1
    on_time = due.isna() | ((f - due).dt.days <= pause(df, f))
    fee_base = (df["CoPhiLePhi"] == 1) & (df["PhiLePhi"] > 0)
    for p in periods.itertuples():
        s, e = pd.Timestamp(p.period_start), pd.Timestamp(p.period_end)
        rec = (r >= s) & (r <= e)
        fin = f.notna() & (f >= s) & (f <= e)
        pend = (r <= e) & (f.isna() | (f > e))
        late = due.notna() & ((e - due).dt.days > pause(df, e))
        for unit in UNITS:
            u = df["MaDonVi"] == unit
            comp = {
                "timeliness.on_time": ((fin & on_time & u).sum(), (fin & u).sum()),
                "timeliness.on_time_766": (
                    (fin & on_time & one & u).sum() + (pend & ~late & one & u).sum(),
                    (fin & u).sum() + (pend & u).sum(),
                ),
                "timeliness.overdue_pending": ((pend & late & u).sum(), (pend & u).sum()),
                "online.submission": (
                    (rec & (df["KenhThucHien"] == 2).fillna(False) & u).sum(),
                    (rec & u).sum(),
                ),
                "payment.online": (
                    (rec & fee_base & df["DuocThanhToanTrucTuyen"].isin([1, 2]).fillna(False) & u).sum(),
                    (rec & fee_base.fillna(False) & u).sum(),
                ),
            }
            for ind, (num, den) in comp.items():
                if den > 0:
                    out[(ind, unit, s.date(), e.date(), p.period_type)] = (int(num), int(den))
    return out


@pytest.mark.parametrize(
    "seed, last, data_end",
    [(1, date(2024, 6, 30), None), (2, date(2024, 12, 31), None), (3, date(2024, 3, 20), date(2024, 3, 20))],
)
def test_two_stage_aggregation_equals_the_definitions(tmp_path, seed, last, data_end):
    df = random_dossiers(4000, seed, last)
    df.to_parquet(tmp_path / "d.parquet", index=False)
    counts = read_dossiers(tmp_path / "d.parquet", cache_dir=tmp_path / "c", data_end=data_end)
    first = df["NgayTiepNhan"].min().date()
    periods = build_periods(first, df["NgayTiepNhan"].max().date(), data_end=data_end)
    expected = oracle(df, periods)
    got = {
        (r.indicator, r.unit_code, r.period_start.date(), r.period_end.date(), r.period_type): (
            r.numerator,
            r.denominator,
        )
        for r in counts.itertuples()
    }
    assert len(expected) > 200
    assert set(got) == set(expected), sorted(set(got) ^ set(expected))[:5]
    wrong = {k: (got[k], v) for k, v in expected.items() if got[k] != v}
    assert not wrong, list(wrong.items())[:5]
