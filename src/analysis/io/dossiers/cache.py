"""Content-addressed cache under ``data/processed/``: CSV/xlsx converted once to Parquet, and check results.

A converted export lives in ``<cache>/dossiers/<sha256>-<mapping>/data/year=YYYY/*.parquet``
(canonical columns only, so personal-data columns never reach the cache), written to a temporary folder and
renamed into place.  File hashes are remembered by path, size and modification time (no re-hashing).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.provenance import write_json_atomic

#: Bump when the conversion or the checks change: old cache entries are then ignored.
CACHE_VERSION = "1"
HASH_BLOCK = 1 << 22


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """Return the cache folder: ``cache_dir`` or ``analysis.paths.PROCESSED_DIR`` (created)."""
    root = Path(cache_dir) if cache_dir is not None else paths.PROCESSED_DIR
    root.mkdir(parents=True, exist_ok=True)
    return root


def file_sha256(path: str | Path, *, cache_dir: str | Path | None = None) -> str:
    """Return the SHA-256 of a file, remembered by (path, size, mtime) in ``<cache>/hashes.json``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); f = d / "a.txt"; _ = f.write_bytes(b"abc")
    >>> file_sha256(f, cache_dir=d)[:16]
    'ba7816bf8f01cfea'
    """
    p = Path(path).resolve()
    st = p.stat()
    memo_file = cache_root(cache_dir) / "hashes.json"
    try:
        memo = json.loads(memo_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    key = f"{p}|{st.st_size}|{st.st_mtime_ns}"
    if key in memo:
        return memo[key]
    digest = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(HASH_BLOCK), b""):
            digest.update(block)
    memo = {k: v for k, v in memo.items() if not k.startswith(f"{p}|")}
    memo[key] = digest.hexdigest()
    write_json_atomic(memo_file, memo)
    return memo[key]


def entry_key(*parts: str) -> str:
    """Return a short stable key for a cache entry built from ``parts`` (hashes, mapping text, version)."""
    return hashlib.sha256("|".join((CACHE_VERSION, *parts)).encode("utf-8")).hexdigest()[:32]


def converted_dir(sha: str, mapping: str, *, cache_dir: str | Path | None = None) -> Path:
    """Return where the Parquet conversion of a file with hash ``sha`` and column ``mapping`` lives."""
    return cache_root(cache_dir) / "dossiers" / f"{sha[:16]}-{entry_key(sha, mapping)[:12]}"


def is_complete(folder: Path) -> bool:
    """Return True when ``folder`` holds a finished conversion (its manifest is written last)."""
    return (folder / "manifest.json").is_file()


def write_converted(folder: Path, write: Any, manifest: dict[str, Any]) -> Path:
    """Run ``write(tmp_folder)`` then rename the folder into place with its manifest; return ``folder``.

    Nothing half-written is ever visible under ``folder``: on error the temporary folder is removed.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp_", dir=folder.parent))
    try:
        write(tmp / "data")
        write_json_atomic(tmp / "manifest.json", manifest)
        try:
            os.replace(tmp, folder)
        except OSError:
            if not is_complete(folder):
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process finished first: keep theirs
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def parquet_glob(folder: Path) -> str:
    """Return the glob of a conversion's Parquet files (all year partitions)."""
    return (folder / "data" / "**" / "*.parquet").as_posix()


def read_memo(key: str, *, cache_dir: str | Path | None = None) -> dict[str, Any] | None:
    """Return the remembered check result for ``key``, or None."""
    f = cache_root(cache_dir) / "checked" / f"{key}.json"
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_memo(key: str, value: dict[str, Any], *, cache_dir: str | Path | None = None) -> None:
    """Remember a check result under ``key`` (atomic write)."""
    folder = cache_root(cache_dir) / "checked"
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(folder / f"{key}.json", value)
