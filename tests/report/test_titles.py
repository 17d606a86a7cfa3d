"""Page titles for the navigation and the index (analysis.report.common.page_title).

The titles are read from the notebook's JSON without nbformat's validation; they must be those nbformat's
reading gives (``notebook_title`` of ``nbformat.read``), follow an edited file, and fall back to the file's
name when it cannot be read.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from analysis.report.common import notebook_title, page_title

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_title_is_the_one_nbformat_reading_gives(path, lang):
    expected = notebook_title(nbformat.read(path, as_version=4), lang, path.stem)
    assert expected != path.stem  # each of the project's notebooks has a heading
    assert page_title(path, lang) == expected


def test_an_edited_notebook_gives_its_new_title_and_a_broken_one_its_name(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiêu đề\n\ntext", metadata={"tags": ["lang-vi"]}),
        nbformat.v4.new_markdown_cell("intro\n# Title", metadata={"tags": ["lang-en"]}),
    ]
    path = tmp_path / "10_x.ipynb"
    nbformat.write(nb, path)
    assert (page_title(path, "vi"), page_title(path, "en")) == ("Tiêu đề", "Title")
    nb.cells[0].source = "# Tiêu đề mới"
    nbformat.write(nb, path)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a new time even on a coarse clock
    assert page_title(path, "vi") == "Tiêu đề mới"
    path.write_text("{not json", encoding="utf-8")
    assert page_title(path, "vi") == "10_x"
    assert page_title(tmp_path / "absent.ipynb", "vi") == "absent"
