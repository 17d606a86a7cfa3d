"""JupyterLab in headless Chromium: the explorer's widgets drive its charts and table; report figures show.

A JupyterLab server starts on loopback (random port and token) over a temporary folder holding copies of
``explore.ipynb`` and ``10_dossier_timeliness.ipynb``, each with a cell injected after its parameters cell
(as papermill injects) that points it at the SYNTHETIC Counts fixture of the notebook tests.  Chromium opens
each notebook, runs all cells through Lab's own command, and the test reads what an analyst sees.

With ``ANALYSIS_EXPLORE_SCREENSHOT=PATH`` the explorer runs on the shipped SYNTHETIC sample instead (no
edits: nothing injected) and a desktop-width screenshot is written to PATH (the README's image:
``ANALYSIS_EXPLORE_SCREENSHOT=docs/images/explore.png``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
from conftest import require_tool
from jupyter_fixture import jupyter_server
from test_notebooks import fixture_counts

from analysis import paths

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("runner")]

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
SCREENSHOT_ENV = "ANALYSIS_EXPLORE_SCREENSHOT"
VIEWPORT = {"width": 1440, "height": 1000}
#: How long a notebook may take to run all its cells in Lab (the fixture run takes seconds).
RUN_TIMEOUT_MS = 240_000
ALL_DONE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.cells;
  const idle = panel.sessionContext.session.kernel.status === 'idle';
  let ran = true;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    for (let j = 0; j < c.outputs.length; j++) {
      if (c.outputs.get(j).type === 'error') return idle;  // run-all stops at an error: done
    }
    if (!c.executionCount) ran = false;
  }
  return ran && idle;
}"""


