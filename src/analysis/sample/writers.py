"""Writers of the synthetic sample's export files: dossiers, Biểu 06, 766 payment, welfare, sidecars.

Biểu 06 and the 766 payment table are computed here, with pandas, from the same dossiers that are written
to the dossier files (an implementation of docs/DATA_FORMATS.md §1-§3 independent of ``analysis.io``).
Every file is written byte-for-byte deterministically (fixed workbook dates and zip timestamps) to a
temporary name and renamed into place, with a ``<file>.meta.json`` sidecar marked ``"synthetic": true``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from analysis.provenance import write_bytes_atomic
from analysis.sample.xlsx import (
    PAYMENT_HEADER,
    PRODUCER,
    WELFARE_HEADER,
    bieu06_workbook,
    payment_rows,
    period_of,
    table_workbook,
    workbook_bytes,
)

LICENCE = "CC0-1.0 (synthetic data, no rights reserved)"
PARQUET_YEARS = (2019, 2020, 2021, 2022, 2023)
#: Canonical dossier column -> national portal (PascalCase) name, for the Parquet files 2019-2023.
PASCAL = {
    "dossier_id": "MaHoSo", "unit_code": "MaDonVi", "unit_name": "TenDonVi", "catalog": "CapDonVi",
    "procedure_code": "MaTTHC", "sector_code": "MaLinhVuc", "received": "NgayTiepNhan",
    "due": "NgayHenTra", "finished": "NgayKetThucXuLy", "sup_req": "NgayYeuCauBoSung",
    "sup_prov": "NgayCongDanBoSung", "sup_count": "SoLanBoSung", "channel": "KenhThucHien",
    "fee": "PhiLePhi", "fee_bearing": "CoPhiLePhi", "paid_online": "DuocThanhToanTrucTuyen",
}
#: Canonical dossier column -> one-stop (camelCase) name, for the CSV files 2024-2025 (fee split below).
CAMEL = {
    "dossier_id": "maHoSo", "unit_code": "maDinhDanh", "unit_name": "tenDonVi", "catalog": "catalog",
    "procedure_code": "maTTHC", "sector_code": "maLinhVucChinh", "received": "ngayTiepNhan",
    "due": "ngayHenTra", "finished": "ngayKetThucXuLy", "sup_req": "ngayYeuCauBoSung",
    "sup_prov": "ngayCongDanBoSung", "sup_count": "soLanBoSung", "channel": "kenhThucHien",
    "fee_bearing": "coPhi", "paid_online": "duocThanhToanTrucTuyen",
}
#: Personal-data columns filled with obvious placeholders (readers must never read them).
PERSONAL = {
    "ChuHoSo": "Công dân giả lập (SYNTHETIC)", "SoGiayToChuHoSo": "000000000000",
    "NgaySinhChuHoSo": "1900-01-01", "DiaChiChuHoSo": "Địa chỉ giả lập, không có thật",
}
DATE_COLUMNS = ("received", "due", "finished", "sup_req", "sup_prov")
def effective_due(d: pd.DataFrame, at: pd.Series | pd.Timestamp) -> pd.Series:
    """Due date plus the supplement pause counted up to ``at``; NaT when the procedure has no deadline.

    The pause runs from the request to the citizen's supplement, or to ``at`` if that comes first; a
    request after ``at`` does not count yet (the clock stops only while the dossier waits for the citizen).
    """
    req, prov = d["sup_req"], d["sup_prov"]
    stop = prov.where(prov.notna() & (prov < at), at)
    pause = (stop - req).where(req.notna() & (req <= at), pd.Timedelta(0))
    return d["due"] + pause


def bieu06_table(d: pd.DataFrame, units: pd.DataFrame, *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Compute Biểu 06 columns (3)-(13) per unit from dossier records (DATA_FORMATS.md §1-§2).

    Carried over (6): received before ``start``, not finished before it.  Received in the period (4)/(5):
    online (channel 2) / all other channels.  Resolved (7): finished in the period, split by the
    effective due date into early (8), on the day (9, also every dossier without a deadline) and late (10).
    Pending (11): not finished by ``end``; overdue (13) when the effective due date, with the pause counted
    up to ``end``, is before ``end`` (the rule of ``analysis.io.dossiers.aggregate``).
    """
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    d = d[(d["received"] <= hi) & (d["finished"].isna() | (d["finished"] >= lo))]  # the rest plays no part
    rec, fin, due = d["received"], d["finished"], d["due"]
    eff, eff_end = effective_due(d, fin), effective_due(d, hi)
    new = (rec >= lo) & (rec <= hi)
    carried = (rec < lo) & (fin.isna() | (fin >= lo))
    resolved = (new | carried) & fin.notna() & (fin <= hi)
    pending = (new | carried) & ~resolved
    flags = pd.DataFrame({
        "c4": new & (d["channel"] == 2), "c5": new & (d["channel"] != 2), "c6": carried,
        "c7": resolved, "c8": resolved & due.notna() & (fin < eff),
        "c9": resolved & (due.isna() | (fin == eff)), "c10": resolved & due.notna() & (fin > eff),
        "c11": pending, "c12": pending & (due.isna() | (eff_end >= hi)),
        "c13": pending & due.notna() & (eff_end < hi),
    })
    table = flags.groupby(d["unit_code"]).sum().reindex(units["unit_code"], fill_value=0)
    table.insert(0, "c3", table["c4"] + table["c5"] + table["c6"])
    return table.astype("int64").rename_axis("unit_code").reset_index()


