"""Unchanged work is skipped: a notebook × unit whose inputs are all unchanged keeps its published outputs.

A job's fingerprint is a SHA-256 over everything its outputs depend on: the notebook file, its validated
parameters, the Counts table's content, every file of the library (code, templates, styles), the data files
(the data folder's and the shipped reference and published files), the kernel, Python and the versions of
the packages that draw and write (:func:`analysis.provenance.package_versions`).  A job is skipped when the
published set holds an ``ok`` run of it with the same fingerprint and its files are all there, unchanged.

Assumption (documented for users in the README): the whole Counts table enters every job's fingerprint, not
only the unit's rows, because some notebooks compare a unit with its peers; a change anywhere in the data
re-runs every notebook.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.provenance import list_inputs, package_versions, sha256_file
from analysis.runner.spec import Job


def library_digest() -> str:
    """Return a SHA-256 over every file of the installed ``analysis`` package (not caches)."""
    h = hashlib.sha256()
    for path in sorted(paths.PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(path.relative_to(paths.PACKAGE_DIR).as_posix().encode("utf-8") + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def shared_inputs(data_inputs: list[dict[str, Any]], counts_digest: str) -> dict[str, Any]:
    """Return what every job of a run depends on alike (hashed once per run)."""
    return {
        "counts": counts_digest,
        "library": library_digest(),
        "data": data_inputs,
        "reference": list_inputs(paths.REFERENCE_DIR) if paths.REFERENCE_DIR.is_dir() else [],
        "published": list_inputs(paths.PUBLISHED_DIR) if paths.PUBLISHED_DIR.is_dir() else [],
        "python": sys.version.split()[0],
        "versions": package_versions(),
    }


def job_fingerprint(job: Job, shared: dict[str, Any]) -> str:
    """Return the fingerprint of ``job`` given the run's :func:`shared_inputs`."""
    doc = {
        "notebook": sha256_file(job.source),
        "parameters": job.parameters,
        "kernel": job.kernel,
        **shared,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _figures_intact(fig_dir: Path, notebook: str) -> bool:
    """Return True when every file the manifest lists for ``notebook`` is there, with its sha256."""
    manifest = fig_dir / "manifest.json"
    if not manifest.is_file():
        return True  # a notebook that saves no figure
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    listed = entries.get("figures", []) if isinstance(entries, dict) else entries
    for entry in (e for e in listed if e.get("notebook") == notebook):
        for info in (entry.get("files") or {}).values():
            if not isinstance(info, dict):
                return False
            path = fig_dir / Path(str(info.get("path", ""))).name
            if not path.is_file() or sha256_file(path) != info.get("sha256"):
                return False
    return True


def reusable(
    job: Job, fingerprint: str, previous: dict[tuple[str, str], dict[str, Any]], *, fig_dir: Path
) -> dict[str, Any] | None:
    """Return the earlier result of ``job`` when it can stand for this run, else None.

    ``previous`` maps (notebook, unit) to the published set's results, their paths already pointing into
    the new set; ``fig_dir`` is the unit's figure folder there.
    """
    before = previous.get((job.notebook, job.unit))
    if not before or before.get("status") != "ok" or before.get("fingerprint") != fingerprint:
        return None
    for key in ("output", "html"):
        if not before.get(key) or not Path(before[key]).is_file():
            return None
    return before if _figures_intact(fig_dir, job.notebook) else None
