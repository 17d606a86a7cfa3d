"""Reviewer site: pages without code, banner with provenance, offline, escaped text; the year's index."""

from __future__ import annotations

import base64
import json
import re
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


def executed_notebook(path: Path, *, unit: str = "99") -> Path:
    """Write a notebook as papermill leaves it: code cells with outputs, parameters in the metadata."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"year": 2024, "unit": unit, "lang": "vi"}}
    nb.cells.append(nbformat.v4.new_markdown_cell("# Câu hỏi: hồ sơ có đúng hạn không?"))
    code = nbformat.v4.new_code_cell("SECRET_CODE_MARKER = analysis.stats.yoy_table(counts)")
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
    ]
    nb.cells.append(code)
    nbformat.write(nb, path)
    return path


def write_reports(tmp_path: Path, *, synthetic: bool = True) -> tuple[Path, Path]:
    """A reports/<year> folder with runs.json, inputs.json and one unit's manifest and findings."""
    reports = tmp_path / "reports" / "2024"
    (reports / "99").mkdir(parents=True)
    figures = tmp_path / "figures"
    fig_dir = figures / "2024" / "99"
    fig_dir.mkdir(parents=True)
    executed_notebook(reports / "99" / "10_x.ipynb")
    (reports / "99" / "10_x.log").write_text("log\n", encoding="utf-8")
    inputs = [{"path": "dossiers/d.csv", "sha256": "ab" * 32, "synthetic": synthetic}]
    doc = {"data_dir": "/data", "synthetic": synthetic, "inputs": inputs}
    (reports / "inputs.json").write_text(json.dumps(doc), encoding="utf-8")
    results = [
        {"notebook": "10_x", "unit": "99", "status": "ok", "seconds": 3.21, "error": "",
         "output": str(reports / "99" / "10_x.ipynb"), "html": str(reports / "99" / "10_x.html"),
         "log": str(reports / "99" / "10_x.log")},
        {"notebook": "20_y", "unit": "99", "status": "failed", "seconds": 1.0, "error": f"ValueError: {XSS}",
         "output": "", "html": "", "log": ""},
    ]  # fmt: skip
    tiny_counts().to_parquet(reports / "counts.parquet")  # unit 99 is named like a script tag
    (reports / "runs.json").write_text(json.dumps({"year": 2024, "results": results}), encoding="utf-8")
    (fig_dir / "trend.png").write_bytes(PNG_1PX)
    (fig_dir / "trend.csv").write_text("a\n1\n", encoding="utf-8")
    files = {"png": {"path": "trend.png", "sha256": "0"}, "csv": {"path": "trend.csv", "sha256": "0"}}
    manifest = [{"id": "trend", "title": f"Xu hướng {XSS}", "alt": "Đường xu hướng", "notebook": "10_x",
                 "files": files}]  # fmt: skip
    (fig_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    findings = {"10_x": [f"Tỷ lệ đúng hạn của {XSS} là 98,8%"]}
    (fig_dir / "findings.json").write_text(json.dumps(findings, ensure_ascii=False), encoding="utf-8")
    return reports, figures


def test_esc_and_banner_escape_everything():
    b = site.banner_html(
        title=XSS, parameters={"unit": XSS}, inputs=[{"path": XSS, "sha256": "00", "synthetic": False}],
        synthetic=False, commit="abc123", versions={"pandas": "3.0"}, run_date="2026-11-29",
    )  # fmt: skip
    assert "<script" not in b and b.count("&lt;script&gt;") == 3
    assert site.SYNTHETIC_TEXT not in b  # real data: no synthetic banner
    assert "abc123" in b and "2026-11-29" in b and "pandas 3.0" in b


def test_failed_banner_is_marked():
    b = site.banner_html(title="t", parameters={}, inputs=[], synthetic=True, commit="c", versions={},
                         run_date="d", status="failed", error="ValueError: boom")  # fmt: skip
    assert "FAILED" in b and "ValueError: boom" in b and site.SYNTHETIC_TEXT in b


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


def test_render_notebook_has_no_code_no_scripts_and_a_banner(tmp_path):
    reports, _ = write_reports(tmp_path)
    out = site.render_notebook(reports / "99" / "10_x.ipynb", reports / "99" / "10_x.html")
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
    site.render_notebook(reports / "99" / "10_x.ipynb", reports / "99" / "10_x.html")
    index = site.write_index(reports, figures_root=figures)
    page = index.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "FAILED" in page and "ok" in page
    assert 'href="99/10_x.html"' in page and 'href="99/10_x.log"' in page
    assert 'src="../../figures/2024/99/trend.png"' in page and 'alt="Đường xu hướng"' in page
    assert 'href="../../figures/2024/99/trend.csv"' in page
    assert "Tỷ lệ đúng hạn của &lt;script&gt;alert(1)&lt;/script&gt; là 98,8%" in page
    assert site.SYNTHETIC_TEXT in page
    assert "<h2>99 &lt;script&gt;alert(1)&lt;/script&gt;</h2>" in page
    assert (reports / page.split('src="')[1].split('"')[0]).resolve().is_file()


def test_index_without_synthetic_inputs_has_no_synthetic_banner(tmp_path):
    reports, figures = write_reports(tmp_path, synthetic=False)
    page = site.index_html(reports, figures_root=figures)
    assert site.SYNTHETIC_TEXT not in page
