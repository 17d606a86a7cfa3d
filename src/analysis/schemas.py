"""The Counts table: one tidy shape (numerator / denominator per indicator x unit x period) for every family.

Every reader returns it, every statistic takes it.  The pandera model :class:`Counts` documents and checks
the columns; :func:`validate_counts` adds the checks pandera cannot express per column (unique keys,
numerator <= denominator, period order) and raises :class:`CountsError` naming the offending row.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterator

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

UNIT_LEVELS = ("province", "department", "district", "commune", "centre")
CODE_SYSTEMS = ("gso2004", "nso2025")
PERIOD_TYPES = ("month", "quarter", "half", "year", "ytd", "other")

#: Columns that identify a row (with any breakdown columns present).
KEY_COLUMNS = ["indicator", "unit_code", "code_system", "period_start", "period_end", "convention"]
#: Optional breakdown columns: extra keys, not new tables.
BREAKDOWN_COLUMNS = ["beneficiary_group", "sector", "channel", "agency"]
#: Column order of a Counts table.
COUNTS_COLUMNS = [
    "indicator",
    "unit_code",
    "unit_name",
    "unit_level",
    "code_system",
    "period_start",
    "period_end",
    "period_type",
    "year",
    "month",
    "numerator",
    "denominator",
    "convention",
    "source",
]


def nfc(text: object) -> object:
    """Return ``text`` normalised to Unicode NFC (non-strings are returned unchanged); all text is NFC."""
    return unicodedata.normalize("NFC", text) if isinstance(text, str) else text


class CountsError(ValueError):
    """A table that should be a Counts table is not (names the row and column at fault)."""


class Counts(pa.DataFrameModel):
    """Numerator and denominator of one indicator for one unit over one period."""

    indicator: Series[str] = pa.Field(description="indicator id from analysis.indicators.REGISTRY")
    unit_code: Series[str] = pa.Field(
        str_matches=r"^[0-9A-Za-z._-]+$", description="zero-padded code, a string"
    )
    unit_name: Series[str] = pa.Field(description="unit name, Vietnamese, NFC")
    unit_level: Series[str] = pa.Field(isin=list(UNIT_LEVELS), description="province / department / ...")
    code_system: Series[str] = pa.Field(isin=list(CODE_SYSTEMS), description="gso2004 (63) or nso2025 (34)")
    period_start: Series[pd.Timestamp] = pa.Field(description="first day of the period")
    period_end: Series[pd.Timestamp] = pa.Field(description="last day of the period (inclusive)")
    period_type: Series[str] = pa.Field(isin=list(PERIOD_TYPES), description="month, quarter, year, ytd ...")
    year: Series[int] = pa.Field(ge=1990, le=2100, description="year of period_end")
    month: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=12, description="null unless monthly")
    numerator: Series[int] = pa.Field(ge=0, description="count meeting the indicator's condition")
    denominator: Series[int] = pa.Field(ge=0, description="count of the indicator's base")
    convention: Series[str] = pa.Field(description="definition family, e.g. bieu06, qd766")
    source: Series[str] = pa.Field(description="id of the input file / provenance record")

    class Config:
        """Extra (breakdown) columns are allowed; types are coerced at the boundary."""

        strict = False
        coerce = True


def key_columns(df: pd.DataFrame) -> list[str]:
    """Return the key columns of ``df``: the fixed keys plus any breakdown columns present."""
    return KEY_COLUMNS + [c for c in BREAKDOWN_COLUMNS if c in df.columns]


def infer_period_type(start: pd.Series, end: pd.Series) -> pd.Series:
    """Classify periods by length: month (<= 31 days), quarter, half, year (>= 360 days), else other."""
    days = (pd.to_datetime(end) - pd.to_datetime(start)).dt.days + 1
    out = pd.Series("other", index=start.index, dtype=object)
    out[days <= 31] = "month"
    out[(days >= 89) & (days <= 92)] = "quarter"
    out[(days >= 181) & (days <= 184)] = "half"
    out[days >= 360] = "year"
    return out


def finalise_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Fill derived columns (``year``, ``month``, ``period_type``), order columns, validate.

    ``year`` is the year of ``period_end`` (a provincial year 15/12/2022-14/12/2023 is 2023); ``month`` is
    the month of ``period_end`` for monthly rows and null otherwise.
    """
    out = df.copy()
    out["period_start"] = pd.to_datetime(out["period_start"])
    out["period_end"] = pd.to_datetime(out["period_end"])
    if "period_type" not in out.columns:
        out["period_type"] = infer_period_type(out["period_start"], out["period_end"])
    out["year"] = out["period_end"].dt.year.astype("int64")
    month = out["period_end"].dt.month.astype("Int64")
    out["month"] = month.where(out["period_type"] == "month", pd.NA).astype("Int64")
    extra = [c for c in out.columns if c not in COUNTS_COLUMNS]
    out = out[COUNTS_COLUMNS + extra].reset_index(drop=True)
    return validate_counts(out)


@contextlib.contextmanager
def schema_only() -> Iterator[None]:
    """Within this block pandera models check column names and types, not every value.

    For tables already validated whole (the explorer validates the Counts once when it loads them and then
    recomputes small views on every widget change); the checks of :func:`validate_counts` written here
    (numerator <= denominator, period order, unique keys) still run.
    """
    from pandera.config import ValidationDepth, config_context

    with config_context(validation_depth=ValidationDepth.SCHEMA_ONLY):
        yield


def validate_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Validate a Counts table and return it (coerced); raise :class:`CountsError` on the first problem.

    Checks: the pandera model, ``numerator <= denominator``, ``period_start <= period_end``, unique keys.
    """
    missing = [c for c in COUNTS_COLUMNS if c not in df.columns]
    if missing:
        raise CountsError(f"Counts table lacks column(s) {missing}; expected {COUNTS_COLUMNS}")
    try:
        out = Counts.validate(df, lazy=False)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as exc:  # pragma: no cover - message path
        raise CountsError(f"Counts table does not match the model: {exc}") from None
    over = out.index[out["numerator"] > out["denominator"]]
    if len(over):
        i = over[0]
        raise CountsError(
            f"row {i}: numerator {out.at[i, 'numerator']} > denominator {out.at[i, 'denominator']} "
            f"({out.at[i, 'indicator']}, unit {out.at[i, 'unit_code']})"
        )
    bad = out.index[out["period_start"] > out["period_end"]]
    if len(bad):
        raise CountsError(f"row {bad[0]}: period_start after period_end")
    keys = key_columns(out)
    dup = out.duplicated(subset=keys, keep=False)
    if dup.any():
        first = out[dup].iloc[0]
        raise CountsError(
            "duplicate key " + ", ".join(f"{k}={first[k]}" for k in keys) + f" ({int(dup.sum())} rows)"
        )
    return out


def empty_counts() -> pd.DataFrame:
    """Return an empty, correctly typed Counts table."""
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in COUNTS_COLUMNS})
    for c in ("period_start", "period_end"):
        df[c] = pd.Series(dtype="datetime64[ns]")
    for c in ("year", "numerator", "denominator"):
        df[c] = pd.Series(dtype="int64")
    df["month"] = pd.Series(dtype="Int64")
    return df


def annual(counts: pd.DataFrame) -> pd.DataFrame:
    """Rows whose period is a whole (possibly non-calendar) year."""
    return counts[counts["period_type"] == "year"]


def monthly(counts: pd.DataFrame) -> pd.DataFrame:
    """Rows whose period is a month."""
    return counts[counts["period_type"] == "month"]
