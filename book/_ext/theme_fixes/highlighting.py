"""Code blocks without the spans that change nothing.

Pygments wraps every token of a code block in ``<span class="…">``, including the ones
the page's colour styles draw exactly like the block's own text: in the theme's two
styles (``a11y-high-contrast-light`` and ``-dark``) names (``n``), punctuation (``p``)
and whitespace (``w``) have the text's colour and nothing else. On W3 D4 and on the
variants chapter those spans were 17 % and 27 % of all the page's elements, and a phone
pays for every element in style and layout work (Lighthouse's mobile score of the
variants chapter was held back by exactly that).

So the book's highlighter (:class:`PlainTokenFormatter`, set on Sphinx's highlighter at
``builder-inited``) leaves out a token's span when, in **every** style the page can show,
its class has no rule or a rule that only repeats the block's text colour. The decision
is taken per token class from the styles themselves (:func:`unstyled_classes`), so a
style whose names are coloured keeps their spans.

"The block's text colour" is the one the style puts on ``.highlight``; ``code.css`` makes
the ``<pre>`` inherit it (the theme's ``pre`` rule gave it another grey). After the build,
:func:`check_stylesheets` reads the style sheets the site really ships and fails the
build if any of them styles a left-out class unlike that text (for instance a theme that
writes other colours than the styles it names, or a book style sheet that targets
``.highlight .n``); the browser test compares what Chromium computes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pygments.formatters import HtmlFormatter
from pygments.style import Style
from pygments.styles import get_all_styles
from pygments.token import STANDARD_TYPES, Name, Operator, Punctuation, Text
from pygments.util import ClassNotFound
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from .icons import CSS_BLOCK

logger = logging.getLogger(__name__)

#: The theme options of pydata-sphinx-theme (and the themes built on it, such as
#: sphinx-book-theme) that name the light and the dark highlighting style; it writes
#: ``pygments.css`` from these two, over Sphinx's own.
THEME_STYLE_OPTIONS = ("pygments_light_style", "pygments_dark_style")

#: The token families whose spans may go: names, operators, punctuation and plain text
#: carry no meaning beyond their colour. Others are kept even where they look like text:
#: prompts and outputs (``Generic``: their classes mark what a reader should not copy;
#: Sphinx's and the theme's style sheets make doctest prompts unselectable, and
#: sphinx-copybutton can be told to skip ``.gp``), errors, escapes, ``Other``.
FAMILIES = (Name, Operator, Punctuation, Text)


def unstyled_classes(styles: Iterable[str | type[Style]]) -> frozenset[str]:
    """The token classes drawn like plain text of the block in every one of ``styles``.

    A class is plain in a style when Pygments writes no rule for it, or a rule whose only
    declaration is the colour that the style also gives the block itself (Pygments puts
    the style's ``Text`` rule on the ``.highlight`` rule only when the style has a
    background, as every style in Pygments does). Any weight, slant, underline,
    background, border or other colour keeps the span (a border on ``.highlight`` draws
    one box round the block; on a token it would draw one per token). Only token types of
    :data:`FAMILIES` are candidates. No styles: nothing is plain.
    """
    plain: set[str] | None = None
    for style in styles:
        try:
            formatter = HtmlFormatter(style=style)
        except ClassNotFound:
            raise ValueError(f"unstyled_classes: no highlighting style named {style!r}") from None
        rules = formatter.class2style
        text_rule = None
        if formatter.style.background_color is not None and Text in formatter.ttype2class:
            text_rule = rules[formatter.ttype2class[Text]][0]
            if not re.fullmatch(r"color: #[0-9A-Fa-f]{3,8}", text_rule):
                text_rule = None  # more than a colour: no rule can repeat it harmlessly
        classes = {
            formatter._get_css_class(ttype)
            for ttype, _ in formatter.style
            if any(ttype in family for family in FAMILIES)
        }
        here = {name for name in classes if name not in rules or rules[name][0] == text_rule}
        here.discard("")
        plain = here if plain is None else plain & here
    return frozenset(plain or ())


class PlainTokenFormatter(HtmlFormatter):
    """Pygments' HTML formatter, without spans for the classes in :attr:`unstyled`.

    A token whose classes (its own and, for token types outside Pygments' standard ones,
    its parents') are all unstyled is written as bare text; every other token keeps its
    span and classes. The text of the block is the same character for character.
    """

    unstyled: frozenset[str] = frozenset()

    def _get_css_classes(self, ttype: Any) -> str:
        classes = super()._get_css_classes(ttype)
        if classes and all(name in self.unstyled for name in classes.split()):
            return ""
        return classes


def page_styles(app: Sphinx) -> list[str | type[Style]]:
    """The highlighting styles whose colours the built pages can show.

    With a theme that names a light and a dark style (pydata-sphinx-theme's options, as
    it resolves them: ``html_theme_options`` first, then the theme's defaults), those
    two; otherwise Sphinx's ``pygments_style`` and, if set, ``pygments_dark_style``. A
    name Pygments does not know gives no styles, so nothing is left out (the theme then
    falls back to tango or monokai; rather than copy its fallback rules here, the book
    keeps every span). Runs after the theme's own ``builder-inited`` handlers, which
    rename the options' old spelling (``pygment_*_style``).
    """
    builder = app.builder
    theme = getattr(builder, "theme", None)
    if theme is not None:
        options = dict(theme.get_options())
        overrides = getattr(builder, "theme_options", None) or app.config.html_theme_options
        options.update({k: v for k, v in (overrides or {}).items() if k in options})
        names = [options.get(key) for key in THEME_STYLE_OPTIONS]
        if any(names):
            known = set(get_all_styles())
            return list(names) if all(name in known for name in names) else []
    styles: list[str | type[Style]] = []
    for attribute in ("highlighter", "dark_highlighter"):
        bridge = getattr(builder, attribute, None)
        if bridge is not None:
            styles.append(bridge.formatter_args["style"])
    return styles


def use_plain_token_formatter(app: Sphinx) -> None:
    """builder-inited: the HTML highlighter writes through :class:`PlainTokenFormatter`."""
    highlighter = getattr(app.builder, "highlighter", None)
    if highlighter is None or app.builder.format != "html":
        return
    unstyled = unstyled_classes(page_styles(app))
    highlighter.formatter = type("BookFormatter", (PlainTokenFormatter,), {"unstyled": unstyled})
    logger.info("theme_fixes: code tokens written without a span: %s", " ".join(sorted(unstyled)))


#: One rule: its selectors and its declarations (comments are removed first), the pattern
#: icons.py reads the icon rules with. A rule inside ``@media`` or nested in another is
#: found on its own, with its own selectors.
RULE = CSS_BLOCK
COMMENT = re.compile(r"/\*.*?\*/", re.S)
#: Selectors that reach every token of a block whatever its class: ``… span``, ``… *``.
EVERY_TOKEN = re.compile(r"(?:^|[\s>+~])(?:span|\*)(?:\[[^\]]*\]|::?[\w-]+(?:\([^)]*\))?)*$")
SAME_AS_TEXT = {"inherit", "currentcolor", "unset"}
#: Every class Pygments writes on a token: a compound selector with any other class
#: (Sphinx's ``.sig-param.n``) cannot match a token.
TOKEN_CLASSES = frozenset(STANDARD_TYPES.values()) - {""}
COMPOUND = re.compile(r"[^\s>+~]+")


def highlight_colours(css: str) -> dict[str, str]:
    """``{prefix: colour}`` of the ``PREFIX .highlight { color: … }`` rules in ``css``."""
    colours = {}
    for selectors, body in RULE.findall(COMMENT.sub("", css)):
        colour = _declarations(body).get("color")
        for selector in _selectors(selectors):
            if selector.endswith(".highlight") and colour:
                colours[selector[: -len(".highlight")]] = colour
    return colours


def stylesheet_problems(
    css: str, unstyled: Iterable[str], colours: dict[str, str] | None = None
) -> list[str]:
    """The rules of ``css`` that could draw an unstyled class unlike the block's text.

    A selector ``PREFIX .highlight .CLASS`` (an unstyled ``CLASS``) may only give the
    colour of ``PREFIX .highlight`` (from ``colours``, gathered from all the site's
    sheets; by default from ``css``), or ``inherit``. Any other selector that can match
    a token of such a class (a compound naming it and no class Pygments does not write:
    ``pre .n``, ``span.p:hover``, a nested ``.n``), or every token of a highlighted block
    (``.highlight span``, ``.highlight pre *``), is a problem: its effect on bare text
    cannot be checked here.
    """
    names = "|".join(re.escape(name) for name in sorted(unstyled, key=len, reverse=True))
    if not names:
        return []
    own = re.compile(rf"^(.*?)\.highlight\s+\.({names})$")
    anywhere = re.compile(rf"\.({names})(?![\w-])")

    def names_token(selector: str) -> bool:
        for compound in COMPOUND.findall(re.sub(r"\([^)]*\)|\[[^\]]*\]", "", selector)):
            classes = set(re.findall(r"\.([\w-]+)", compound))
            if anywhere.search(compound) and classes <= TOKEN_CLASSES:
                return True
        return False

    css = COMMENT.sub("", css)
    colours = highlight_colours(css) if colours is None else colours
    problems = []
    for selectors, body in RULE.findall(css):
        for selector in _selectors(selectors):
            every = "highlight" in selector and EVERY_TOKEN.search(selector)
            if not (names_token(selector) or every):
                continue
            match = own.match(selector)
            declarations = _declarations(body)
            if match and set(declarations) <= {"color"}:
                colour = declarations.get("color")
                wanted = colours.get(match.group(1))
                if colour is None or colour in SAME_AS_TEXT or colour == wanted:
                    continue
            problems.append(f"{selector} {{{body.strip()}}}")
    return problems


def _selectors(text: str) -> list[str]:
    """A rule's selector list split at its top-level commas (not those in ``:is(a, b)``)."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [" ".join(part.split()) for part in parts if part.strip()]


def _declarations(body: str) -> dict[str, str]:
    """``{property: value}``, values lower-case, ``!important`` dropped, ``#abc`` as
    ``#aabbcc``, so that one colour written two ways compares equal."""
    out = {}
    for part in body.split(";"):
        name, colon, value = part.partition(":")
        if colon:
            value = " ".join(value.replace("!important", "").split()).lower()
            short = re.fullmatch(r"#([0-9a-f])([0-9a-f])([0-9a-f])", value)
            if short:
                value = "#" + "".join(c * 2 for c in short.groups())
            out[name.strip().lower()] = value
    return out


def check_stylesheets(app: Sphinx, exception: Exception | None) -> None:
    """build-finished: no shipped style sheet draws a left-out class unlike plain text.

    Runs after the theme has rewritten ``pygments.css`` and before the style sheets are
    bundled, over every ``.css`` file in the site's ``_static`` folder.
    """
    formatter = getattr(getattr(app.builder, "highlighter", None), "formatter", None)
    unstyled = sorted(getattr(formatter, "unstyled", ()))
    if exception is not None or not unstyled:
        return
    static = Path(app.builder.outdir) / "_static"
    sheets = {
        sheet.relative_to(static): sheet.read_text(encoding="utf-8", errors="replace")
        for sheet in sorted(static.rglob("*.css"))
        if sheet.parent.name != "bundles"
    }
    colours: dict[str, str] = {}
    for text in sheets.values():
        colours.update(highlight_colours(text))
    problems = [
        f"{name}: {problem}"
        for name, text in sheets.items()
        for problem in stylesheet_problems(text, unstyled, colours)
    ]
    if problems:
        raise ExtensionError(
            "theme_fixes: code tokens of classes "
            + ", ".join(unstyled)
            + " are written without their span, but these style rules draw them unlike "
            "the block's text (change the highlighting style or theme_fixes.highlighting): "
            + "; ".join(problems[:10])
        )
