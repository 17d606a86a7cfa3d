"""``load_counts``: every export in a folder tree, read, checked against each other, merged into Counts."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis.counts import in_scope
from analysis.errors import InputError
from analysis.indicators import REGISTRY
from analysis.io.discover import (  # noqa: F401  (find_exports, sniff_kind: public here too)
    FOLDER_KINDS,
    find_exports,
    sniff_kind,
)
from analysis.io.names import check_unit_code
from analysis.paths import safe_component
from analysis.provenance import is_synthetic, read_sidecar, verify_sidecar
from analysis.schemas import BREAKDOWN_COLUMNS, CountsError, empty_counts, finalise_counts, key_columns

#: Which source wins when two give the same key (lower first); the counts must agree anyway.
PRIORITY = {"dossiers": 0, "bieu06": 1, "payment766": 2, "welfare": 3, "feedback": 4}
#: Kinds whose readers parse dates in cells and take ``date_format``.
DATED_KINDS = {"dossiers", "payment766", "welfare"}
#: Dossier ids quoted when dossier records disagree with another source.
EXAMPLE_IDS = 5


def _readers(date_format: str | None = None) -> dict[str, Callable[[Path], pd.DataFrame]]:
    from analysis.io.bieu06 import read_bieu06
    from analysis.io.dossiers import read_dossiers
    from analysis.io.feedback import read_feedback
    from analysis.io.payment766 import read_payment766
    from analysis.io.welfare import read_welfare

    readers = {
        "dossiers": read_dossiers,
        "bieu06": read_bieu06,
        "payment766": read_payment766,
        "welfare": read_welfare,
        "feedback": read_feedback,
    }
    if date_format is None:
        return readers
    return {
        k: functools.partial(f, date_format=date_format) if k in DATED_KINDS else f
        for k, f in readers.items()
    }


def dossier_batches(exports: list[tuple[Path, str]]) -> list[tuple[object, str]]:
    """Return one batch of all dossier files, for one ``read_dossiers`` call.

    A dossier received in one year's file may finish, or still be pending, in a later year.
    """
    files = [p for p, k in exports if k == "dossiers"]
    return [(files, "dossiers")] if files else []


#: How each kind is named in messages.
KIND_NAMES = {
    "dossiers": "dossier records",
    "bieu06": "Biểu 06",
    "payment766": "766 payment export",
    "welfare": "welfare report",
    "feedback": "feedback (PAKN) export",
}


def _files(source: str, *, limit: int = 3) -> str:
    """Return a source id list ("a.csv; b.csv; …") shortened to ``limit`` names."""
    parts = [p.strip() for p in str(source).split(";") if p.strip()]
    more = f"; … +{len(parts) - limit} more" if len(parts) > limit else ""
    return "; ".join(parts[:limit]) + more


def dossier_examples(row: pd.Series, files: list[Path], *, date_format: str | None = None) -> list[str]:
    """Return a few ids of the dossiers behind a dossier-based Counts row (empty when unavailable).

    Uses the dossier reader's hook ``analysis.io.dossiers.example_dossiers(files, *, indicator, unit_code,
    period_start, period_end, limit, date_format) -> list[str]`` when it exists (ids of dossiers counted in
    the row's denominator); any failure of the hook leaves the message without ids.
    """
    import analysis.io.dossiers as dossiers

    hook = getattr(dossiers, "example_dossiers", None)
    if hook is None or not files:
        return []
    try:
        ids = hook(
            files,
            indicator=row["indicator"],
            unit_code=row["unit_code"],
            period_start=pd.Timestamp(row["period_start"]).date(),
            period_end=pd.Timestamp(row["period_end"]).date(),
            limit=EXAMPLE_IDS,
            date_format=date_format,
        )
    except Exception:  # noqa: BLE001 - the ids only illustrate an error already being raised
        return []
    return [str(i) for i in list(ids)[:EXAMPLE_IDS]]


def check_agreement(
    counts: pd.DataFrame, *, dossier_files: list[Path] | None = None, date_format: str | None = None
) -> pd.DataFrame:
    """Keep one row per key (priority dossiers > bieu06 > payment766 > welfare); counts must agree.

    ``counts`` carries a ``_kind`` column. Raises :class:`InputError` when two rows of the same key
    (indicator, unit, code system, period, convention and breakdowns) have different counts, naming the
    unit (code and name), the period, each source with its counts, and, where dossier records are one side,
    a few ids of the dossiers behind their row (:func:`dossier_examples`).
    """
    keys = key_columns(counts)
    df = counts.assign(_prio=counts["_kind"].map(PRIORITY)).sort_values("_prio", kind="stable")
    dup = df.duplicated(keys, keep=False)
    if dup.any():
        d = df[dup]
        for _, grp in d.groupby(keys, dropna=False, sort=False):
            if grp["numerator"].nunique() > 1 or grp["denominator"].nunique() > 1:
                a = grp.iloc[0]
                b = grp[(grp["numerator"] != a["numerator"]) | (grp["denominator"] != a["denominator"])].iloc[
                    0
                ]
                raise _disagreement(a, b, dossier_files=dossier_files or [], date_format=date_format)
    return df.drop_duplicates(keys, keep="first").drop(columns="_prio")


def _disagreement(a: pd.Series, b: pd.Series, *, dossier_files: list[Path], date_format: str | None):
    def side(r: pd.Series) -> str:
        what = KIND_NAMES.get(r["_kind"], r["_kind"])
        verb = "give" if r["_kind"] == "dossiers" else "gives"
        return f"{what} in {_files(r['source'])} {verb} {r['numerator']}/{r['denominator']}"

    breakdown = "".join(
        f", {c} {a[c]}" for c in BREAKDOWN_COLUMNS if c in a.index and isinstance(a[c], str) and a[c]
    )
    ids = []
    for r in (a, b):
        if r["_kind"] == "dossiers" and not ids:
            ids = dossier_examples(r, dossier_files, date_format=date_format)
    named = [r for r in (a, b) if r["_kind"] == "dossiers"]
    if ids:
        tail = f"; dossiers counted in the dossier records' row include {', '.join(ids)}"
    elif named:
        tail = (
            "; look for the unit's dossiers of that period in the dossier files (the reader gives no ids "
            "here)"
        )
    else:
        tail = ""
    other = b if b["_kind"] != "dossiers" else a
    return InputError(
        f"sources disagree on {a['indicator']} for unit {a['unit_code']} ({a['unit_name']}), period "
        f"{a['period_start']:%d/%m/%Y}-{a['period_end']:%d/%m/%Y}{breakdown}: {side(a)}, {side(b)}{tail}. "
        "A unit's counts must agree across exports: correct the wrong one (or remove one of them)",
        path=str(other["source"]).split(";")[0].strip(),
        column="numerator" if a["numerator"] != b["numerator"] else "denominator",
    )


def check_unit_codes(df: pd.DataFrame, *, where: Path) -> None:
    """Refuse unit codes that cannot name a folder (a backstop behind each reader's own check)."""
    for code in df["unit_code"].astype(str).unique():
        try:
            safe_component(code)
        except ValueError:
            check_unit_code(code, where={"path": where, "column": "unit_code"})


def load_counts(
    data_dir: str | Path,
    indicator: str | None = None,
    unit: str | None = None,
    *,
    verify: bool = True,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Read every export in a folder tree into one validated Counts table.

    Parameters
    ----------
    data_dir
        Folder with ``dossiers/`` (csv, txt/tsv, parquet, xlsx), ``bieu06/``, ``payment766/``, ``welfare/``;
        loose files are recognised by their header.
    indicator
        Keep one registry indicator.
    unit
        Keep one unit code; a province code such as ``"77"`` keeps all units of that province.
    verify
        Check each file's sha256 against its ``.meta.json`` sidecar when it has one.
    date_format
        strftime format of text dates (e.g. ``"%d/%m/%Y"`` for a day-first export), passed to the readers
        that parse dates in cells (dossier records, the period columns of 766 and welfare tables).

    Returns
    -------
    pandas.DataFrame
        Counts from every source; where two sources give the same key, one row is kept (dossiers, then
        Biểu 06, then the 766 payment export). ``attrs["inputs"]`` lists the files read (path, kind, sha256
        from the sidecar, synthetic flag); ``attrs["synthetic"]`` is True when any input is synthetic;
        ``attrs["skipped"]`` lists ``(file, reason)`` of the files not read (each also announced by a
        warning).

    Raises
    ------
    InputError
        A bad file (from its reader), a sidecar hash mismatch, sources that disagree on a key, a unit code
        that cannot name a folder, no exports, or an unknown indicator.
    """
    if indicator is not None and indicator not in REGISTRY:
        raise InputError(f"unknown indicator {indicator!r}; known: {', '.join(REGISTRY)}")
    skipped: list[tuple[str, str]] = []
    exports = find_exports(data_dir, skipped=skipped)
    if not exports:
        raise InputError(
            "no exports found (expected dossiers/, bieu06/, payment766/, welfare/ files)"
            + (f"; not read: {', '.join(f for f, _ in skipped[:5])}" if skipped else ""),
            path=data_dir,
        )
    readers = _readers(date_format)
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
    dossier_files = [p for p, k in exports if k == "dossiers"]
    for target, kind in dossier_batches(exports) + [(p, k) for p, k in exports if k != "dossiers"]:
        where = target if isinstance(target, Path) else target[0].parent
        try:
            df = readers[kind](target)
        except CountsError as exc:
            raise InputError(f"not a valid Counts table: {exc}", path=where) from None
        if len(df):
            check_unit_codes(df, where=where)
            frames.append(df.assign(_kind=kind))
    if not frames:
        return _with_attrs(empty_counts(), inputs, skipped)
    counts = pd.concat(frames, ignore_index=True)
    if unit is not None:
        counts = in_scope(counts, unit)
    if indicator is not None:
        counts = counts[counts["indicator"] == indicator]
    if counts.empty:
        return _with_attrs(empty_counts(), inputs, skipped)
    counts = check_agreement(counts, dossier_files=dossier_files, date_format=date_format).drop(
        columns="_kind"
    )
    try:
        out = finalise_counts(
            counts.sort_values(["indicator", "unit_code", "period_start", "period_end"], kind="stable")
        )
    except CountsError as exc:
        raise InputError(f"merged exports do not form a valid Counts table: {exc}", path=data_dir) from None
    return _with_attrs(out, inputs, skipped)


def _with_attrs(out: pd.DataFrame, inputs: list[dict], skipped: list[tuple[str, str]]) -> pd.DataFrame:
    out.attrs["inputs"] = inputs
    out.attrs["synthetic"] = is_synthetic(None, inputs)
    out.attrs["skipped"] = skipped
    return out
