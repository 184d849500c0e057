"""Measure the built book in headless Chromium: page weight and the playground's speed.

Usage (after `make book` and `npm ci`)::

    .venv/bin/python scripts/measure_site.py [--site book/_build/html] [--page PATH ...]

Prints, for each page (default: every page of the book, as scripts/lighthouse.py):
the number of requests, the bytes served (as sent by the local server, uncompressed)
and the same bytes gzip-compressed (what a host that compresses would send), split
into HTML, scripts, styles, fonts, images and other. Then, on the first page with the
playground, its training speed in steps per second, two ways:

* in the widget: steps from pressing Train at the default learning rate to "Finished",
  over the wall time (includes drawing; the widget runs a fixed number of steps per
  animation frame, so this is capped by the display's frame rate);
* raw: core.js's Trainer.run on the same data, with no drawing.

A measurement, not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import re
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from lighthouse import (
    default_pages,  # the same pages as Lighthouse: every page of the book
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from browser_site import CHROMIUM_FLAGS as FLAGS  # noqa: E402 (one list for tests and scripts)

KINDS = {
    "document": "html",
    "script": "scripts",
    "stylesheet": "styles",
    "font": "fonts",
    "image": "images",
}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def serve(site: Path):
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def page_weight(browser, base: str, site: Path, page_path: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen: list[tuple[str, str]] = []
    external: list[str] = []
    page.on("requestfinished", lambda r: seen.append((r.url, r.resource_type)))

    def route(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith("http") and not host.startswith("127."):
            external.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    page.goto(base + page_path, wait_until="load")
    page.wait_for_load_state("networkidle")
    context.close()
    totals: dict[str, list[int]] = {}
    for url, kind in seen:
        local = site / urlsplit(url).path.lstrip("/")
        if not local.is_file():
            continue
        body = local.read_bytes()
        row = totals.setdefault(KINDS.get(kind, "other"), [0, 0, 0])
        row[0] += 1
        row[1] += len(body)
        row[2] += len(gzip.compress(body, 6))
    return {"rows": totals, "external": external}


def playground_speed(browser, base: str, page_path: str, repeats: int = 3) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + page_path, wait_until="load")
    page.locator(".gd-playground").first.scroll_into_view_if_needed()  # starts near view
    page.locator(".gd-playground[data-gdp-ready]").first.wait_for()
    widget_rates = []
    for _ in range(repeats):
        result = page.evaluate(
            """() => new Promise((resolve) => {
                const root = document.querySelector('.gd-playground[data-gdp-ready]');
                const status = root.querySelector('.gdp-status');
                root.querySelector('.gdp-reset').click();
                const t0 = performance.now();
                const observer = new MutationObserver(() => {
                    const m = /^(Finished|Diverged)[^0-9]*(\\d+)/.exec(status.textContent);
                    if (m) {
                        observer.disconnect();
                        resolve({text: status.textContent, ms: performance.now() - t0});
                    }
                });
                observer.observe(status, {childList: true, characterData: true, subtree: true});
                root.querySelector('.gdp-train').click();
            })"""
        )
        steps = int(re.search(r"step (\d+)", result["text"]).group(1))
        widget_rates.append(steps / (result["ms"] / 1000))
    raw = page.evaluate(
        """() => {
            const core = window.GDPlayground;
            const data = core.parseData(core.data);
            const rates = [];
            for (let r = 0; r < 3; r++) {
                const trainer = new core.Trainer(data, {learningRate: 0.15});
                const t0 = performance.now();
                trainer.run(3000);
                rates.push(trainer.t / ((performance.now() - t0) / 1000));
            }
            return {rates, points: data.X.rows};
        }"""
    )
    context.close()
    return {
        "widget": statistics.median(widget_rates),
        "raw": statistics.median(raw["rates"]),
        "points": raw["points"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "book" / "_build" / "html")
    parser.add_argument("--page", action="append", help="page path relative to the site")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        parser.error(f"no built site in {site}: run `make book` first")
    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    pages = args.page or default_pages(site)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=FLAGS)
            print("Page weight (bytes as served here / gzip-compressed):")
            for page_path in pages:
                result = page_weight(browser, base, site, page_path)
                rows = result["rows"]
                n = sum(r[0] for r in rows.values())
                raw = sum(r[1] for r in rows.values())
                packed = sum(r[2] for r in rows.values())
                print(
                    f"  {page_path}: {n} requests, {raw / 1024:.0f} KiB "
                    f"({packed / 1024:.0f} KiB gzipped), external requests: "
                    f"{len(result['external'])}"
                )
                for kind, (count, size, gz) in sorted(rows.items(), key=lambda kv: -kv[1][1]):
                    print(
                        f"      {kind:8s} {count:3d} files {size / 1024:8.0f} KiB"
                        f" {gz / 1024:7.0f} KiB gz"
                    )
            with_playground = [
                p
                for p in pages
                if 'class="gd-playground"' in (site / p).read_text(encoding="utf-8")
            ]
            if with_playground:
                speed = playground_speed(browser, base, with_playground[0])
                print(
                    f"Playground on {with_playground[0]} ({speed['points']} points): "
                    f"{speed['widget']:.0f} steps/s in the widget (with drawing), "
                    f"{speed['raw']:.0f} steps/s raw (Trainer.run, no drawing)"
                )
            else:
                print("No page with the playground among those measured.")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
