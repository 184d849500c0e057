"""Serve MathJax from the book itself, so math renders offline and no page asks a CDN.

MathJax 3 comes from npm (``package.json`` at the repository root; install it with
``npm ci``). At build time this extension copies the parts the book uses from
``node_modules/mathjax/es5/`` into ``<outdir>/_static/mathjax/`` and points Sphinx's
``mathjax_path`` at the copy. Nothing is committed and nothing goes to ``book/_static``
(Jupyter Book would add every script found there to every page).

Copied: the TeX-to-HTML bundle ``tex-chtml.js``, its web fonts, the TeX extensions
MathJax loads on demand (e.g. ``\\color``), the accessibility and menu components it
loads when a reader turns them on, the English speech rules, and MathJax's licence.

Loaded when needed: Sphinx links MathJax only from pages with math; there its ``<script>``
gets a type the browser does not run (``type="text/plain" data-lazy="mathjax"``) and the
small ``loader.js`` (shipped next to this file) starts MathJax when math comes within a
screen of the viewport. So MathJax is never part of a page's first load and never
delays its first paint; a reader scrolling to an equation finds it typeset. (MathJax's
own ``ui/lazy`` typesetting was tried and dropped: a formula that is a quiz answer's
whole label had no accessible name until it scrolled into view.)

Config values:

``offline_math_node_modules``
    Where to find ``node_modules`` (default: walk up from the book's folder).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from _assets import ship_assets
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError, ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

STATIC_SUBDIR = "mathjax"
ENTRY = "tex-chtml.js"
# Paths relative to node_modules/mathjax/es5 (directories are copied whole).
PARTS = (
    ENTRY,
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "a11y",
    "ui",
    "sre/mathmaps/base.json",
    "sre/mathmaps/en.json",
    "sre/mathmaps/nemeth.json",
)
REQUIRED_MAJOR = "3"
INSTALL_HINT = "Install it from the repository root with `npm ci` (package.json pins mathjax)."


def find_mathjax(app: Sphinx) -> Path:
    """The installed ``node_modules/mathjax`` folder, or raise with how to install it."""
    configured = app.config.offline_math_node_modules
    if configured:
        candidates = [Path(app.confdir, configured).resolve()]
    else:
        start = Path(app.confdir).resolve()
        candidates = [folder / "node_modules" for folder in (start, *start.parents)]
    for node_modules in candidates:
        package = node_modules / "mathjax"
        if (package / "es5" / ENTRY).is_file():
            version = json.loads((package / "package.json").read_text())["version"]
            if version.split(".")[0] != REQUIRED_MAJOR:
                raise ExtensionError(
                    f"offline_math: found MathJax {version} in {package}, but the book "
                    f"needs MathJax {REQUIRED_MAJOR}.x. {INSTALL_HINT}"
                )
            return package
    searched = ", ".join(str(c) for c in candidates[:3])
    raise ExtensionError(
        f"offline_math: MathJax is not installed (looked for mathjax/es5/{ENTRY} in "
        f"{searched}{', ...' if len(candidates) > 3 else ''}). {INSTALL_HINT}"
    )


HERE = Path(__file__).resolve().parent
LAZY = {"type": "text/plain", "data-lazy": "mathjax"}


def has_math(node: nodes.Node) -> bool:
    return isinstance(node, (nodes.math, nodes.math_block))


def use_local_mathjax(app: Sphinx, config: Config) -> None:
    """Point ``mathjax_path`` at the copy this extension makes, loaded by ``loader.js``."""
    config.mathjax_options = {**(config.mathjax_options or {}), **LAZY}
    local = f"{STATIC_SUBDIR}/{ENTRY}"
    current = config.mathjax_path or ""
    if "://" in current or current.startswith("//"):
        # Sphinx's default is a CDN URL; a remote MathJax is exactly what we avoid.
        config.mathjax_path = local
    elif current != local:
        raise ConfigError(
            f"offline_math: mathjax_path is {current!r}; remove it from the config (the "
            f"extension sets it to {local!r}) or set it to exactly that."
        )


def mathjax_es5(app: Sphinx) -> Path:
    """The folder the parts are copied from (``ship_assets`` calls this at build time)."""
    return find_mathjax(app) / "es5"


def copy_licence(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    package = find_mathjax(app)
    shutil.copyfile(package / "LICENSE", Path(app.outdir, "_static", STATIC_SUBDIR, "LICENSE"))
    logger.info("offline_math: copied MathJax from %s", package)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.mathjax")
    app.add_config_value("offline_math_node_modules", "", "html", types=[str])
    # After Sphinx and Jupyter Book have set their defaults.
    app.connect("config-inited", use_local_mathjax, priority=900)
    # Copied the way every extension ships its files (_assets.py); sphinx.ext.mathjax links
    # tex-chtml.js (deferred) from the pages that have math, and only those.
    ship_assets(app, STATIC_SUBDIR, mathjax_es5, copy=PARTS)
    ship_assets(app, "offline_math", HERE, js=["loader.js"], node=has_math)
    app.connect("builder-inited", copy_licence)
    return {"version": "1.0.0", "parallel_read_safe": True, "parallel_write_safe": True}
