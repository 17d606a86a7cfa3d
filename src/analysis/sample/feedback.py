"""SYNTHETIC feedback (PAKN) exports and dossier ratings of the sample province, built on the sample dossiers.

Everything here is **synthetic**: PAKN volumes, the 10-working-day deadline, response shares, which dossiers
are rated and disliked.  2023 is calibrated to the 2023 review
(``source_documents/brvt_2023_par_review_vi.txt``, conference of 27/01/2024): "Thông qua Cổng dịch vụ công
Quốc gia đã xử lý kịp thời 333 phản ánh, kiến nghị ..., đạt 100%" gives 333 PAKN received in 2023, all
answered on time (``feedback.on_time`` = 333/333); the province's "tỷ lệ hài lòng ... đạt 87,06%" gives
``satisfaction.dossiers`` (QĐ 766 indicator 5.4) = 87.06 %
as the review rounds.  The review does not define its satisfaction rate: the sample only mimics it on 5.4
(``analysis.indicators.SATISFACTION_ASSUMPTION``).  The files follow ``docs/DATA_FORMATS.md`` §5.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis.provenance import write_bytes_atomic
from analysis.sample import writers as sw
from analysis.sample.xlsx import table_workbook, workbook_bytes

#: PAKN received through the national portal per year (synthetic; 2023 = the review's 333; 2025 = Jan-Jun).
PAKN_VOLUME = {2019: 118, 2020: 164, 2021: 209, 2022: 281, 2023: 333, 2024: 356, 2025: 171}
#: Share of PAKN answered after the due date (synthetic; 2023 = 0: "đạt 100%").
PAKN_LATE = {2019: 0.07, 2020: 0.05, 2021: 0.035, 2022: 0.02, 2023: 0.0, 2024: 0.008, 2025: 0.012}
#: Among answered PAKN: share with a "không hài lòng" response, share with no response (synthetic).
NOT_SATISFIED = {2019: 0.16, 2020: 0.15, 2021: 0.13, 2022: 0.12, 2023: 0.10, 2024: 0.09, 2025: 0.09}
NO_RESPONSE = {2019: 0.45, 2020: 0.42, 2021: 0.40, 2022: 0.37, 2023: 0.35, 2024: 0.33, 2025: 0.32}
#: Working days to answer a PAKN (a synthetic deadline, not a legal one), and share about a dossier.
PAKN_DAYS = 10
LINKED = 0.4
#: Share of resolved dossiers the citizen rated (synthetic).
RATED = {2019: 0.30, 2020: 0.33, 2021: 0.37, 2022: 0.42, 2023: 0.46, 2024: 0.50, 2025: 0.52}
#: 5.4 the dislike propensity is tuned to per finish year (synthetic trend; 2023 = the review's 87,06 %).
SATISFACTION = {2019: 0.815, 2020: 0.83, 2021: 0.84, 2022: 0.852, 2023: 0.8706, 2024: 0.879, 2025: 0.884}
#: The 2023 figures reproduced: (numerator rule, published value), checked by tests/sample.
CALIBRATION_2023 = {"feedback.on_time": "333 / 333 = 100 %", "satisfaction.dossiers": "87.06 % (rounded)"}
CSV_YEARS = (2019, 2020, 2021, 2022)
PASCAL = ("MaPAKN", "MaDonVi", "TenDonVi", "CapDonVi", "NgayTiepNhan", "HanXuLy", "NgayTraLoi",
          "KetQuaDanhGia", "MaHoSo")
VIETNAMESE = ("Mã PAKN", "Mã đơn vị", "Tên đơn vị", "Cấp đơn vị", "Ngày tiếp nhận", "Hạn xử lý",
              "Ngày trả lời", "Kết quả đánh giá", "Mã hồ sơ")
RATING_NAMES = {
    False: ("MaHoSo", "MaDonVi", "TenDonVi", "CapDonVi", "NgayHenTra", "NgayKetThucXuLy", "NgayYeuCauBoSung",
            "NgayCongDanBoSung", "DanhGia", "CoPAKN"),
    True: ("maHoSo", "maDinhDanh", "tenDonVi", "catalog", "ngayHenTra", "ngayKetThucXuLy", "ngayYeuCauBoSung",
           "ngayCongDanBoSung", "danhGia", "coPAKN"),
}
RESPONSE_TEXT = {"satisfied": "Hài lòng", "not_satisfied": "Không hài lòng", "none": ""}


def unit_index(d: pd.DataFrame, units: pd.DataFrame) -> np.ndarray:
    """Return, per dossier, the row of its unit in ``units``."""
    cat = pd.Categorical(d["unit_code"])
    return pd.Index(units["unit_code"]).get_indexer(cat.categories)[cat.codes]


def unit_propensity(rng: np.random.Generator, units: pd.DataFrame) -> np.ndarray:
    """Relative propensity of each unit to draw PAKN and dislikes (partly its lateness, partly chance)."""
    return np.exp(rng.normal(0, 0.45, len(units))) * (units["late"].to_numpy() ** 0.3)


def generate_pakn(rng: np.random.Generator, d: pd.DataFrame, units: pd.DataFrame, prop: np.ndarray, *,
                  holidays: np.ndarray, extract_day: np.datetime64) -> pd.DataFrame:
    """Generate the PAKN items of every year; a share is about a dossier the unit finished shortly before."""
    fin = d["finished"].to_numpy().astype("datetime64[D]")
    uidx, done = unit_index(d, units), np.flatnonzero(~np.isnat(fin))
    order = done[np.lexsort((fin[done], uidx[done]))]  # finished dossiers by unit, then finish day
    bounds = np.searchsorted(uidx[order], np.arange(len(units) + 1))
    years, seqs = d["year"].to_numpy(), d["seq"].to_numpy()
    weight = units["size"].to_numpy() * prop
    frames = []
    for year, n in PAKN_VOLUME.items():
        last = min(np.datetime64(f"{year}-12-31"), extract_day)
        days = np.arange(np.datetime64(f"{year}-01-01"), last + 1)
        days = days[np.is_busday(days, holidays=holidays)]
        received = np.sort(rng.choice(days, size=n))
        unit = rng.choice(len(units), size=n, p=weight / weight.sum())
        due = np.busday_offset(received, PAKN_DAYS, holidays=holidays)
        answered = np.busday_offset(received, rng.integers(1, PAKN_DAYS + 1, n), holidays=holidays)
        late = rng.random(n) < PAKN_LATE[year]
        answered = np.where(late, np.busday_offset(due, rng.geometric(0.3, n), holidays=holidays), answered)
        answered = np.where(answered > extract_day, np.datetime64("NaT"), answered)
        u = rng.random(n)
        response = np.where(u < NOT_SATISFIED[year], "not_satisfied",
                            np.where(u < NOT_SATISFIED[year] + NO_RESPONSE[year], "none", "satisfied"))
        response = np.where(np.isnat(answered), "none", response)
        row = np.full(n, -1)
        for i in np.flatnonzero(rng.random(n) < LINKED):
            seg = order[bounds[unit[i]]:bounds[unit[i] + 1]]
            lo, hi = np.searchsorted(fin[seg], [received[i] - 45, received[i]], side="right")
            if hi > lo:
                row[i] = seg[rng.integers(lo, hi)]
        frames.append(pd.DataFrame({
            "year": year, "item_id": [f"PAKN77-{year}-{k:04d}" for k in range(1, n + 1)],
            "unit_idx": unit, "received": received, "due": due, "answered": answered, "response": response,
            "dossier_row": row,
            "dossier_id": [f"SYN77-{years[r]}-{seqs[r]:06d}" if r >= 0 else "" for r in row],
        }))
    return pd.concat(frames, ignore_index=True)


def _expected_ok(base: float, rated: float, prop: np.ndarray, free: np.ndarray) -> float:
    """Return the expected 5.4 share when the ``free`` dossiers are disliked with ``base * prop``."""
    return float(np.sum(free * (1 - rated * np.minimum(1.0, base * prop))) / len(free))


def generate_ratings(rng: np.random.Generator, d: pd.DataFrame, units: pd.DataFrame, prop: np.ndarray,
                     pakn: pd.DataFrame) -> pd.DataFrame:
    """Rate every finished dossier (like / dislike / none) and flag those with a PAKN; 2023 calibrated.

    Per finish year the dislike propensity is solved (bisection on the expected share) so that 5.4 is near
    :data:`SATISFACTION`; in 2023 dislikes are then flipped one by one until round(5.4, 4) = 0.8706.
    """
    flagged = np.zeros(len(d), dtype=bool)
    flagged[pakn.loc[pakn["dossier_row"] >= 0, "dossier_row"].to_numpy()] = True
    keep = d["finished"].notna().to_numpy()
    done = d[keep].assign(pakn=flagged[keep])
    done["late"] = done["due"].notna() & (done["finished"] > sw.effective_due(done, done["finished"]))
    unit_prop = prop[unit_index(done, units)]
    done["fin_year"] = done["finished"].dt.year
    rating = np.full(len(done), "none", dtype=object)
    for year in sorted(done["fin_year"].unique()):
        m = (done["fin_year"] == year).to_numpy()
        free = (~done["late"] & ~done["pakn"]).to_numpy()[m].astype(float)
        p = unit_prop[m] * np.where(done["late"].to_numpy()[m], 2.5, 1.0)
        lo, hi = 0.0, 5.0
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if _expected_ok(mid, RATED[year], p, free) > SATISFACTION[year] else (lo, mid)
        rated = rng.random(m.sum()) < RATED[year]
        dislike = rated & (rng.random(m.sum()) < np.minimum(1.0, lo * p))
        rating[m] = np.where(dislike, "dislike", np.where(rated, "like", "none"))
    done["rating"] = rating
    _calibrate(rng, done, year=2023)
    return done


def _calibrate(rng: np.random.Generator, done: pd.DataFrame, *, year: int) -> None:
    """Flip ratings of ``year``'s dossiers so that round(ok / resolved, 4) = SATISFACTION[year] (in place)."""
    m = done["fin_year"] == year
    ok = m & ~done["late"] & ~done["pakn"] & (done["rating"] != "dislike")
    diff = int(round(SATISFACTION[year] * int(m.sum()))) - int(ok.sum())
    pool = (m & ~done["late"] & ~done["pakn"] & (done["rating"] == "dislike")) if diff > 0 else ok
    idx = rng.choice(np.flatnonzero(pool.to_numpy()), size=abs(diff), replace=False)
    done.iloc[idx, done.columns.get_loc("rating")] = "like" if diff > 0 else "dislike"


