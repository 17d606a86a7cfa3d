"""The year's set is built in a staging folder and published at the end by an atomic exchange of folders.

Layout under the output root (``--out``, default the project)::

    figures/<year>/…                         the published set: real folders, so that a plain
    reports/<year>/…                         ``cp -r reports/2024 …`` copies it whole
    releases/<year>/<id>/figures/<year>/…    a set being built: figures, manifests, findings …
    releases/<year>/<id>/reports/<year>/…    … and pages, executed notebooks, logs, index, runs.json

A run makes a new set ``<id>`` (a hard-link copy of the published one, so other units and skipped notebooks
come along at no cost; files are only ever replaced by rename, never changed in place), runs its notebooks
into it, writes the index, and publishes it: ``renameat2(RENAME_EXCHANGE)`` swaps each staged folder with
the published one in one system call (figures first, then reports: the reviewer's pages are one step, and
they carry their own copies of the figures).  A journal ``releases/<year>/publishing.json``, written before
the first swap and removed after the last, names the set; a run killed between the two swaps (a window of
microseconds) is completed by the next run before anything else.  Killed at any other moment before the
swap, the published set is untouched and the next run removes the unfinished set.  After the swap the set
folder holds the earlier set, which is removed once no process uses it (its ``.busy`` file, see
:mod:`analysis.runner.lock`).  On a file system without the exchange (NFS, some FUSE mounts) each folder
is replaced by two renames instead: the earlier one set aside, the new one moved in.  The earlier layout of
this project (``figures/<year>`` as a link into ``releases/<year>/current``) is turned into real folders.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.runner.lock import hold_shared, unused

RELEASES = "releases"
#: The link of the earlier layout (``releases/<year>/current``), migrated away by :meth:`Release.migrate`.
CURRENT = "current"
#: Busy file of a set being built: every process writing into it holds a shared lock on it.
BUSY = ".busy"
#: Marker of a set being built; a kernel writes official figures only into a folder that has it.
STAGING = ".staging"
#: The publishing journal (present only between the first and the last swap).
JOURNAL = "publishing.json"
TREES = ("figures", "reports")
#: Busy files this process holds, by set folder (released when the set is published or discarded).
_HELD: dict[str, int] = {}

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> None:
    """Swap two existing paths atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    Raises OSError (``ENOSYS``/``EINVAL``/``ENOTSUP`` when the system or file system cannot exchange).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available", str(a))
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a), None, str(b))


def _swap_in(new: Path, place: Path, aside: Path) -> None:
    """Put the folder ``new`` at ``place``; the folder that was there ends at ``new`` (or ``aside``)."""
    if not place.exists():
        place.parent.mkdir(parents=True, exist_ok=True)
        os.rename(new, place)
        return
    try:
        exchange(new, place)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
            raise
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.rename(place, aside)  # no exchange here: two renames, the earlier folder kept aside
        os.rename(new, place)


def _skip_temp(_folder: str, names: list[str]) -> list[str]:
    """Names not copied into a new set: temporary and lock files of earlier writers."""
    return [n for n in names if n.startswith(".") or n.endswith(".part.ipynb")]


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed: a copy does the same
        shutil.copy2(src, dst)


