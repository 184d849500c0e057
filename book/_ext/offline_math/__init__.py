"""Math typeset when the book is built, so a page shows its formulas with no script at all.

The book's math (``$...$``, ``$$...$$`` and ``amsmath`` environments in MyST) is rendered
to HTML at build time by KaTeX, through sphinxcontrib-katex's pre-rendering
(``katex_prerender``: one Node.js process renders every formula). A reader's browser
then needs only KaTeX's style sheet and the few fonts a page's formulas use: no
JavaScript, no typesetting on the phone's main thread, nothing that moves after the
page is shown. KaTeX writes MathML next to the HTML of each formula, which screen
readers read.

KaTeX comes from npm (``package.json`` at the repository root; install it with
``npm ci``). This extension points sphinxcontrib-katex at that copy (the renderer and
the style sheet are then of one version), copies ``katex.min.css`` and the fonts into
``<outdir>/_static/katex/``, and links the style sheet only from pages with math
(with ``math.css``, this folder's rules for formulas wider than a phone's screen).
Nothing is committed and nothing goes to ``book/_static``.

An inline formula and the punctuation that touches it (``$x$,`` or ``($x$``) are kept on one
line: on a phone a comma or a full stop otherwise starts the next line alone. The
formula itself may still break where KaTeX allows (after relations and operators).

A formula KaTeX cannot parse is drawn by KaTeX in red with the error as its title; the
build reports it as a warning with the page and the error, so ``-W`` fails the build.

Config values:

``offline_math_node_modules``
    Where to find ``node_modules`` (default: walk up from the book's folder).
"""

from __future__ import annotations

import atexit
import html
import json
import re
import shutil
import socket
import string
import subprocess
import time
from pathlib import Path
from typing import Any

from _assets import page_has, ship_assets, site_pages
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

STATIC_SUBDIR = "katex"
CSS = "katex.min.css"
REQUIRED_MAJOR_MINOR = "0.16"
INSTALL_HINT = "Install it from the repository root with `npm ci` (package.json pins katex)."
# What KaTeX writes for TeX it cannot typeset (with throwOnError off, sphinxcontrib-katex's
# default): a parse error becomes a red span with the message as its title, an unknown
# command is drawn in KaTeX's error colour (#cc0000) inside the formula.
KATEX_ERROR = re.compile(r'<span class="katex-error" title="([^"]*)"')
MATHML = re.compile(r"<math\b.*?</math>", re.S)
TEX = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)
ERROR_COLOUR = 'mathcolor="#cc0000"'


def katex_errors(body: str) -> list[str]:
    """What KaTeX could not typeset in a page's HTML: error messages and red formulas."""
    errors = [html.unescape(title) for title in KATEX_ERROR.findall(body)]
    for block in MATHML.findall(body):
        if ERROR_COLOUR in block:
            tex = TEX.search(block)
            source = html.unescape(tex.group(1)) if tex else block
            errors.append(f"unknown command in {source!r}")
    return errors


def find_katex(app: Sphinx) -> Path:
    """The installed ``node_modules/katex`` folder, or raise with how to install it."""
    configured = app.config.offline_math_node_modules
    if configured:
        candidates = [Path(app.confdir, configured).resolve()]
    else:
        start = Path(app.confdir).resolve()
        candidates = [folder / "node_modules" for folder in (start, *start.parents)]
    for node_modules in candidates:
        package = node_modules / "katex"
        if (package / "dist" / "katex.min.js").is_file():
            version = json.loads((package / "package.json").read_text())["version"]
            if not version.startswith(REQUIRED_MAJOR_MINOR + "."):
                raise ExtensionError(
                    f"offline_math: found KaTeX {version} in {package}, but the book needs "
                    f"KaTeX {REQUIRED_MAJOR_MINOR}.x. {INSTALL_HINT}"
                )
            return package
    searched = ", ".join(str(c) for c in candidates[:3])
    raise ExtensionError(
        f"offline_math: KaTeX is not installed (looked for katex/dist/katex.min.js in "
        f"{searched}{', ...' if len(candidates) > 3 else ''}). {INSTALL_HINT}"
    )


def katex_dist(app: Sphinx) -> Path:
    """The folder the style sheet and fonts are copied from (``ship_assets`` calls this)."""
    return find_katex(app) / "dist"


HERE = Path(__file__).resolve().parent
# Punctuation that must not be parted from the formula it touches: closing marks after
# it, opening marks before it.
CLOSING = re.compile(r"^[.,;:!?)\]}\u2019\u201d\u2026'\"]+")
OPENING = re.compile(r"[(\[{\u2018\u201c'\"]+$")
NOWRAP_CLASS = "math-nowrap"


def has_math(node: nodes.Node) -> bool:
    return isinstance(node, (nodes.math, nodes.math_block))


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


def use_katex(app: Sphinx, config: Config) -> None:
    """Render with KaTeX at build time, from the copy in ``node_modules``."""
    config.html_math_renderer = "katex"
    config.katex_prerender = True
    config.katex_js_path = str(katex_dist(app) / "katex.min.js")
    config.katex_css_path = f"{STATIC_SUBDIR}/{CSS}"


