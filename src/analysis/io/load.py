"""``load_counts``: every export in a folder tree, read, checked against each other, merged into Counts."""

from __future__ import annotations

import csv
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis.counts import in_scope
from analysis.errors import InputError
from analysis.indicators import REGISTRY
from analysis.io import excel
from analysis.provenance import SUFFIX, is_synthetic, read_sidecar, verify_sidecar
from analysis.schemas import CountsError, empty_counts, finalise_counts, key_columns

#: Sub-folder names that say what a file is.
FOLDER_KINDS = {
    "dossiers": "dossiers",
    "dossier": "dossiers",
    "bieu06": "bieu06",
    "bieu_06": "bieu06",
    "payment766": "payment766",
    "payment": "payment766",
    "welfare": "welfare",
}
#: Which source wins when two give the same key (lower first); the counts must agree anyway.
PRIORITY = {"dossiers": 0, "bieu06": 1, "payment766": 2, "welfare": 3}
#: Folders that hold no exports (published rates, reference tables, caches, outputs).
SKIP_FOLDERS = {"published", "reference", "processed", "figures", "reports", "cache"}
OLD_FORMATS = {".xls", ".ods"}
DATA_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".parquet", ".pq"}
#: Longest cell text read as a header label when sniffing.
MAX_LABEL = 80
#: Folded header fragments recognising a loose file (all fragments of one alternative must occur).
SNIFF = (
    ("dossiers", ("mahoso",)),
    ("dossiers", ("ngaytiepnhan",)),
    ("bieu06", ("bieu so 06",)),
    ("bieu06", ("da giai quyet", "dang giai quyet")),
    ("bieu06", ("da xu ly", "dang xu ly")),
    ("payment766", ("nghia vu tai chinh",)),
    ("payment766", ("hosothuocthutuccophi",)),
    ("payment766", ("tttt",)),
    ("welfare", ("tai khoan", "doi tuong")),
)


def _readers() -> dict[str, Callable[[Path], pd.DataFrame]]:
    from analysis.io.bieu06 import read_bieu06
    from analysis.io.dossiers import read_dossiers
    from analysis.io.payment766 import read_payment766
    from analysis.io.welfare import read_welfare

    return {
        "dossiers": read_dossiers,
        "bieu06": read_bieu06,
        "payment766": read_payment766,
        "welfare": read_welfare,
    }


def _head_rows(path: Path, *, rows: int = 40) -> list[list[str]]:
    """Return the folded cells of the first rows of a CSV or of every sheet of a workbook (read-only)."""
    if path.suffix.lower() == ".csv":
        with open(path, "rb") as fh:
            head = fh.read(65536)
        try:
            text = head.decode("utf-8-sig", errors="strict")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
                excel.decode_text(head, path=path)  # raises the encoding error with its explanation
            text = head[: exc.start].decode("utf-8-sig")
        lines = text.splitlines()[:rows]
        delimiter = max(",;\t", key=lambda d: sum(line.count(d) for line in lines))
        return [[excel.fold(v) for v in r] for r in csv.reader(lines, delimiter=delimiter)]
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on broken files
        raise InputError(
            f"cannot open as an xlsx workbook ({type(exc).__name__}: {exc})", path=path
        ) from None
    try:
        return [
            [excel.fold(v) for v in row if not excel.is_blank(v)]
            for ws in wb.worksheets
            for row in ws.iter_rows(max_row=rows, values_only=True)
        ]
    finally:
        wb.close()


def sniff_kind(path: str | Path) -> str | None:
    """Return the export kind of a loose file from its header cells (None when unrecognised).

    A row matches a kind when each of the kind's words occurs in a short cell (a label, not a quotation).
    """
    path = Path(path)
    if path.suffix.lower() in {".parquet", ".pq"}:
        return "dossiers"
    rows = [[c for c in row if len(c) <= MAX_LABEL] for row in _head_rows(path)]
    for kind, words in SNIFF:
        for row in rows:
            if all(any(w in c or w in c.replace(" ", "") for c in row) for w in words):
                return kind
    return None


def find_exports(data_dir: str | Path) -> list[tuple[Path, str]]:
    """List (file, kind) of every export under ``data_dir``: by sub-folder, else by sniffing the header."""
    root = Path(data_dir)
    if not root.is_dir():
        raise InputError(
            "data folder not found; expected a folder of exports (dossiers/, bieu06/, …)", path=root
        )
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.suffix.lower() in OLD_FORMATS and not path.name.startswith((".", "~$")):
            raise InputError(
                f"{path.suffix} workbooks are not read; save it as .xlsx (Excel: File > Save As > .xlsx)",
                path=path,
            )
        if (
            not path.is_file()
            or path.name.endswith(SUFFIX)
            or path.suffix.lower() not in DATA_SUFFIXES
            or any(part.startswith((".", "~$")) for part in rel.parts)
            or any(part.lower() in SKIP_FOLDERS for part in rel.parts[:-1])
        ):
            continue
        kind = next(
            (FOLDER_KINDS[p.lower()] for p in reversed(rel.parts[:-1]) if p.lower() in FOLDER_KINDS), None
        )
        kind = kind or sniff_kind(path)
        if kind is None:
            warnings.warn(f"{rel}: not recognised as an export (no known header); skipped", stacklevel=2)
            continue
        out.append((path, kind))
    return out


