"""Helpers shared by the browser tests and their fixtures (see conftest.py)."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
LOOPBACK_HOSTS = {"localhost", "::1"}
# Folders of the built site that hold assets, not pages.
NOT_PAGES = {"_static", "_sources", "_images", "reports", "_downloads"}


def site_path() -> Path:
    return Path(os.environ.get("BOOK_HTML_DIR") or BOOK / "_build" / "html").resolve()


def missing(what: str) -> None:
    """Skip locally, fail under CI: CI must run these tests."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI is set, so the browser tests must run)")
    pytest.skip(what)


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https", "ws", "wss"}:
        return True  # data:, blob:, about: never leave the browser
    host = (parts.hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


@functools.cache
def collected_pages() -> list[str]:
    """Pages to check, as paths relative to the site root: those in the table of
    contents, the generated ones, and any other HTML page already in the built site
    (only the latter when BOOK_HTML_DIR names another site)."""
    pages = set(built_pages(site_path()))
    if os.environ.get("BOOK_HTML_DIR"):
        return sorted(pages)
    import yaml

    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    pages |= {f"{Path(f).with_suffix('')}.html" for f in files}
    pages |= {"index.html", "genindex.html", "search.html"}
    return sorted(pages)


STYLESHEET = re.compile(r'<link rel="stylesheet" href="[^"]*?(_static/[^"?]+)')


def page_css(site: Path, html: str) -> str:
    """The text of the style sheets a built page links: its bundles, in which
    book/_ext/theme_fixes/css_bundles.py heads each file with a ``/* <name> */`` comment."""
    return "".join((site / sheet).read_text(encoding="utf-8")
                   for sheet in STYLESHEET.findall(html))


def built_pages(site: Path) -> list[str]:
    if not (site / "index.html").is_file():
        return []
    return sorted(
        path.relative_to(site).as_posix()
        for path in site.rglob("*.html")
        if not NOT_PAGES & set(path.relative_to(site).parts[:-1])
    )


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        lines.append(f"{v['impact']}: {v['id']} ({len(v['nodes'])}x) {targets} - {v['help']}")
    return "\n".join(lines)
