"""The math is typeset when the book is built (book/_ext/offline_math: Temml's MathML, drawn
in Noto Sans Math), on a tiny Sphinx project that loads the extension."""

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
        (src / f"{name}.md").parent.mkdir(parents=True, exist_ok=True)
        (src / f"{name}.md").write_text(text)
    return sphinx_build_in_process(src, tmp_path)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("math"), PAGES)


def test_formulas_are_mathml_with_no_script(site):
    out, warnings = site
    assert "offline_math" not in warnings, warnings
    html = (out / "maths.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<math display="block"', html)) == 2  # the $$ and align blocks
    assert len(re.findall(r"<math\b", html)) == 3
    assert html.count('<div class="math-display">') == 2  # the scroll box of math.css
    assert 'annotation encoding="application/x-tex">w \\leftarrow w' in html
    assert "<mfrac>" in html and "<mtable" in html  # a fraction; the aligned equations
    assert not re.search(r"<script[^>]*(katex|mathjax|temml)", html, re.I)
    assert "katex" not in html.lower()


def test_style_sheet_and_font_are_served_by_the_site_only_where_there_is_math(site):
    out, _ = site
    link = re.compile(r'<link [^>]*href="_static/temml/temml\.css')
    maths = (out / "maths.html").read_text(encoding="utf-8")
    assert link.search(maths) and "offline_math/math.css" in maths
    words = (out / "words.html").read_text(encoding="utf-8")
    assert not link.search(words) and "math.css" not in words
    css = (out / "_static" / "temml" / "temml.css").read_text(encoding="utf-8")
    assert "url('NotoSansMath.woff2') format('woff2')" in css  # the copy, not a .ttf
    assert "NotoSansMath-Regular.ttf" not in css
    for name in ("NotoSansMath.woff2", "Temml.woff2", "LICENSE-temml",
                 "LICENSE-noto-sans-math"):
        assert (out / "_static" / "temml" / name).is_file(), name
    assert "cdn" not in maths.lower()


PRELOAD = re.compile(r'<link rel="preload" href="([^"]*NotoSansMath\.woff2)" as="font" '
                     r'type="font/woff2" crossorigin>')


def test_math_pages_ask_for_the_math_font_before_their_first_layout(tmp_path):
    """A page with math preloads the font from <head> (at any depth, by a relative URL that
    reaches the site's copy); a page without math does not fetch it at all."""
    out, warnings = build(tmp_path, {"maths": PAGES["maths"], "words": PAGES["words"],
                                     "deep/page": "# Deep\n\nA formula $x^2$.\n"})
    assert "offline_math" not in warnings, warnings
    for page in ("maths.html", "deep/page.html"):
        html = (out / page).read_text(encoding="utf-8")
        head = html[: html.index("</head>")]
        found = PRELOAD.findall(head)
        assert len(found) == 1, (page, found)
        assert (out / page).parent.joinpath(found[0]).resolve() == (
            out / "_static" / "temml" / "NotoSansMath.woff2").resolve(), found
        # before the style sheets, so the request starts as soon as <head> is read
        assert head.index(found[0]) < head.index('rel="stylesheet"'), page
    words = (out / "words.html").read_text(encoding="utf-8")
    assert "NotoSansMath" not in words and 'rel="preload"' not in words


def test_the_math_font_keeps_the_characters_the_pages_draw_and_its_math_table(site):
    """Noto Sans Math is cut to the characters of the pages, plus the mathematical
    italics the browser draws for one-letter identifiers; its MATH table stays."""
    from fontTools.ttLib import TTFont

    out, _ = site
    text = "".join(re.sub(r"<[^>]*>", " ", p.read_text(encoding="utf-8"))
                   for p in out.rglob("*.html"))
    assert "∂" in text and "←" in text  # from the formulas of maths.md
    original = TTFont(NODE_MODULES / "@fontsource" / "noto-sans-math" / "files"
                      / "noto-sans-math-latin-400-normal.woff2")
    font = out / "_static" / "temml" / "NotoSansMath.woff2"
    cut = TTFont(font)
    before, after = set(original.getBestCmap()), set(cut.getBestCmap())
    shown = {ord(c) for c in text}
    assert after <= before and (before & shown) <= after
    assert {0x1D464, 0x1D702} <= after  # italic w and italic eta, drawn for <mi>w</mi>, η
    assert 0x2135 in before and 0x2135 not in after  # ℵ: the font has it, no page does
    assert "MATH" in cut  # sizes and parts of the stretchy symbols
    assert font.stat().st_size < 60_000


def test_a_formula_temml_cannot_typeset_is_a_warning_naming_the_page(tmp_path):
    out, warnings = build(tmp_path, {
        "bad": "# Bad\n\nA typo: $\\fraq{1}{2}$ and a brace too few: $x^{2$.\n",
    })
    lines = [line for line in warnings.splitlines() if "Temml cannot typeset" in line]
    assert len(lines) == 2, warnings
    assert all("bad" in line for line in lines)
    assert not [line for line in warnings.splitlines() if "f̲" in line]  # one line each
    assert any("\\\\fraq{1}{2}" in line and "Unsupported function name" in line
               for line in lines), lines
    page = (out / "bad.html").read_text(encoding="utf-8")
    assert "\\fraq{1}{2}" in page  # the reader sees the TeX, not nothing


def test_without_temml_installed_the_build_says_how_to_install_it(tmp_path):
    empty = tmp_path / "node_modules"
    empty.mkdir()
    with pytest.raises(ExtensionError, match="temml is not installed.*npm ci"):
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


def test_cutting_a_font_logs_nothing_and_refuses_other_files(tmp_path, caplog):
    """The cut (``_fonts.subset_font``, shared with the icon font) is quiet and writes
    only the font formats it knows."""
    import logging
    import shutil
    import sys

    from fontTools.ttLib import TTFont

    sys.path.insert(0, str(EXT_DIR))
    from _fonts import subset_font

    original = (NODE_MODULES / "@fontsource" / "noto-sans-math" / "files"
                / "noto-sans-math-latin-400-normal.woff2")
    font = tmp_path / original.name
    shutil.copyfile(original, font)
    with caplog.at_level(logging.INFO, logger="fontTools"):
        size = subset_font(font, range(32, 127))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert size == font.stat().st_size < original.stat().st_size / 2
    assert set(TTFont(font).getBestCmap()) <= set(range(32, 127))
    with pytest.raises(ValueError, match=r"not a font file this can write: .*\.css"):
        subset_font(tmp_path / "x.css", [65])
