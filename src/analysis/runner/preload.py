"""Imported once by the server process that forks the runner's workers (``forkserver``), not per worker.

Importing ``analysis`` first keeps jsonschema's 2-second IRI grammars out (see ``analysis/__init__.py``).
Only what a worker uses: papermill, nbconvert and the page code.  A worker draws nothing and reads no
export (its kernels do), so matplotlib, scipy and the readers stay out: the workers, and so the kernels
they start, are ready about 2.5 s sooner.
"""

# isort: off
import analysis  # noqa: F401  (first: it keeps rfc3987_syntax out of jsonschema)
import nbconvert  # noqa: F401
import papermill  # noqa: F401

# isort: on
import analysis.io.crosswalk  # noqa: E402, F401  (a page names a unit without rows from the crosswalk)
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
