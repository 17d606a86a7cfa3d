"""The chunked SYNTHETIC generator of large dossier files (analysis.sample.large)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis.io import read_dossiers
from analysis.sample.large import COLUMNS, write_large_dossiers


def test_rows_chunks_ids_and_sidecar(tmp_path):
    path = write_large_dossiers(2_500, tmp_path, chunk=1_000, seed=7)
    t = pq.read_table(path)
    assert t.num_rows == 2_500 and tuple(t.column_names) == COLUMNS
    assert pq.read_metadata(path).num_row_groups == 3  # written one chunk at a time
    ids = t.column("MaHoSo").to_pylist()
    assert len(set(ids)) == 2_500
    meta = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and "SYNTHETIC" in meta["producer"] and meta["rows"] == 2_500
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp_")]


def test_deterministic_and_seeded(tmp_path):
    a = write_large_dossiers(3_000, tmp_path / "a", seed=1, chunk=1_000)
    b = write_large_dossiers(3_000, tmp_path / "b", seed=1, chunk=1_000)
    c = write_large_dossiers(3_000, tmp_path / "c", seed=2, chunk=1_000)
    assert pq.read_table(a).equals(pq.read_table(b))
    assert not pq.read_table(a).equals(pq.read_table(c))


def test_csv_and_parquet_read_to_the_same_counts(tmp_path):
    p = write_large_dossiers(4_000, tmp_path, seed=5, chunk=1_500)
    c = write_large_dossiers(4_000, tmp_path, fmt="csv", seed=5, chunk=1_500)
    a = read_dossiers(p, cache_dir=tmp_path / "cache").drop(columns="source")
    b = read_dossiers(c, cache_dir=tmp_path / "cache").drop(columns="source")
    pd.testing.assert_frame_equal(a, b)
    assert set(a["indicator"]) == {
        "timeliness.on_time",
        "timeliness.on_time_766",
        "timeliness.overdue_pending",
        "online.submission",
        "payment.online",
    }


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="fmt"):
        write_large_dossiers(10, tmp_path, fmt="xlsx")
    with pytest.raises(ValueError, match="positive"):
        write_large_dossiers(0, tmp_path)


def test_cache_keeps_the_first_finished_conversion(tmp_path):
    """Two processes converting the same file: the second finds the folder complete and discards its copy."""
    from analysis.io.dossiers import cache

    def write(out):
        out.mkdir()
        (out / "part.parquet").write_text("x")

    target = tmp_path / "entry"
    cache.write_converted(target, write, {"n": 1})
    cache.write_converted(target, write, {"n": 2})
    assert cache.is_complete(target) and json.loads((target / "manifest.json").read_text())["n"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]
