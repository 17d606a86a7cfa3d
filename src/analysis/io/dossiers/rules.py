"""Vocabularies and plausibility limits of dossier records, shared by the reader, the checks and the engines.

The ground floor of ``analysis.io.dossiers`` (imports nothing from it): unit levels as exports spell them,
the plausible date range and the marker of rows whose level is inferred from the unit name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

#: Unit levels as exports spell them -> Counts ``unit_level``.
LEVELS: dict[str, str] = {
    "so-ban-nganh": "department",
    "quan-huyen": "district",
    "xa-phuong": "commune",
    **{v: v for v in ("province", "department", "district", "commune", "centre")},
}
#: Dates before this day are refused as implausible (typing errors, Excel's zero date 1900-01-01).  An
#: assumption: no dossier of the one-stop mechanism (QĐ 181/2003/QĐ-TTg, 2003) is dated before 2000.
EARLIEST = date(2000, 1, 1)
#: Due dates up to this many years after today are accepted (a pending dossier's deadline may be ahead).
DUE_YEARS_AHEAD = 5
#: Level of the rows of an export without a level column: replaced by the level its unit name tells.
INFER = "\x1finfer"


@dataclass(frozen=True)
class Limits:
    """Plausible date range of a read: from ``EARLIEST`` to today (due dates: ``DUE_YEARS_AHEAD`` more)."""

    today: date
    data_end: date | None = None

    @classmethod
    def now(cls, data_end: date | None = None) -> Limits:
        """Limits of a read made today."""
        return cls(today=date.today(), data_end=data_end)

    @property
    def due_latest(self) -> date:
        """Latest due date accepted."""
        return date(self.today.year + DUE_YEARS_AHEAD, 12, 31)


def day_month_year(day: date) -> str:
    """Return a date as Vietnamese documents write it.

    >>> day_month_year(date(2025, 6, 30))
    '30/06/2025'
    """
    return day.strftime("%d/%m/%Y")


def month_end(day: date) -> date:
    """Return the last day of the month of ``day``.

    >>> month_end(date(2024, 2, 10))
    datetime.date(2024, 2, 29)
    """
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)
