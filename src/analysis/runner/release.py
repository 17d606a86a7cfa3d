"""The year's set is built in a staging folder and published in one step: the swap of one symbolic link.

Layout under the output root (``--out``, default the project)::

    releases/<year>/current -> <id>          the published set (the one step: this link is replaced)
    releases/<year>/<id>/figures/<year>/…    a set: figures, manifests, findings …
    releases/<year>/<id>/reports/<year>/…    … and pages, executed notebooks, logs, index, runs.json
    figures/<year> -> ../releases/<year>/current/figures/<year>
    reports/<year> -> ../releases/<year>/current/reports/<year>

A run makes a new set ``<id>`` (a hard-link copy of the published one, so other units and skipped notebooks
come along at no cost; files are only ever replaced by rename, never changed in place), runs its notebooks
into it, writes the index, and replaces ``current`` with a link to it (``rename(2)``, atomic).  Killed at any
moment before that, the published set is untouched; the next run removes the unfinished set.  Sets other than
the current one are removed once no process uses them (their ``.busy`` file, see :mod:`analysis.runner.lock`).
A folder ``figures/<year>`` or ``reports/<year>`` of the earlier layout (a real folder) becomes the first set.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.runner.lock import hold_shared, unused

RELEASES = "releases"
CURRENT = "current"
#: Busy file of a set being built: every process writing into it holds a shared lock on it.
BUSY = ".busy"
#: Marker of a set being built; a kernel writes official figures only into a folder that has it.
STAGING = ".staging"
TREES = ("figures", "reports")
LEGACY = "legacy"
#: Busy files this process holds, by set folder (released when the set is published or discarded).
_HELD: dict[str, int] = {}


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
        """``releases/<year>/``: every set of the year and the ``current`` link."""
        return self.out_root / RELEASES / str(int(self.year))

    def current(self) -> Path | None:
        """Return the published set's folder, or None when the year has none yet."""
        link = self.base / CURRENT
        if not link.is_symlink():
            return None
        target = self.base / os.readlink(link)
        return target if target.is_dir() else None

    def published(self, tree: str) -> Path:
        """``figures/<year>`` or ``reports/<year>`` under the output root (links into the current set)."""
        return self.out_root / tree / str(int(self.year))

    def in_set(self, folder: Path, tree: str) -> Path:
        """``figures/<year>`` or ``reports/<year>`` inside the set ``folder``."""
        return folder / tree / str(int(self.year))

    # --- before a run -----------------------------------------------------------------------------

    def migrate(self) -> None:
        """Make real ``figures/<year>`` / ``reports/<year>`` folders of the earlier layout the first set."""
        real = [t for t in TREES if self.published(t).is_dir() and not self.published(t).is_symlink()]
        if not real:
            return
        legacy = self.base / LEGACY
        for tree in real:
            dest = self.in_set(legacy, tree)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():  # an earlier, interrupted migration: keep the folder found now as well
                dest = dest.with_name(f"{dest.name}.{os.getpid()}")
            os.rename(self.published(tree), dest)
        if self.current() is None:
            self._point_current(legacy)
        self.ensure_links()

    def cleanup(self) -> list[str]:
        """Remove unfinished and superseded sets nobody uses; return what was left (still in use)."""
        if not self.base.is_dir():
            return []
        keep = self.current()
        left = []
        for child in sorted(self.base.iterdir()):
            if child.name == CURRENT or (keep is not None and child.resolve() == keep.resolve()):
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
        current = self.current()
        for tree in TREES:
            dest = self.in_set(folder, tree)
            src = self.in_set(current, tree) if current is not None else None
            if src is not None and src.is_dir():
                shutil.copytree(src, dest, copy_function=_link_or_copy, ignore=_skip_temp)
            else:
                dest.mkdir(parents=True)
        return folder

    # --- the one step ----------------------------------------------------------------------------

    def _point_current(self, folder: Path) -> None:
        tmp = self.base / f".{CURRENT}-{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(folder.name, tmp)
        os.replace(tmp, self.base / CURRENT)

    def ensure_links(self) -> None:
        """Create ``figures/<year>`` and ``reports/<year>`` as links into the current set (when missing)."""
        for tree in TREES:
            link = self.published(tree)
            target = Path("..") / RELEASES / str(int(self.year)) / CURRENT / tree / str(int(self.year))
            if link.is_symlink() and Path(os.readlink(link)) == target:
                continue
            link.parent.mkdir(parents=True, exist_ok=True)
            tmp = link.with_name(f".{link.name}.link-{os.getpid()}")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.symlink(target, tmp)
            os.replace(tmp, link)  # a real folder here was migrated before the run started

    def publish(self, folder: Path) -> None:
        """Publish the set ``folder``: replace ``current`` by a link to it, then drop the earlier set."""
        previous = self.current()
        _let_go(folder)
        for tree in TREES:  # writers' lock and temporary files are not part of the set
            for path in self.in_set(folder, tree).rglob(".*"):
                if path.is_file():
                    path.unlink(missing_ok=True)
        (folder / STAGING).unlink(missing_ok=True)
        self._point_current(folder)
        self.ensure_links()
        if (
            previous is not None
            and previous.resolve() != folder.resolve()
            and unused(previous / BUSY, patience=0)
        ):
            shutil.rmtree(previous, ignore_errors=True)

    def discard(self, folder: Path) -> None:
        """Remove an unfinished set (the run failed before publishing); the published set is untouched."""
        _let_go(folder)
        if self.current() is None or self.current().resolve() != folder.resolve():
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
    from analysis.provenance import write_bytes_atomic
    from analysis.report.figures import FINDINGS, MANIFEST

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
