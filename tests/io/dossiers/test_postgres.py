"""The aggregation and the input checks inside a real PostgreSQL server (Debian's package; ``-m postgres``).

A throw-away server is started in a temporary folder on a loopback port (as the ``postgres`` user when the
tests run as root, as CI does) and stopped after.  The sample's dossier records are loaded into a table
with the export's PascalCase names, the documented view (docs/LARGE_DATA.md) maps them to the canonical
columns, and ``aggregate_sql`` runs the aggregation and the checks in the server: its Counts must equal
DuckDB's.  Skipped locally without PostgreSQL, a failure in CI (``require_tool``).
"""

from __future__ import annotations

import glob
import io
import os
import shutil
import socket
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analysis.io import InputError
from analysis.io.dossiers import read_dossiers
from analysis.io.dossiers.aggregate import aggregate_sql
from analysis.io.dossiers.columns import ALIASES, TYPES

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]  # one server per run

#: The view of docs/LARGE_DATA.md (schema ``dvc`` there), over a table with the national portal's names.
VIEW = """
CREATE VIEW {schema}.v_dossiers_canonical AS
SELECT "MaHoSo" AS dossier_id, "MaDonVi" AS unit_code, "TenDonVi" AS unit_name,
       "CapDonVi" AS unit_level, "NgayTiepNhan"::date AS received_at, "NgayHenTra"::date AS due_at,
       "NgayKetThucXuLy"::date AS finished_at, "NgayYeuCauBoSung"::date AS supplement_requested_at,
       "NgayCongDanBoSung"::date AS supplement_provided_at, "SoLanBoSung"::bigint AS supplement_count,
       "KenhThucHien"::bigint AS channel, "PhiLePhi"::float8 AS fee, "CoPhiLePhi"::bigint AS fee_bearing,
       "DuocThanhToanTrucTuyen"::bigint AS paid_online
FROM {schema}.ho_so;
"""
PG_TYPES = {"VARCHAR": "text", "DATE": "date", "BIGINT": "bigint", "DOUBLE": "double precision"}


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        from conftest import require_tool

        return Path(require_tool("initdb", "a PostgreSQL server for the postgres tests")).parent
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    """Start a throw-away PostgreSQL server; yield its URL; stop it and remove its folder."""
    bindir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="analysis_pg_"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*as_postgres, *cmd], check=True, capture_output=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
    opts = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c work_mem=64MB"  # hash aggregates in memory, as a province's server would be tuned
    )
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(folder / "log"), "-w", "start")
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def sample_dossiers(tmp_path_factory) -> Path:
    """The sample province's dossier files (Parquet 2019-2023, camelCase CSV 2024-2025), SYNTHETIC."""
    from analysis.sample.province import generate_sample

    out = generate_sample(tmp_path_factory.mktemp("pg") / "sample")
    return out / "dossiers"


@pytest.fixture(scope="module")
def canonical(sample_dossiers) -> pd.DataFrame:
    """The canonical columns of every sample file, as read_dossiers maps them (DuckDB, no aggregation)."""
    import duckdb

    from analysis.io.dossiers.checks import prepare
    from analysis.io.dossiers.columns import resolve_files

    con = duckdb.connect()
    parts = [
        prepare(f, con=con, unit_level=None, date_format=None, cache_dir=sample_dossiers.parent / "cache")
        for f in resolve_files(sample_dossiers)
    ]
    union = " UNION ALL BY NAME ".join(f"SELECT {', '.join(TYPES)} FROM ({s.relation})" for s in parts)
    return con.sql(union).df()


def _connect(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True)


def load(url: str, frame: pd.DataFrame, schema: str) -> str:
    """Load canonical rows into ``<schema>.ho_so`` under the export's PascalCase names (COPY), create the
    documented view over it; return the view's name."""
    pascal = {c: ALIASES[c][0] for c in TYPES}
    cols = ", ".join(f'"{pascal[c]}" {PG_TYPES[t]}' for c, t in TYPES.items())
    buf = io.StringIO()
    frame.rename(columns=pascal).to_csv(buf, index=False, header=False, date_format="%Y-%m-%d")
    with _connect(url) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        con.execute(f"CREATE TABLE {schema}.ho_so ({cols})")
        with con.cursor().copy(f"COPY {schema}.ho_so FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
        con.execute(VIEW.format(schema=schema))
        con.execute(f"ANALYZE {schema}.ho_so")
    return f"{schema}.v_dossiers_canonical"


def test_counts_inside_postgresql_equal_duckdb(pg_url, sample_dossiers, canonical, tmp_path):
    view = load(pg_url, canonical, "dvc")
    duck = read_dossiers(sample_dossiers, cache_dir=tmp_path / "c")
    pg = aggregate_sql(pg_url, view)
    assert len(pg) > 10_000 and set(pg["source"]) == {view}
    pd.testing.assert_frame_equal(pg.drop(columns="source"), duck.drop(columns="source"))


SMALL = 400  # the first dossiers of the sample (January 2019), enough for the checks


@pytest.mark.parametrize(
    "column, value, label",
    [
        ("KenhThucHien", "7", "unknown channel"),
        ("NgayHenTra", "1900-01-01", "a due date out of range"),
        ("NgayKetThucXuLy", "2099-01-01", "a finished date out of range"),
        ("CapDonVi", "cap-tinh", "unknown level"),
        ("NgayKetThucXuLy", "2018-12-31", "finished before received"),
    ],
)
def test_input_checks_run_inside_postgresql(pg_url, canonical, column, value, label):
    view = load(pg_url, canonical.head(SMALL), "checks")
    with _connect(pg_url) as con:
        sql = 'SELECT "MaHoSo" FROM checks.ho_so ORDER BY "MaHoSo" LIMIT 1 OFFSET 17'
        victim = con.execute(sql).fetchone()[0]
        con.execute(f'UPDATE checks.ho_so SET "{column}" = %s WHERE "MaHoSo" = %s', [value, victim])
    with pytest.raises(InputError) as info:
        aggregate_sql(pg_url, view, data_end=date(2025, 6, 30))
    err = info.value
    assert label in str(err) and victim in str(err) and value in str(err)
    assert err.path == view and err.column


def test_finished_after_the_exports_end_found_inside_postgresql(pg_url, canonical):
    view = load(pg_url, canonical.head(SMALL), "checks")  # received in January 2019, some finished later
    with pytest.raises(InputError, match="finished after the export's end") as info:
        aggregate_sql(pg_url, view)
    assert "31/01/2019" in str(info.value)


def test_duplicate_id_found_inside_postgresql(pg_url, canonical):
    view = load(pg_url, canonical.head(SMALL), "checks")
    with _connect(pg_url) as con:
        con.execute('INSERT INTO checks.ho_so SELECT * FROM checks.ho_so ORDER BY "MaHoSo" LIMIT 1')
        first = con.execute('SELECT min("MaHoSo") FROM checks.ho_so').fetchone()[0]
    with pytest.raises(InputError, match=f"duplicate dossier id '{first}'"):
        aggregate_sql(pg_url, view, data_end=date(2025, 6, 30))
