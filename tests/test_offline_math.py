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

