"""Code blocks without the spans that change nothing (book/_ext/theme_fixes/highlighting.py):
a token is written without its ``<span>`` only where every colour style the page can show
draws it like the block's own text, and the build fails if a shipped style sheet says
otherwise."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
from build_helpers import sphinx_build_in_process
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pygments.style import Style
from pygments.token import Name, Operator, Text, Token
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]
EXT_DIR = ROOT / "book" / "_ext"
sys.path.insert(0, str(EXT_DIR))
from theme_fixes.highlighting import (  # noqa: E402
    PlainTokenFormatter,
    stylesheet_problems,
    unstyled_classes,
)

THEME = ["a11y-high-contrast-light", "a11y-high-contrast-dark"]
CODE = (
    "import numpy as np\n"
    "def step(w, grad, lr=0.1):\n"
    "    return w - lr * grad(w)  # one step\n"
    "print(f'{step(1.0, lambda w: 2 * w):.3f}', [1, 2][0])\n"
)


class BoldNames(Style):
    background_color = "#ffffff"
    styles = {Text: "#111111", Name: "bold #111111", Operator: "#111111"}


class DarkNames(Style):
    background_color = "#000000"
    styles = {Text: "#eeeeee", Name: "#ff8800", Operator: "#eeeeee"}


class BoxedText(Style):  # a border on the block's text: one box per token if repeated
    background_color = "#ffffff"
    styles = {Text: "border:#cccccc #111111", Name: "border:#cccccc #111111"}


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def span_classes(markup: str) -> set[str]:
    return set(re.findall(r'<span class="([^"]*)"', markup))


def test_the_themes_names_punctuation_and_spaces_look_like_plain_text():
    plain = unstyled_classes(THEME)
    assert {"n", "p", "w"} <= plain
    # coloured tokens, and prompts/outputs whatever their colour, keep their spans
    assert not plain & {"o", "k", "kn", "nb", "nf", "mi", "mf", "s1", "s2", "c1", "gp", "go"}


def test_a_class_is_plain_only_if_it_is_plain_in_every_style():
    assert "n" not in unstyled_classes(["tango"])  # a colour on names, none on the text
    assert "n" not in unstyled_classes([BoldNames])  # same colour, but bold
    assert "o" in unstyled_classes([BoldNames])
    assert "n" in unstyled_classes(["a11y-high-contrast-light"])
    assert "n" not in unstyled_classes(["a11y-high-contrast-light", DarkNames])
    assert "o" in unstyled_classes([DarkNames])
    assert not unstyled_classes([BoxedText]) & {"n", "w"}  # they repeat the border
    assert "p" in unstyled_classes([BoxedText])  # no rule at all: no border either
    assert unstyled_classes([]) == frozenset()
    with pytest.raises(ValueError, match="no highlighting style named 'a11y-high-contrast-purple'"):
        unstyled_classes(["a11y-high-contrast-light", "a11y-high-contrast-purple"])


def test_the_formatter_drops_only_those_spans_and_keeps_every_character():
    plain = unstyled_classes(THEME)
    book = type("Book", (PlainTokenFormatter,), {"unstyled": plain})
    ours = highlight(CODE, PythonLexer(), book())
    pygments = highlight(CODE, PythonLexer(), HtmlFormatter())
    assert text_of(ours) == text_of(pygments)
    assert text_of(ours).strip("\n") == CODE.strip("\n")
    assert span_classes(ours) == span_classes(pygments) - plain
    assert {"n", "p"} <= span_classes(pygments)
    assert ours.count("<span") < pygments.count("<span") * 0.6
    # nothing unstyled: the same markup as Pygments' own formatter
    assert highlight(CODE, PythonLexer(), PlainTokenFormatter()) == pygments


@pytest.mark.parametrize(
    "options",
    [{"hl_lines": [2]}, {"linenos": "inline"}, {"linenos": "table"}, {"nowrap": True}],
    ids=["emphasised-line", "inline-numbers", "table-numbers", "nowrap"],
)
def test_emphasised_lines_and_line_numbers_are_kept(options):
    plain = unstyled_classes(THEME)
    book = type("Book", (PlainTokenFormatter,), {"unstyled": plain})
    ours = highlight(CODE, PythonLexer(), book(**options))
    pygments = highlight(CODE, PythonLexer(), HtmlFormatter(**options))
    assert text_of(ours) == text_of(pygments)
    assert span_classes(ours) == span_classes(pygments) - plain
    assert ours.count('class="hll"') == pygments.count('class="hll"')
    assert ours.count("linenos") == pygments.count("linenos")


def test_a_token_type_outside_pygments_list_keeps_its_span():
    """Its classes are its own and its parents' (``n n-Extra``); one of them is not plain."""
    book = type("Book", (PlainTokenFormatter,), {"unstyled": unstyled_classes(THEME)})()
    extra = Token.Name.Extra
    assert book._get_css_classes(Token.Name) == ""
    assert book._get_css_classes(extra) == HtmlFormatter()._get_css_classes(extra) != ""


PYGMENTS_CSS = """\
html[data-theme="light"] .highlight pre { line-height: 125%; }
html[data-theme="light"] .highlight { background: #fefefe; color: #080808 }
html[data-theme="light"] .highlight .n { color: #080808 } /* Name */
html[data-theme="light"] .highlight .o { color: #00622F } /* Operator */
html[data-theme="dark"] .highlight { background: #2b2b2b; color: #F8F8F2 }
html[data-theme="dark"] .highlight .n { color: #F8F8F2 } /* Name */
html[data-theme="dark"] .highlight .nn { font-weight: bold } /* Name.Namespace */
div.highlight span.gp { user-select: none }
"""


