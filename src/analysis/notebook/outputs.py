"""Where a notebook's figures go: the official set only in an ``analysis run``, a scratch folder otherwise.

``analysis run`` starts every kernel with :data:`RUN_ENV` = ``1`` and :data:`OUTPUT_ENV` = the folder of the
set it is building (laid out like ``--out``: ``figures/``, ``reports/``; it holds a ``.staging`` marker while
the run lasts).  Only then does a notebook write official figures, into that set, which the run publishes
whole at its end.  Run by hand (JupyterLab, bare papermill), a notebook writes to
``<project>/scratch/<year>/<unit>/`` (git-ignored) and says so in its first output; an ``out_dir`` naming the
official figures folder is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

from analysis import paths
from analysis.errors import ParameterError

#: Set to "1" by ``analysis run`` for its kernels.
RUN_ENV = "ANALYSIS_RUN"
#: The set ``analysis run`` is building (explicit official output location).
OUTPUT_ENV = "ANALYSIS_RUN_OUTPUT"
#: Marker file of a set being built (see :mod:`analysis.runner.release`).
STAGING_MARK = ".staging"
BUSY_FILE = ".busy"
SCRATCH_DIR = paths.ROOT / "scratch"
#: The lock file ``analysis run`` keeps in an output root: a ``figures/`` beside it is an official set.
RUN_LOCK = ".analysis-run.lock"

_held: dict[str, int] = {}


def official_root() -> Path | None:
    """Return the set this kernel's ``analysis run`` is building, or None outside such a run.

    Raises :class:`ParameterError` when the run signal is set but its set is not being built any more.
    """
    if os.environ.get(RUN_ENV) != "1" or not os.environ.get(OUTPUT_ENV):
        return None
    root = Path(os.environ[OUTPUT_ENV])
    if not (root / STAGING_MARK).is_file():
        raise ParameterError(
            f"this kernel was started by an `analysis run` whose set {root} is no longer being built; "
            "restart the kernel (a notebook run by hand writes to scratch/)"
        )
    if str(root) not in _held:  # a later run's cleanup waits until this kernel has ended
        import fcntl

        fd = os.open(root / BUSY_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
        _held[str(root)] = fd
    return root


def is_official_folder(folder: Path) -> bool:
    """Return True when ``folder`` is, or is inside, an official figure set.

    Official are the project's ``figures/``, ``reports/`` and ``releases/``, and those of any output root
    where ``analysis run`` has run (it keeps its lock file there).
    """
    folder = folder.resolve()
    trees = ("figures", "reports", "releases")
    official = {(paths.ROOT / t).resolve() for t in trees} | {paths.FIGURES_DIR.resolve()}
    for parent in [folder, *folder.parents]:
        if (parent / RUN_LOCK).is_file():
            official |= {(parent / t).resolve() for t in trees}
    return any(folder == root or root in folder.parents for root in official)


def figures_layout(out_dir: str, *, lang: str = "vi") -> tuple[paths.OutputLayout, str]:
    """Return the layout a notebook writes figures with, and the notice to show first ('' when official)."""
    root = official_root()
    if root is not None:
        return paths.OutputLayout.under(root), ""
    if out_dir:
        folder = Path(out_dir) if Path(out_dir).is_absolute() else paths.ROOT / out_dir
        if is_official_folder(folder):
            raise ParameterError(
                f"out_dir {out_dir!r} is the official figure set, which only `analysis run` writes; leave "
                "out_dir empty (figures then go to scratch/) or name another folder"
            )
        where = folder
    else:
        where = SCRATCH_DIR
    layout = paths.OutputLayout(figures_root=where)
    if lang == "en":
        notice = (
            f"**Ad-hoc run** (not `analysis run`): figures are written to `{where}/<year>/<unit>/`, "
            "not to the official set in `figures/`, which only `analysis run` writes."
        )
    else:
        notice = (
            f"**Chạy thử** (không qua `analysis run`): biểu đồ được ghi vào `{where}/<năm>/<đơn vị>/`, "
            "không ghi vào bộ chính thức `figures/` (chỉ `analysis run` ghi bộ này)."
        )
    return layout, notice