def payment_table(d: pd.DataFrame, units: pd.DataFrame, *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Per unit: dossiers received in the period of fee-bearing procedures with fee > 0, and paid online."""
    new = (d["received"] >= pd.Timestamp(start)) & (d["received"] <= pd.Timestamp(end))
    base = new & (d["fee_bearing"] == 1) & (d["fee"] > 0)
    flags = pd.DataFrame({"denominator": base, "numerator": base & d["paid_online"].isin([1, 2])})
    table = flags.groupby(d["unit_code"]).sum().reindex(units["unit_code"], fill_value=0).astype("int64")
    return table.rename_axis("unit_code").reset_index()


def _strings(values: pd.Series) -> pa.Array:
    """Return a plain (not dictionary) Arrow string array of a categorical or text column."""
    arr = pa.array(values)
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else pc.cast(arr, pa.string())


def dossier_table(d: pd.DataFrame, *, camel: bool) -> pa.Table:
    """Return dossier records as an Arrow table with the export's column names and placeholder personal data.

    PascalCase (national portal) names unless ``camel`` (one-stop system: the fee split into ``phi`` and
    ``lePhi``, ``phi`` > 0 whenever the fee is).  Dates are calendar dates; channel 0 becomes null.
    """
    names = CAMEL if camel else PASCAL
    n = len(d)
    cols: dict[str, pa.Array] = {}
    for key, name in names.items():
        if key == "dossier_id":
            seq = pc.utf8_lpad(pc.cast(pa.array(d["seq"].to_numpy()), pa.string()), width=6, padding="0")
            arr = pc.binary_join_element_wise("SYN77", pc.cast(pa.array(d["year"].to_numpy()), pa.string()),
                                              seq, "-")
        elif key in DATE_COLUMNS:
            arr = pa.array(d[key].to_numpy().astype("datetime64[D]"), type=pa.date32(), from_pandas=True)
        elif key == "channel":
            ch = d["channel"].to_numpy()
            arr = pa.array(ch, type=pa.int8(), mask=ch == 0)
        elif key in ("sup_count", "fee_bearing", "paid_online"):
            arr = pa.array(d[key].to_numpy(), type=pa.int8())
        elif key == "fee":
            arr = pa.array(d[key].to_numpy(), type=pa.int64())
        else:
            arr = _strings(d[key])
        if camel and key == "fee_bearing":
            fee = d["fee"].to_numpy()
            le_phi = np.where(fee >= 100_000, np.round(fee * 0.3, -3), 0).astype("int64")
            cols["phi"] = pa.array(fee - le_phi, type=pa.int64())
            cols["lePhi"] = pa.array(le_phi, type=pa.int64())
        cols[name] = arr
    for name, value in PERSONAL.items():
        cols[name[0].lower() + name[1:] if camel else name] = pa.repeat(pa.scalar(value), n)
    return pa.table(cols)


def write_parquet(d: pd.DataFrame, path: Path) -> None:
    """Write PascalCase dossier records as Parquet (dates as date32), atomically."""
    buf = pa.BufferOutputStream()
    pq.write_table(dossier_table(d, camel=False), buf, compression="zstd")
    write_bytes_atomic(path, buf.getvalue().to_pybytes())


def write_csv(d: pd.DataFrame, path: Path) -> None:
    """Write camelCase dossier records as UTF-8 CSV (ISO dates, empty = null), atomically."""
    buf = pa.BufferOutputStream()
    pa_csv.write_csv(dossier_table(d, camel=True), buf, pa_csv.WriteOptions(quoting_style="needed"))
    write_bytes_atomic(path, buf.getvalue().to_pybytes())


def write_sidecar(path: Path, *, title: str, seed: int, year: int, description: str) -> dict:
    """Write ``<file>.meta.json`` (producer, title, seed, licence, sha256, synthetic: true); return it."""
    start, end, label = period_of(year)
    meta = {
        "id": path.name, "producer": PRODUCER, "title": title, "synthetic": True, "seed": seed,
        "licence": LICENCE, "document": "SYNTHETIC.md", "url": None, "description": description,
        "date_published": None, "date_retrieved": None,
        "notes": "SYNTHETIC data from analysis.sample; only the 2023 province totals are calibrated to "
                 "published figures (see SYNTHETIC.md)",
        "period": label, "period_start": start.isoformat(), "period_end": end.isoformat(),
        "file": path.name, "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    text = json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_bytes_atomic(path.with_name(path.name + ".meta.json"), text.encode("utf-8"))
    return meta


def write_all(out: Path, dossiers: pd.DataFrame, welfare: pd.DataFrame, *, units: pd.DataFrame,
              seed: int) -> list[dict]:
    """Write every export of the sample into ``out``; return the sidecar records in writing order."""
    for sub in ("dossiers", "bieu06", "payment766", "welfare"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    metas = []
    for year in sorted(dossiers["year"].unique()):
        part = dossiers[dossiers["year"] == year]
        start, end, label = period_of(int(year))
        if year in PARQUET_YEARS:
            path = out / "dossiers" / f"dossiers_{year}.parquet"
            write_parquet(part, path)
            names = "national-portal (PascalCase) names"
        else:
            path = out / "dossiers" / f"dossiers_{year}.csv"
            write_csv(part, path)
            names = "one-stop (camelCase) names, UTF-8"
        metas.append(write_sidecar(path, title=f"Hồ sơ TTHC tiếp nhận {label} – SYNTHETIC", seed=seed,
                                   year=int(year), description=f"dossier records received in the period, "
                                   f"{len(part)} rows, {names}; personal-data columns are placeholders"))
        table = bieu06_table(dossiers, units, start=start, end=end)
        path = out / "bieu06" / f"bieu06_{year}.xlsx"
        write_bytes_atomic(path, workbook_bytes(bieu06_workbook(table, units, year=int(year))))
        metas.append(write_sidecar(path, title=f"Biểu số 06/VPCP/KSTT – {label} – SYNTHETIC", seed=seed,
                                   year=int(year), description="Biểu 06 computed from the sample dossiers"))
        pay = payment_table(dossiers, units, start=start, end=end)
        path = out / "payment766" / f"payment766_{year}.xlsx"
        title = "THEO DÕI CHỈ TIÊU THANH TOÁN TRỰC TUYẾN CÁC ĐƠN VỊ - THEO QUYẾT ĐỊNH SỐ 766/QĐ-TTG"
        wb = table_workbook(PAYMENT_HEADER, payment_rows(pay, units), title=title, year=int(year),
                            sheet="TTTT766")
        write_bytes_atomic(path, workbook_bytes(wb))
        metas.append(write_sidecar(path, title=f"{title} – {label} – SYNTHETIC", seed=seed, year=int(year),
                                   description="766 online-payment export computed from the sample dossiers"))
    for year in sorted(welfare["year"].unique()):
        w = welfare[welfare["year"] == year]
        rows = list(w[["unit_code", "unit_name", "group", "total", "with_account", "paid", "amount"]]
                    .itertuples(index=False, name=None))
        rows = [(a, b, c, int(t), int(h), int(p), int(m)) for a, b, c, t, h, p, m in rows]
        title = "BÁO CÁO KẾT QUẢ CHI TRẢ CHÍNH SÁCH AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT"
        wb = table_workbook(WELFARE_HEADER, rows, title=title, year=int(year), sheet="ChiTra",
                            subtitle="SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI")
        path = out / "welfare" / f"welfare_{year}.xlsx"
        write_bytes_atomic(path, workbook_bytes(wb))
        label = period_of(int(year))[2]
        metas.append(write_sidecar(path, title=f"{title} – {label} – SYNTHETIC", seed=seed, year=int(year),
                                   description="welfare payout report per commune (or district) and group"))
    return metas


SYNTHETIC_MD = """# SYNTHETIC sample province — not real data

This folder was written by `analysis.sample` (`analysis sample --out DIR --seed {seed}`). **Every number in it
is synthetic**: generated from random numbers with seed `{seed}`; the same seed gives byte-identical files.
It imitates the export formats of docs/DATA_FORMATS.md for one province (code 77, Bà Rịa - Vũng Tàu) for
2019–2024 and January–June 2025 (the province merged into Thành phố Hồ Chí Minh on 1/7/2025; exports stop
at 30/06/2025). Use it to try the notebooks and to test the readers, never as evidence about the province.

## Calibration (the only link to reality)

The 2023 province totals equal, exactly as ratios, the figures of the 2023 provincial review (report of the
conference of 27/01/2024, `source_documents/brvt_2023_par_review_vi.txt`):

| indicator | 2023 value | definition used here |
| --- | --- | --- |
{calibration}
{notes}
Everything else is invented: yearly volumes ({volumes}), the rise of online submission and online payment
over the years, the rise of welfare accounts after 2022, which agencies are late (a few units are made
"chronically late" at random: this says nothing about the real agencies), Tết slow-down (office closure from
the day before Tết to four days after, lower volumes around it and more deadlines missed), month-end surges
of receipts, supplement pauses (about 7 % of dossiers; 10 % of those with two requests), procedures without
a due date (about 5 % of procedures), stalled dossiers never finished, and welfare amounts.

## Units and codes

Unit **names** are real and public (about 20 provincial departments, the 8 district-level units, two or three
communes per district; Huyện Côn Đảo has no communes). Unit **codes are a synthetic scheme**, not official
codes: `77.Snn` departments, `77.Hnn` districts, `77.Hnn.Xnn` communes; procedure codes `<unit>.Pnn` and
sector codes `LV.<unit>.<k>` are synthetic too. The unit list is held fixed over 2019–2025 and does not
follow administrative changes. Dossiers of 2019 start with no backlog (no carried-over dossiers in 2019).

## Files

Dossier records 2019–2023 are Parquet with the national portal's PascalCase names, 2024–2025 UTF-8 CSV with
the one-stop systems' camelCase names (`phi` + `lePhi` = fee); dates are calendar dates (no time of day); the
personal-data columns (`ChuHoSo`, `SoGiayToChuHoSo`, `NgaySinhChuHoSo`, `DiaChiChuHoSo` and their camelCase
forms) hold obvious placeholders. The Biểu 06 and 766 payment workbooks are computed from the same dossiers
(Biểu 06 per reporting year, pending counts as at the period end); the welfare report is generated
separately, per commune (or district without communes listed) and group (BTXH, NCC). Each file has a
`<file>.meta.json` sidecar (`"synthetic": true`, seed, licence, sha256).

| file | sha256 (first 16) | description |
| --- | --- | --- |
{files}
"""


def write_synthetic_md(out: Path, metas: list[dict], *, seed: int, calibration: dict,
                       volume: dict, extra: dict | None = None) -> Path:
    """Write ``out/SYNTHETIC.md`` (the last file of the sample) and return its path.

    ``extra`` adds calibrated figures already written out (``rows``: indicator -> value text) and a
    paragraph (``notes``) of another family's writer (``analysis.sample.feedback``).
    """
    definitions = {
        "timeliness.on_time": "resolved early or on time / resolved (Biểu 06 columns (8 + 9) / (7))",
        "online.submission": "received online (KenhThucHien = 2) / received in the year",
        "payment.online": "paid online (DuocThanhToanTrucTuyen 1 or 2) / dossiers of fee-bearing procedures "
                          "with fee > 0 received in the year (QĐ 766 indicator 3.6)",
        "welfare.paid_share": "beneficiaries paid via account / all beneficiaries",
        "feedback.on_time": "PAKN received in the year answered by the due date (or not yet due) / PAKN "
                            "received in the year (the review's 333 PAKN through the national portal, 100 %)",
        "satisfaction.dossiers": "dossiers finished in the year neither late nor with a PAKN or a dislike "
                                 "rating / dossiers finished in the year (QĐ 766 indicator 5.4, written as "
                                 "counts; the review's 87,06 % satisfaction does not state its definition)",
    }
    cal = "\n".join(f"| `{k}` | {float(v) * 100:.1f} % (= {v.numerator}/{v.denominator}) | {definitions[k]} |"
                    for k, v in calibration.items())
    extra = extra or {}
    cal += "".join(f"\n| `{k}` | {v} | {definitions[k]} |" for k, v in extra.get("rows", {}).items())
    notes = f"\n{extra['notes']}\n" if extra.get("notes") else ""
    vols = ", ".join(f"{y}: {n:,}" for y, n in volume.items())
    by_folder = {m["file"]: m for m in metas}
    files = "\n".join(
        f"| {sub}/{name} | {m['sha256'][:16]} | {m['description']} |"
        for name, m in by_folder.items()
        for sub in [name.split("_")[0]]
    )
    text = SYNTHETIC_MD.format(seed=seed, calibration=cal, notes=notes, volumes=vols, files=files)
    path = out / "SYNTHETIC.md"
    write_bytes_atomic(path, text.encode("utf-8"))
    return path
