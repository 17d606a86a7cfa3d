"""Project folders and the output layout, defined once: every path in the package resolves from here."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _find_root() -> Path:
    env = os.environ.get("ANALYSIS_ROOT")
    if env:
        return Path(env).resolve()
    for parent in [PACKAGE_DIR, *PACKAGE_DIR.parents]:
        if (parent / "pyproject.toml").is_file() and (parent / "notebooks").is_dir():
            return parent
    return Path.cwd().resolve()


ROOT = _find_root()
DATA_DIR = ROOT / "data"
PUBLISHED_DIR = DATA_DIR / "published"
REFERENCE_DIR = DATA_DIR / "reference"
SAMPLE_DIR = DATA_DIR / "sample"
PROCESSED_DIR = DATA_DIR / "processed"
NOTEBOOKS_DIR = ROOT / "notebooks"
FIGURES_DIR = ROOT / "figures"
REPORTS_DIR = ROOT / "reports"
RUNS_FILE = NOTEBOOKS_DIR / "runs.yaml"
#: Shipped reference files with real figures (read by analysis.io.crosswalk and analysis.io.published).
CROSSWALK_FILE = REFERENCE_DIR / "province_crosswalk_2025.csv"
PUBLISHED_FILE = PUBLISHED_DIR / "published_indicators.csv"
TARGETS_FILE = REFERENCE_DIR / "targets.csv"
#: Kind of reference input (as recorded in a manifest) -> its file.
REFERENCE_FILES = {"published": PUBLISHED_FILE, "targets": TARGETS_FILE, "crosswalk": CROSSWALK_FILE}

#: A unit code or figure id that may become a path component: letters, digits, ``.``, ``_`` and ``-``, not
#: starting with a dot (so never ``..``, never a separator).
SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def safe_component(value: object, *, what: str = "unit code") -> str:
    """Return ``value`` as a string that is safe as one path component, else raise ``ValueError``.

    >>> safe_component("77.H01")
    '77.H01'
    >>> safe_component("..")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unit code '..' cannot name a folder: use letters, digits, '.', '_' or '-', not ...
    """
    text = str(value)
    if not SAFE_COMPONENT.match(text) or ".." in text:
        raise ValueError(
            f"{what} {text!r} cannot name a folder: use letters, digits, '.', '_' or '-', "
            "not starting with '.'"
        )
    return text


#: Files of a unit's figure folder: the manifest and the findings (written by ``analysis.report.figures``).
MANIFEST = "manifest.json"
FINDINGS = "findings.json"


@dataclass(frozen=True)
class OutputLayout:
    """Where outputs go: the one place that knows the layout (runner, notebook context and site use it).

    ``<figures_root>/<year>/<unit>/`` holds a unit's figures (PNG, SVG, CSV, ``manifest.json``,
    ``findings.json``); ``<reports_root>/<year>/`` the reviewer site (``index.html`` and
    ``<unit>/<notebook>.html`` / ``.ipynb``).  By default both are in the project.
    """

    figures_root: Path = FIGURES_DIR
    reports_root: Path = REPORTS_DIR

    @classmethod
    def under(cls, root: str | Path) -> OutputLayout:
        """Return the layout with ``figures/`` and ``reports/`` under ``root``.

        This is the layout of ``analysis run --out ROOT``.
        """
        return cls(Path(root) / "figures", Path(root) / "reports")

    def figures(self, year: int, unit: str | None = None) -> Path:
        """Figure folder of ``year`` (and of ``unit`` in it)."""
        folder = Path(self.figures_root) / str(int(year))
        return folder / safe_component(unit) if unit is not None else folder

    def reports(self, year: int, unit: str | None = None) -> Path:
        """Reviewer-site folder of ``year`` (and of ``unit`` in it)."""
        folder = Path(self.reports_root) / str(int(year))
        return folder / safe_component(unit) if unit is not None else folder
