"""The math is typeset when the book is built (book/_ext/offline_math: KaTeX through
sphinxcontrib-katex), on a tiny Sphinx project that loads the extension."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from build_helpers import sphinx_build_in_process
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]
EXT_DIR = ROOT / "book" / "_ext"
NODE_MODULES = ROOT / "node_modules"

CONF = """\
import sys
sys.path.insert(0, {ext_dir!r})
extensions = ["myst_parser", "offline_math"]
myst_enable_extensions = ["dollarmath", "amsmath"]
exclude_patterns = ["_build"]
offline_math_node_modules = {node_modules!r}
"""

PAGES = {
    "maths": "# Maths\n\nThe rule $w \\leftarrow w - \\eta\\, \\nabla L(w)$ and\n\n"
             "$$\\frac{\\partial L}{\\partial w} = \\sum_i x_i$$\n\n"
             "\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}\n",
    "words": "# Words\n\nNo formula on this page.\n",
    "punctuation": "# Punctuation\n\nThe slope $a$, the pair ($x$, $y$). A bare $t$ here, "
                   "and $b$.\n",
}


def build(tmp_path: Path, pages: dict[str, str], node_modules: Path = NODE_MODULES):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF.format(ext_dir=str(EXT_DIR),
                                             node_modules=str(node_modules)))
    (src / "index.md").write_text("# Home\n\n```{toctree}\n" + "\n".join(pages) + "\n```\n")
    for name, text in pages.items():
        (src / f"{name}.md").write_text(text)
    return sphinx_build_in_process(src, tmp_path)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("math"), PAGES)


def test_formulas_are_html_and_mathml_with_no_script(site):
    out, warnings = site
    assert "offline_math" not in warnings, warnings
    html = (out / "maths.html").read_text(encoding="utf-8")
    assert html.count('class="katex-display"') == 2  # the $$ block and the align block
    assert len(re.findall(r'<span class="katex">', html)) == 3
    assert html.count("<math xmlns=") == 3  # what a screen reader reads
    assert 'annotation encoding="application/x-tex">w \\leftarrow w' in html
    assert not re.search(r"<script[^>]*(katex|mathjax)", html, re.I)


def test_style_sheet_and_fonts_are_served_by_the_site_only_where_there_is_math(site):
    out, _ = site
    link = re.compile(r'<link [^>]*href="_static/katex/katex\.min\.css')
    assert link.search((out / "maths.html").read_text(encoding="utf-8"))
    words = (out / "words.html").read_text(encoding="utf-8")
    assert not link.search(words) and "katex-math.css" not in words
    assert (out / "_static" / "katex" / "katex.min.css").is_file()
    assert (out / "_static" / "katex" / "fonts" / "KaTeX_Main-Regular.woff2").is_file()
    assert (out / "_static" / "katex" / "LICENSE").is_file()
    assert "cdn" not in (out / "maths.html").read_text(encoding="utf-8").lower()


def test_katex_fonts_keep_exactly_the_characters_the_pages_use(site):
    """The site's KaTeX fonts are cut to the characters of its pages (offline_math's
    subset_katex_fonts): every character a page shows that a font has is still there,
    and the rest of KaTeX's glyphs (ℵ, for one) are gone."""
    from fontTools.ttLib import TTFont

    out, _ = site
    text = "".join(re.sub(r"<[^>]*>", " ", p.read_text(encoding="utf-8"))
                   for p in out.rglob("*.html"))
    assert "∂" in text and "←" in text  # from the formulas of maths.md
    shown = {ord(c) for c in text}
    original = NODE_MODULES / "katex" / "dist" / "fonts"
    fonts = sorted((out / "_static" / "katex" / "fonts").glob("*.woff2"))
    assert len(fonts) >= 19, fonts
    for font in fonts:
        before = set(TTFont(original / font.name).getBestCmap())
        after = set(TTFont(font).getBestCmap())
        assert after <= before and (before & shown) <= after, font.name
    main = "KaTeX_Main-Regular.woff2"
    assert 0x2135 in TTFont(original / main).getBestCmap()  # ℵ: KaTeX has it...
    assert 0x2135 not in TTFont(out / "_static" / "katex" / "fonts" / main).getBestCmap()
    cut = (out / "_static" / "katex" / "fonts" / main).stat().st_size
    assert cut < 0.6 * (original / main).stat().st_size


def test_a_formula_katex_cannot_typeset_is_a_warning_naming_the_page(tmp_path):
    _, warnings = build(tmp_path, {
        "bad": "# Bad\n\nA typo: $\\fraq{1}{2}$ and a brace too few: $x^{2$.\n",
    })
    lines = [line for line in warnings.splitlines() if "KaTeX cannot typeset" in line]
    assert len(lines) == 2, warnings
    assert all("bad" in line for line in lines)
    assert "\\fraq{1}{2}" in lines[0] or "\\fraq{1}{2}" in lines[1]
    assert any("ParseError" in line for line in lines)


