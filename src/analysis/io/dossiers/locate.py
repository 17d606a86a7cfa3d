"""Locate the first record behind a failed input check and raise one InputError naming it.

Used by :mod:`analysis.io.dossiers.checks` once a check has found that something is wrong: the file, its
row (Parquet: row; CSV: line, header = line 1; xlsx: sheet row), the column, the value found and what was
expected.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from analysis.errors import InputError
from analysis.io.dossiers.columns import Source, _q

#: Dates that an empty cell saved as a date shows (Excel's zero date): named in the error as a hint.
EXCEL_ZERO = {date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1)}


def lit(value: object) -> str:
    """Return ``value`` as an SQL literal (a date as ``DATE '…'``, text quoted)."""
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def raise_first(s: Source, con: Any, canon: str, pred: str, expected: str, label: str) -> None:
    """Locate the first row of ``s`` where ``pred`` holds and raise InputError naming it."""
    col = s.columns.get(canon, canon)
    shown = f"{canon}__raw" if canon in s.raw_checks and "__raw" in pred else canon
    row = con.execute(
        f"SELECT _pos, {_q(shown)}, dossier_id FROM ({s.locate}) WHERE {pred} ORDER BY _pos LIMIT 1"
    ).fetchone()
    pos, value, dossier = row if row else (None, None, None)
    where = f"line {pos}: " if s.unit == "line" and pos else ""
    hint = ""
    if isinstance(value, date) and value in EXCEL_ZERO:
        hint = f"; {value.isoformat()} is Excel's zero date, often an empty cell saved as a date"
    shown_value = value.isoformat() if isinstance(value, date) else value
    raise InputError(
        f"{where}{label}: found {shown_value!r} (dossier {dossier}{hint}); expected {expected}",
        path=s.path,
        sheet=s.sheet,
        row=pos,
        column=col,
    )


def first_source(sources: list[Source], con: Any, pred: str) -> Source:
    """Return the first source with a row where ``pred`` holds (the last one when none has)."""
    for s in sources:
        if con.execute(f"SELECT count(*) FROM ({s.relation}) WHERE {pred}").fetchone()[0]:
            return s
    return sources[-1]


def raise_anywhere(sources: list[Source], con: Any, canon: str, pred: str, expected: str, label: str):
    """Locate the first row where ``pred`` holds, in the first file that has one, and raise naming it."""
    raise_first(first_source(sources, con, pred), con, canon, pred, expected, label)


def raise_duplicate(sources: list[Source], con: Any, dossier_id: str) -> None:
    """Raise InputError naming both places of ``dossier_id`` (the second, with the first in the message)."""
    places = []
    for s in sources:
        for (pos,) in con.execute(
            f"SELECT _pos FROM ({s.locate}) WHERE dossier_id = ? ORDER BY _pos LIMIT 2", [dossier_id]
        ).fetchall():
            places.append((s, pos))
    (s1, p1), (s2, p2) = places[0], places[1]
    unit = "line" if s2.unit == "line" else "row"
    raise InputError(
        f"duplicate dossier id {dossier_id!r}: also at {unit} {p1} of {s1.path.name}; "
        "expected each dossier once",
        path=s2.path,
        sheet=s2.sheet,
        row=p2,
        column=s2.columns.get("dossier_id"),
    )
