"""Fixtures for the browser tests: the built book, a local server, headless Chromium.

* The site is ``book/_build/html`` (``make test`` builds it before pytest runs; if it is
  missing, the ``site_dir`` fixture builds it). ``BOOK_HTML_DIR`` points the tests at
  another built copy.
* It is served on 127.0.0.1 on a free port by a server these fixtures start and stop.
* The browser is Debian's Chromium (``/usr/bin/chromium``, or ``CHROMIUM_PATH``) driven by
  the Python ``playwright`` package; no browser is ever downloaded. Without Chromium the
  tests are skipped, except under CI (``CI`` set), where they fail.
* Every request to a host other than the loopback is *blocked* and recorded, so a page
  that would reach a third party fails its test without any traffic leaving the machine.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_site import (
    AXE_JS,
    BOOK,
    ROOT,
    SCREENSHOTS,
    built_pages,
    collected_pages,
    is_loopback,
    missing,
    site_path,
)

# ---------------------------------------------------------------------------------------
# The site and its server


@pytest.fixture(scope="session")
def site_dir() -> Path:
    site = site_path()
    if not (site / "index.html").is_file():
        if os.environ.get("BOOK_HTML_DIR"):
            pytest.fail(f"BOOK_HTML_DIR={site} holds no built site (no index.html)")
        jupyter_book = Path(sys.executable).with_name("jupyter-book")
        command = [str(jupyter_book), "build", str(BOOK), "-W", "-n", "--keep-going"]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            pytest.fail(
                "building the book for the browser tests failed:\n"
                + (result.stdout + result.stderr)[-4000:]
            )
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    #: The path the site is published under (e.g. "/repo/"): also served here, as the
    #: 404 page's absolute links point there (book/_config.yml, html.baseurl).
    site_prefix = ""

    def translate_path(self, path):
        if self.site_prefix and path.startswith(self.site_prefix):
            path = "/" + path[len(self.site_prefix):]
        return super().translate_path(path)

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


def _site_prefix(site_dir) -> str:
    """The path of html_baseurl, read from the 404 page's link to its style sheet bundle."""
    page = site_dir / "404.html"
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    found = re.search(r'href="(/[^"]*?)_static/', text)
    return found.group(1) if found and found.group(1) != "/" else ""


@pytest.fixture(scope="session")
def base_url(site_dir):
    handler_class = type("_Handler", (_QuietHandler,), {"site_prefix": _site_prefix(site_dir)})
    handler = functools.partial(handler_class, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# ---------------------------------------------------------------------------------------
# The browser


@dataclass
class Visit:
    """One page opened in a fresh browser context, with what happened while loading."""

    page: object
    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)  # loopback URLs, in request order

    @property
    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"HTTP error: {m}" for m in self.http_errors]
        )


def new_visit(browser, url: str, **context_options) -> tuple[object, Visit]:
    """Open ``url`` in a fresh browser context; return (context, visit) once settled."""
    context_options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**context_options)
    context.set_default_timeout(60_000)
    page = context.new_page()
    visit = Visit(page)

    def route(route):
        if is_loopback(route.request.url):
            visit.fetched.append(route.request.url)
            route.continue_()
        else:
            visit.external.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.on(
        "response",
        lambda r: r.status >= 400 and visit.http_errors.append(f"{r.status} {r.url}"),
    )
    response = page.goto(url, wait_until="load")
    # index.html only redirects to the first chapter (a meta refresh): wait until it
    # has landed there. Decided from the document as served, not from the live page,
    # which may already be navigating away.
    try:
        served = response.text() if response is not None else ""
    except Exception:  # the body can be gone once the page has navigated on
        served = ""
    if page.url != url or re.search(r'http-equiv="refresh"', served, re.I):
        page.wait_for_url(lambda new: new != url)
        page.wait_for_load_state("load")
    if context_options.get("java_script_enabled", True):
        wait_for_fonts(page)
    page.wait_for_load_state("networkidle")
    return context, visit


@pytest.fixture
def open_page(browser, base_url):
    """``open_page(path, **context_options)`` -> :class:`Visit` in a new context."""
    contexts = []

    def _open(path: str, **context_options) -> Visit:
        context, visit = new_visit(browser, base_url + path, **context_options)
        contexts.append(context)
        return visit

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def _visits(browser, base_url):
    visits: dict[str, tuple[object, Visit]] = {}
    yield visits
    for context, _ in visits.values():
        context.close()


@pytest.fixture
def site_visit(_visits, browser, base_url, site_dir, site_page) -> Visit:
    """The page ``site_page`` as loaded once per session (the per-page checks share it)."""
    if not (site_dir / site_page).is_file():
        pytest.fail(f"{site_page} is not in the built site")
    if site_page not in _visits:
        _visits[site_page] = new_visit(browser, base_url + site_page)
    return _visits[site_page][1]


def wait_for_fonts(page) -> None:
    """Wait until the page's fonts (the math font, for the formulas) are in."""
    page.evaluate("async () => { await document.fonts.ready; }")


def pytest_generate_tests(metafunc):
    if "site_page" in metafunc.fixturenames:
        metafunc.parametrize("site_page", collected_pages())


@pytest.fixture(scope="session")
def run_axe():
    """``run_axe(page)`` -> axe-core's violations on the page as it is now."""
    if not AXE_JS.is_file():
        missing(f"axe-core is not installed ({AXE_JS} missing): run `npm ci`")

    def _run(page) -> list[dict]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("async () => JSON.stringify(await axe.run(document))")
        return json.loads(result)["violations"]

    return _run


@pytest.fixture(scope="session")
def pages_with(site_dir):
    """``pages_with(marker)`` -> built pages whose HTML contains ``marker``."""

    def _find(marker: str) -> list[str]:
        return [
            p for p in built_pages(site_dir) if marker in (site_dir / p).read_text(encoding="utf-8")
        ]

    return _find


@pytest.fixture(scope="session")
def screenshot():
    """``screenshot(page, name)``: a full-page PNG in artifacts/screenshots/."""

    def _shoot(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shoot