def test_the_katex_server_is_stopped_when_the_build_ends(site):
    from sphinxcontrib import katex

    assert katex.KaTeXServer.katex_server is None  # stopped, its pipes closed


def test_without_katex_installed_the_build_says_how_to_install_it(tmp_path):
    empty = tmp_path / "node_modules"
    empty.mkdir()
    with pytest.raises(ExtensionError, match="npm ci"):
        build(tmp_path, {"words": PAGES["words"]}, node_modules=empty)



def test_inline_formulas_keep_the_punctuation_that_touches_them(site):
    """``$a$,`` and ``($x$`` become one unbreakable span (math.css); the text stays."""
    from bs4 import BeautifulSoup

    out, _ = site
    page = BeautifulSoup((out / "punctuation.html").read_text(encoding="utf-8"), "html.parser")
    glued = []
    for span in page.select("span.math-nowrap"):
        formula = span.select_one("span.math")
        tex = formula.select_one("annotation").get_text()
        before, after = (
            "".join(str(t) for t in nodes if isinstance(t, str))
            for nodes in (formula.find_previous_siblings(string=True),
                          formula.find_next_siblings(string=True)))
        glued.append((before, tex, after))
    assert glued == [("", "a", ","), ("(", "x", ","), ("", "y", ")."), ("", "b", ".")]
    # a formula followed by a space ($t$ here) is left alone, and no character is lost
    paragraph = page.select_one("p")
    for formula in paragraph.select("span.math"):
        formula.replace_with("#")
    assert paragraph.get_text() == "The slope #, the pair (#, #). A bare # here, and #."
    css = (out / "_static" / "offline_math" / "math.css").read_text(encoding="utf-8")
    assert ".math-nowrap {\n  white-space: nowrap;" in css


SLOW_TO_LISTEN = """\
import socket, sys, time
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sys.argv[1])        # the socket file exists from here on...
time.sleep(0.3)                 # ...but connections are refused until
server.listen()
connection, _ = server.accept()
connection.recv(1)
"""


def test_the_katex_server_is_connected_to_once_it_listens(tmp_path):
    """A server whose socket file appears before it listens (Node.js does this for a
    moment) is waited for, not a ConnectionRefusedError that stops the build."""
    import sys

    sys.path.insert(0, str(EXT_DIR))
    import offline_math

    class Server:
        @classmethod
        def build_command(cls, socket=None, port=None):
            return [sys.executable, "-c", SLOW_TO_LISTEN, str(socket)]

        @classmethod
        def timeout_error(cls, timeout):
            return TimeoutError(timeout)

    process, sock = offline_math.start_server_process(Server, tmp_path, timeout=10)
    sock.sendall(b"x")
    sock.close()
    assert process.wait(timeout=10) == 0
    process.stdin.close()
    process.stdout.close()

    class Silent(Server):  # never listens: a clear error, and no process left behind
        @classmethod
        def build_command(cls, socket=None, port=None):
            return [sys.executable, "-c", "import time; time.sleep(30)"]

    started = []
    real_popen = offline_math.subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    offline_math.subprocess.Popen = popen
    try:
        with pytest.raises(TimeoutError):
            (tmp_path / "x").mkdir()
            offline_math.start_server_process(Silent, tmp_path / "x", timeout=0.5)
    finally:
        offline_math.subprocess.Popen = real_popen
    assert started[0].poll() is not None


def test_cutting_a_katex_font_logs_nothing(tmp_path, caplog):
    """KaTeX's fonts carry creation dates that fontTools calls "very low" (80 lines in a
    book build's log); the cut is quiet about that and keeps every other message."""
    import logging
    import shutil
    import sys

    from fontTools.ttLib import TTFont

    sys.path.insert(0, str(EXT_DIR))
    from _fonts import subset_font

    original = NODE_MODULES / "katex" / "dist" / "fonts" / "KaTeX_Main-Regular.ttf"
    with caplog.at_level(logging.INFO, logger="fontTools"):
        TTFont(original)["head"].created  # noqa: B018 (reading it is what logs)
    assert "timestamp seems very low" in caplog.text  # so this test can see it
    caplog.clear()
    font = tmp_path / original.name
    shutil.copyfile(original, font)
    with caplog.at_level(logging.INFO, logger="fontTools"):
        size = subset_font(font, range(32, 127))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert size == font.stat().st_size < original.stat().st_size / 2
    assert set(TTFont(font).getBestCmap()) <= set(range(32, 127))
    with pytest.raises(ValueError, match=r"not a font file this can write: .*\.css"):
        subset_font(tmp_path / "x.css", [65])
