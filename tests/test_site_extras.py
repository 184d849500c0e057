"""The finish of a published book, checked on the built site: a 404 page that works at
any depth, a sitemap of every page, Open Graph metadata without outside images, and the
book's own static files (book/_static) on every page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from browser_site import built_pages, missing, page_css, site_path

pytestmark = pytest.mark.book

BOOK = Path(__file__).resolve().parents[1] / "book"
LINK = re.compile(r'(?:href|src)="([^"#?]+)[^"]*"')


@pytest.fixture(scope="module")
def site() -> Path:
    site = site_path()
    if not (site / "index.html").is_file():
        missing(f"no built book in {site} (`make book` builds it)")
    return site


@pytest.fixture(scope="module")
def base_url(site) -> str:
    """html_baseurl, as the build wrote it into every page's canonical link."""
    html = (site / "chapters" / "welcome.html").read_text(encoding="utf-8")
    found = re.search(r'<link rel="canonical" href="([^"]+)chapters/welcome\.html"', html)
    assert found, "the welcome page has no canonical link (html_baseurl not set?)"
    return found.group(1)


def toc_pages() -> list[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts"))
    return [f"{f}.html" for f in files]


def test_404_page_links_work_from_any_depth(site, base_url):
    """Hosts serve 404.html for a missing URL at any depth (/x, /a/b/c/x), so its links
    must be absolute paths under the site's path, and each must exist in the site."""
    prefix = urlsplit(base_url).path
    html = (site / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in html
    local = [u for u in LINK.findall(html) if "://" not in u and not u.startswith("data:")]
    assert len(local) > 10, local
    relative = [u for u in local if not u.startswith("/")]
    assert not relative, f"relative links break below the top level: {relative[:5]}"
    for url in local:
        assert url.startswith(prefix), (url, prefix)
        target = site / url[len(prefix):]
        assert target.is_file() or (target / "index.html").is_file(), url
    sheet = re.search(rf'<link rel="stylesheet" href="{prefix}(_static/bundles/[^"?]+)', html)
    assert sheet, "the 404 page links no style sheet bundle"  # css_bundles.py
    assert "/* styles/pydata-sphinx-theme.css */" in (site / sheet.group(1)).read_text()
    assert f'href="{prefix}chapters/welcome.html"' in html


def test_sitemap_lists_every_page_of_the_book(site, base_url):
    tree = ET.parse(site / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [loc.text for loc in tree.getroot().findall("s:url/s:loc", ns)]
    assert len(urls) == len(set(urls)), "a page is listed twice"
    expected = {base_url + page for page in toc_pages()}
    assert expected <= set(urls), sorted(expected - set(urls))
    for url in urls:
        assert url.startswith(base_url), url
        assert (site / url[len(base_url):]).is_file(), url
        assert not url.endswith(("404.html", "search.html", "genindex.html")), url


@pytest.mark.parametrize("page", toc_pages())
def test_open_graph_metadata(site, base_url, page):
    html = (site / page).read_text(encoding="utf-8")
    meta = dict(re.findall(r'<meta property="(og:[\w:]+)" content="([^"]*)"', html))
    assert meta.get("og:title"), page
    assert meta.get("og:url") == base_url + page
    assert meta.get("og:site_name") == "Gradient descent, day by day"
    assert len(meta.get("og:description", "")) > 40, meta
    image = meta.get("og:image", "")
    assert not image or image.startswith(base_url), f"image from elsewhere: {image}"
    assert html.count('<meta name="description"') == 1, page


def test_every_published_file_is_readable_by_everyone(site):
    """A web server running as another user must be able to read every file: files
    written through a private temporary file (figures, data, bundles) once kept its 0600."""
    private = [p.relative_to(site).as_posix() for p in site.rglob("*")
               if p.is_file() and not p.stat().st_mode & 0o004]
    assert not private, f"{len(private)} files unreadable by others, e.g. {private[:5]}"


def test_book_static_files_on_every_page(site):
    """book/_static holds the favicon, the logo and book.css; every page uses them."""
    for name in ("favicon.svg", "logo.svg", "book.css"):
        assert (BOOK / "_static" / name).is_file(), name
        assert (site / "_static" / name).is_file(), name
    for page in built_pages(site):
        html = (site / page).read_text(encoding="utf-8")
        if page == "index.html":  # only a redirect to the first chapter
            continue
        assert re.search(r'<link rel="icon" href="[^"]*_static/favicon\.svg', html), page
        assert "/* book.css */" in page_css(site, html), page  # in one of its bundles
