"""The theme's icons from a few kilobytes of CSS instead of Font Awesome's 1.5 MB script.

pydata-sphinx-theme (0.17, under sphinx-book-theme) writes icons as ``<i class="fa-solid
fa-bars"></i>`` and loads Font Awesome's ``fontawesome.js`` (1.49 MB, 543 KB gzipped) on
every page to turn them into SVGs. On a phone that script is most of a chapter's weight
and seconds of main-thread work. The layout override in ``templates/layout.html`` drops
the script; this module writes ``_static/theme_fixes/icons.css``, which draws each icon
the book's pages show as a CSS mask (an SVG data URI in ``currentColor``, so it follows
the light and dark colour modes). The SVG paths are read at build time from the theme's
own ``fontawesome.js`` (nothing of Font Awesome is committed), so the icons are exactly
those the script would have drawn. Without the rules below, the theme's CSS would fall
back to Font Awesome's web fonts (150 KB per style, ``font-display: block``); the rules
empty the glyph and give the icon elements the surrounding font, so no page fetches a
font for them (Chromium fetches an element's font even for an empty glyph, to measure
the line).

The theme's own CSS still draws a few icons as font glyphs: the admonition titles (the
exercise boxes' pencil), breadcrumbs, external links. ``subset_fonts`` cuts the copies
of Font Awesome's fonts in the built site down to the glyphs that CSS outside Font
Awesome's own rules names (fontTools, which matplotlib already needs; a few KB instead
of 150 KB per style).

``ICONS`` lists every icon the theme can put on our pages. After the build,
``check_icons`` reads every page written and reports (a warning, so ``-W`` fails the
build) any Font Awesome icon class that has no rule here.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from _assets import site_pages  # book/_ext/_assets.py
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

FOLDER = "theme_fixes"  # <outdir>/_static/theme_fixes/
CSS_NAME = "icons.css"

#: (style, name) of every icon the theme may show on the book's pages: the header
#: (menu, search, colour mode, full screen, repository, launch and download menus), the
#: sidebars, the "back to top" button, previous/next links, the search dialog's close
#: button (added by the theme's script) and the "Contents" caret of the secondary sidebar.
ICONS: tuple[tuple[str, str], ...] = (
    ("solid", "angle-down"),
    ("solid", "angle-left"),
    ("solid", "angle-right"),
    ("solid", "arrow-up"),
    ("solid", "bars"),
    ("solid", "chevron-down"),
    ("solid", "circle-half-stroke"),
    ("solid", "code"),
    ("solid", "compress"),
    ("solid", "download"),
    ("solid", "expand"),
    ("solid", "file"),
    ("solid", "file-pdf"),
    ("solid", "list"),
    ("solid", "magnifying-glass"),
    ("solid", "moon"),
    ("solid", "outdent"),
    ("solid", "rocket"),
    ("solid", "sun"),
    ("solid", "xmark"),
    ("brands", "github"),
)

#: Class names that pick Font Awesome's style ("fa" alone means solid).
STYLE_CLASSES = {
    "solid": ("fa-solid", "fas", "fa"),
    "regular": ("fa-regular", "far"),
    "brands": ("fa-brands", "fab"),
}
#: fa-* classes that are modifiers, not icons.
MODIFIERS = frozenset(
    {"fa-solid", "fa-regular", "fa-brands", "fa-classic", "fa-lg", "fa-sm", "fa-xs",
     "fa-xl", "fa-2x", "fa-3x", "fa-fw", "fa-spin", "fa-pulse", "fa-border", "fa-inverse",
     "fa-stack", "fa-stack-1x", "fa-stack-2x", "fa-rotate-90", "fa-flip-horizontal",
     "fa-beat", "fa-fade", "fa-shake", "fa-bounce", "fa-flip"}
)
# fontawesome.js registers each style with d("fab", p), d("far", p), d("fas", p) right
# after the object literal p = {name: [width, height, [aliases], unicode, path], ...}.
PACK_CALL = re.compile(r'd\("fa([brs])",p\)')
ENTRY = re.compile(
    r'(?:"([a-z0-9-]+)"|([a-z0-9]+)):\[(\d+),(\d+),\[([^\]]*)\],"[0-9a-f]+",'
    r'("(?:[^"\\]|\\.)*"|\[[^\]]*\])\]'
)
PACK_NAMES = {"b": "brands", "r": "regular", "s": "solid"}


def fontawesome_js() -> Path:
    import pydata_sphinx_theme

    path = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    path = path / "static" / "scripts" / "fontawesome.js"
    if not path.is_file():
        raise ExtensionError(f"theme_fixes: {path} not found; the icons are read from it")
    return path


def read_icons(script: str) -> dict[tuple[str, str], tuple[int, int, str]]:
    """{(style, name or alias): (width, height, SVG path)} from fontawesome.js's text."""
    icons: dict[tuple[str, str], tuple[int, int, str]] = {}
    start = 0
    for call in PACK_CALL.finditer(script):
        style = PACK_NAMES[call.group(1)]
        body = script[script.rfind("p={", start, call.start()) : call.start()]
        for match in ENTRY.finditer(body):
            name = match.group(1) or match.group(2)
            width, height = int(match.group(3)), int(match.group(4))
            raw_path = match.group(6)
            if raw_path.startswith("["):  # duotone: [secondary, primary]; not in Free
                continue
            path = raw_path[1:-1]
            aliases = re.findall(r'"([a-z0-9-]+)"', match.group(5))
            for key in (name, *aliases):
                icons.setdefault((style, key), (width, height, path))
        start = call.end()
    return icons


