"""The DuckDB stage-2 result reaches pandas with the expression's types (``analysis.io.dossiers.duck``)."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from analysis.io.dossiers import duck


def test_sums_become_int64_and_dates_timestamps():
    raw = pa.table(
        {
            "unit_code": pa.array(["01"]),
            "period_start": pa.array([19723], type=pa.int32()).cast(pa.date32()),
            "received": pa.array([Decimal(12)], type=pa.decimal128(38, 0)),
        }
    )
    out = duck._typed(raw).to_pandas()
    assert str(out["received"].dtype) == "int64" and out["received"].iloc[0] == 12
    assert str(out["period_start"].dtype) == "datetime64[ns]"
    assert str(out["period_start"].iloc[0].date()) == "2024-01-01"


def test_a_count_beyond_int64_is_refused_not_wrapped():
    raw = pa.table({"received": pa.array([Decimal(2**63)], type=pa.decimal128(38, 0))})
    with pytest.raises(pa.ArrowInvalid):
        duck._typed(raw)


def test_stage2_on_duckdb_hands_int64_to_the_counts_code(monkeypatch, tmp_path):
    """The wide table given to ``finish_counts`` holds int64 counts, not ``Decimal`` objects."""
    from analysis.io import read_dossiers
    from analysis.sample.large import write_large_dossiers

    seen = {}
    real = duck.finish_counts

    def spy(wide, *, source):
        seen["dtypes"] = {c: str(wide[c].dtype) for c in duck.stages.COMPONENTS}
        return real(wide, source=source)

    monkeypatch.setattr(duck, "finish_counts", spy)
    path = write_large_dossiers(2_000, tmp_path, fmt="parquet", seed=3)
    read_dossiers(path, cache_dir=tmp_path / "cache")
    assert seen["dtypes"] == {c: "int64" for c in duck.stages.COMPONENTS}
