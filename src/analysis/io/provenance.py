"""Provenance sidecars ``<file>.meta.json``: producer, source, dates, licence, sha256; write, verify."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from analysis.io.errors import InputError

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


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` through a temporary file and a rename (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
