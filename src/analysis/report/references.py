"""The shipped reference files (published figures, targets, crosswalk) as inputs of a figure or a page.

A figure names the kinds it used (``fig.analysis_inputs``, see :func:`analysis.plots.base.note_inputs`); a
page names those its notebook read (:func:`analysis.report.site.reference_inputs_read`).  Both record them
in the manifest with their sha256 and ``synthetic: false``: they hold real, sourced figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.provenance import sha256_file


def reference_inputs(kinds: Iterable[str]) -> list[dict[str, Any]]:
    """Return the shipped reference files named by ``kinds`` as inputs: project path, sha256, real.

    ``kinds`` are keys of :data:`analysis.paths.REFERENCE_FILES` (``published``, ``targets``, ``crosswalk``);
    others and missing files are left out.
    """
    out = []
    for kind in kinds:
        path = paths.REFERENCE_FILES.get(kind)
        if path is None or not Path(path).is_file():
            continue
        try:
            rel = Path(path).resolve().relative_to(paths.ROOT).as_posix()
        except ValueError:
            rel = Path(path).as_posix()
        out.append({"path": rel, "sha256": sha256_file(path), "synthetic": False, "kind": kind})
    return out