@dataclass(frozen=True)
class Release:
    """The sets of one year under one output root."""

    out_root: Path
    year: int

    @property
    def base(self) -> Path:
        """``releases/<year>/``: the sets being built (and the journal while one is published)."""
        return self.out_root / RELEASES / str(int(self.year))

    def current(self) -> Path | None:
        """Return the folder holding the published set (the output root), or None when there is none yet."""
        return self.out_root if any(self.published(t).is_dir() for t in TREES) else None

    def published(self, tree: str) -> Path:
        """``figures/<year>`` or ``reports/<year>`` under the output root (the published set)."""
        return self.out_root / tree / str(int(self.year))

    def in_set(self, folder: Path, tree: str) -> Path:
        """``figures/<year>`` or ``reports/<year>`` inside the set ``folder``."""
        return folder / tree / str(int(self.year))

    # --- before a run -----------------------------------------------------------------------------

    def migrate(self) -> None:
        """Finish a publication a kill interrupted; turn links of the earlier layout into real folders."""
        journal = self.base / JOURNAL
        if journal.is_file():
            doc = json.loads(journal.read_text(encoding="utf-8"))
            folder = self.base / str(doc["set"])
            for tree in TREES:
                staged, place = self.in_set(folder, tree), self.published(tree)
                if staged.is_dir() and staged.stat().st_ino == int(doc["inodes"][tree]):
                    _swap_in(staged, place, self.in_set(folder, f".old-{tree}"))
            journal.unlink()
        for tree in TREES:
            place = self.published(tree)
            if not place.is_symlink():
                continue
            target = place.resolve()
            place.unlink()
            if target.is_dir():
                os.rename(target, place)
        old = self.base / CURRENT
        if old.is_symlink():
            old.unlink()

    def cleanup(self) -> list[str]:
        """Remove unfinished and superseded sets nobody uses; return what was left (still in use)."""
        if not self.base.is_dir():
            return []
        left = []
        for child in sorted(self.base.iterdir()):
            if child.name == JOURNAL:
                continue
            if child.is_symlink() or child.is_file():
                with contextlib.suppress(OSError):
                    child.unlink()
            elif unused(child / BUSY):
                shutil.rmtree(child, ignore_errors=True)
            else:
                left.append(child.name)
        return left

    def stage(self) -> Path:
        """Create a new set (a hard-link copy of the published one) to build into; return its folder.

        The calling process holds the set's busy file (shared) until it exits.
        """
        self.base.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        folder = self.base / f"{stamp}-{os.getpid()}"
        folder.mkdir()
        _HELD[str(folder)] = hold_shared(folder / BUSY)
        (folder / STAGING).write_text(json.dumps({"pid": os.getpid(), "started": stamp}), encoding="utf-8")
        for tree in TREES:
            dest, src = self.in_set(folder, tree), self.published(tree)
            if src.is_dir():
                shutil.copytree(src, dest, copy_function=_link_or_copy, ignore=_skip_temp)
            else:
                dest.mkdir(parents=True)
        return folder

    # --- the one step ----------------------------------------------------------------------------

    def publish(self, folder: Path) -> None:
        """Publish the set ``folder`` (swap its folders with the published ones); drop the earlier set."""
        _let_go(folder)
        for tree in TREES:  # writers' lock and temporary files are not part of the set
            for path in self.in_set(folder, tree).rglob(".*"):
                if path.is_file():
                    path.unlink(missing_ok=True)
        (folder / STAGING).unlink(missing_ok=True)
        for tree in TREES:  # folders published world-readable, whatever the umask of the run
            for sub in [self.in_set(folder, tree), *self.in_set(folder, tree).rglob("*")]:
                if sub.is_dir() and not sub.is_symlink():
                    sub.chmod(0o755)
        journal = self.base / JOURNAL
        inodes = {tree: self.in_set(folder, tree).stat().st_ino for tree in TREES}
        tmp = journal.with_name(f".{JOURNAL}.{os.getpid()}")
        tmp.write_text(json.dumps({"set": folder.name, "inodes": inodes}), encoding="utf-8")
        os.replace(tmp, journal)
        for tree in TREES:
            _swap_in(self.in_set(folder, tree), self.published(tree), self.in_set(folder, f".old-{tree}"))
        journal.unlink()
        if unused(folder / BUSY, patience=0):  # the folder now holds the earlier set
            shutil.rmtree(folder, ignore_errors=True)

    def discard(self, folder: Path) -> None:
        """Remove an unfinished set (the run failed before publishing); the published set is untouched."""
        _let_go(folder)
        if folder.resolve().parent == self.base.resolve():
            shutil.rmtree(folder, ignore_errors=True)


def _let_go(folder: Path) -> None:
    fd = _HELD.pop(str(folder), None)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


# --- paths recorded in runs.json ------------------------------------------------------------------------


def rebase(results: list[dict[str, Any]], old: Path, new: Path) -> list[dict[str, Any]]:
    """Return results whose ``output``/``html``/``log`` paths under ``old`` now point under ``new``.

    >>> rebase([{"output": "/o/reports/2024/77/a.ipynb", "html": ""}], Path("/o/reports/2024"), Path("/s"))
    [{'output': '/s/77/a.ipynb', 'html': ''}]
    """
    out = []
    for r in results:
        r = dict(r)
        for key in ("output", "html", "log"):
            value = r.get(key)
            if value:
                with contextlib.suppress(ValueError):
                    r[key] = str(new / Path(value).relative_to(old))
        out.append(r)
    return out


def clear_job(stage_figures: Path, stage_reports: Path, notebook: str) -> None:
    """Remove from a set what one notebook of one unit wrote: its pages, notebook, log, figures, findings.

    ``stage_figures`` and ``stage_reports`` are the unit's folders in the set.  Figures are those the
    manifest lists for the notebook; the manifest and ``findings.json`` keep the other notebooks' entries.
    """
    from analysis.paths import FINDINGS, MANIFEST
    from analysis.provenance import write_bytes_atomic

    for suffix in (".ipynb", ".html", ".log", ".part.ipynb"):
        (stage_reports / f"{notebook}{suffix}").unlink(missing_ok=True)
    manifest_path = stage_figures / MANIFEST
    if manifest_path.is_file():
        entries = json.loads(manifest_path.read_text(encoding="utf-8"))
        listed = entries.get("figures", []) if isinstance(entries, dict) else entries
        kept = [e for e in listed if e.get("notebook") != notebook]
        for entry in listed:
            if entry.get("notebook") == notebook:
                for info in (entry.get("files") or {}).values():
                    name = info.get("path") if isinstance(info, dict) else info
                    if name:
                        (stage_figures / Path(str(name)).name).unlink(missing_ok=True)
        if len(kept) != len(listed):
            write_bytes_atomic(manifest_path, _json_bytes(kept))
    findings_path = stage_figures / FINDINGS
    if findings_path.is_file():
        found = json.loads(findings_path.read_text(encoding="utf-8"))
        if notebook in found:
            found.pop(notebook)
            write_bytes_atomic(findings_path, _json_bytes(found))


def _json_bytes(obj: Any) -> bytes:
    """JSON as :mod:`analysis.report.figures` writes its manifests (so bytes match a fresh run's)."""
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")