def _inject(name: str, folder: Path, values: dict) -> None:
    """Copy notebook ``name`` into ``folder`` with ``values`` assigned in a cell after its parameters cell."""
    nb = nbformat.read(paths.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    if values:
        at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        source = "\n".join(f"{k} = {v!r}" for k, v in values.items())
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
        cell["id"] = "injected-parameters"
        nb.cells.insert(at + 1, cell)
    nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Start JupyterLab on 127.0.0.1 over a folder with the two notebooks; yield (url, token, root, real)."""
    root = tmp_path_factory.mktemp("lab")
    shot = os.environ.get(SCREENSHOT_ENV, "")
    data = root / "data"
    data.mkdir()
    (data / "SYNTHETIC.md").write_text("Synthetic fixture for the browser test.\n", encoding="utf-8")
    fixture_counts().to_parquet(data / "counts.parquet", index=False)
    fixture = {"data_dir": str(data), "counts_file": str(data / "counts.parquet")}
    _inject("explore", root, {} if shot else {**fixture, "lang": "vi"})
    _inject(
        "10_dossier_timeliness", root, {**fixture, "year": 2024, "unit": "77", "out_dir": str(root / "out")}
    )
    settings = root / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8"
    )
    env = {
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
    }
    args = ("--LabApp.expose_app_in_browser=True", "--LabApp.news_url=")
    with jupyter_server("jupyterlab", root, env=env, args=args, cwd=root) as (base, token):
        yield base, token, root, bool(shot)


def _open_and_run(page, base: str, token: str, name: str) -> None:
    """Open a notebook in Lab, wait for its kernel, run all cells and wait until every cell has run."""
    page.goto(f"{base}/lab/tree/{name}.ipynb?reset&token={token}", wait_until="load")  # reset: one tab
    page.wait_for_function(
        "(name) => { const app = window.jupyterapp; const p = app && app.shell.currentWidget;"
        " return p && p.context && p.context.path === name + '.ipynb' && p.sessionContext.session"
        " && p.sessionContext.session.kernel"
        " && p.sessionContext.session.kernel.connectionStatus === 'connected'"
        " && p.sessionContext.session.kernel.status === 'idle'; }",
        arg=name,
        timeout=90_000,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_DONE_JS, timeout=RUN_TIMEOUT_MS)


def _errors(page) -> list[str]:
    return page.eval_on_selector_all(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
        " .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']",
        "els => els.map(e => e.innerText.slice(0, 300))",
    )


def _img_src(page, css: str) -> str:
    return page.eval_on_selector(f"img{css}", "img => img.getAttribute('src') || ''")


def _wait_changed(page, css: str, before: str, *, what: str) -> str:
    """Wait until the image or text at ``css`` differs from ``before``; return the new value."""
    js = (
        "([css, before]) => { const el = document.querySelector(css);"
        " if (!el) return false;"
        " const now = el.tagName === 'IMG' ? (el.getAttribute('src') || '') : el.innerText;"
        " return now !== before && now !== ''; }"
    )
    try:
        page.wait_for_function(js, arg=[css, before], timeout=30_000)
    except Exception as exc:  # noqa: BLE001 - say what did not change
        raise AssertionError(f"{what}: unchanged 30 s after the widget changed") from exc
    el = page.query_selector(css)
    return el.get_attribute("src") if el.evaluate("e => e.tagName") == "IMG" else el.inner_text()


def _pick(page, css: str, label_part: str) -> str:
    """Choose the option of the dropdown at ``css`` whose label contains ``label_part``; return its label."""
    labels = page.eval_on_selector_all(f"{css} select option", "os => os.map(o => o.textContent)")
    found = [lbl for lbl in labels if label_part in lbl.replace("\xa0", " ")]  # ipywidgets writes NBSP
    assert found, f"no option with {label_part!r} in {css}: {labels}"
    label = found[0]
    page.select_option(f"{css} select", label=label)
    return label.replace("\xa0", " ")


def test_explorer_and_report_notebook_in_jupyterlab(lab, tmp_path):
    chromium = require_tool("chromium", "browser test of the explorer in JupyterLab")
    sync_api = pytest.importorskip("playwright.sync_api")
    base, token, root, real = lab
    host = urlparse(base).netloc
    outside: list[str] = []

    def route(r):
        if urlparse(r.request.url).netloc == host or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    with sync_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )  # fmt: skip
        try:
            ctx.route("**/*", route)
            page = ctx.new_page()
            page_errors: list[str] = []
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            _open_and_run(page, base, token, "explore")
            page.wait_for_selector("img.explore-trend-image[src^='blob:']", timeout=RUN_TIMEOUT_MS)
            page.wait_for_selector(".explore-table table", timeout=30_000)
            assert _errors(page) == []
            verdict = page.inner_text(".explore-verdict")
            assert "DỮ LIỆU TỔNG HỢP" in verdict and "⚠" in verdict  # synthetic, said on screen
            trend, compare = _img_src(page, ".explore-trend-image"), _img_src(page, ".explore-compare-image")
            table = page.inner_text(".explore-table")
            assert "Đánh giá" in table  # the Vietnamese table of the reports (yoy_view)

            if real:  # the README's screenshot: the sample as an analyst first sees it
                shot = Path(os.environ[SCREENSHOT_ENV])
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
                page.set_viewport_size({"width": VIEWPORT["width"], "height": 1480})  # charts and table
                page.evaluate(
                    "() => document.querySelector('.explore-indicator').scrollIntoView({block: 'start'})"
                )
                page.wait_for_timeout(500)
                page.screenshot(path=str(shot))

            _pick(page, ".explore-indicator", "thanh toán trực tuyến")
            new_trend = _wait_changed(page, ".explore-trend-image", trend, what="trend after indicator")
            new_compare = _wait_changed(
                page, ".explore-compare-image", compare, what="compare after indicator"
            )
            new_table = _wait_changed(page, ".explore-table", table, what="table after indicator")
            assert "thanh toán trực tuyến" in page.inner_text(".explore-verdict").replace("\xa0", " ")

            unit = _pick(page, ".explore-unit", "77.H01 ")
            _wait_changed(page, ".explore-trend-image", new_trend, what="trend after unit")
            _wait_changed(page, ".explore-compare-image", new_compare, what="compare after unit")
            _wait_changed(page, ".explore-table", new_table, what="table after unit")
            verdict = page.inner_text(".explore-verdict")
            assert unit.split(" · ", 1)[1].strip() in verdict  # the district named in the verdict line
            assert _errors(page) == [] and "⚠" not in page.inner_text(".explore-saved")

            # a report notebook: run in Lab, its figures appear inline
            _open_and_run(page, base, token, "10_dossier_timeliness")
            page.wait_for_selector(".jp-OutputArea-output img", timeout=30_000)
            images = page.eval_on_selector_all(
                ".jp-OutputArea-output img",
                "is => is.map(i => [i.complete, i.naturalWidth, (i.getAttribute('src') || '').slice(0, 15)])",
            )
            report_errors = _errors(page)
        finally:
            ctx.close()

    assert outside == [], f"requests left the machine: {outside}"
    assert page_errors == [], page_errors
    assert report_errors == []
    saved = json.loads((root / "out" / "2024" / "77" / "manifest.json").read_text(encoding="utf-8"))
    assert len(images) >= len(saved) >= 8  # every figure the notebook saved is shown inline
    assert all(ok and width > 0 for ok, width, _ in images)
    assert all(src == "data:image/png;" for *_, src in images)  # the PNGs the notebook saved, inline