def svg_uri(width: int, height: int, path: str) -> str:
    """One icon as a ``data:`` URI (an SVG of one path)."""
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
        f'<path d="{path}"/></svg>'
    )
    return "data:image/svg+xml," + quote(svg, safe=" /=:,.-")


def icon_rule(style: str, name: str, width: int, height: int, path: str) -> str:
    uri = svg_uri(width, height, path)
    selectors = ",".join(f".{cls}.fa-{name}::before" for cls in STYLE_CLASSES[style])
    return (
        f"{selectors}{{width:{width / height:.4f}em;"
        f'-webkit-mask-image:url("{uri}");mask-image:url("{uri}")}}'
    )


def icons_css(icons: dict[tuple[str, str], tuple[int, int, str]]) -> str:
    missing = [f"{style} {name}" for style, name in ICONS if (style, name) not in icons]
    if missing:
        raise ExtensionError(f"theme_fixes: fontawesome.js has no icon {', '.join(missing)}")
    every = ",".join(
        f".{cls}.fa-{name}::before" for style, name in ICONS for cls in STYLE_CLASSES[style]
    )
    lines = [
        "/* Written by book/_ext/theme_fixes/icons.py from the theme's fontawesome.js"
        " (Font Awesome Free, icons CC BY 4.0). */",
        # The glyph is emptied (so no Font Awesome web font is fetched) and the icon drawn
        # as a mask filled with the text colour, 1em high, like Font Awesome's SVGs.
        f"{every}{{content:\"\"!important;display:inline-block;height:1em;"
        "vertical-align:-.125em;background-color:currentColor;"
        "-webkit-mask-repeat:no-repeat;mask-repeat:no-repeat;"
        "-webkit-mask-position:center;mask-position:center;"
        "-webkit-mask-size:contain;mask-size:contain}",
        # The icon elements take the surrounding font: none of Font Awesome's is fetched.
        ",".join(f".{cls}" for classes in STYLE_CLASSES.values() for cls in classes)
        + ",.fa-classic{font-family:inherit!important}",
    ]
    for style, name in ICONS:
        lines.append(icon_rule(style, name, *icons[(style, name)]))
    # sphinx-book-theme's "Contents" caret is a Font Awesome glyph in ::after.
    width, height, path = icons[("solid", "angle-down")]
    uri = svg_uri(width, height, path)
    lines.append(
        ".bd-sidebar-secondary.hide:not(:hover) .onthispage::after{content:\"\"!important;"
        f"display:inline-block;width:{width / height:.4f}em;height:1em;margin-left:.5em;"
        "padding-left:0!important;vertical-align:-.125em;background-color:currentColor;"
        f'-webkit-mask:url("{uri}") center/contain no-repeat;'
        f'mask:url("{uri}") center/contain no-repeat}}'
    )
    return "\n".join(lines) + "\n"