def test_style_rules_that_draw_a_dropped_class_unlike_the_text_are_found():
    assert stylesheet_problems(PYGMENTS_CSS, ["n", "p"]) == []
    assert stylesheet_problems(PYGMENTS_CSS, []) == []
    assert stylesheet_problems(PYGMENTS_CSS, ["nn"]) == [
        'html[data-theme="dark"] .highlight .nn {font-weight: bold}'
    ]
    assert stylesheet_problems(PYGMENTS_CSS, ["gp"]) == [
        "div.highlight span.gp {user-select: none}"
    ]
    other_colour = PYGMENTS_CSS.replace(".n { color: #F8F8F2 }", ".n { color: #FFFFFF }")
    assert stylesheet_problems(other_colour, ["n"]) == [
        'html[data-theme="dark"] .highlight .n {color: #FFFFFF}'
    ]
    # any other rule that can reach a dropped class, however it is written
    book_css = ".highlight pre .p:hover, .x { text-decoration: underline }"
    assert stylesheet_problems(book_css, ["p"]) == [
        ".highlight pre .p:hover {text-decoration: underline}"
    ]
    assert stylesheet_problems("pre .n { color: red }", ["n"]) == ["pre .n {color: red}"]
    nested = "@media print { .highlight { .n { font-weight: 700 } } }"
    assert stylesheet_problems(nested, ["n"]) == [".n {font-weight: 700}"]
    split = ".highlight .k, :is(.a, .b) span.p { color: red }"
    assert stylesheet_problems(split, ["p"]) == [":is(.a, .b) span.p {color: red}"]
    # ... or every token of a block, whatever its class
    assert stylesheet_problems(".highlight span { padding: 1px }", ["n"]) != []
    assert stylesheet_problems("div.highlight pre * { opacity: .5 }", ["n"]) != []
    # not: a class Pygments never writes on a token next to it, a span with its own class
    assert stylesheet_problems(".sig-param.n { font-style: italic }", ["n"]) == []
    assert stylesheet_problems(".highlight span.linenos { color: grey }", ["n"]) == []
    # the text's colour however it is written, or taken from another sheet
    same = (
        '.highlight .n { color: #080808 !important }\n.highlight .p { color: inherit }\n'
        '.highlight .w { color: #888 }'
    )
    assert stylesheet_problems(same, ["n", "p"], {"": "#080808"}) == []
    assert stylesheet_problems(same, ["w"], {"": "#888888"}) == []
    assert stylesheet_problems(same, ["w"], {"": "#080808"}) == [".highlight .w {color: #888}"]


CONF = """\
import sys
sys.path.insert(0, {ext_dir!r})
extensions = []
exclude_patterns = ["_build"]
html_static_path = ["_static"]
html_css_files = ["book.css"]
{extra}

def setup(app):
    from theme_fixes import highlighting
    app.connect("builder-inited", highlighting.use_plain_token_formatter)
    app.connect("build-finished", highlighting.check_stylesheets, priority=800)
"""

PAGE = "Code\n====\n\n.. code-block:: python\n\n" + "".join(
    f"   {line}\n" for line in CODE.splitlines()
)


def build(tmp_path: Path, extra: str, book_css: str = "p { margin: 0 }\n") -> Path:
    src = tmp_path / "src"
    (src / "_static").mkdir(parents=True)
    (src / "conf.py").write_text(CONF.format(ext_dir=str(EXT_DIR), extra=extra))
    (src / "_static" / "book.css").write_text(book_css)
    (src / "index.rst").write_text(PAGE)
    out, warnings = sphinx_build_in_process(src, tmp_path)
    assert warnings == ""
    return out


def code_block(out: Path) -> str:
    page = (out / "index.html").read_text()
    block = re.search(r'<div class="highlight"><pre>.*?</pre></div>', page, re.S).group(0)
    assert text_of(block).strip("\n") == CODE.strip("\n")
    return block


@pytest.mark.parametrize(
    "extra, dropped",
    [
        ('html_theme = "sphinx_book_theme"', {"n", "p"}),
        # the theme's own option, read the way the theme reads it
        ('html_theme = "sphinx_book_theme"\nhtml_theme_options = {"pygments_dark_style": "tango"}',
         set()),
        # a theme without light/dark options: Sphinx's style decides
        ('html_theme = "alabaster"\npygments_style = "monokai"', {"n", "p"}),
        ('html_theme = "alabaster"\npygments_style = "tango"', set()),
    ],
    ids=["book-theme", "book-theme-tango-dark", "monokai", "tango"],
)
def test_a_built_page_drops_the_spans_its_styles_allow(tmp_path, extra, dropped):
    block = code_block(build(tmp_path, extra))
    classes = span_classes(block)
    assert not classes & dropped
    assert {"n", "p"} - dropped <= classes
    assert {"k", "o", "mf"} <= classes  # coloured tokens keep their spans


def test_a_style_sheet_that_styles_a_dropped_class_fails_the_build(tmp_path):
    with pytest.raises(ExtensionError, match=r"book\.css: \.highlight \.n \{font-weight: 600\}"):
        build(tmp_path, 'html_theme = "sphinx_book_theme"', ".highlight .n { font-weight: 600 }\n")


def test_a_book_rule_repeating_the_themes_text_colour_builds(tmp_path):
    """The text colour of each mode comes from the theme's pygments.css, not book.css."""
    same = 'html[data-theme="dark"] .highlight .n { color: #F8F8F2 }\n'
    code_block(build(tmp_path / "same", 'html_theme = "sphinx_book_theme"', same))
    other = same.replace("#F8F8F2", "#FFFFFF")
    with pytest.raises(ExtensionError, match="FFFFFF"):
        build(tmp_path / "other", 'html_theme = "sphinx_book_theme"', other)
