"""Readers of the exports an analyst has; each returns a validated Counts table (see docs/DATA_FORMATS.md)."""

from __future__ import annotations

import argparse
import sys
import warnings
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.errors import InputError, OutputError, ParameterError
from analysis.provenance import is_synthetic, read_sidecar, verify_sidecar, write_sidecar

if TYPE_CHECKING:  # imported on first use (below): a notebook kernel that reads only targets loads no reader
    from analysis.io.bieu06 import read_bieu06
    from analysis.io.crosswalk import read_crosswalk, to_2025_units
    from analysis.io.dossiers import read_dossiers
    from analysis.io.feedback import read_feedback
    from analysis.io.load import load_counts
    from analysis.io.payment766 import read_payment766
    from analysis.io.published import read_published, read_targets
    from analysis.io.welfare import read_welfare

#: Public reader -> its module.  A reader's module is imported when the name is first used: the dossier
#: reader alone brings Ibis and DuckDB (0.4 s), the report-table readers openpyxl, and every process that
#: imports ``analysis.io`` (each kernel, each runner worker) would pay for all of them.
_READERS = {
    "read_bieu06": "analysis.io.bieu06",
    "read_crosswalk": "analysis.io.crosswalk",
    "to_2025_units": "analysis.io.crosswalk",
    "read_dossiers": "analysis.io.dossiers",
    "read_feedback": "analysis.io.feedback",
    "load_counts": "analysis.io.load",
    "read_payment766": "analysis.io.payment766",
    "read_published": "analysis.io.published",
    "read_targets": "analysis.io.published",
    "read_welfare": "analysis.io.welfare",
}


def __getattr__(name: str) -> Any:
    """Import a reader's module on first use of its name (PEP 562)."""
    module = _READERS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis.io' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_READERS))


__all__ = [
    "InputError",
    "load_counts",
    "main",
    "read_bieu06",
    "read_crosswalk",
    "read_dossiers",
    "read_feedback",
    "read_payment766",
    "read_published",
    "read_sidecar",
    "read_targets",
    "read_welfare",
    "summarise_counts",
    "to_2025_units",
    "verify_sidecar",
    "write_sidecar",
]


def summarise_counts(counts):
    """Return per indicator, convention, period type and year: rows, units, summed counts and their rate.

    The sums add units of every level found (a province row, if any, would be counted with its units).
    """
    import pandas as pd

    if counts.empty:
        return pd.DataFrame(
            columns=[
                "indicator",
                "convention",
                "period_type",
                "year",
                "rows",
                "units",
                "numerator",
                "denominator",
                "rate",
            ]
        )
    g = counts.groupby(["indicator", "convention", "period_type", "year"], sort=True)
    out = g.agg(
        rows=("unit_code", "size"),
        units=("unit_code", "nunique"),
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
    ).reset_index()
    out["rate"] = (out["numerator"] / out["denominator"].where(out["denominator"] > 0)).round(4)
    return out


def _write_table(df, out: Path) -> None:
    """Write a Counts table to ``out`` (.parquet, or .csv with formula triggers neutralised) atomically."""
    import io

    from analysis.provenance import safe_csv_bytes, write_bytes_atomic

    if out.suffix.lower() == ".parquet":
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        write_bytes_atomic(out, buf.getvalue())
    else:
        write_bytes_atomic(out, safe_csv_bytes(df, date_format="%Y-%m-%d"))


#: ``--dayfirst``: the strftime format of a day-first export (Vietnamese habit: 15/06/2024).
DAYFIRST_FORMAT = "%d/%m/%Y"


def main(argv: list[str] | None = None) -> int:
    """``analysis counts DIR [--out FILE.parquet|csv] [--indicator ID] [--unit CODE] [--date-format F]``."""
    parser = argparse.ArgumentParser(
        prog="analysis counts", description="Read every export in DIR into one Counts table and summarise it."
    )
    parser.add_argument("data_dir", help="folder of exports (dossiers/, bieu06/, payment766/, welfare/)")
    parser.add_argument("--out", type=Path, help="write the Counts table to FILE.parquet or FILE.csv")
    parser.add_argument("--indicator", help="keep one indicator id")
    parser.add_argument("--unit", help="keep one unit code, or a province code for all its units")
    dates = parser.add_mutually_exclusive_group()
    dates.add_argument(
        "--date-format",
        metavar="FORMAT",
        help="strftime format of text dates in the exports, e.g. '%%d/%%m/%%Y' (default: ISO yyyy-mm-dd for "
        "dossier records; dd/mm/yyyy or yyyy-mm-dd in report tables)",
    )
    dates.add_argument(
        "--dayfirst",
        action="store_const",
        const=DAYFIRST_FORMAT,
        dest="date_format",
        help=f"text dates are day first: the same as --date-format '{DAYFIRST_FORMAT.replace('%', '%%')}'",
    )
    args = parser.parse_args(argv)
    if args.out is not None and args.out.suffix.lower() not in {".parquet", ".csv"}:
        parser.error("--out must end in .parquet or .csv")
    if args.date_format is not None and "%" not in args.date_format:
        parser.error(f"--date-format {args.date_format!r} has no % directive; e.g. '%d/%m/%Y'")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            counts = sys.modules[__name__].load_counts(  # a name set on the module wins (tests)
                args.data_dir, indicator=args.indicator, unit=args.unit, date_format=args.date_format
            )
    except (InputError, ParameterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import pandas as pd

    for w in caught:  # files not read, sheets without figures: one line each
        print(f"warning: {w.message}", file=sys.stderr)
    with pd.option_context("display.width", 160, "display.max_rows", 500):
        print(summarise_counts(counts).to_string(index=False))
    print(
        f"{len(counts)} rows, {counts['unit_code'].nunique()} units, "
        f"{counts['source'].nunique()} source files"
    )
    if counts.attrs.get("synthetic") or is_synthetic(args.data_dir):
        print("NOTE: these data are SYNTHETIC (generated, e.g. the sample province), not real figures.")
    if args.out is not None:
        try:
            _write_table(counts, args.out)
        except OutputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {args.out}")
    return 0