def write_icons_css(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    icons = read_icons(fontawesome_js().read_text(encoding="utf-8"))
    target = Path(app.outdir, "_static", FOLDER)
    target.mkdir(parents=True, exist_ok=True)
    (target / CSS_NAME).write_text(icons_css(icons), encoding="utf-8")


# ---------------------------------------------------- the glyphs the theme's CSS uses

FONTS_DIR = ("_static", "vendor", "fontawesome", "webfonts")
FONT_FILES = ("fa-solid-900", "fa-regular-400", "fa-brands-400")
CSS_BLOCK = re.compile(r"([^{}]*)\{([^{}]*)\}")
PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]|\\(f[0-9a-fA-F]{3})\b")


def glyphs_named(css: str) -> set[int]:
    """Private-use code points (Font Awesome's) in the CSS rules outside Font Awesome's own.

    Font Awesome's stylesheet names every icon it has (``.fa-bars{--fa:"\\f0c9"}``); those
    rules are for ``<i class="fa-...">`` elements, which icons.css draws as masks. The
    rest (``--pst-icon-pencil:"\uf303"``, ``content:"\\f107"``) are what the fonts must keep.
    """
    used = set()
    for selector, body in CSS_BLOCK.findall(css):
        if ".fa" in selector:
            continue
        for match in PRIVATE_USE.finditer(body):
            used.add(int(match.group(1), 16) if match.group(1) else ord(match.group(0)))
    return used


def subset_fonts(app: Sphinx, exception: Exception | None) -> None:
    """Cut Font Awesome's fonts in the built site to the glyphs the site's CSS names."""
    if exception is not None or app.builder.format != "html":
        return
    from _fonts import subset_font  # book/_ext/_fonts.py, shared with offline_math

    static = Path(app.outdir, "_static")
    folder = Path(app.outdir, *FONTS_DIR)
    if not folder.is_dir():
        raise ExtensionError(f"theme_fixes: {folder} not found; the theme ships its fonts there")
    used: set[int] = set()
    for sheet in static.rglob("*.css"):
        used |= glyphs_named(sheet.read_text(encoding="utf-8"))
    for stem in FONT_FILES:
        for suffix in (".woff2", ".ttf"):
            path = folder / (stem + suffix)
            if path.is_file():
                subset_font(path, used)


CLASS_ATTR = re.compile(r'class="([^"]*\bfa-[^"]*)"')


def icons_used(html: str) -> set[str]:
    """Font Awesome icon names (without ``fa-``) in the class attributes of a page."""
    used = set()
    for classes in CLASS_ATTR.findall(html):
        for cls in classes.split():
            if cls.startswith("fa-") and cls not in MODIFIERS:
                used.add(cls[3:])
    return used


def check_icons(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    known = {name for _, name in ICONS}
    unknown: dict[str, str] = {}
    for page in site_pages(app.outdir):
        for name in icons_used(page.read_text(encoding="utf-8")) - known:
            unknown.setdefault(name, page.relative_to(app.outdir).as_posix())
    for name, page in sorted(unknown.items()):
        logger.warning(
            "theme_fixes: icon fa-%s (first on %s) has no rule in icons.css; add it to "
            "ICONS in book/_ext/theme_fixes/icons.py",
            name,
            page,
        )
