"""Provenance, in one place: file hashes, atomic writes, sidecars, commit, package versions, synthetic flag.

Sidecars ``<file>.meta.json`` carry producer, source, dates, licence and sha256 of every data file; outputs
(figures, pages, manifests, caches) are written through :func:`write_bytes_atomic` so that a reader never sees
a half-written file; :func:`list_inputs` and :func:`is_synthetic` say which files a result came from and
whether any of them is synthetic.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.errors import InputError, OutputError

#: Fields every sidecar carries (None when unknown); extra fields are kept.
SIDECAR_FIELDS = (
    "id",
    "producer",
    "title",
    "url",
    "document",
    "date_published",
    "date_retrieved",
    "licence",
    "sha256",
    "synthetic",
    "notes",
)
SUFFIX = ".meta.json"


def sidecar_path(path: str | Path) -> Path:
    """Return the sidecar path of ``path`` (``data.csv`` -> ``data.csv.meta.json``).

    >>> sidecar_path("data/x.csv").name
    'x.csv.meta.json'
    """
    path = Path(path)
    return path.with_name(path.name + SUFFIX)


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


#: Permissions of every output file and folder: readable by all, so a web server or a share can serve them.
FILE_MODE = 0o644
DIR_MODE = 0o755
#: Marker file of a synthetic data folder (the sample province writes it last).
SYNTHETIC_MARKER = "SYNTHETIC.md"
#: Packages whose versions are recorded in manifests and on pages.
VERSIONED_PACKAGES = (
    "analysis", "matplotlib", "seaborn", "numpy", "pandas", "scipy", "statsmodels", "duckdb",
    "ibis-framework", "pandera", "papermill", "nbconvert",
)


#: errno values that mean "this folder cannot be written" and "no space left", for :class:`OutputError`.
_READ_ONLY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """Return one clear :class:`OutputError` for a failed write of ``path`` (folder and cause named).

    >>> import errno
    >>> err = output_error("out/a.csv", PermissionError(errno.EACCES, "Permission denied"))
    >>> err.cause, err.folder, str(err).split(";")[0]  # doctest: +NORMALIZE_WHITESPACE
    ('read-only', 'out',
     'cannot write a.csv in folder out: the folder is read-only or not writable (Permission denied)')
    """
    path = Path(path)
    folder = path.parent
    code = getattr(exc, "errno", None)
    if code in _READ_ONLY_ERRNOS:
        cause, text = "read-only", "the folder is read-only or not writable"
        hint = "choose another output folder (--out) or ask for write permission"
    elif code in _FULL_ERRNOS:
        cause, text = "disk full", "the disk is full (or the quota is used up)"
        hint = "free some space or choose another output folder (--out)"
    elif code in {errno.ENOENT, errno.ENOTDIR}:
        cause, text = "missing", "the folder does not exist and cannot be created"
        hint = "check the output path"
    else:
        cause, text = "other", "the system refused the write"
        hint = "check the output folder"
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return OutputError(
        f"cannot write {path.name} in folder {folder}: {text} ({reason}); {hint}. Nothing was written "
        "there and the earlier file, if any, is kept",
        folder=folder,
        cause=cause,
        errno=code,
    )


def write_bytes_atomic(path: str | Path, data: bytes, *, mode: int = FILE_MODE) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A reader sees the old file or the new one, never half of one; on any error (a full disk, a kill) the
    temporary file is removed and the earlier file is kept.  The file gets ``mode`` (world-readable).

    Raises
    ------
    OutputError
        The folder cannot be created or written (read-only, disk full, …): one message naming the folder
        and the cause; the temporary file is removed and the earlier file kept.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise output_error(path, exc) from None
        raise
    return path


#: Characters that make a spreadsheet read a cell as a formula when it opens a CSV (OWASP, "CSV
#: Injection": ``=``, ``+``, ``-``, ``@``, tab, carriage return; also their full-width forms).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Text that is a plain number (``-5``, ``+1.25``, ``3e-4``) is left alone: spreadsheets read it as one.
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def csv_safe_text(value: object) -> object:
    """Return a text cell made safe for a spreadsheet: ``'`` before a leading formula trigger.

    Numbers, dates and missing values are returned unchanged, and so is text that is a plain number, so a
    negative number stays a number for every program reading the CSV.

    Notes
    -----
    OWASP's advice for CSV injection: prefix a cell starting with ``=``, ``+``, ``-``, ``@``, tab (0x09) or
    carriage return (0x0D) with a single quote, so that Excel and LibreOffice show it as text instead of
    evaluating it.

    References
    ----------
    OWASP Foundation, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection

    Examples
    --------
    >>> csv_safe_text("=HYPERLINK(1)"), csv_safe_text("-5"), csv_safe_text(-5)
    ("'=HYPERLINK(1)", '-5', -5)
    >>> csv_safe_text("Sở Tư pháp"), csv_safe_text("@SUM(A1)"), csv_safe_text("-")
    ('Sở Tư pháp', "'@SUM(A1)", "'-")
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def csv_safe_frame(df: Any) -> Any:
    """Return a copy of a DataFrame whose text cells and column names pass :func:`csv_safe_text`.

    Numeric, boolean and date columns are not touched (numbers stay machine-readable); text inside object,
    string and categorical columns is neutralised.  The one function every CSV output goes through.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit_name": ["=1+1", "Sở Y tế"], "change": [-0.5, 0.25]})
    >>> csv_safe_frame(df).to_dict("list")
    {'unit_name': ["'=1+1", 'Sở Y tế'], 'change': [-0.5, 0.25]}
    """
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).map(csv_safe_text, na_action="ignore")
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(csv_safe_text, na_action="ignore")
    out.columns = [csv_safe_text(c) for c in out.columns]
    return out


