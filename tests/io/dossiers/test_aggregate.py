"""The aggregation module: periods, a mid-month data end (ytd spans), agreement with the benchmark SQL."""

from __future__ import annotations

from datetime import date

import duckdb
import ibis
import pandas as pd
import pytest
from test_dossiers import as_dict, pascal_frame, write

from analysis.io import read_dossiers
from analysis.io.dossiers.aggregate import CANONICAL, LEVELS, aggregate_table, build_periods, to_long

D = date


def test_periods_sample_span():
    """January 2019 - June 2025: 78 months, full years 2019-2024, and 1/1-30/6 in each of the 7 years."""
    p = build_periods(D(2019, 1, 1), D(2025, 6, 30))
    assert (p.period_type == "month").sum() == 6 * 12 + 6
    assert sorted(p[p.period_type == "year"].period_start.map(lambda d: d.year)) == list(range(2019, 2025))
    ytd = p[p.period_type == "ytd"]
    assert [(s.year, e.month, e.day) for s, e in zip(ytd.period_start, ytd.period_end, strict=True)] == [
        (y, 6, 30) for y in range(2019, 2026)
    ]


def test_periods_full_year_has_no_ytd():
    p = build_periods(D(2023, 3, 5), D(2024, 12, 31))
    assert set(p.period_type) == {"month", "year"}
    assert (p.period_type == "year").sum() == 2 and (p.period_type == "month").sum() == 22


def test_periods_mid_month_end_drops_the_incomplete_month():
    p = build_periods(D(2024, 1, 2), D(2024, 2, 10), data_end=D(2024, 2, 15))
    assert p.period_end.max() == D(2024, 2, 15)
    assert list(p[p.period_type == "month"].period_end) == [D(2024, 1, 31)]


def test_levels_map():
    assert LEVELS["so-ban-nganh"] == "department" and LEVELS["quan-huyen"] == "district"
    assert LEVELS["xa-phuong"] == "commune" and LEVELS["centre"] == "centre"


def test_mid_month_data_end(tmp_path):
    """Data declared to end on 15 February 2024: stocks are taken on 15/2 (worked out by hand)."""
    counts = read_dossiers(
        write(pascal_frame(), tmp_path / "d.parquet", "parquet"),
        cache_dir=tmp_path / "c",
        data_end=D(2024, 2, 15),
    )
    got = as_dict(counts)
    ytd = ("77.S01", D(2024, 1, 1), D(2024, 2, 15), "ytd")
    # finished by 15/2: A1-A6, A8 (A3 late); pending at 15/2: A7, A9, A10, A11, A12, A13,
    # of which A7 (due 25/1) and A10 (due 5/2) are overdue;
    # A9's pause runs 29/1-15/2 (17 days) so its due date moves to 27/2.
    assert got[("timeliness.on_time", *ytd)] == (6, 7)
    assert got[("timeliness.overdue_pending", *ytd)] == (2, 6)
    # QĐ 766: A5 and A13 have two supplement requests -> (5 finished + 3 pending in time) / (7 + 6)
    assert got[("timeliness.on_time_766", *ytd)] == (8, 13)
    assert got[("online.submission", *ytd)] == (0, 13)
    assert ("timeliness.on_time", "77.H01", D(2023, 1, 1), D(2023, 2, 15), "ytd") in got
    assert not [k for k in got if k[4] == "month" and k[3] > D(2024, 1, 31)]


def test_any_ibis_table_with_canonical_columns(tmp_path):
    """aggregate_table takes an Ibis table (here DuckDB, as PostgreSQL or Spark would hold it)."""
    path = write(pascal_frame(), tmp_path / "d.parquet", "parquet")
    expected = read_dossiers(path, cache_dir=tmp_path / "c")
    from analysis.io.dossiers.checks import prepare

    src = prepare(path, con=None, unit_level=None, date_format=None, cache_dir=tmp_path / "c")
    con = ibis.duckdb.connect()
    con.raw_sql(f"CREATE TABLE dossiers AS SELECT {', '.join(CANONICAL)} FROM ({src.relation})")
    got = aggregate_table(con.table("dossiers"), source="d.parquet")
    pd.testing.assert_frame_equal(got, expected)