def css_only_where_math(app: Sphinx, pagename: str, templatename: str, context: dict,
                        doctree) -> None:
    """Drop KaTeX's style sheets from pages without math; report formulas KaTeX rejected.

    sphinxcontrib-katex links its style sheets from every page; Sphinx restores the list
    after each page, so removing them here affects this page only.
    """
    if not page_has(doctree, has_math):
        files = context.get("css_files")
        if files is not None:
            files[:] = [css for css in files if not _is_katex_css(css)]
        return
    for error in katex_errors(context.get("body", "")):
        logger.warning("offline_math: KaTeX cannot typeset a formula: %s", error,
                       location=pagename)


def _is_katex_css(css) -> bool:
    name = str(getattr(css, "filename", css))  # e.g. "_static/katex/katex.min.css"
    return name.endswith((f"{STATIC_SUBDIR}/{CSS}", "katex-math.css"))


def stop_katex(app: Sphinx, exception: Exception | None) -> None:
    """Stop sphinxcontrib-katex's Node.js server when the build ends, pipes closed.

    It otherwise lives until the Python process exits (an ``atexit`` hook that leaves its
    pipes open: a ResourceWarning wherever warnings are shown, e.g. under pytest, which
    builds books in-process).
    """
    from sphinxcontrib import katex

    server = katex.KaTeXServer.katex_server
    if server is None:
        return
    katex.KaTeXServer.katex_server = None
    atexit.unregister(katex.KaTeXServer.terminate)
    server.terminate()
    for pipe in (server.process.stdin, server.process.stdout):
        if pipe is not None:
            pipe.close()


def start_server_process(cls, rundir: Path, timeout: float):
    """sphinxcontrib-katex's ``KaTeXServer.start_server_process``, without its race.

    The original connects as soon as the server's socket file exists; Node.js creates the
    file a moment before it listens, and a connection in that moment is refused
    (``ConnectionRefusedError``, seen here when the machine was busy), which stopped the
    build. This one tries again until the server listens, and stops the server process
    if it never does.
    """
    socket_path = rundir / "katex.sock"
    process = subprocess.Popen(cls.build_command(socket=socket_path), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, cwd=rundir)
    deadline = time.monotonic() + timeout
    while True:
        if socket_path.is_socket():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(socket_path))
                return process, sock
            except ConnectionRefusedError:  # the file is there, the server not yet
                sock.close()
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            process.communicate()
            raise cls.timeout_error(timeout)
        time.sleep(0.001)


def copy_licence(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    package = find_katex(app)
    shutil.copyfile(package / "LICENSE", Path(app.outdir, "_static", STATIC_SUBDIR, "LICENSE"))


TAG = re.compile(r"<[^>]*>")


def characters_on_pages(outdir: Path) -> set[int]:
    """Every character in the text of every page of the built site, and printable ASCII.

    A superset of what KaTeX's HTML draws in its fonts (formulas, and everything else);
    read from every page, so a rebuild that wrote a few pages keeps the others' glyphs.
    """
    used = {ord(c) for c in string.printable}
    for page in site_pages(outdir):
        used |= {ord(c) for c in html.unescape(TAG.sub(" ", page.read_text(encoding="utf-8")))}
    return used


def subset_katex_fonts(app: Sphinx, exception: Exception | None) -> None:
    """Cut the copies of KaTeX's fonts in the site to the characters the book uses.

    A page with math loads four to six of them (KaTeX_Main-Regular, Math-Italic, Size1,
    ...: 60 KB on a chapter); cut down they are about 40 KB. The copies are made afresh at
    the start of every build (``ship_assets``), so each build cuts full fonts. The
    ``.woff`` and ``.ttf`` copies (for browsers without WOFF2) are cut too.
    """
    if exception is not None or app.builder.format != "html":
        return
    from _fonts import FLAVOURS, subset_font  # book/_ext/_fonts.py

    folder = Path(app.outdir, "_static", STATIC_SUBDIR, "fonts")
    if not folder.is_dir():
        return
    used = characters_on_pages(Path(app.outdir))
    for font in sorted(folder.iterdir()):
        if font.suffix in FLAVOURS:
            subset_font(font, used)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.katex")
    from sphinxcontrib import katex

    katex.KaTeXServer.start_server_process = classmethod(start_server_process)
    app.add_config_value("offline_math_node_modules", "", "html", types=[str])
    # After Sphinx and Jupyter Book have set their defaults.
    app.connect("config-inited", use_katex, priority=900)
    # The style sheet and its fonts, copied the way every extension ships its files
    # (_assets.py); sphinxcontrib-katex links the style sheet.
    ship_assets(app, STATIC_SUBDIR, katex_dist, copy=[CSS, "fonts"])
    # The book's own rules for display formulas on narrow screens (math.css, here).
    ship_assets(app, "offline_math", HERE, css=["math.css"], node=has_math)
    app.add_post_transform(KeepPunctuationWithMath)
    app.connect("builder-inited", copy_licence)
    app.connect("html-page-context", css_only_where_math)
    app.connect("build-finished", stop_katex)
    app.connect("build-finished", subset_katex_fonts)
    return {"version": "2.0.0", "parallel_read_safe": True, "parallel_write_safe": True}