def safe_csv_bytes(df: Any, *, date_format: str | None = None) -> bytes:
    """Return a DataFrame as CSV bytes safe to open in a spreadsheet (UTF-8, NFC, LF, no index).

    Text cells pass :func:`csv_safe_frame`; numbers are written as numbers.
    """
    import unicodedata

    text = csv_safe_frame(df).to_csv(index=False, lineterminator="\n", date_format=date_format)
    return unicodedata.normalize("NFC", text).encode("utf-8")


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` (LF line ends as given) atomically, as :func:`write_bytes_atomic`."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented UTF-8 JSON (sorted keys, non-ASCII kept) atomically."""
    text = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n"
    return write_text_atomic(path, text)


@lru_cache(maxsize=4)
def git_commit(root: str | Path | None = None) -> str:
    """Return the project's current git commit, or ``"unknown"`` outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "-C", str(root or paths.ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Return the versions of Python and of :data:`VERSIONED_PACKAGES`.

    Packages not installed are left out.
    """
    out = {"python": sys.version.split()[0]}
    for name in VERSIONED_PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def is_input_file(path: Path) -> bool:
    """Return True for a data file (not a sidecar, not the synthetic marker, not a hidden file)."""
    return not (path.name.endswith(SUFFIX) or path.name == SYNTHETIC_MARKER or path.name.startswith("."))


def list_inputs(data_dir: str | Path) -> list[dict[str, Any]]:
    """List the input files of a folder: relative ``path``, ``sha256`` and the ``synthetic`` flag.

    Sidecars (``*.meta.json``) and ``SYNTHETIC.md`` are not inputs themselves; a file without a sidecar is
    synthetic when the folder has a ``SYNTHETIC.md``.
    """
    root = Path(data_dir)
    folder_synthetic = (root / SYNTHETIC_MARKER).is_file()
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and is_input_file(p)):
        synthetic = folder_synthetic
        meta = sidecar_path(path)
        if meta.is_file():
            with contextlib.suppress(json.JSONDecodeError, AttributeError, OSError):
                synthetic = bool(json.loads(meta.read_text(encoding="utf-8")).get("synthetic", synthetic))
        rel = path.relative_to(root).as_posix()
        out.append({"path": rel, "sha256": sha256_file(path), "synthetic": synthetic})
    return out


def is_synthetic(data_dir: str | Path | None = None, inputs: list[dict[str, Any]] = ()) -> bool:
    """Return True when the folder is a synthetic sample or any of ``inputs`` is flagged synthetic."""
    marked = data_dir is not None and (Path(data_dir) / SYNTHETIC_MARKER).is_file()
    return marked or any(bool(i.get("synthetic")) for i in inputs)


def write_sidecar(
    path: str | Path,
    *,
    producer: str,
    title: str,
    licence: str,
    synthetic: bool,
    url: str | None = None,
    document: str | None = None,
    date_published: str | None = None,
    date_retrieved: str | None = None,
    notes: str | None = None,
    id: str | None = None,  # noqa: A002 - the field's name in the sidecar
    **extra: object,
) -> Path:
    """Write ``<path>.meta.json`` describing ``path`` with its current sha256; return the sidecar path.

    Parameters
    ----------
    path
        The data file described.
    producer, title, licence
        Who produced the data, its title, and its licence (or a statement that none is known).
    synthetic
        True for generated data; figures and pages built from it say so.
    url, document
        Where the data come from (a URL, or a document reference when there is none).
    date_published, date_retrieved, notes, id
        Dates as ISO text, free notes, and an id used as the ``source`` of Counts rows (default: file name).
    **extra
        Further fields kept as they are.
    """
    path = Path(path)
    if url is None and document is None:
        raise ValueError("a sidecar needs a url or a document reference")
    record = {
        "id": id or path.name,
        "producer": producer,
        "title": title,
        "url": url,
        "document": document,
        "date_published": date_published,
        "date_retrieved": date_retrieved,
        "licence": licence,
        "sha256": sha256_file(path),
        "synthetic": bool(synthetic),
        "notes": notes,
        **extra,
    }
    return write_text_atomic(sidecar_path(path), json.dumps(record, ensure_ascii=False, indent=2) + "\n")


def read_sidecar(path: str | Path) -> dict | None:
    """Return the sidecar of ``path`` as a dict, or None when there is none (no hash check)."""
    side = sidecar_path(path)
    if not side.is_file():
        return None
    try:
        record = json.loads(side.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"sidecar is not valid UTF-8 JSON ({exc})", path=side) from None
    if not isinstance(record, dict):
        raise InputError("sidecar must hold a JSON object", path=side)
    return record


def verify_sidecar(path: str | Path, *, required: bool = False) -> dict | None:
    """Check the file against its sidecar's sha256 and return the sidecar (None when absent).

    Raises
    ------
    InputError
        When the sidecar is missing (``required``), lacks ``sha256``, or its hash differs from the file's.
    """
    path = Path(path)
    record = read_sidecar(path)
    if record is None:
        if required:
            raise InputError(f"provenance sidecar {sidecar_path(path).name} is missing", path=path)
        return None
    expected = record.get("sha256")
    if not isinstance(expected, str) or len(expected) != 64:
        raise InputError("sidecar lacks a sha256 of 64 hex digits", path=sidecar_path(path), column="sha256")
    actual = sha256_file(path)
    if actual.lower() != expected.lower():
        raise InputError(
            f"sha256 mismatch: the sidecar records {expected[:12]}…, the file has {actual[:12]}…; the file "
            "changed after its provenance was recorded (restore it, or record the new version's provenance)",
            path=path,
        )
    return record


def source_id(path: str | Path, record: dict | None = None) -> str:
    """Return the ``source`` id of a file: the sidecar's ``id`` when present, else the file name."""
    if record and isinstance(record.get("id"), str) and record["id"].strip():
        return record["id"].strip()
    return Path(path).name