def dossier_batches(exports: list[tuple[Path, str]]) -> list[tuple[object, str]]:
    """Return one batch of all dossier files, for one ``read_dossiers`` call.

    A dossier received in one year's file may finish, or still be pending, in a later year.
    """
    files = [p for p, k in exports if k == "dossiers"]
    return [(files, "dossiers")] if files else []


def check_agreement(counts: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per key (priority dossiers > bieu06 > payment766 > welfare); counts must agree.

    ``counts`` carries a ``_kind`` column. Raises :class:`InputError` naming both sources when two rows of the
    same key (indicator, unit, code system, period, convention and breakdowns) have different counts.
    """
    keys = key_columns(counts)
    df = counts.assign(_prio=counts["_kind"].map(PRIORITY)).sort_values("_prio", kind="stable")
    dup = df.duplicated(keys, keep=False)
    if dup.any():
        d = df[dup]
        for _, grp in d.groupby(keys, dropna=False, sort=False):
            if grp["numerator"].nunique() > 1 or grp["denominator"].nunique() > 1:
                a, b = (
                    grp.iloc[0],
                    grp[
                        (grp["numerator"] != grp.iloc[0]["numerator"])
                        | (grp["denominator"] != grp.iloc[0]["denominator"])
                    ].iloc[0],
                )
                raise InputError(
                    f"sources disagree on {a['indicator']} for unit {a['unit_code']}, "
                    f"{a['period_start']:%d/%m/%Y}-{a['period_end']:%d/%m/%Y}: {a['source']} gives "
                    f"{a['numerator']}/{a['denominator']}, "
                    f"{b['source']} gives {b['numerator']}/{b['denominator']}",
                    path=a["source"],
                )
    return df.drop_duplicates(keys, keep="first").drop(columns="_prio")


def load_counts(
    data_dir: str | Path, indicator: str | None = None, unit: str | None = None, *, verify: bool = True
) -> pd.DataFrame:
    """Read every export in a folder tree into one validated Counts table.

    Parameters
    ----------
    data_dir
        Folder with ``dossiers/`` (csv, parquet, xlsx), ``bieu06/``, ``payment766/``, ``welfare/``; loose
        files
        are recognised by their header.
    indicator
        Keep one registry indicator.
    unit
        Keep one unit code; a province code such as ``"77"`` keeps all units of that province.
    verify
        Check each file's sha256 against its ``.meta.json`` sidecar when it has one.

    Returns
    -------
    pandas.DataFrame
        Counts from every source; where two sources give the same key, one row is kept (dossiers, then
        Biểu 06, then the 766 payment export). ``attrs["inputs"]`` lists the files read (path, kind, sha256
        from the sidecar, synthetic flag); ``attrs["synthetic"]`` is True when any input is synthetic.

    Raises
    ------
    InputError
        A bad file (from its reader), a sidecar hash mismatch, sources that disagree on a key, no exports,
        or an unknown indicator.
    """
    if indicator is not None and indicator not in REGISTRY:
        raise InputError(f"unknown indicator {indicator!r}; known: {', '.join(REGISTRY)}")
    exports = find_exports(data_dir)
    if not exports:
        raise InputError(
            "no exports found (expected dossiers/, bieu06/, payment766/, welfare/ files)", path=data_dir
        )
    readers = _readers()
    frames = []
    inputs = []
    for path, kind in exports:
        record = verify_sidecar(path) if verify else read_sidecar(path)
        inputs.append(
            {
                "file": str(path),
                "kind": kind,
                "sha256": (record or {}).get("sha256"),
                "synthetic": bool((record or {}).get("synthetic", False)),
            }
        )
    for target, kind in dossier_batches(exports) + [(p, k) for p, k in exports if k != "dossiers"]:
        try:
            df = readers[kind](target)
        except CountsError as exc:
            where = target if isinstance(target, Path) else target[0].parent
            raise InputError(f"not a valid Counts table: {exc}", path=where) from None
        if len(df):
            frames.append(df.assign(_kind=kind))
    if not frames:
        return empty_counts()
    counts = pd.concat(frames, ignore_index=True)
    if unit is not None:
        counts = in_scope(counts, unit)
    if indicator is not None:
        counts = counts[counts["indicator"] == indicator]
    if counts.empty:
        return empty_counts()
    counts = check_agreement(counts).drop(columns="_kind")
    try:
        out = finalise_counts(
            counts.sort_values(["indicator", "unit_code", "period_start", "period_end"], kind="stable")
        )
    except CountsError as exc:
        raise InputError(f"merged exports do not form a valid Counts table: {exc}", path=data_dir) from None
    out.attrs["inputs"] = inputs
    out.attrs["synthetic"] = is_synthetic(None, inputs)
    return out
