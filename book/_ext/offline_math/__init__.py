"""Math typeset when the book is built, as MathML, so a page shows its formulas with no script.

The book's math (``$...$``, ``$$...$$`` and ``amsmath`` environments in MyST) is written
into the pages as MathML by Temml (npm ``temml``: TeX to MathML Core) when the book is
built: one Node.js process per page typesets all of that page's formulas. Browsers draw
MathML themselves (MathML Core: Chromium, Firefox, Safari), and screen readers read it.
Against KaTeX's HTML (which this replaces) a formula is a few elements instead of dozens:
on the longest chapters the page has 40-55 % fewer elements, which is what a phone spends
its first seconds styling.

MathML needs a font with an OpenType MATH table: Noto Sans Math (npm
``@fontsource/noto-sans-math``, SIL OFL), cut at the end of the build to the characters
the pages use. Temml's style sheet for that font (``Temml-NotoSans.css``) is copied from
the package with its font URL pointed at the copy, into ``<outdir>/_static/temml/``, and
linked only from pages with math, with ``math.css`` (this folder's rules: display
formulas wider than a phone scroll sideways from their first symbol) and ``math.js``
(a tab stop on each formula box that scrolls, so the keyboard can scroll it). Nothing is
committed and nothing goes to ``book/_static``.

An inline formula and the punctuation that touches it (``$x$,`` or ``($x$``) are kept on one
line: on a phone a comma or a full stop otherwise starts the next line alone.

A formula Temml cannot typeset is a build warning with the page, the TeX and Temml's
message, so ``-W`` fails the build; the page shows the TeX source in its place.

Config values:

``offline_math_node_modules``
    Where to find ``node_modules`` (default: walk up from the book's folder).
"""

from __future__ import annotations

import html
import re
import shutil
import string
from pathlib import Path
from typing import Any

from _assets import find_node_package, page_has, run_node_script, ship_assets, site_pages
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

STATIC_SUBDIR = "temml"
CSS = "temml.css"
FONT = "NotoSansMath.woff2"
TEMML_CSS = "Temml-NotoSans.css"
TEMML_FONT_URL = "url('NotoSansMath-Regular.ttf')"
NOTO_FILE = "noto-sans-math-latin-400-normal.woff2"
PACKAGES = {"temml": "0.13.", "@fontsource/noto-sans-math": "5."}
HERE = Path(__file__).resolve().parent
RENDER = HERE / "render.mjs"
RENDER_TIMEOUT = 300


def find_package(app: Sphinx, name: str) -> Path:
    """The installed ``node_modules/<name>`` folder, or raise with how to install it."""
    return find_node_package("offline_math", app.confdir,
                             app.config.offline_math_node_modules, name, PACKAGES[name])


def typeset(app: Sphinx, items: list[dict]) -> list[dict]:
    """Temml's MathML (``{"mathml": ...}``) or error (``{"error": ...}``) for each item."""
    return run_node_script("offline_math: Temml", RENDER, find_package(app, "temml").parent,
                           items, RENDER_TIMEOUT)


def has_math(node: nodes.Node) -> bool:
    return isinstance(node, (nodes.math, nodes.math_block))


class TypesetMath(SphinxPostTransform):
    """Every formula of the page typeset by Temml in one go; the MathML kept on its node."""

    default_priority = 100
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        found = list(self.document.findall(has_math))
        if not found:
            return
        items = [{"tex": n.astext(), "display": isinstance(n, nodes.math_block)}
                 for n in found]
        for node, item, result in zip(found, items, typeset(self.app, items), strict=True):
            if "error" in result:
                # Temml's message, without the copy of the TeX it underlines on a new line
                message = result["error"].split("\n")[0].strip().rstrip(":")
                logger.warning("offline_math: Temml cannot typeset %r: %s", item["tex"],
                               message, location=node)
            node["mathml"] = result.get("mathml")


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math"))
    self.body.append(node.get("mathml") or self.encode(node.astext()))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node.get("number"):
        from sphinx.util.math import get_node_equation_number

        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, "Permalink to this equation")
        self.body.append("</span>")
    self.body.append('<div class="math-display">')
    self.body.append(node.get("mathml") or self.encode(node.astext()))
    self.body.append("</div></div>\n")
    raise nodes.SkipNode


def use_temml(app: Sphinx, config: Config) -> None:
    config.html_math_renderer = "temml"


def ship_font_and_css(app: Sphinx) -> None:
    """Temml's style sheet for Noto Sans Math, pointed at the font's copy, and the font."""
    if app.builder.format != "html":
        return
    temml, noto = find_package(app, "temml"), find_package(app, "@fontsource/noto-sans-math")
    target = Path(app.outdir, "_static", STATIC_SUBDIR)
    target.mkdir(parents=True, exist_ok=True)
    css = (temml / "dist" / TEMML_CSS).read_text(encoding="utf-8")
    if TEMML_FONT_URL not in css:
        raise ExtensionError(f"offline_math: {TEMML_CSS} no longer loads its font from "
                             f"{TEMML_FONT_URL}; update offline_math for this Temml")
    css = css.replace(TEMML_FONT_URL, f"url('{FONT}') format('woff2')")
    (target / CSS).write_text(css, encoding="utf-8")
    shutil.copyfile(noto / "files" / NOTO_FILE, target / FONT)
    shutil.copyfile(temml / "dist" / "Temml.woff2", target / "Temml.woff2")  # \mathscr
    shutil.copyfile(temml / "LICENSE", target / "LICENSE-temml")
    shutil.copyfile(noto / "LICENSE", target / "LICENSE-noto-sans-math")


