"""Lighthouse scores of the built book, served on 127.0.0.1, in Debian's Chromium.

Usage (after `make book` and `npm ci`, which installs Lighthouse from package.json)::

    .venv/bin/python scripts/lighthouse.py [--site book/_build/html] [--page PATH ...]

For each page (default: every page of the book, the welcome page first; ``--heavy``: only
the welcome page and the pages with math, a quiz or the playground) and each form factor
(Lighthouse's mobile default and its desktop preset; ``--form`` for one) it prints the four
category scores: performance, accessibility, best practices, SEO. The performance score
scatters from run to run on this machine (the first frame of headless Chromium comes at
0.3 s or, at random, a second or two later); ``--runs N`` runs each page N times and keeps
the median run, printing all N scores.
Full reports go to artifacts/lighthouse/ (gitignored).

The local server compresses text files with gzip, as static hosts do (the Python
server used by the tests does not). A measurement, not a test: performance in particular
depends on the machine and its load; Lighthouse's throttling is simulated, so no network
is needed.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
OUT = ROOT / "artifacts" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --no-first-run --disable-sync --disable-quic"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MARKERS = ('class="math', '<section class="quiz"', 'class="gd-playground"')


class CompressingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site gzip-compressed where the browser accepts it, as static hosts
    (GitHub Pages, Netlify, ...) do; Python's own server never compresses."""

    COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".txt", ".xml", ".map")

    def do_GET(self):  # noqa: N802 (the base class's name)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.is_file() and path.suffix in self.COMPRESSIBLE):
            return super().do_GET()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


def default_pages(site: Path, every: bool = True) -> list[str]:
    """The book's pages: the welcome page first, then every chapter and API page (sorted).

    With ``every=False``: only the welcome page and the pages with math, a quiz or the
    playground (the heaviest ones)."""
    root_doc = "chapters/welcome.html"
    pages = []
    for path in sorted((site / "chapters").rglob("*.html")):
        relative = path.relative_to(site).as_posix()
        if relative == root_doc:
            continue
        if every or any(marker in path.read_text(encoding="utf-8") for marker in MARKERS):
            pages.append(relative)
    return ([root_doc] if (site / root_doc).is_file() else []) + pages


def run(url: str, form_factor: str, report: Path, chromium: str) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        # Not scored, and the slowest part of a run on a long page.
        "--disable-full-page-screenshot",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=chromium)
    subprocess.run(command, check=True, env=env, cwd=ROOT)
    return json.loads(report.read_text())  # the whole result (scores: ``scores``)


def median_run(results: list[dict]) -> dict:
    """The run whose performance score is the median of ``results`` (the lower middle for
    an even count), as Lighthouse's docs advise for a score that scatters between runs."""
    if not results:
        raise ValueError("median_run needs at least one Lighthouse result, got none")
    ranked = sorted(results, key=lambda r: r["categories"]["performance"]["score"] or 0)
    return ranked[(len(ranked) - 1) // 2]


def scores(result: dict) -> dict[str, int]:
    return {name: round(100 * (result["categories"][name]["score"] or 0)) for name in CATEGORIES}


def summary(folder: Path) -> str:
    """A Markdown table of the reports already in ``folder`` (``--summary``)."""
    rows = ["| page | mobile: perf / a11y / bp / SEO (BI) | desktop: perf / a11y / bp / SEO (BI) |",
            "| --- | --- | --- |"]
    names = sorted({path.name.split(".")[0] for path in folder.glob("*.json")},
                   key=lambda n: (n != "chapters__welcome", n))
    for name in names:
        cells = []
        for form_factor in ("mobile", "desktop"):
            report = folder / f"{name}.{form_factor}.json"
            if report.is_file():
                result = json.loads(report.read_text())
                found = scores(result)
                # Lighthouse's benchmarkIndex: how fast the machine was during the run
                # (lower = busier; the mobile score falls with it).
                index = round(result["environment"].get("benchmarkIndex") or 0)
                cells.append(" / ".join(str(found[c]) for c in CATEGORIES) + f" ({index})")
            else:
                cells.append("not measured")
        rows.append(f"| {name.replace('__', '/')}.html | {cells[0]} | {cells[1]} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "book" / "_build" / "html")
    parser.add_argument("--page", action="append", help="page path relative to the site")
    parser.add_argument("--heavy", action="store_true", help="only the heaviest pages")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--runs", type=int, default=1,
                        help="runs per page and form factor; the median run is kept")
    parser.add_argument("--form", choices=("mobile", "desktop", "both"), default="both",
                        help="which form factors to measure")
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSON reports go")
    parser.add_argument("--summary", action="store_true",
                        help="print the reports already in --out as a Markdown table; no run")
    args = parser.parse_args(argv)
    if args.summary:
        print(summary(args.out))
        return 0
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        parser.error(f"no built site in {site}: run `make book` first")
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    if not LIGHTHOUSE.exists():
        parser.error(f"{LIGHTHOUSE} not found: run `npm ci`")
    args.out.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(CompressingHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    header = f"{'page':40s} {'form':8s} " + " ".join(f"{c[:13]:>13s}" for c in CATEGORIES)
    print(header)
    try:
        for page in args.page or default_pages(site, every=not args.heavy):
            forms = ("mobile", "desktop") if args.form == "both" else (args.form,)
            for form_factor in forms:
                name = page.replace("/", "__").removesuffix(".html")
                report = args.out / f"{name}.{form_factor}.json"
                results = [run(base + page, form_factor, report, args.chromium)
                           for _ in range(args.runs)]
                kept = median_run(results)
                if args.runs > 1:  # the report on disk is the last run's
                    report.write_text(json.dumps(kept))
                found = scores(kept)
                row = " ".join(f"{found[c]:13d}" for c in CATEGORIES)
                spread = sorted(scores(r)["performance"] for r in results)
                extra = f"   runs: {spread}" if args.runs > 1 else ""
                print(f"{page:40s} {form_factor:8s} {row}{extra}", flush=True)
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
