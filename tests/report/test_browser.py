"""Reviewer site in headless Chromium: offline, no console errors, images load, no code, banner, escaping."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import require_tool
from test_run import XSS_UNIT, make_project

from analysis import run
from analysis.report import site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("runner")]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


CODE_SELECTOR = ".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .jp-InputPrompt, .jp-OutputPrompt"
IMAGES_JS = (
    "Array.from(document.images).map(i => [i.getAttribute('src').slice(0, 60), i.complete, i.naturalWidth])"
)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """Run tiny notebooks with the real runner: one ok for the unit named like a script tag, one failing."""
    tmp = tmp_path_factory.mktemp("site")
    proj = make_project(tmp, {"t_ok": {}, "t_fail": {"fail": True}}, units=["99"])
    code = run.main([*proj["args"], "--out", str(proj["out"]), "--year", "2024", "--workers", "2"])
    assert code == 1  # t_fail fails on purpose; the site is still built
    return proj["out"]


@pytest.fixture(scope="module")
def server(built_site):
    """Serve the output folder on a loopback port (random) for the duration of the module."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


def _check_page(page, url: str, *, host: str) -> dict:
    """Open ``url`` and return what the page did: console errors, dialogs, outside requests, images."""
    seen = {"console": [], "dialogs": [], "outside": [], "page_errors": []}
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    page.wait_for_load_state("networkidle")
    seen["images"] = page.evaluate(IMAGES_JS)
    seen["text"] = page.inner_text("body")
    seen["banner_visible"] = page.locator(".rv-banner, .rv-index h1").first.is_visible()
    seen["visible_code"] = page.locator(CODE_SELECTOR).count()
    seen["lang"] = page.evaluate("document.documentElement.lang")
    seen["title"] = page.title()
    return seen


def test_site_in_headless_chromium(built_site, server, tmp_path):
    chromium = require_tool("chromium", "browser test of the reviewer site")
    sync_api = pytest.importorskip("playwright.sync_api")
    host = urlparse(server).netloc
    outside: list[str] = []

    def route(r):
        if urlparse(r.request.url).netloc == host or r.request.url.startswith("data:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    with sync_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            ctx.route("**/*", route)
            page = ctx.new_page()
            index = _check_page(page, f"{server}/reports/2024/index.html", host=host)
            links = sorted(set(page.eval_on_selector_all("a[href$='.html']", "as => as.map(a => a.href)")))
            pages = {url: _check_page(ctx.new_page(), url, host=host) for url in links}
        finally:
            ctx.close()

    assert outside == [], f"requests left the machine: {outside}"
    assert sorted(Path(urlparse(u).path).name for u in links) == ["t_fail.html", "t_ok.html"]
    for url, seen in {"index": index, **pages}.items():
        assert seen["console"] == [] and seen["page_errors"] == [], (
            f"{url}: {seen['console'] + seen['page_errors']}"
        )
        assert seen["dialogs"] == [], f"{url}: a dialog opened: {seen['dialogs']}"
        assert seen["banner_visible"], f"{url}: banner not visible"
        assert seen["visible_code"] == 0, f"{url}: code cells rendered"
        assert all(ok and width > 0 for _, ok, width in seen["images"]), (
            f"{url}: broken image {seen['images']}"
        )
        assert site.SYNTHETIC_TEXTS["en"] in seen["text"], f"{url}: synthetic banner missing"
        assert seen["lang"] == "en" and seen["title"] and ".ipynb" not in seen["title"], (url, seen["title"])
        assert XSS_UNIT in seen["text"], f"{url}: unit name not shown as text"
        assert "analysis.notebook.setup" not in seen["text"], f"{url}: code visible"
    assert len(index["images"]) == 1  # the one figure saved by t_ok (thumbnail links to the PNG file)
    ok_page = next(v for k, v in pages.items() if k.endswith("t_ok.html"))
    assert any(src.startswith("data:image/png") for src, _, _ in ok_page["images"])
    fail_page = next(v for k, v in pages.items() if k.endswith("t_fail.html"))
    assert "deliberate failure for the test" in fail_page["text"] and "FAILED" in fail_page["text"]
    assert "FAILED" in index["text"]


def test_pages_fit_a_phone_and_a_laptop(built_site, server, tmp_path):
    """At 390 px (a phone) and 1366 px no page is wider than the screen: wide tables scroll in their box."""
    chromium = require_tool("chromium", "browser test of the reviewer site")
    sync_api = pytest.importorskip("playwright.sync_api")
    widths = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            for width in (390, 1366):
                page = browser.new_page(viewport={"width": width, "height": 900})
                for name in ("index.html", "99/t_ok.html", "99/t_fail.html"):
                    page.goto(f"{server}/reports/2024/{name}", wait_until="load")
                    widths[(width, name)] = page.evaluate("document.documentElement.scrollWidth")
                    page.screenshot(path=str(tmp_path / f"{width}_{name.replace('/', '_')}.png"))
                page.close()
        finally:
            browser.close()
    too_wide = {k: v for k, v in widths.items() if v > k[0]}
    assert not too_wide, f"pages wider than the screen (px): {too_wide}"
