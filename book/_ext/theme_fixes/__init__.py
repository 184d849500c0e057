"""Fixes to the default Jupyter Book theme (sphinx-book-theme) found by testing the
built site in a browser.

* **Accessibility** (axe-core): the search button and the colour-mode button were named
  differently from what they show (``label-content-name-mismatch``, serious), and the
  sidebar's title link sat outside any landmark (``region``). Three small template
  overrides in ``templates/components/`` wrap the theme's own templates and patch them.
* **Console errors**: sphinx-thebe's configuration script was added to every page twice
  ("Identifier 'THEBE_JS_URL' has already been declared"). The book does not use thebe
  (no live code cells; Binder launch links need none of it), so while the thebe launch
  button is off its scripts, stylesheet and per-page config are left out, and any other
  script or stylesheet added twice is added once. The theme also logged "Got invalid
  theme mode" because no default colour mode was set: the default is now ``light``
  (readers can still switch).
* **No third-party requests**: thebe's script URL pointed at a CDN; it is gone with
  thebe. (The site icon, so browsers don't ask for a missing ``/favicon.ico``, is
  ``book/_static/favicon.svg``, set in ``_config.yml``.)
* **Hidden code cells** (myst-nb): their ``<summary>`` carried the label "Toggle hidden
  content" while it shows "Show code cell source" (``label-content-name-mismatch``); the
  label is dropped so the summary is named by what it shows.
* **Page weight and first paint**: Font Awesome's 1.5 MB script is not loaded; the icons
  the pages show come from a small generated stylesheet (``icons.py``,
  ``templates/layout.html``). Every script in ``<head>`` is deferred (except the one-line
  settings the inline scripts read), and the search index is loaded only where it is
  used: the search page (the search box on other pages opens that page). Figures get
  their width and height, lazy loading below the first screen, and a 256-colour palette
  that makes the PNGs about four times smaller (``figures.py``).
* **Two stylesheet requests instead of twelve to seventeen**: after the build each page's
  stylesheet links are replaced by two bundles, one shared by every page and one for the page's own
  extras (``css_bundles.py``). The shared one keeps only the rules some page or script
  of the site can use (PurgeCSS): 90 KB gzipped became 32 KB.
* **Fewer elements in code blocks**: a token drawn exactly like the block's text in both
  colour modes (names, punctuation, whitespace) is written without its ``<span>``
  (``highlighting.py``; ``code.css`` gives the block's text the style's colour): a
  quarter of the variants chapter's elements.
* **Page descriptions**: each page gets a ``<meta name="description">`` made from its
  first paragraph unless it sets one itself (search engines show it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from . import css_bundles, figures, highlighting, icons

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
THEBE_MARKERS = ("sphinx-thebe", "THEBE_JS_URL", "thebe@")
DESCRIPTION_LENGTH = 155


def thebe_enabled(config: Config) -> bool:
    options = config.html_theme_options or {}
    return bool((options.get("launch_buttons") or {}).get("thebe"))


def configure(app: Sphinx, config: Config) -> None:
    config.templates_path.insert(0, str(HERE / "templates"))
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "light")
    config.html_context = context
    if thebe_enabled(config):
        logger.warning(
            "theme_fixes: launch_buttons.thebe is on; thebe loads its code from a CDN, "
            "so pages will make third-party requests"
        )


def _asset_key(asset: Any) -> tuple:
    attributes = getattr(asset, "attributes", {}) or {}
    filename = getattr(asset, "filename", asset) or ""  # None and "" both mean inline
    return (str(filename), tuple(sorted(attributes.items())))


def _is_thebe(asset: Any) -> bool:
    text = _asset_key(asset)
    return any(marker in str(text) for marker in THEBE_MARKERS)


def clean_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    drop_thebe = not thebe_enabled(app.config)
    for key in ("script_files", "css_files"):
        assets = context.get(key)
        if not isinstance(assets, list):
            continue
        seen: set[tuple] = set()
        kept = []
        for asset in assets:
            asset_key = _asset_key(asset)
            if asset_key in seen or (drop_thebe and _is_thebe(asset)):
                continue
            seen.add(asset_key)
            # search.html's own searchtools.js runs at once and needs doctools.js: the
            # search page keeps its scripts synchronous
            defer = key == "script_files" and pagename != "search"
            kept.append(deferred(asset) if defer else asset)
        assets[:] = kept


#: Scripts that stay synchronous: inline scripts on every page read DOCUMENTATION_OPTIONS.
SYNC_SCRIPTS = ("documentation_options.js",)


def deferred(asset: Any) -> Any:
    """The same script with ``defer``, so no script in ``<head>`` blocks the first paint.

    Deferred scripts still run in document order, before ``DOMContentLoaded``, which is
    when the theme's and the extensions' scripts start their work. Inline scripts (only
    settings, e.g. ``toggleHintShow``) and ``documentation_options.js`` are left alone.
    """
    filename = str(getattr(asset, "filename", "") or "")
    attributes = getattr(asset, "attributes", None)
    if (
        not filename
        or attributes is None
        or filename.endswith(SYNC_SCRIPTS)
        or {"async", "defer"} & set(attributes)
        or attributes.get("type") == "module"
    ):
        return asset
    return type(asset)(asset.filename, priority=asset.priority, **attributes, defer="defer")


def remove_thebe_config(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if thebe_enabled(app.config):
        return
    for raw in list(doctree.findall(nodes.raw)):
        text = raw.astext()
        if "text/x-thebe-config" in text or text.strip().startswith("<script>kernelName"):
            raw.parent.remove(raw)


NB_SUMMARY = '<summary aria-label="Toggle hidden content">'


def fix_body(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body")
    if isinstance(body, str) and NB_SUMMARY in body:
        context["body"] = body.replace(NB_SUMMARY, "<summary>")


def add_description(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is None or 'name="description"' in (context.get("metatags") or ""):
        return
    for paragraph in doctree.findall(nodes.paragraph):
        # Skip paragraphs inside admonitions, exercises, figures, quizzes...: the first
        # paragraph of running text is the page's introduction.
        if not isinstance(paragraph.parent, nodes.section):
            continue
        if next(paragraph.findall(nodes.math), None) is not None:
            continue
        text = " ".join(paragraph.astext().split())
        if len(text) < 40:
            continue
        if len(text) > DESCRIPTION_LENGTH:
            text = text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "\u2026"
        escaped = text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        context["metatags"] = (
            context.get("metatags") or ""
        ) + f'\n<meta name="description" content="{escaped}" />'
        return


def setup(app: Sphinx) -> dict[str, Any]:
    from _assets import ship_assets  # book/_ext/_assets.py: the one way to ship JS/CSS

    # Where npm's node_modules is (for PurgeCSS; default: the book's folder or above it).
    app.add_config_value("theme_fixes_node_modules", "", "html", types=[str])
    ship_assets(
        app, icons.FOLDER, HERE, css=[icons.CSS_NAME, "code.css"], generated=[icons.CSS_NAME]
    )
    app.connect("builder-inited", icons.write_icons_css)
    # After the theme's builder-inited handlers (500): they settle its style options.
    app.connect("builder-inited", highlighting.use_plain_token_formatter, priority=900)
    app.connect("build-finished", icons.check_icons)
    app.connect("build-finished", icons.subset_fonts)
    app.connect("config-inited", configure, priority=900)
    app.connect("doctree-resolved", remove_thebe_config, priority=900)
    app.connect("html-page-context", clean_assets, priority=900)
    app.connect("html-page-context", fix_body, priority=900)
    app.connect("html-page-context", add_description, priority=900)
    app.connect("html-page-context", figures.size_and_defer_images, priority=900)
    app.connect("build-finished", figures.compress_figures)
    # After the theme rewrites pygments.css (500), before the style sheets are bundled.
    app.connect("build-finished", highlighting.check_stylesheets, priority=800)
    # After myst-nb and sphinx-exercise copy their stylesheets (500), before
    # reproducible.py gives every link its checksum (900).
    app.connect("build-finished", css_bundles.bundle_stylesheets, priority=850)
    return {"version": "1.0.0", "parallel_read_safe": True, "parallel_write_safe": True}