def _dates(values) -> list:
    return [None if pd.isna(v) else pd.Timestamp(v).date() for v in values]


def _pakn_rows(p: pd.DataFrame, units: pd.DataFrame) -> list[tuple]:
    u = units.iloc[p["unit_idx"].to_numpy()]
    return list(zip(p["item_id"], u["unit_code"], u["unit_name"], u["catalog"], _dates(p["received"]),
                    _dates(p["due"]), _dates(p["answered"]), p["response"].map(RESPONSE_TEXT),
                    p["dossier_id"], strict=True))


def pakn_csv(rows: list[tuple]) -> bytes:
    """Write PAKN rows as the Excel-style CSV: UTF-8 with BOM, ";" separated, dd/mm/yyyy dates."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(PASCAL)
    for r in rows:
        w.writerow([f"{v:%d/%m/%Y}" if hasattr(v, "strftime") else ("" if v is None else v) for v in r])
    return buf.getvalue().encode("utf-8-sig")


def _strings(values: pd.Series) -> pa.Array:
    arr = pa.array(values)
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else pc.cast(arr, pa.string())


def ratings_parquet(r: pd.DataFrame, *, camel: bool) -> bytes:
    """Write rated dossiers as Parquet (national-portal PascalCase, or one-stop camelCase names)."""
    seq = pc.utf8_lpad(pc.cast(pa.array(r["seq"].to_numpy()), pa.string()), width=6, padding="0")
    ids = pc.binary_join_element_wise("SYN77", pc.cast(pa.array(r["year"].to_numpy()), pa.string()), seq, "-")
    dates = [pa.array(r[c].to_numpy().astype("datetime64[D]"), type=pa.date32(), from_pandas=True)
             for c in ("due", "finished", "sup_req", "sup_prov")]
    values = r["rating"].to_numpy(dtype=object)
    rating = pa.array(values, mask=values == "none", type=pa.string())
    arrays = [ids, *(_strings(r[c]) for c in ("unit_code", "unit_name", "catalog")), *dates, rating,
              pa.array(r["pakn"].to_numpy().astype("int8"))]
    buf = pa.BufferOutputStream()
    pq.write_table(pa.table(dict(zip(RATING_NAMES[camel], arrays, strict=True))), buf, compression="zstd")
    return buf.getvalue().to_pybytes()


def write_feedback(out: Path, dossiers: pd.DataFrame, units: pd.DataFrame, *, seed: int, hol: np.ndarray,
                   end: np.datetime64) -> tuple[list[dict], dict]:
    """Write ``out/feedback/`` (PAKN per received year, ratings per finish year); return sidecars and notes.

    ``hol`` are the office holidays and ``end`` the export day (``analysis.sample.province``).
    PAKN 2019-2022: CSV (PascalCase names, UTF-8 with BOM, ";", dd/mm/yyyy); 2023-2025: xlsx with a title
    block and Vietnamese labels.  Ratings: Parquet, PascalCase 2019-2023, camelCase 2024-2025.
    """
    rng = np.random.default_rng([seed, 5])
    prop = unit_propensity(rng, units)
    pakn = generate_pakn(rng, dossiers, units, prop, holidays=hol, extract_day=end)
    rated = generate_ratings(rng, dossiers, units, prop, pakn)
    folder = out / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    metas = []
    title = "DANH SÁCH PHẢN ÁNH, KIẾN NGHỊ TIẾP NHẬN QUA CỔNG DỊCH VỤ CÔNG QUỐC GIA"
    for year in PAKN_VOLUME:
        p = pakn[pakn["year"] == year]
        rows = _pakn_rows(p, units)
        if year in CSV_YEARS:
            path, data = folder / f"feedback_pakn_{year}.csv", pakn_csv(rows)
        else:
            wb = table_workbook(VIETNAMESE, rows, title=title, year=year, sheet="PAKN")
            path, data = folder / f"feedback_pakn_{year}.xlsx", workbook_bytes(wb)
        write_bytes_atomic(path, data)
        metas.append(sw.write_sidecar(path, title=f"{title} – {year} – SYNTHETIC", seed=seed, year=year,
                                      description=f"PAKN received in the year through the national portal, "
                                      f"{len(p)} items, one row each"))
    for year in PAKN_VOLUME:
        r = rated[rated["fin_year"] == year]
        path = folder / f"feedback_ratings_{year}.parquet"
        write_bytes_atomic(path, ratings_parquet(r, camel=year >= 2024))
        metas.append(sw.write_sidecar(path, title=f"Đánh giá hồ sơ TTHC đã giải quyết – {year} – SYNTHETIC",
                                      seed=seed, year=year, description=f"dossiers finished in the year with "
                                      f"their rating and PAKN flag, {len(r)} rows"))
    notes = ("PAKN (phản ánh, kiến nghị) exports per year received, and dossier ratings per year finished, "
             "in `feedback/`: invented volumes, a synthetic 10-working-day deadline, responses and ratings; "
             f"a PAKN is about a sample dossier in about {LINKED:.0%} of cases "
             "(that dossier's `CoPAKN` = 1).")
    return metas, {"rows": CALIBRATION_2023, "notes": notes}
