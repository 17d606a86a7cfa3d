"""Safe outputs: CSVs cannot carry spreadsheet formulas; a write that fails says why and loses nothing."""

from __future__ import annotations

import errno
import io
import os

import pandas as pd
import pytest

from analysis import provenance
from analysis.errors import OutputError
from analysis.provenance import csv_safe_frame, csv_safe_text, safe_csv_bytes, write_bytes_atomic

# OWASP "CSV Injection": cells starting with = + - @ tab or CR are prefixed with a single quote.
TRIGGERS = ["=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")', "＝1+1"]


@pytest.mark.parametrize("text", TRIGGERS)
def test_formula_triggers_get_a_quote(text):
    assert csv_safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["-5", "+3", "-0.25", "1e-3", "-.5", "Sở Tư pháp", "77.H01", "", "a=b"])
def test_numbers_and_plain_text_unchanged(text):
    assert csv_safe_text(text) == text


def test_frame_neutralises_text_and_keeps_numbers_machine_readable():
    df = pd.DataFrame(
        {
            "unit_name": ['=HYPERLINK("http://x","y")', "Sở Y tế", None],
            "label": pd.Categorical(["@x", "ok", "ok"]),
            "change": [-0.5, 0.25, -3.0],
            "n": [-1, 2, 3],
            "when": pd.to_datetime(["2024-01-01", "2024-02-01", None]),
            "=col": ["a", "b", "c"],
        }
    )
    out = csv_safe_frame(df)
    assert out["unit_name"].tolist()[:2] == ['\'=HYPERLINK("http://x","y")', "Sở Y tế"]
    assert out["unit_name"].isna().tolist() == [False, False, True]
    assert out["label"].tolist() == ["'@x", "ok", "ok"]
    assert list(out.columns)[-1] == "'=col"
    assert df["unit_name"].iloc[0].startswith("=")  # the input is not modified
    back = pd.read_csv(io.BytesIO(safe_csv_bytes(df)))
    assert back["change"].tolist() == [-0.5, 0.25, -3.0]  # negative numbers stay numbers
    assert back["n"].dtype.kind == "i" and back["n"].tolist() == [-1, 2, 3]
    text = safe_csv_bytes(df).decode("utf-8")
    assert "\n=" not in text and ",=" not in text and ',"=' not in text


def test_figure_csv_is_neutralised():
    from analysis.report.figures import table_bytes

    text = table_bytes(pd.DataFrame({"unit_name": ["=1+1"], "rate": [-0.1]})).decode()
    assert text == "unit_name,rate\n'=1+1,-0.1\n"


def _no_temp_left(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def test_write_in_read_only_folder_raises_one_output_error(tmp_path, monkeypatch):
    target = tmp_path / "out" / "counts.csv"
    write_bytes_atomic(target, b"old\n")

    def refuse(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(provenance.os, "replace", refuse)
    with pytest.raises(OutputError) as info:
        write_bytes_atomic(target, b"new\n")
    err = info.value
    assert err.cause == "read-only" and err.folder == str(target.parent)
    assert f"cannot write counts.csv in folder {target.parent}" in str(err)
    assert "read-only" in str(err) and "\n" not in str(err)
    assert target.read_bytes() == b"old\n"
    assert _no_temp_left(target.parent)
    assert isinstance(err, OSError)  # code that caught the raw OSError still catches it


def test_write_on_full_disk_raises_and_removes_the_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "runs.json"
    write_bytes_atomic(target, b"{}\n")
    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fd):
            self.fh = real_fdopen(fd, "wb")

        def write(self, data):
            self.fh.write(data[:3])  # part of the data lands, then the disk is full
            self.fh.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(provenance.os, "fdopen", lambda fd, mode: Full(fd))
    with pytest.raises(OutputError, match=r"cannot write runs.json in folder .*: the disk is full") as info:
        write_bytes_atomic(target, b'{"runs": []}\n')
    assert info.value.cause == "disk full"
    assert target.read_bytes() == b"{}\n"
    assert _no_temp_left(tmp_path)


def test_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "figures"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OutputError, match="cannot write a.png in folder") as info:
        write_bytes_atomic(blocker / "2024" / "a.png", b"x")
    assert info.value.cause in {"missing", "other"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; covered by the test above")
def test_real_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "a.csv").write_bytes(b"old")
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="read-only"):
            write_bytes_atomic(folder / "a.csv", b"new")
        assert (folder / "a.csv").read_bytes() == b"old"
    finally:
        folder.chmod(0o755)


def test_interrupt_still_removes_the_temp_file(tmp_path, monkeypatch):
    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(provenance.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomic(tmp_path / "a.csv", b"x")
    assert _no_temp_left(tmp_path) and not (tmp_path / "a.csv").exists()
