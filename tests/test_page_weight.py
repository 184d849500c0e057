"""Page-weight budget: what a reader's browser fetches to show a page, gzipped.

Read from the built site (no browser): for every page of the book, the HTML itself and
everything its markup makes the browser fetch before the page has loaded: style sheets,
scripts (``defer`` ones too), preloads, the site icon and the images not marked
``loading="lazy"``. Not counted here: images below the first screen (lazy) and fonts,
which style sheets ask for (the math font, for the formulas typeset at build time by
``book/_ext/offline_math``; Font Awesome's, cut to a few glyphs by
``book/_ext/theme_fixes/icons.py``); ``tests/browser/test_site_in_browser.py``
counts everything Chromium fetches, fonts included. Every file is counted gzip-compressed
(level 6, as static hosts serve text), PNGs as they are.

The budget is the goal of issue 12: a chapter's first load under 300 KB gzipped. Before
that work a chapter fetched 0.8-1.0 MB gzipped (Font Awesome's script alone: 543 KB).
``scripts/measure_site.py`` measures the same in Chromium, fonts included.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser_site import built_pages, missing, site_path

pytestmark = pytest.mark.book

BUDGET = 300 * 1024
TAG = re.compile(r"<(script|link|img)\b([^>]*)>", re.I)
ATTR = re.compile(r'([\w:-]+)(?:\s*=\s*"([^"]*)")?')
JS_TYPES = {"", "text/javascript", "application/javascript", "module"}
NOT_BOOK_PAGES = ("genindex.html", "py-modindex.html", "search.html", "404.html", "index.html")


@cache
def gzipped_size(path: Path) -> int:
    data = path.read_bytes()
    if path.suffix.lower() in {".png", ".jpg", ".jpeg", ".webp", ".woff", ".woff2", ".gif"}:
        return len(data)  # already compressed; hosts send them as they are
    return len(gzip.compress(data, 6))


def lazy_images(html_path: Path) -> set[Path]:
    """The images a page marks ``loading="lazy"`` (below its first screen), resolved."""
    found = set()
    for tag, raw in TAG.findall(html_path.read_text(encoding="utf-8")):
        attrs = {k.lower(): v or "" for k, v in ATTR.findall(raw)}
        if tag.lower() == "img" and attrs.get("loading") == "lazy" and attrs.get("src"):
            found.add((html_path.parent / unquote(attrs["src"])).resolve())
    return found


def first_load(site: Path, page: str) -> dict[str, int]:
    """{file (relative to the site): gzipped bytes} fetched to show ``page``."""
    html_path = site / page
    html = html_path.read_text(encoding="utf-8")
    files = {page: gzipped_size(html_path)}
    for tag, raw in TAG.findall(html):
        attrs = {k.lower(): v or "" for k, v in ATTR.findall(raw)}
        tag = tag.lower()
        if tag == "script":
            url = attrs.get("src")
            if attrs.get("type", "").lower() not in JS_TYPES:
                url = None  # a data block the browser does not fetch (e.g. lazy MathJax)
        elif tag == "link":
            rel = attrs.get("rel", "").lower().split()
            wanted = {"stylesheet", "preload", "icon", "modulepreload"}
            url = attrs.get("href") if wanted & set(rel) else None
        else:
            url = None if attrs.get("loading") == "lazy" else attrs.get("src")
        if not url or "://" in url or url.startswith(("data:", "#", "//")):
            continue
        path = unquote(urlsplit(url).path)
        if path.startswith("/"):  # the 404 page links from the site's root path down
            parts = path.strip("/").split("/")
            found = (site / "/".join(parts[k:]) for k in range(len(parts)))
            target = next((f for f in found if f.is_file()), site / path.lstrip("/"))
        else:
            target = (html_path.parent / path).resolve()
        assert target.is_file(), f"{page} links {url}, which is not in the built site"
        files[target.relative_to(site).as_posix()] = gzipped_size(target)
    return files


@pytest.fixture(scope="module")
def site_dir() -> Path:
    site = site_path()
    if not (site / "index.html").is_file():
        missing(f"no built book in {site} (`make book` builds it)")
    return site


def book_pages(site: Path) -> list[str]:
    return [p for p in built_pages(site) if not p.endswith(NOT_BOOK_PAGES)]


def test_every_page_is_within_the_budget(site_dir):
    pages = book_pages(site_dir)
    assert len(pages) >= 10, f"expected the book's pages in {site_dir}, found {pages}"
    over = {}
    report = []
    for page in pages:
        files = first_load(site_dir, page)
        total = sum(files.values())
        report.append(f"{total / 1024:7.1f} KiB  {len(files):3d} files  {page}")
        if total > BUDGET:
            heaviest = sorted(files.items(), key=lambda kv: -kv[1])[:5]
            over[page] = (total, heaviest)
    print("\n".join(["first load, gzipped:", *report]))
    assert not over, "\n".join(
        f"{page}: {total / 1024:.0f} KiB gzipped > {BUDGET // 1024} KiB; heaviest: "
        + ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in heaviest)
        for page, (total, heaviest) in over.items()
    )


def test_no_page_loads_font_awesome_or_a_math_script(site_dir):
    """The big scripts the budget was won from stay out: Font Awesome's, and any math
    script (the math is typeset when the book is built)."""
    for page in built_pages(site_dir):
        files = first_load(site_dir, page)
        assert not [f for f in files if "fontawesome" in f], page
        assert not [f for f in files if re.search(r"mathjax|katex|temml.*\.js", f)], page


def test_the_counting_sees_what_a_page_links(site_dir):
    """The parser must find the theme's style sheet and scripts (else the budget is void)."""
    page = next(p for p in book_pages(site_dir) if "welcome" in p)
    files = first_load(site_dir, page)
    sheets = [f for f in files if f.endswith(".css")]  # bundles (css_bundles.py)
    assert any("/* styles/pydata-sphinx-theme.css */" in (site_dir / f).read_text()
               for f in sheets), files
    assert any(f.endswith("bootstrap.js") for f in files), files
    assert sum(files.values()) > 50 * 1024, files
