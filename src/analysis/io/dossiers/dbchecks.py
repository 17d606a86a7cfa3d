"""The input checks of ``read_dossiers`` for a table inside a database (PostgreSQL, Spark ...), run there.

The same rules as :mod:`analysis.io.dossiers.checks`, written as Ibis predicates: one aggregate query
counts the rows breaking each rule, a second the ids seen twice and the units with two levels; only the
counts travel.  A table has no line numbers: a refusal names the table, the column and the first
offending dossier id.  What cannot be checked in a database: text in a date or number column (the
canonical view casts them, so the database itself refuses or the view must), CSV/xlsx layout problems.
"""

from __future__ import annotations

from datetime import date

import ibis.expr.types as ir
import pandas as pd

from analysis.errors import InputError
from analysis.io.dossiers.rules import EARLIEST, LEVELS, Limits, day_month_year, month_end


def rules(t: ir.Table, lim: Limits, end: date | None) -> list[tuple[str, str, ir.BooleanValue, str]]:
    """(label, column, predicate of a bad row, expected) of every row rule, in the order they are reported."""

    def out_of(col: str, high: date, what: str) -> tuple[str, str, ir.BooleanValue, str]:
        c = t[col]
        return (
            f"{what} out of range",
            col,
            (c < EARLIEST) | (c > high),
            f"{what} from {day_month_year(EARLIEST)} to {day_month_year(high)}",
        )

    blank = t.dossier_id.isnull() | (t.dossier_id.strip() == "")
    out = [
        ("empty id", "dossier_id", blank, "a dossier id (it is empty)"),
        (
            "empty unit",
            "unit_code",
            t.unit_code.isnull() | (t.unit_code.strip() == ""),
            "a unit code (it is empty)",
        ),
        ("empty received", "received_at", t.received_at.isnull(), "a received date (it is empty)"),
        out_of("received_at", lim.today, "a received date"),
        out_of("finished_at", lim.today, "a finished date"),
        out_of("due_at", lim.due_latest, "a due date"),
        out_of("supplement_requested_at", lim.today, "a supplement request date"),
        out_of("supplement_provided_at", lim.today, "a supplement date"),
        (
            "unknown channel",
            "channel",
            t.channel.notnull() & ~t.channel.isin([1, 2, 3]),
            "a channel code 1 (trực tiếp), 2 (trực tuyến), 3 (bưu chính công ích) or empty",
        ),
        (
            "unknown payment",
            "paid_online",
            t.paid_online.notnull() & ~t.paid_online.isin([0, 1, 2]),
            "a payment code 1 (DVCQG), 2 (provincial gateway), 0 or empty",
        ),
        ("negative fee", "fee", t.fee < 0, "a fee of 0 or more VND"),
        (
            "negative count",
            "supplement_count",
            t.supplement_count < 0,
            "a number of supplement requests (0 or more)",
        ),
        (
            "finished before received",
            "finished_at",
            t.finished_at < t.received_at,
            "a finished date on or after the received date",
        ),
        (
            "due before received",
            "due_at",
            t.due_at < t.received_at,
            "a due date on or after the received date",
        ),
        (
            "supplement before request",
            "supplement_provided_at",
            t.supplement_provided_at < t.supplement_requested_at,
            "the supplement provided on or after it was requested",
        ),
        (
            "unknown level",
            "unit_level",
            t.unit_level.isnull() | ~t.unit_level.strip().lower().isin(list(LEVELS)),
            f"a unit level: {', '.join(LEVELS)}",
        ),
    ]
    if end is not None:
        out.append(
            (
                "finished after the export's end",
                "finished_at",
                t.finished_at > end,
                f"a finished date on or before {day_month_year(end)}, the end of the export "
                "(the month of its latest "
                "received date); pass data_end= when the export really runs later",
            )
        )
    return out


def _refuse(t: ir.Table, name: str, label: str, col: str, pred: ir.BooleanValue, expected: str) -> None:
    bad = t.filter(pred).order_by("dossier_id").select("dossier_id", value=t[col].cast("string")).limit(1)
    row = bad.execute()
    dossier, value = (row.iloc[0]["dossier_id"], row.iloc[0]["value"]) if len(row) else (None, None)
    raise InputError(
        f"{label}: found {value!r} (dossier {dossier}); expected {expected}", path=name, column=col
    )


def check_table(
    t: ir.Table, *, name: str, data_end: date | None = None, limits: Limits | None = None
) -> None:
    """Run the input checks of ``read_dossiers`` on table ``t`` where it lives; raise InputError on a failure.

    ``t`` needs the ``CANONICAL`` columns and ``dossier_id``.  ``name`` (the table or view) is what a
    refusal names as its file.  Without ``data_end`` the export ends with the month of the latest received
    date, and a finished date after it is refused.
    """
    if "dossier_id" not in t.columns:
        raise InputError(
            "no column dossier_id: the checks need the dossier id (add it to the view, or pass check=False)",
            path=name,
            column="dossier_id",
        )
    lim = limits or Limits.now(data_end)
    end = None
    if data_end is None:
        last = t.aggregate(last=t.received_at.max()).execute().iloc[0]["last"]
        end = None if pd.isna(last) else month_end(pd.Timestamp(last).date())
    checks = rules(t, lim, end)
    counts = (
        t.aggregate(
            n=t.count(),
            ids=t.dossier_id.nunique(),
            **{f"c{i}": t.count(where=c[2]) for i, c in enumerate(checks)},
        )
        .execute()
        .iloc[0]
    )
    if counts["n"] == 0:
        raise InputError("empty table: no dossier rows", path=name)
    for i, (label, col, pred, expected) in enumerate(checks):
        if counts[f"c{i}"]:
            _refuse(t, name, label, col, pred, expected)
    if counts["ids"] < counts["n"]:
        dup = t.group_by("dossier_id").aggregate(k=t.count()).filter(lambda x: x.k > 1)
        first = dup.order_by("dossier_id").limit(1).execute().iloc[0]
        raise InputError(
            f"duplicate dossier id {first['dossier_id']!r} ({int(first['k'])} rows); "
            "expected each dossier once",
            path=name,
            column="dossier_id",
        )
    level = t.unit_level.strip().lower().substitute(LEVELS)
    two = t.group_by("unit_code").aggregate(k=level.nunique()).filter(lambda x: x.k > 1)
    several = two.order_by("unit_code").limit(1).execute()
    if len(several):
        unit = several.iloc[0]["unit_code"]
        raise InputError(
            f"two levels: unit {unit!r} has {int(several.iloc[0]['k'])} levels; expected one level per unit",
            path=name,
            column="unit_level",
        )
