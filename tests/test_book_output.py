"""Checks on the built book (book/_build/html), which `make test` builds first.

If the site is missing, the `site` fixture builds it (warnings as errors), so
`pytest tests/test_book_output.py` also works on its own.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"

pytestmark = pytest.mark.book


def toc_files() -> list[str]:
    """Every document named in _toc.yml (root included), without extension."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return found


def is_executable(md: Path) -> bool:
    head = md.read_text(encoding="utf-8").split("\n---", 1)[0]
    return md.read_text(encoding="utf-8").startswith("---") and "kernelspec:" in head


EXECUTABLE = sorted(
    f for f in toc_files() if is_executable(BOOK / f"{f}.md")
)


@pytest.fixture(scope="session")
def site() -> Path:
    if not (HTML / "index.html").exists():
        build = subprocess.run(
            [Path(sys.executable).with_name("jupyter-book"), "build", str(BOOK),
             "-W", "-n", "--keep-going"],
            capture_output=True, text=True,
        )
        assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    return HTML


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def all_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def test_toc_has_executable_chapters():
    # guards the parametrised tests below against silently testing nothing
    assert len(EXECUTABLE) >= 5, EXECUTABLE


@pytest.mark.parametrize("doc", toc_files())
def test_every_toc_page_is_in_the_output(site, doc):
    assert (site / f"{doc}.html").is_file(), f"{doc}.html missing from the built site"


@pytest.mark.parametrize("doc", EXECUTABLE)
def test_executable_chapter_has_binder_link_to_a_real_file(site, doc):
    page = soup(site / f"{doc}.html")
    links = [a["href"] for a in page.find_all("a", href=True) if "mybinder.org/v2/gh/" in a["href"]]
    assert links, f"{doc}: no Binder launch link"
    for href in links:
        parts = urlsplit(href)
        # /v2/gh/ORG/REPO/BRANCH
        branch = parts.path.rstrip("/").split("/")[-1]
        assert branch == "main", f"{doc}: Binder link uses branch {branch!r}: {href}"
        match = re.search(r"urlpath=(?:lab/)?tree/([^&]+)", parts.query)
        assert match, f"{doc}: Binder link has no urlpath: {href}"
        # The launch opens the student notebook binder/postBuild derives from the chapter
        # (tests/test_binder.py runs postBuild and opens it); the page's download button
        # serves the same notebook, derived at build time.
        target = unquote(match.group(1))
        name = doc.rsplit("/", 1)[-1]
        assert target == f"notebooks/{name}.ipynb", f"{doc}: Binder link opens {target}"
        assert (site / "_sources" / f"{doc}.ipynb").is_file(), f"{doc}: no notebook download"


@pytest.mark.parametrize("doc", EXECUTABLE)
def test_no_error_or_warning_in_outputs(site, doc):
    page = soup(site / f"{doc}.html")
    cells = page.select("div.cell_output")
    assert page.select("div.cell"), f"{doc}: no executed code cells found"
    bad = [
        div for div in page.select("div.output")
        if {"stderr", "traceback", "error"} & set(div.get("class", []))
    ]
    assert not bad, f"{doc}: error/stderr output: {bad[0].get_text()[:500]}"
    for out in cells:
        text = out.get_text()
        for marker in ("Traceback (most recent call last)", "Warning:", "RuntimeWarning"):
            assert marker not in text, f"{doc}: output contains {marker!r}: {text[:400]}"


def test_every_image_has_alt_text(site):
    missing = []
    for page_path in all_pages(site):
        for img in soup(page_path).find_all("img"):
            if not (img.get("alt") or "").strip():
                missing.append(f"{page_path.relative_to(site)}: {img.get('src', '')[:80]}")
    assert not missing, "images without alt text:\n" + "\n".join(missing)


def test_figures_exist(site):
    # chapters embed their figures as image files; at least one per figure-bearing chapter
    images = [img for p in all_pages(site) for img in soup(p).select("article img")]
    assert len(images) >= 10, f"only {len(images)} figures in the whole book"


def test_internal_links_resolve(site):
    broken = []
    ids_cache: dict[Path, set[str]] = {}

    def ids(path: Path) -> set[str]:
        if path not in ids_cache:
            ids_cache[path] = {t["id"] for t in soup(path).find_all(id=True)}
        return ids_cache[path]

    # The 404 page links with absolute paths under the published path (html.baseurl).
    found = re.search(r'href="(/[^"]*?)_static/', (site / "404.html").read_text())
    prefix = found.group(1) if found else "/"
    for page_path in all_pages(site):
        for a in soup(page_path).find_all("a", href=True):
            href = a["href"]
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            if not parts.path:
                target = page_path
            elif parts.path.startswith(prefix) and page_path.name == "404.html":
                target = site / unquote(parts.path[len(prefix):])
            else:
                target = (page_path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page_path.relative_to(site)} -> {href}")
                continue
            if parts.fragment and target.suffix == ".html" and parts.fragment not in ids(target):
                broken.append(f"{page_path.relative_to(site)} -> {href} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:40])


def test_the_book_drops_these_spans_and_keeps_its_code(site):
    """theme_fixes/highlighting.py on the built book: the variants chapter's code has no
    name, punctuation or whitespace spans (a quarter of its elements before), and its code
    still reads as code once the remaining spans are taken away."""
    page = (site / "chapters" / "gd-variants.html").read_text()
    blocks = re.findall(r'<div class="highlight"><pre>(.*?)</pre></div>', page, re.S)
    assert len(blocks) > 20
    classes = set(re.findall(r'<span class="([^"]*)"', "".join(blocks)))
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from theme_fixes.highlighting import unstyled_classes

    dropped = unstyled_classes(["a11y-high-contrast-light", "a11y-high-contrast-dark"])
    assert {"n", "p", "w"} <= dropped
    assert not classes & dropped
    assert {"o", "k", "mi"} <= classes
    assert any("import numpy as np" in re.sub(r"<[^>]+>", "", b) for b in blocks)
    assert len(re.findall(r"<[a-zA-Z]", page)) < 7000  # 8,318 elements with the spans