def test_library_equals_hand_written_sql(tmp_path):
    """The benchmark's hand-written DuckDB query and the Ibis expression agree on synthetic records."""
    from pathlib import Path

    from analysis.sample.large import write_large_dossiers

    path = write_large_dossiers(30_000, tmp_path, seed=3, chunk=7_000)
    lib = read_dossiers(path, cache_dir=tmp_path / "c")
    sql = (Path(__file__).parents[3] / "benchmarks" / "hand_sql.sql").read_text(encoding="utf-8")
    con = duckdb.connect()
    con.execute(f"""CREATE VIEW d AS SELECT "MaDonVi" AS unit_code, "TenDonVi" AS unit_name,
        "CapDonVi" AS unit_level, "NgayTiepNhan" AS received_at, "NgayHenTra" AS due_at,
        "NgayKetThucXuLy" AS finished_at, "NgayYeuCauBoSung" AS supplement_requested_at,
        "NgayCongDanBoSung" AS supplement_provided_at, "SoLanBoSung" AS supplement_count,
        "KenhThucHien" AS channel, "PhiLePhi" AS fee, "CoPhiLePhi" AS fee_bearing,
        "DuocThanhToanTrucTuyen" AS paid_online FROM read_parquet('{path}')""")
    first, last = lib.period_start.min().date(), lib.period_end.max().date()
    con.register("periods_df", build_periods(first, last))
    con.execute(
        "CREATE TABLE p AS SELECT period_start::DATE period_start, period_end::DATE period_end, "
        "period_type FROM periods_df"
    )
    hand = to_long(con.execute(sql.replace("{src}", "d").replace("{periods}", "p")).df())
    key = ["indicator", "unit_code", "period_start", "period_end", "period_type"]
    a = lib.set_index(key)[["numerator", "denominator"]].sort_index()
    b = hand.assign(
        period_start=pd.to_datetime(hand.period_start), period_end=pd.to_datetime(hand.period_end)
    )
    b = b.set_index(key)[["numerator", "denominator"]].sort_index()
    assert len(a) > 1000
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_index_type=False)


@pytest.mark.parametrize("level, mapped", [("xa-phuong", "commune"), ("centre", "centre")])
def test_unit_level_keyword_when_column_absent(tmp_path, level, mapped):
    df = pascal_frame().drop(columns="CapDonVi")
    counts = read_dossiers(
        write(df, tmp_path / "d.parquet", "parquet"), cache_dir=tmp_path / "c", unit_level=level
    )
    assert set(counts["unit_level"]) == {mapped}


@pytest.mark.parametrize("dialect", ["postgres", "trino"])
def test_same_expression_compiles_for_other_engines(dialect):
    """SQL engines get a translation of the very same expression (no server needed to compile it).

    Spark needs a session to compile; it runs the expression in ``test_engine_spark.py``.
    """
    from analysis.io.dossiers.aggregate import counts_expr

    schema = ibis.schema({c: t for c, t in CANONICAL.items()})
    periods = build_periods(D(2024, 1, 1), D(2024, 6, 30))
    expr = counts_expr(ibis.table(schema, name="v_dossiers"), periods)
    sql = str(ibis.to_sql(expr, dialect=dialect))
    assert "v_dossiers" in sql and "received_at" in sql and "supplement_provided_at" in sql


def test_shipped_duckdb_sql_is_the_compiled_expression():
    """The DuckDB SQL read_dossiers runs is the Ibis expression compiled (regenerate when stages change)."""
    from analysis.io.dossiers import duck

    for name, make in duck.COMPILED.items():
        shipped = (duck.SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
        assert shipped == make() + "\n", (
            f"{name}.sql is stale: run `python -c 'from analysis.io.dossiers.duck import "
            "write_compiled_sql as w; w()'`"
        )


def test_periods_of_data_ending_in_january_have_no_ytd_copy_of_the_month():
    p = build_periods(D(2023, 5, 2), D(2024, 1, 20))
    assert "ytd" not in set(p.period_type)
    assert (p.period_type == "year").sum() == 1 and p.period_end.max() == D(2024, 1, 31)
