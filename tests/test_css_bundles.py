"""Each page's stylesheets bundled into two requests (book/_ext/theme_fixes/css_bundles.py):
the same rules in the same order, every ``url()`` still pointing at its file."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import sys
import threading
from pathlib import Path

import pytest
from browser_site import missing, site_path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from theme_fixes.css_bundles import (  # noqa: E402
    BundleError,
    bundle_site,
    css_text,
    purge_unused_rules,
)

PNG = bytes.fromhex(  # a 1x1 PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


def page(links: list[str], body: str = '<p class="one">text</p><i class="icon">i</i>') -> str:
    tags = "\n".join(f'    <link rel="stylesheet" type="text/css" href="{h}" />' for h in links)
    head = f"<!DOCTYPE html><html><head>\n<title>t</title>\n{tags}\n</head>"
    return f"{head}<body>{body}</body></html>"


def make_site(root: Path) -> Path:
    """A small site shaped like the book's: a theme sheet importing Sphinx's, an
    extension's sheet with a font and an image, per-page extras, a page one folder down,
    a 404 page with absolute links and a print-only sheet."""
    static = root / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "pkg" / "img").mkdir(parents=True)
    (static / "styles" / "theme.css").write_text('@charset "utf-8";\n@import "../basic.css";\n')
    (static / "basic.css").write_text(
        "p { color: rgb(1, 2, 3); }\n.icon { background-image: url(file.png); }\n")
    (static / "file.png").write_bytes(PNG)
    (static / "pkg" / "a.css").write_text(
        "p { color: rgb(4, 5, 6); }\n"
        ".icon { background-image: url('img/dot.png'); }\n"
        "i { mask-image: url(\"data:image/svg+xml,"
        "%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E\"); }\n"
        "b { background: url(https://example.invalid/x.png); }\n"
        "/*# sourceMappingURL=a.css.map */\n")
    (static / "pkg" / "img" / "dot.png").write_bytes(PNG)
    (static / "one.css").write_text("p.one { color: rgb(7, 8, 9); }\n")
    (static / "two.css").write_text(".icon { background-image: url(pkg/img/dot.png); }\n")
    (static / "print.css").write_text("p { color: black; }\n")
    shared = ["styles/theme.css", "pkg/a.css"]
    (root / "index.html").write_text(page([f"_static/{p}?v=1" for p in [*shared, "one.css"]]))
    (root / "chapters").mkdir()
    (root / "chapters" / "two.html").write_text(
        page([f"../_static/{p}" for p in [*shared, "two.css"]]
             + ['../_static/print.css" media="print']))
    (root / "404.html").write_text(page([f"/site/_static/{p}" for p in shared]))
    return root


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', html)


def test_pages_link_a_shared_bundle_and_their_own(tmp_path):
    site = make_site(tmp_path / "site")
    bundles = bundle_site(site, tmp_path / "doctrees" / "css_bundles.json")

    index = stylesheets((site / "index.html").read_text())
    two = stylesheets((site / "chapters" / "two.html").read_text())
    error = stylesheets((site / "404.html").read_text())
    assert len(index) == 2 and index[0].startswith("_static/bundles/")
    assert two[0] == "../" + index[0]  # the shared bundle, from one folder down
    assert two[2] == "../_static/print.css"  # print-only: left as it was, after
    assert error == ["/site/" + index[0]]  # only the shared files: one bundle
    name = index[0].rsplit("/", 1)[1]
    assert bundles[name] == ["styles/theme.css", "pkg/a.css"]
    assert json.loads((tmp_path / "doctrees" / "css_bundles.json").read_text()) == bundles

    text = (site / "_static" / "bundles" / name).read_text()
    # the cascade: Sphinx's rules (imported), then the extension's, in the pages' order
    assert text.index("rgb(1, 2, 3)") < text.index("rgb(4, 5, 6)")
    assert "@import" not in text and "@charset" not in text and "sourceMappingURL" not in text
    assert "url(../file.png)" in text and "url('../pkg/img/dot.png')" in text
    assert "url(https://example.invalid/x.png)" in text and "xmlns='http://www.w3.org" in text
    for bundle in (site / "_static" / "bundles").iterdir():
        for target in re.findall(r"url\(['\"]?([^'\")]+)", bundle.read_text()):
            if not target.startswith(("data:", "https:")):
                assert (bundle.parent / target).resolve().is_file(), (bundle.name, target)
        assert bundle.stat().st_mode & 0o044 == 0o044  # readable by a web server


def test_a_rebuild_keeps_pages_it_did_not_write_up_to_date(tmp_path):
    """Sphinx rewrites only changed pages; the others keep their bundle links, and
    their bundles are written again from the style sheets now in _static/."""
    site = make_site(tmp_path / "site")
    manifest = tmp_path / "doctrees" / "css_bundles.json"
    bundle_site(site, manifest)
    before = {p: p.read_text() for p in site.rglob("*.html")}
    (site / "_static" / "pkg" / "a.css").write_text("p { color: rgb(10, 11, 12); }\n")
    bundle_site(site, manifest)  # nothing rewritten: every page already bundled
    assert {p: p.read_text() for p in site.rglob("*.html")} == before
    shared = stylesheets(before[site / "index.html"])[0]
    assert "rgb(10, 11, 12)" in (site / shared).read_text()

    (site / "index.html").write_text(page(["_static/styles/theme.css", "_static/pkg/a.css",
                                           "_static/one.css"]))  # a page Sphinx wrote again
    bundle_site(site, manifest)
    again = stylesheets((site / "index.html").read_text())
    assert again == stylesheets(before[site / "index.html"])


def test_a_rebuild_removes_the_bundles_no_page_links_any_more(tmp_path):
    """A page whose style sheets change gets a new bundle name; the old bundle, linked by
    no page, is removed. Bundles still linked stay, even those this build did not make
    (a page left alone whose bundles the manifest no longer knows)."""
    site = make_site(tmp_path / "site")
    manifest = tmp_path / "doctrees" / "css_bundles.json"
    bundle_site(site, manifest)
    folder = site / "_static" / "bundles"
    first = {p.name for p in folder.glob("*.css")}
    (site / "index.html").write_text(page(["_static/styles/theme.css", "_static/pkg/a.css",
                                           "_static/one.css", "_static/two.css"]))
    bundle_site(site, manifest)
    now = {p.name for p in folder.glob("*.css")}
    linked = {Path(href).name for html in site.rglob("*.html")
              for href in stylesheets(html.read_text()) if "bundles/" in href}
    assert now == linked  # every linked bundle is there, and nothing else
    assert first - now  # the index's old extras bundle was removed
    # a page linking a bundle the manifest has lost keeps it
    manifest.unlink()
    (site / "index.html").write_text(page(["_static/styles/theme.css", "_static/pkg/a.css",
                                           "_static/two.css"]))
    kept = {Path(h).name for h in stylesheets((site / "chapters" / "two.html").read_text())
            if "bundles/" in h}
    assert kept
    bundle_site(site, manifest)
    assert kept <= {p.name for p in folder.glob("*.css")}


@pytest.mark.parametrize(
    ("css", "match"),
    [
        ('@import url("https://example.invalid/x.css");', r"x\.css.*only unconditional local"),
        ('@import "other.css" screen;', r"other\.css.*only unconditional local"),
        ('@import "missing.css";', r"cannot read stylesheet .*missing\.css"),
        ('@import "bad.css";', r"imports itself"),
    ],
)
def test_what_cannot_be_bundled_is_named(tmp_path, css, match):
    (tmp_path / "bad.css").write_text(css)
    with pytest.raises(BundleError, match=match):
        css_text(tmp_path, "bad.css")


def test_a_sheet_that_cannot_be_bundled_leaves_every_page_as_it_was(tmp_path):
    site = make_site(tmp_path / "site")
    (site / "_static" / "two.css").write_text('@import url("https://example.invalid/x.css");\n')
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    with pytest.raises(BundleError, match=r"two\.css: cannot bundle"):
        bundle_site(site, tmp_path / "css_bundles.json")
    after = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before  # no page rewritten, no bundle, no manifest


def test_the_bundled_page_looks_the_same_in_a_browser(tmp_path, browser):
    """Computed colours (the cascade) and loaded images (the rewritten URLs) are the same
    before and after bundling."""
    original = make_site(tmp_path / "original")
    bundled = shutil.copytree(original, tmp_path / "bundled")
    bundle_site(bundled, tmp_path / "css_bundles.json")

    def look(site: Path, path: str) -> list:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
        handler.log_message = lambda *args: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        tab = browser.new_page()
        try:
            tab.goto(f"http://127.0.0.1:{server.server_address[1]}/{path}")
            tab.wait_for_load_state("load")
            # a background image's timing entry can come just after the load event
            tab.wait_for_function("performance.getEntriesByType('resource')"
                                  ".some(e => e.name.endsWith('.png'))", timeout=10_000)
            return tab.evaluate("""() => {
                const icon = getComputedStyle(document.querySelector('.icon'));
                const images = performance.getEntriesByType('resource')
                    .filter(e => e.name.endsWith('.png') && e.responseStatus === 200)
                    .map(e => e.name.split('/').pop());
                return [getComputedStyle(document.querySelector('p')).color,
                        icon.backgroundImage.split('/').pop(), images,
                        document.styleSheets.length];
            }""")
        finally:
            tab.close()
            server.shutdown()
            server.server_close()

    for path in ("index.html", "chapters/two.html"):
        before, after = look(original, path), look(bundled, path)
        assert before[:3] == after[:3], path
        assert after[2], f"{path}: no image loaded"
        assert after[3] < before[3], path  # fewer style sheets


NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"

THEME_CSS = """\
/* styles/theme.css */
:root { --pst-color: red; }
.used { color: red; }
:focus-visible { outline: 3px solid var(--pst-color); }
.used:hover, .used:focus-visible { color: blue; }
.never-on-a-page:focus-visible { color: blue; }
html[data-theme=dark] .used { color: pink; }
html[data-theme=dark] .never-on-a-page { color: pink; }
.never-on-a-page { color: green; }
.added-by-a-script { display: block; }
.dropdown-menu[data-bs-popper] { top: 100%; }
.bs-tooltip-auto[data-popper-placement^=top] .tooltip-arrow { bottom: 0; }
@media (max-width: 600px) { .used { margin: 0; } .never-on-a-page { margin: 0; } }
@font-face { font-family: Icons; src: url(icons.woff2); }
@keyframes spin { to { transform: rotate(1turn); } }
"""


def test_the_shared_bundle_keeps_only_the_rules_the_site_can_use(tmp_path):
    """PurgeCSS drops a rule no page or script can match, and keeps: what a page uses (with
    its states, media queries and dark-mode variant), rules of pseudo-classes alone (the
    theme's focus ring), a class named only in a script, the
    names Bootstrap's script puts together from pieces, fonts, animations, variables and
    each file's heading comment (the tests read the bundles by those). Every dark-mode
    rule is kept, used or not: the word "dark" is on no page."""
    (tmp_path / "_static" / "scripts").mkdir(parents=True)
    (tmp_path / "index.html").write_text(  # "dark" is on no page: set by the theme's JS
        '<html data-theme="light"><body><p class="used">x</p><ul class="dropdown-menu">'
        "</ul></body></html>")
    (tmp_path / "_static" / "scripts" / "app.js").write_text(
        'el.classList.add("added-by-a-script"); tip.className = "tooltip-arrow";')
    out = purge_unused_rules(THEME_CSS, tmp_path, NODE_MODULES)
    assert ".never-on-a-page { color: green; }" not in out
    assert ".never-on-a-page { margin: 0; }" not in out
    assert ".never-on-a-page:focus-visible" not in out
    for kept in ("/* styles/theme.css */", "--pst-color", ".used { color: red; }",
                 ":focus-visible { outline: 3px",  # the focus ring of every element
                 ".used:hover", "html[data-theme=dark] .used", "@media (max-width: 600px)",
                 ".added-by-a-script", ".dropdown-menu[data-bs-popper]",
                 ".bs-tooltip-auto[data-popper-placement^=top]", "@font-face",
                 "@keyframes spin"):
        assert kept in out, kept


def test_a_purge_that_cannot_run_changes_nothing(tmp_path):
    site = make_site(tmp_path / "site")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}

    def purge(css: str) -> str:
        return purge_unused_rules(css, site, tmp_path / "no-node-modules")

    with pytest.raises(BundleError, match="PurgeCSS failed"):
        bundle_site(site, tmp_path / "css_bundles.json", purge)
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_the_built_book_links_at_most_two_stylesheets_per_page():
    site = site_path()
    if not (site / "index.html").is_file():
        missing(f"no built book in {site} (`make book` builds it)")
    pages = [p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "_static"]
    shared = set()
    for path in pages:
        links = stylesheets(path.read_text(encoding="utf-8"))
        if path.name == "index.html" and path.parent == site:
            continue  # only a redirect
        assert 1 <= len(links) <= 2 and all("_static/bundles/" in h for h in links), (path, links)
        shared.add(links[0].rsplit("/", 1)[1].split("?")[0])
    assert len(shared) == 1, shared  # one bundle every page shares
    text = (site / "_static" / "bundles" / shared.pop()).read_text(encoding="utf-8")
    assert "/* styles/pydata-sphinx-theme.css */" in text
    # cut to the rules the site uses (css_bundles.purge_unused_rules): the theme's sheet
    # alone is 397 KB, all of Bootstrap in it; Bootstrap's table and form rules are unused
    assert len(text.encode()) < 250_000, len(text.encode())
    assert ".table-hover" not in text and ".form-floating" not in text
    assert ".bd-header" in text and "html[data-theme=dark]" in text
