"""Imported once by the server process that forks the runner's workers (``forkserver``), not per worker.

``jsonschema`` (imported by nbformat) builds 38 grammars for IRI format checks when the optional
``rfc3987_syntax`` package is installed: about 2 s of CPU.  Notebook validation never checks IRIs, so the
workers go without it (``None`` in ``sys.modules`` makes its import fail, and jsonschema skips those checks).
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbconvert  # noqa: E402, F401
import papermill  # noqa: E402, F401

import analysis.io  # noqa: E402, F401  (a page names a unit without rows from the crosswalk reader)
import analysis.report.site  # noqa: E402, F401
import analysis.runner.execute  # noqa: E402, F401


def _first_page() -> None:
    """Render one tiny page, so the exporter's templates and filters are loaded here, once, not per worker."""
    import tempfile
    from pathlib import Path

    import nbformat

    from analysis.report.site import render_notebook

    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_markdown_cell("warm-up *page*"))
        out = nbformat.v4.new_output("display_data", {"text/markdown": "- a", "text/html": "<table></table>"})
        nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[out]))
        path = Path(tmp) / "unit" / "warm.ipynb"
        path.parent.mkdir()
        nbformat.write(nb, path)
        render_notebook(path, path.with_suffix(".html"))


try:
    _first_page()
except Exception:  # noqa: BLE001, S110 - only a head start; the workers render without it
    pass
