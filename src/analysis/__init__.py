"""Analysis of Vietnamese administrative-reform indicators as proportions (numerator / denominator).

Ground floor: ``paths`` (project folders and the output layout), ``schemas`` (the Counts table),
``indicators`` (registry), ``errors`` (the errors analysts see), ``counts`` (the one unit-scope rule),
``provenance`` (hashes, atomic writes, sidecars, commit, versions, synthetic flag).  Above it: ``io``
(readers; ``io.dossiers`` aggregates dossier records), ``stats`` (intervals, tests, trends, tables),
``plots`` (figures), ``text`` (labels, findings, reading tables), ``report`` (figure files, manifest,
reviewer site), ``notebook`` (parameters and the notebook context), ``sample`` (the SYNTHETIC sample
province), ``run`` (the ``analysis run`` matrix) and ``cli``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

__version__ = "0.1.0"

# nbformat (the runner, the site, papermill in every kernel) imports jsonschema, which imports the optional
# ``rfc3987_syntax`` when it is installed (JupyterLab's jupyter-events asks for it) and builds 38 Lark
# grammars for the "iri" formats at import: 2 s of every process's start on 2 cores.  Notebook schemas use
# no IRI format, so the project's processes go without it (jsonschema skips that format checker); a process
# that imported it before ``analysis`` keeps it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

#: Module paths of the first layout, kept importable for outside callers (each is the same module object).
LEGACY_MODULES = {
    "analysis.aggregate": "analysis.io.dossiers.aggregate",
    "analysis.cache": "analysis.io.dossiers.cache",
    "analysis.context": "analysis.notebook.context",
    "analysis.figures": "analysis.report.figures",
    "analysis.params": "analysis.notebook.params",
    "analysis.site": "analysis.report.site",
}


class _LegacyAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolve a first-layout module path to its module in the current layout."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: D102
        if fullname in LEGACY_MODULES:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):  # noqa: D102
        module = importlib.import_module(LEGACY_MODULES[spec.name])
        spec.loader_state = module.__spec__  # the import system overwrites __spec__; put it back below
        return module

    def exec_module(self, module):  # noqa: D102
        module.__spec__ = module.__spec__.loader_state


if not any(isinstance(f, _LegacyAlias) for f in sys.meta_path):
    sys.meta_path.append(_LegacyAlias())
