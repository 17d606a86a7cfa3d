"""Every figure of every notebook, for several years and both languages, passes the figure lint.

The notebooks' own code cells are executed in this process (no kernel: seconds, not minutes) on the shipped
synthetic sample, with ``Context.save`` replaced by a function that completes the figure exactly as
``analysis.report.figures.save_figure`` does (title with unit and year, source line, synthetic stamp) and
lints it instead of writing files.  ``figlint.lint`` fails on a repeated or misstating tick label, a legend
over data, overlapping texts, a text cut off at the figure's edge, or a direct label over another point.
No two figures of one year's set share a title (a reviewer tells them apart by it).
"""

from __future__ import annotations

import json

import nbformat
import pytest
from figlint import lint

from analysis import paths, plots, run
from analysis.notebook import context as nbcontext
from analysis.report import figures

#: Every notebook of the run matrix.
NOTEBOOKS = list(run.load_runs(paths.RUNS_FILE)["notebooks"])
#: Years and languages drawn: every year of the full sample's last two and its partial 2025, both languages
#: (2024 in both, so a figure's two languages are compared on the same numbers).
RUNS = [(2023, "vi"), (2024, "vi"), (2024, "en"), (2025, "en")]


def expected_figures(name: str) -> int:
    """Figures a notebook saves: its ``P.save(`` calls (notebooks have no loops, so each runs once)."""
    nb = nbformat.read(paths.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    return sum(c.source.count("P.save(") for c in nb.cells if c.cell_type == "code")


@pytest.fixture(scope="module")
def counts_file(tmp_path_factory):
    """The sample's Counts table, computed once (cached) and written as the runner writes it."""
    folder = tmp_path_factory.mktemp("counts")
    counts = nbcontext.cached_counts(nbcontext.ensure_sample(""), cache_dir=folder / "cache")
    path = folder / "counts.parquet"
    counts.to_parquet(path, index=False)
    return path


def run_notebook(
    name: str, *, year: int, lang: str, counts_file, out_dir, monkeypatch, titles: dict | None = None
) -> dict:
    """Execute a notebook's code cells with the given parameters; return {figure id: lint problems}.

    ``titles`` (when given) receives {figure id: figure title}.
    """
    found: dict[str, list[str]] = {}
    titles = {} if titles is None else titles

    def save(self, fig, fig_id, *, title=None, alt=None, data=None):
        cap = plots.caption(fig, unit_name=self.unit_name, year=self.year)
        assert cap["title"].strip() and cap["alt"].strip(), f"{fig_id}: no title or alt text"
        titles[fig_id] = cap["title"]
        real = bool(getattr(fig, "analysis_real_data", False))
        figures.finish_figure(
            fig,
            lang=self.lang,
            synthetic=self.synthetic and not real,
            inputs=self.inputs,
            data_dir=self.data_dir,
        )
        fig.set_dpi(figures.PNG_DPI)  # measured as saved: text extents differ a little between dpi
        found[fig_id] = lint(fig, lang=self.lang)
        return fig

    monkeypatch.setattr(nbcontext.Context, "save", save)
    monkeypatch.setattr(nbcontext.Context, "findings", lambda self, items: items)
    nb = nbformat.read(paths.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    namespace: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        exec(compile(cell.source, f"{name}.ipynb", "exec"), namespace)  # noqa: S102 - the notebook's own code
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(year=year, lang=lang, counts_file=str(counts_file), out_dir=str(out_dir))
    return found


@pytest.mark.parametrize(("year", "lang"), RUNS)
def test_every_figure_passes_the_lint(year, lang, counts_file, tmp_path, monkeypatch):
    problems, total, titles = {}, 0, {}
    for name in NOTEBOOKS:
        found = run_notebook(
            name, year=year, lang=lang, counts_file=counts_file, out_dir=tmp_path, monkeypatch=monkeypatch,
            titles=titles,
        )
        assert len(found) == expected_figures(name), f"{name}: saved {sorted(found)}"
        total += len(found)
        problems.update({f"{name}/{k}": v for k, v in found.items() if v})
    assert total == sum(expected_figures(n) for n in NOTEBOOKS) >= 24
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
    shared = {t: sorted(i for i in titles if titles[i] == t) for t in set(titles.values())}
    assert {t: ids for t, ids in shared.items() if len(ids) > 1} == {}