def preload_font(app: Sphinx, pagename: str, templatename: str, context: dict,
                 doctree: nodes.document | None) -> None:
    """On a page with math, ask for the math font from ``<head>``.

    Without this the browser finds the font only when it lays out the first formula, and
    lays the page out again when it arrives: Lighthouse measured a layout shift of 0.14 on
    an API page (desktop score 95). Fonts are fetched in CORS mode, so the preload needs
    ``crossorigin`` for the browser to use what it fetched.
    """
    if app.builder.format != "html" or not page_has(doctree, has_math):
        return
    href = context["pathto"](f"_static/{STATIC_SUBDIR}/{FONT}", 1)
    context["metatags"] = (context.get("metatags") or "") + (
        f'\n<link rel="preload" href="{href}" as="font" type="font/woff2" crossorigin>')


# Punctuation that must not be parted from the formula it touches: closing marks after
# it, opening marks before it.
CLOSING = re.compile(r"^[.,;:!?)\]}\u2019\u201d\u2026'\"]+")
OPENING = re.compile(r"[(\[{\u2018\u201c'\"]+$")
NOWRAP_CLASS = "math-nowrap"


class KeepPunctuationWithMath(SphinxPostTransform):
    """Wrap an inline formula and the punctuation touching it in ``span.math-nowrap``.

    ``math.css`` keeps that span on one line while the formula inside may still break.
    Only the punctuation moves into the span: ``$x$, and`` becomes
    ``<span class="math-nowrap"><math x>,</span> and``.
    """

    default_priority = 200
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for math in list(self.document.findall(nodes.math)):
            parent = math.parent
            if parent is None or NOWRAP_CLASS in parent.get("classes", []):
                continue
            at = parent.index(math)
            before = parent[at - 1] if at > 0 else None
            after = parent[at + 1] if at + 1 < len(parent) else None
            opening = (OPENING.search(before.astext()) if isinstance(before, nodes.Text)
                       else None)
            closing = CLOSING.match(after.astext()) if isinstance(after, nodes.Text) else None
            if not (opening or closing):
                continue
            wrapper = nodes.inline(classes=[NOWRAP_CLASS])
            if opening:
                rest = before.astext()[: opening.start()]
                parent.replace(before, nodes.Text(rest)) if rest else parent.remove(before)
                wrapper += nodes.Text(opening.group())
            if closing:
                rest = after.astext()[closing.end():]
                parent.replace(after, nodes.Text(rest)) if rest else parent.remove(after)
            parent.replace(math, wrapper)
            wrapper += math
            if closing:
                wrapper += nodes.Text(closing.group())


TAG = re.compile(r"<[^>]*>")


def characters_on_pages(outdir: Path) -> set[int]:
    """Every character in the text of every page of the built site, and printable ASCII.

    A superset of what the formulas draw in the math font (and everything else);
    read from every page, so a rebuild that wrote a few pages keeps the others' glyphs.
    """
    used = {ord(c) for c in string.printable}
    for page in site_pages(outdir):
        used |= {ord(c) for c in html.unescape(TAG.sub(" ", page.read_text(encoding="utf-8")))}
    return used


# Characters the browser draws that the pages' text does not contain: a one-letter <mi>
# (x, \\alpha) is drawn as its mathematical italic (MathML Core's automatic italic: x is
# drawn as U+1D465, italic h as U+210E). Temml writes the other styles (\\mathbf, ...) as
# those characters themselves, so the pages' text has them.
DRAWN_AS_MATH_LETTERS = frozenset(
    [*range(0x1D434, 0x1D468), 0x210E, 0x1D6A4, 0x1D6A5, *range(0x1D6E2, 0x1D71C)])


def subset_math_font(app: Sphinx, exception: Exception | None) -> None:
    """Cut the site's copy of Noto Sans Math (270 KB) to the characters the book uses.

    The copy is made afresh at the start of every build, so each build cuts the full font.
    fontTools keeps the MATH table (the sizes and parts of stretchy symbols).
    """
    if exception is not None or app.builder.format != "html":
        return
    from _fonts import subset_font  # book/_ext/_fonts.py

    font = Path(app.outdir, "_static", STATIC_SUBDIR, FONT)
    if font.is_file():
        subset_font(font, characters_on_pages(Path(app.outdir)) | DRAWN_AS_MATH_LETTERS)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("offline_math_node_modules", "", "html", types=[str])
    app.add_html_math_renderer("temml", (visit_math, None), (visit_displaymath, None))
    app.connect("config-inited", use_temml, priority=900)
    # temml.css is written by ship_font_and_css; ship_assets links it from math pages.
    ship_assets(app, STATIC_SUBDIR, HERE, css=[CSS], generated=[CSS], node=has_math)
    ship_assets(app, "offline_math", HERE, css=["math.css"], js=["math.js"],
                node=has_math)
    app.connect("builder-inited", ship_font_and_css, priority=600)
    app.connect("html-page-context", preload_font)
    app.add_post_transform(TypesetMath)
    app.add_post_transform(KeepPunctuationWithMath)
    app.connect("build-finished", subset_math_font)
    return {"version": "3.0.0", "parallel_read_safe": True, "parallel_write_safe": True}
