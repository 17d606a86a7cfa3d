"""Which files of a data folder are exports, and of which kind: by sub-folder, else by their header.

Nothing is passed over without a word: files not read are listed with the reason (and announced by a
warning), except sidecars, hidden and lock files, ``README*`` and ``SYNTHETIC.md``.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

from analysis.errors import InputError
from analysis.io import excel
from analysis.provenance import SUFFIX

#: Sub-folder names that say what a file is.
FOLDER_KINDS = {
    "dossiers": "dossiers",
    "dossier": "dossiers",
    "bieu06": "bieu06",
    "bieu_06": "bieu06",
    "payment766": "payment766",
    "payment": "payment766",
    "welfare": "welfare",
    "feedback": "feedback",
    "pakn": "feedback",
}
#: Folders that hold no exports (published rates, reference tables, caches, outputs).
SKIP_FOLDERS = {"published", "reference", "processed", "figures", "reports", "cache"}
OLD_FORMATS = {".xls", ".ods"}
DATA_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".pq"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
#: Files that are never exports and are passed over without a word (everything else not read is reported).
QUIET_NAMES = ("SYNTHETIC.md", "README", "readme", "LICENSE", "Thumbs.db", "desktop.ini")
#: Longest cell text read as a header label when sniffing.
MAX_LABEL = 80
#: Folded header fragments recognising a loose file (all fragments of one alternative must occur).
SNIFF = (
    ("feedback", ("mapakn",)),
    ("feedback", ("danhgia", "copakn")),
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


def _head_rows(path: Path, *, rows: int = 40) -> list[list[str]]:
    """Return the folded cells of the first rows of a CSV or of every sheet of a workbook (read-only)."""
    if path.suffix.lower() in TEXT_SUFFIXES:
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

    # streamed (read-only): no grid limit, but never beyond the cells the file really holds
    extents = {e.name: e for e in excel.check_xlsx(path, max_grid_cells=None, max_uncompressed_bytes=8 << 30)}
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        out = []
        for ws in wb.worksheets:
            ext = extents.get(ws.title)
            if ext is None or not ext.cells:
                continue
            for row in ws.iter_rows(max_row=min(rows, ext.max_row), max_col=ext.max_col, values_only=True):
                out.append([excel.fold(v) for v in row if not excel.is_blank(v)])
        wb.close()
        return out
    except Exception as exc:  # openpyxl raises many types on broken files
        raise InputError(
            f"cannot be read as an xlsx workbook ({type(exc).__name__}); {excel.SAVE_AGAIN}", path=path
        ) from None


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


def _is_quiet(rel: Path) -> bool:
    """Return True for files that are never exports: sidecars, hidden and lock files, README, markers."""
    name = rel.name
    return (
        name.endswith(SUFFIX)
        or name.startswith(QUIET_NAMES)
        or any(part.startswith((".", "~$")) for part in rel.parts)
    )


def find_exports(data_dir: str | Path, *, skipped: list | None = None) -> list[tuple[Path, str]]:
    """List (file, kind) of every export under ``data_dir``: by sub-folder, else by sniffing the header.

    A sub-folder names the kind (``dossiers/`` …; a ``.txt`` or ``.tsv`` there is a dossier export too);
    a loose file is recognised by its header.  Files not read are never passed over without a word: each
    is appended to ``skipped`` as ``(relative path, reason)`` and announced by a warning, except sidecars,
    hidden and lock files, ``README*`` and ``SYNTHETIC.md``, and folders of outputs or reference tables.

    Raises
    ------
    InputError
        The folder does not exist, or holds an ``.xls`` / ``.ods`` workbook (named, with how to convert it).
    """
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
        if not path.is_file() or _is_quiet(rel) or any(p.lower() in SKIP_FOLDERS for p in rel.parts[:-1]):
            continue
        kind = next(
            (FOLDER_KINDS[p.lower()] for p in reversed(rel.parts[:-1]) if p.lower() in FOLDER_KINDS), None
        )
        if path.suffix.lower() not in DATA_SUFFIXES:
            _skip(
                skipped,
                rel,
                f"file type {path.suffix or '(none)'} is not an export the library reads (expected .xlsx, "
                ".csv, .txt/.tsv or .parquet)",
            )
            continue
        kind = kind or sniff_kind(path)
        if kind is None:
            _skip(skipped, rel, "not recognised as an export (no known header)")
            continue
        out.append((path, kind))
    return out


def _skip(skipped: list | None, rel: Path, reason: str) -> None:
    if skipped is not None:
        skipped.append((rel.as_posix(), reason))
    warnings.warn(f"{rel.as_posix()}: {reason}; not read", stacklevel=3)
