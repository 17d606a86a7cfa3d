"""Chunked generator of large SYNTHETIC dossier-record files (Parquet or CSV) for scale tests and benchmarks.

The rows follow the PascalCase layout of ``docs/DATA_FORMATS.md`` §1 (national portal sync names).  They are
synthetic: invented units, procedures and dates, labelled so in the file's ``.meta.json`` sidecar.  Rows are
generated and written one chunk at a time, so 100 million rows never sit in memory together.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

#: First and last day of the synthetic period (the sample province's span, January 2019 - June 2025).
START = date(2019, 1, 1)
END = date(2025, 6, 30)
#: Synthetic unit list: (code, name, level); codes use a clearly synthetic scheme, not official codes.
UNITS = (
    [(f"77.S{i:02d}", f"Sở giả lập {i:02d}", "so-ban-nganh") for i in range(1, 21)]
    + [(f"77.H{i:02d}", f"Huyện giả lập {i:02d}", "quan-huyen") for i in range(1, 9)]
    + [
        (f"77.H{h:02d}.X{i:02d}", f"Xã giả lập {h:02d}.{i:02d}", "xa-phuong")
        for h in range(1, 9)
        for i in (1, 2, 3, 4)
    ]
)
#: Column order of the written files (PascalCase, DATA_FORMATS.md §1) plus one fake personal-data column.
COLUMNS = (
    "MaHoSo",
    "MaDonVi",
    "TenDonVi",
    "CapDonVi",
    "MaTTHC",
    "MaLinhVuc",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayYeuCauBoSung",
    "NgayCongDanBoSung",
    "SoLanBoSung",
    "KenhThucHien",
    "PhiLePhi",
    "CoPhiLePhi",
    "DuocThanhToanTrucTuyen",
    "ChuHoSo",
)
#: Fee levels in VND drawn for fee-bearing procedures (0 = a fee-bearing procedure with a zero fee).
FEE_LEVELS = np.array([0, 20_000, 50_000, 100_000, 200_000])
FORMATS = ("parquet", "csv")


def _chunk_table(rng: np.random.Generator, first: int, size: int, day0: int, day1: int) -> pa.Table:
    """Return one chunk of ``size`` synthetic rows received between epoch days ``day0`` and ``day1``."""
    end_day = (END - date(1970, 1, 1)).days
    received = np.sort(rng.integers(day0, day1 + 1, size))
    unit = rng.integers(0, len(UNITS), size)
    late_unit = (unit % 7) == 3  # a few chronically late units
    allowed = rng.choice(np.array([3, 5, 7, 10, 15, 20, 30]), size)
    due = received + allowed
    no_due = rng.random(size) < 0.03
    slack = rng.gamma(2.0, allowed / 4.0)
    late = rng.random(size) < np.where(late_unit, 0.08, 0.01)
    duration = np.where(late, allowed + 1 + rng.integers(0, 20, size), np.minimum(slack, allowed)).astype(
        np.int64
    )
    has_supp = rng.random(size) < 0.05
    req = received + rng.integers(0, 3, size)
    pause = rng.integers(1, 15, size)
    prov = req + pause
    duration = duration + np.where(has_supp, pause, 0)
    finished = received + duration
    pending = finished > end_day
    supp_count = np.where(has_supp, np.where(rng.random(size) < 0.1, 2, 1), 0)
    start_day = (START - date(1970, 1, 1)).days
    online_share = 0.3 + 0.65 * (received - start_day) / (end_day - start_day)  # rising adoption
    channel = np.where(rng.random(size) < online_share, 2, np.where(rng.random(size) < 0.5, 1, 3))
    channel_null = rng.random(size) < 0.02
    fee_bearing = rng.random(size) < 0.4
    fee = np.where(fee_bearing, rng.choice(FEE_LEVELS, size), 0)
    paid = rng.choice(np.array([0, 1, 2]), size, p=[0.3, 0.5, 0.2])
    paid_null = ~fee_bearing | (rng.random(size) < 0.05)

    def as_date(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
        return pa.array(days.astype("int32"), type=pa.int32(), mask=mask).cast(pa.date32())

    codes = np.array([u[0] for u in UNITS], dtype=object)
    names = np.array([u[1] for u in UNITS], dtype=object)
    levels = np.array([u[2] for u in UNITS], dtype=object)
    ids = np.char.add("SYN-", np.char.zfill(np.arange(first, first + size).astype(str), 10))
    proc = rng.integers(1, 400, size)
    return pa.table(
        {
            "MaHoSo": pa.array(ids),
            "MaDonVi": pa.array(codes[unit]),
            "TenDonVi": pa.array(names[unit]),
            "CapDonVi": pa.array(levels[unit]),
            "MaTTHC": pa.array(np.char.add("TT.", proc.astype(str))),
            "MaLinhVuc": pa.array(np.char.add("LV.", (proc % 30).astype(str))),
            "NgayTiepNhan": as_date(received),
            "NgayHenTra": as_date(due, no_due),
            "NgayKetThucXuLy": as_date(finished, pending),
            "NgayYeuCauBoSung": as_date(req, ~has_supp),
            "NgayCongDanBoSung": as_date(prov, ~has_supp | (prov > end_day)),
            "SoLanBoSung": pa.array(supp_count.astype("int32")),
            "KenhThucHien": pa.array(channel.astype("int32"), mask=channel_null),
            "PhiLePhi": pa.array(fee.astype("int64"), mask=~fee_bearing),
            "CoPhiLePhi": pa.array(fee_bearing.astype("int32")),
            "DuocThanhToanTrucTuyen": pa.array(paid.astype("int32"), mask=paid_null),
            "ChuHoSo": pa.array(np.full(size, "NGUOI GIA LAP"), type=pa.string()),
        }
    )


def write_large_dossiers(
    n: int, out: str | Path, *, fmt: str = "parquet", seed: int = 0, chunk: int = 1_000_000
) -> Path:
    """Write ``n`` SYNTHETIC dossier records to one file in ``out``, a chunk at a time; return its path.

    Parameters
    ----------
    n : int
        Number of rows (dossiers); 100 million is fine, memory stays at one chunk.
    out : str or Path
        Output folder (created); the file is ``dossiers_synthetic_<n>.<fmt>`` with a ``.meta.json`` sidecar.
    fmt : {"parquet", "csv"}
        File format; CSV is UTF-8 with a header row and ISO dates.
    seed : int
        Seed; the same ``n``, ``seed`` and ``chunk`` give identical rows.
    chunk : int
        Rows generated and written per step (also the Parquet row-group size).

    Returns
    -------
    Path
        The written file (renamed into place only when complete).

    Examples
    --------
    >>> import tempfile, pyarrow.parquet as pq
    >>> path = write_large_dossiers(1000, tempfile.mkdtemp(), chunk=300)
    >>> pq.read_metadata(path).num_rows
    1000
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    if n < 1 or chunk < 1:
        raise ValueError(f"n and chunk must be positive, got n={n}, chunk={chunk}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"dossiers_synthetic_{n}.{fmt}"
    day0 = (START - date(1970, 1, 1)).days
    span = (END - START).days + 1
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp_", suffix=f".{fmt}", dir=out)
    os.close(fd)
    tmp = Path(tmp_name)
    writer = None
    try:
        for k, first in enumerate(range(0, n, chunk)):
            size = min(chunk, n - first)
            lo = day0 + span * first // n
            hi = day0 + max(span * (first + size) // n - 1, span * first // n)
            table = _chunk_table(np.random.default_rng([seed, k]), first, size, lo, hi)
            if writer is None:
                writer = (
                    pq.ParquetWriter(tmp, table.schema, compression="zstd")
                    if fmt == "parquet"
                    else pacsv.CSVWriter(tmp, table.schema)
                )
            writer.write_table(table) if fmt == "csv" else writer.write_table(table, row_group_size=chunk)
        writer.close()
        writer = None
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    _write_sidecar(target, n=n, seed=seed, chunk=chunk)
    return target


def _write_sidecar(path: Path, *, n: int, seed: int, chunk: int) -> Path:
    """Write ``<file>.meta.json`` marking the file as synthetic (sha256 over the bytes, streamed)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    meta = {
        "producer": "analysis.sample.large (SYNTHETIC)",
        "title": f"SYNTHETIC dossier records, {n} rows, PascalCase layout (docs/DATA_FORMATS.md §1)",
        "description": "Invented units and dates for scale tests and benchmarks; not real data.",
        "period": [START.isoformat(), END.isoformat()],
        "seed": seed,
        "chunk": chunk,
        "rows": n,
        "licence": "CC0-1.0 (synthetic)",
        "sha256": digest.hexdigest(),
        "synthetic": True,
    }
    side = path.with_name(path.name + ".meta.json")
    tmp = side.with_name(side.name + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, side)
    return side
