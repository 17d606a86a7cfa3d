"""The hostile corpus (tests/io/hostile_corpus.py): every case refused with one clear error, or read right."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_corpus as hc  # noqa: E402

from analysis.errors import InputError  # noqa: E402
from analysis.schemas import validate_counts  # noqa: E402

hc.load_extensions()


def _reader(name: str):
    import analysis.io as io

    return {
        "bieu06": io.read_bieu06,
        "payment766": io.read_payment766,
        "welfare": io.read_welfare,
        "dossiers": io.read_dossiers,
        "load": io.load_counts,
    }[name]


def test_corpus_is_large_enough():
    assert len(hc.CASES) >= 60
    refused = [c for c in hc.CASES.values() if isinstance(c.expect, hc.Refused)]
    assert len(refused) >= 45


@pytest.mark.parametrize("name", list(hc.CASES))
def test_hostile_case(name, tmp_path):
    c = hc.CASES[name]
    target = c.build(tmp_path / "case")
    read = _reader(c.reader)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if isinstance(c.expect, hc.Refused):
            with pytest.raises(InputError) as info:
                read(target, **c.kwargs)
            _check_refusal(info.value, c.expect, target)
            return
        df = read(target, **c.kwargs)
    e = c.expect
    validate_counts(df)
    for (indicator, unit), want in e.counts.items():
        rows = df[(df["indicator"] == indicator) & (df["unit_code"] == unit)]
        assert len(rows) >= 1, (indicator, unit)
        got = (int(rows["numerator"].iloc[0]), int(rows["denominator"].iloc[0]))
        assert got == want, (indicator, unit, got, want)
    if e.rows is not None:
        assert len(df) == e.rows
    if e.warns is not None:
        assert any(re.search(e.warns, str(w.message)) for w in caught), [str(w.message) for w in caught]
    if e.check is not None:
        e.check(df)


def _check_refusal(exc: InputError, e: hc.Refused, target: Path) -> None:
    msg = str(exc)
    assert exc.__cause__ is None or exc.__suppress_context__, "a library traceback is chained to the error"
    assert "Traceback" not in msg and "\n" not in msg
    for word in e.words:
        assert re.search(word, msg, re.IGNORECASE), (word, msg)
    name = e.file or (target.name if target.is_file() else None)
    if name is not None:
        assert exc.path is not None and Path(exc.path).name == name, (exc.path, name)
        assert msg.startswith(f"file {name}"), msg
    if e.sheet is not None:
        assert exc.sheet == e.sheet, (exc.sheet, msg)
    if e.row is not None:
        assert exc.row == e.row, (exc.row, msg)
    if e.column is not None:
        assert exc.column is not None and e.column in exc.column, (exc.column, msg)
    for secret in e.absent:
        assert secret not in msg, (secret, msg)
