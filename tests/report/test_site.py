"""Reviewer site: pages without code, banner with provenance, offline, escaped text; the year's index."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from test_run import tiny_counts

from analysis.report import site

XSS = "<script>alert(1)</script>"
# A 1x1 transparent PNG (the PNG signature and chunks, built by hand per RFC 2083).
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


JS_LINK = "[Sở Tư pháp](javascript:alert(1))"


def executed_notebook(path: Path, *, unit: str = "99", lang: str = "vi") -> Path:
    """Write a notebook as papermill leaves it: code cells with outputs, parameters in the metadata."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"year": 2024, "unit": unit, "lang": lang}}
    vi = nbformat.v4.new_markdown_cell(f"# Câu hỏi: hồ sơ có đúng hạn không?\n\nĐơn vị {JS_LINK}.")
    vi.metadata["tags"] = ["lang-vi"]
    en = nbformat.v4.new_markdown_cell("# Question: are dossiers on time?\n\nEnglish words only.")
    en.metadata["tags"] = ["lang-en"]
    nb.cells += [vi, en, nbformat.v4.new_markdown_cell("Both languages: `analysis.indicators`.")]
    code = nbformat.v4.new_code_cell("SECRET_CODE_MARKER = analysis.stats.yoy_table(counts)\nP.targets")
    code.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/markdown": f"Đơn vị **{XSS}**", "text/plain": "x"}
        ),
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": base64.b64encode(PNG_1PX).decode(), "text/plain": "<Figure>"},
            metadata={"image/png": {"alt": f"Tỷ lệ của {XSS}"}},
        ),
        nbformat.v4.new_output("display_data", data={"text/html": f"<p onclick='alert(2)'>{XSS}</p>"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": f"Finding about {JS_LINK}"}),
    ]
    nb.cells.append(code)
    nbformat.write(nb, path)
    return path


def write_reports(tmp_path: Path, *, synthetic: bool = True, lang: str = "vi") -> tuple[Path, Path]:
    """A reports/<year> folder with runs.json, inputs.json and one unit's manifest and findings."""
    reports = tmp_path / "reports" / "2024"
    (reports / "99").mkdir(parents=True)
    figures = tmp_path / "figures"
    fig_dir = figures / "2024" / "99"
    fig_dir.mkdir(parents=True)
    executed_notebook(reports / "99" / "10_x.ipynb", lang=lang)
    (reports / "99" / "10_x.log").write_text("log\n", encoding="utf-8")
    inputs = [{"path": "dossiers/d.csv", "sha256": "ab" * 32, "synthetic": synthetic}]
    doc = {"data_dir": "/data", "synthetic": synthetic, "inputs": inputs}
    (reports / "inputs.json").write_text(json.dumps(doc), encoding="utf-8")
    results = [
        {
            "notebook": "10_x",
            "unit": "99",
            "status": "ok",
            "seconds": 3.21,
            "error": "",
            "output": str(reports / "99" / "10_x.ipynb"),
            "html": str(reports / "99" / "10_x.html"),
            "log": str(reports / "99" / "10_x.log"),
        },
        {
            "notebook": "20_y",
            "unit": "99",
            "status": "failed",
            "seconds": 1.0,
            "error": f"ValueError: {XSS}",
            "output": "",
            "html": "",
            "log": "",
        },
    ]
    tiny_counts().to_parquet(reports / "counts.parquet")  # unit 99 is named like a script tag
    (reports / "runs.json").write_text(json.dumps({"year": 2024, "results": results}), encoding="utf-8")
    (fig_dir / "trend.png").write_bytes(PNG_1PX)
    (fig_dir / "trend.csv").write_text("a\n1\n", encoding="utf-8")
    files = {"png": {"path": "trend.png", "sha256": "0"}, "csv": {"path": "trend.csv", "sha256": "0"}}
    manifest = [
        {
            "id": "trend",
            "title": f"Xu hướng {XSS}",
            "alt": "Đường xu hướng",
            "notebook": "10_x",
            "files": files,
            "synthetic": synthetic,
            "source": "Nguồn: tỉnh mẫu",
        }
    ]
    (fig_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    findings = {"10_x": [f"Tỷ lệ đúng hạn của {XSS} là 98,8%"]}
    (fig_dir / "findings.json").write_text(json.dumps(findings, ensure_ascii=False), encoding="utf-8")
    return reports, figures


def test_esc_and_banner_escape_everything():
    b = site.banner_html(
        title=XSS,
        parameters={"unit": XSS},
        inputs=[{"path": XSS, "sha256": "00", "synthetic": False}],
        synthetic=False,
        commit="abc123",
        versions={"pandas": "3.0"},
        run_date="2026-11-29",
    )
    assert "<script" not in b and b.count("&lt;script&gt;") == 3
    assert site.SYNTHETIC_TEXT not in b  # real data: no synthetic banner
    assert "abc123" in b and "2026-11-29" in b and "pandas 3.0" in b


def test_failed_banner_is_marked():
    b = site.banner_html(
        title="t",
        parameters={},
        inputs=[],
        synthetic=True,
        commit="c",
        versions={},
        run_date="d",
        status="failed",
        error="ValueError: boom",
    )
    assert "LỖI" in b and "ValueError: boom" in b and site.SYNTHETIC_TEXT in b
    b = site.banner_html(
        title="t",
        parameters={},
        inputs=[],
        synthetic=True,
        commit="c",
        versions={},
        run_date="d",
        status="failed",
        error="E",
        lang="en",
    )
    assert "FAILED: E" in b and "SYNTHETIC DATA" in b


@pytest.mark.parametrize(
    "text",
    [
        '<script src="https://cdn.example.org/require.js"></script>',
        "<link rel=stylesheet href=//fonts.example.org/x.css>",
        "<img src='http://example.org/a.png'>",
        "<style>@import url('https://fonts.example.org/x.css');</style>",
    ],
)
def test_check_offline_refuses_network_references(text):
    with pytest.raises(ValueError, match="network"):
        site.check_offline(text, where="page")


def test_check_offline_accepts_local_and_data_uris():
    site.check_offline('<img src="data:image/png;base64,AAAA"><a href="../a.html">a</a>', where="page")


def test_check_offline_accepts_a_link_the_reader_clicks_but_not_an_area_or_abbr_href():
    site.check_offline('<a class="src" href="https://nhandan.vn/x">Nhân Dân</a>', where="page")  # not a load
    loads = ('<area href="https://x.org/">', '<abbr href="//x.org/">', '<a href="x"><img src="//x.org/i">')
    for text in loads:
        with pytest.raises(ValueError, match="network"):
            site.check_offline(text, where="page")


def render(reports, figures, name="10_x"):
    return site.render_notebook(
        reports / "99" / f"{name}.ipynb", reports / "99" / f"{name}.html", figures_dir=figures / "2024" / "99"
    )


def test_render_notebook_has_no_code_no_scripts_and_a_banner(tmp_path):
    reports, figures = write_reports(tmp_path)
    out = render(reports, figures)
    page = out.read_text(encoding="utf-8")
    assert "SECRET_CODE_MARKER" not in page  # code cells are excluded
    assert re.search(r"<script\b", page) is None
    assert "onclick" not in page
    assert 'id="rv-banner"' in page and site.SYNTHETIC_TEXT in page
    assert "ab" * 32 in page and "dossiers/d.csv" in page  # data source with its sha256
    assert "Câu hỏi: hồ sơ có đúng hạn không?" in page  # UTF-8 text kept
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # markdown, html output, title
    assert "data:image/png;base64," in page  # the image is embedded
    assert 'alt="Tỷ lệ của &lt;script&gt;alert(1)&lt;/script&gt;"' in page  # alt text from output metadata
    site.check_offline(page, where="page")
    assert not list(out.parent.glob(".*.tmp"))


def test_index_lists_runs_status_findings_and_figures(tmp_path):
    reports, figures = write_reports(tmp_path)
    render(reports, figures)
    index = site.write_index(reports, figures_root=figures)
    page = index.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "LỖI" in page and "xong" in page and '<html lang="vi">' in page
    assert 'href="99/10_x.html"' in page and 'href="99/10_x.log"' in page
    assert 'src="99/figures/trend.png"' in page and 'alt="Đường xu hướng"' in page  # copied into the site
    assert 'href="99/figures/trend.csv"' in page and "../" not in page
    assert "Tỷ lệ đúng hạn của &lt;script&gt;alert(1)&lt;/script&gt; là 98,8%" in page
    assert site.SYNTHETIC_TEXT in page
    assert "<h2>99 &lt;script&gt;alert(1)&lt;/script&gt;</h2>" in page
    assert (reports / page.split('src="')[1].split('"')[0]).resolve().is_file()


def test_index_without_synthetic_inputs_has_no_synthetic_banner(tmp_path):
    reports, figures = write_reports(tmp_path, synthetic=False)
    page = site.index_html(reports, figures_root=figures)
    assert site.SYNTHETIC_TEXT not in page


def test_javascript_links_from_markdown_never_become_live(tmp_path):
    reports, figures = write_reports(tmp_path)
    page = render(reports, figures).read_text(encoding="utf-8")
    assert "javascript:" not in page.lower()  # neither in the markdown cell nor in the markdown output
    assert "Sở Tư pháp" in page  # the name is still shown, as text
    assert re.search(r"<a\b[^>]*>Sở Tư pháp</a>", page) is None or 'href="' not in re.search(
        r"<a\b[^>]*>Sở Tư pháp</a>", page
    ).group(0)


def test_clean_html_keeps_safe_links_only():
    out = site.clean_html(
        '<a href="https://a.org/x">a</a><a href="mailto:x@y.z">m</a><a href="b.html">b</a>'
        '<a href="javascript:alert(1)">j</a><a href="data:text/html,x">d</a>'
        '<img src="data:image/png;base64,AA"><img src="data:text/html,x">'
    )
    assert 'href="https://a.org/x"' in out and 'href="mailto:x@y.z"' in out and 'href="b.html"' in out
    assert "javascript" not in out and "data:text" not in out and 'src="data:image/png;base64,AA"' in out


def test_page_language_title_and_navigation(tmp_path):
    reports, figures = write_reports(tmp_path)
    page = render(reports, figures).read_text(encoding="utf-8")
    assert '<html lang="vi">' in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "Câu hỏi: hồ sơ có đúng hạn không?" in title and "2024" in title and "10_x" not in title
    assert 'href="../index.html"' in page
    assert "Question: are dossiers on time?" not in page and "English words only" not in page
    assert "Both languages" in page  # untagged cells are shown in both languages


def test_english_page_is_wholly_english(tmp_path):
    reports, figures = write_reports(tmp_path, lang="en")
    page = render(reports, figures).read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "Question: are dossiers on time?" in page and "Câu hỏi" not in page
    banner = page[page.index('id="rv-banner"') : page.index("</header>")]
    for vi_word in ("DỮ LIỆU", "Tham số", "Mục lục", "tệp", "Dữ liệu"):
        assert vi_word not in banner, vi_word
    assert "SYNTHETIC DATA" in banner and "Index of 2024" in banner


def test_banner_lists_every_input_with_its_hash_and_each_figure_kind(tmp_path):
    from analysis.io.published import TARGETS_FILE
    from analysis.provenance import sha256_file

    reports, figures = write_reports(tmp_path)
    page = render(reports, figures).read_text(encoding="utf-8")
    assert "dossiers/d.csv" in page and "ab" * 32 in page  # the export
    assert (
        "data/reference/targets.csv" in page and sha256_file(TARGETS_FILE) in page
    )  # read through P.targets
    assert "tổng hợp (mô phỏng)" in page  # the figure's kind


def test_mixed_page_says_which_figure_is_real(tmp_path):
    reports, figures = write_reports(tmp_path)
    manifest_path = figures / "2024" / "99" / "manifest.json"
    entries = json.loads(manifest_path.read_text(encoding="utf-8"))
    published = {
        "path": "data/published/published_indicators.csv",
        "sha256": "cd" * 32,
        "synthetic": False,
        "kind": "published",
    }
    entries.append(
        {
            **entries[0],
            "id": "published",
            "title": "Số liệu công bố",
            "synthetic": False,
            "source": "Nguồn: số liệu do các tỉnh công bố.",
            "inputs": [published],
        }
    )
    manifest_path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    page = render(reports, figures).read_text(encoding="utf-8")
    assert "có cả số liệu tổng hợp" in page  # the page says it is mixed, not all synthetic
    assert "thật — số liệu do các tỉnh công bố" in page
    assert "data/published/published_indicators.csv" in page


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.found.append(value)


def test_the_year_folder_travels(tmp_path):
    old = os.umask(0o077)  # a restrictive umask must not make the site unreadable by a web server
    try:
        reports, figures = write_reports(tmp_path)
        render(reports, figures)
        site.write_index(reports, figures_root=figures)
    finally:
        os.umask(old)
    elsewhere = tmp_path / "share" / "2024"
    shutil.copytree(reports, elsewhere)
    shutil.rmtree(tmp_path / "figures")
    shutil.rmtree(tmp_path / "reports")
    checked = 0
    for page in elsewhere.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.found:
            if link.startswith(("data:", "#", "mailto:")):
                continue
            assert "://" not in link, f"{page.name}: link leaves the folder: {link}"
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file(), f"{page.name}: broken link {link}"
            assert elsewhere.resolve() in target.parents, f"{page.name}: {link} points outside the folder"
            checked += 1
    assert checked >= 6  # index: page, notebook, log, thumbnail, PNG and CSV links; page: index, files
    for path in [elsewhere, *elsewhere.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), f"{path}: {oct(mode)}"


def test_a_kept_exporter_renders_what_a_new_one_renders_in_each_language(tmp_path):
    """Pages rendered one after another (the exporter kept per language) equal pages from new exporters."""
    folders = [write_reports(tmp_path / str(i), lang=lang) for i, lang in enumerate(("vi", "en", "vi", "en"))]
    site._exporter.cache_clear()
    kept = [render(reports, figures).read_text(encoding="utf-8") for reports, figures in folders]
    assert site._exporter.cache_info().hits == 2
    for i, (reports, figures) in enumerate(folders):
        site._exporter.cache_clear()  # a new exporter for this page alone
        assert render(reports, figures).read_text(encoding="utf-8") == kept[i], i
    assert "Question: are dossiers on time?" in kept[3] and "Câu hỏi" not in kept[3]
    assert "Câu hỏi: hồ sơ có đúng hạn không?" in kept[2] and "English words only" not in kept[2]
