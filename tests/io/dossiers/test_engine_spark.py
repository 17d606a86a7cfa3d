"""The same aggregation expression on Spark (local mode) gives the same Counts as DuckDB on one fixture."""

from __future__ import annotations

import importlib.util

import duckdb
import pandas as pd
import pytest
from conftest import REQUIRE_ALL, require_tool
from test_dossiers import EXPECTED, as_dict, pascal_frame, write

from analysis.io import read_dossiers

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    require_tool("java", "PySpark runs on the JVM (Java 17)")
    if importlib.util.find_spec("pyspark") is None:
        msg = "pyspark not installed (pip install '.[engine]')"
        pytest.fail(msg + " — required in CI") if REQUIRE_ALL else pytest.skip(msg)
    from pyspark.sql import SparkSession

    tmp = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[1]")
        .appName("analysis-engine-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", str(tmp / "warehouse"))
        .config("spark.local.dir", str(tmp / "local"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_counts_equal_duckdb(spark, tmp_path):
    from analysis.io.dossiers.aggregate import CANONICAL, aggregate_spark
    from analysis.io.dossiers.checks import prepare

    path = write(pascal_frame(), tmp_path / "d.parquet", "parquet")
    expected = read_dossiers(path, cache_dir=tmp_path / "cache")
    src = prepare(path, con=None, unit_level=None, date_format=None, cache_dir=tmp_path / "cache")
    canonical = tmp_path / "canonical.parquet"
    duckdb.sql(
        f"COPY (SELECT dossier_id, {', '.join(CANONICAL)} FROM ({src.relation})) TO '{canonical}' "
        "(FORMAT parquet)"
    )
    got = aggregate_spark(spark, spark.read.parquet(str(canonical)), source="d.parquet")  # checks too
    assert as_dict(got) == EXPECTED  # the hand-computed values, on Spark
    pd.testing.assert_frame_equal(got, expected)


def _canonical_parquet(df: pd.DataFrame, tmp_path) -> str:
    from analysis.io.dossiers.aggregate import CANONICAL
    from analysis.io.dossiers.checks import prepare

    path = write(df, tmp_path / "bad.parquet", "parquet")
    src = prepare(path, con=None, unit_level=None, date_format=None, cache_dir=tmp_path / "cache")
    out = tmp_path / "bad_canonical.parquet"
    duckdb.sql(
        f"COPY (SELECT dossier_id, {', '.join(CANONICAL)} FROM ({src.relation})) TO '{out}' (FORMAT parquet)"
    )
    return str(out)


def test_input_checks_run_on_spark(spark, tmp_path):
    from analysis.io import InputError
    from analysis.io.dossiers.aggregate import aggregate_spark

    df = pascal_frame()
    df.loc[4, "KenhThucHien"] = 7  # dossier A5
    frame = spark.read.parquet(_canonical_parquet(df, tmp_path))
    with pytest.raises(InputError, match=r"unknown channel: found '7' \(dossier A5\)"):
        aggregate_spark(spark, frame, source="fixture")
