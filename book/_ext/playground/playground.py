"""Sphinx extension for the learning-rate playground: the ``{playground}`` directive.

Use in a MyST page::

    ```{playground}
    :lr: 0.3
    :steps-per-frame: 8
    :max-steps: 600
    ```

All options are optional; their defaults, and the range of ``lr``, are gdcode's
(:data:`gdcode.playground.CONTROLS`, also written into the data file the widget
reads), so they are defined once. The directive writes an empty ``<div
class="gd-playground">`` holding one fallback sentence; ``widget.js`` replaces
the sentence with the controls and charts. Non-HTML builders (LaTeX, text)
print the sentence.

Assets: at the start of an HTML build ``_assets.ship_assets`` copies ``core.js``,
``widget.js`` and ``widget.css`` into ``<outdir>/_static/_playground/`` and this
extension writes the data file there with gdcode (:func:`gdcode.playground.write_playground_data`),
both as ``playground-data.json`` and as ``playground-data.js`` (the same object
assigned to ``window.GDPlayground.data``, so the widget also works when a page
is opened straight from disk, where browsers block ``fetch``). Nothing lives in
the book's *source* ``_static`` folder, whose scripts Jupyter Book links from
every page: these files are linked only from pages that use the directive.
Copying them before the pages are written lets Sphinx add its
``?v=<checksum>`` cache-busting suffix to the links.

Enable with ``sys.path`` containing ``book/_ext`` and the extension name
``playground.playground``.
"""

from __future__ import annotations

import math
import posixpath
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

__version__ = "1.0"

#: Folder of the built site that receives the playground's files (inside the
#: *output* ``_static``: Sphinx resolves per-page assets relative to it).
ASSET_DIR = "_static/_playground"
#: The same folder as ``app.add_js_file`` names it (relative to ``_static``).
ASSET_URL_DIR = "_playground"
HERE = Path(__file__).resolve().parent
DATA_JSON = "playground-data.json"
DATA_JS = "playground-data.js"

# The defaults and the slider's range are gdcode's (gdcode.playground.CONTROLS, also
# written into the data file that widget.js reads); an option left out of the directive
# is left out of the page, so the widget uses the data file's default.
LOG10_RANGE_KEY = "log10_learning_rate_range"


def _controls() -> dict:
    try:
        from gdcode.playground import CONTROLS
    except ImportError as error:
        raise ExtensionError(
            "the playground extension needs gdcode (pip install -e . at the repository root)",
            orig_exc=error,
        ) from error
    return CONTROLS


FALLBACK_HTML = (
    "The learning-rate playground runs in your browser and needs JavaScript. "
    "Without it, run the same experiment in Python with "
    "<code>gdcode.playground.train_playground</code>; the data and starting weights are in "
    '<a href="{data_url}">{data_name}</a>.'
)
FALLBACK_TEXT = (
    "An interactive learning-rate playground appears here in the web version of the book. "
    "The same experiment runs in Python with gdcode.playground.train_playground."
)


class playground_node(nodes.General, nodes.Element):
    """Placeholder for the widget; its child paragraph is the non-HTML fallback."""


def _learning_rate(argument: str) -> float:
    low, high = (10.0**p for p in _controls()[LOG10_RANGE_KEY])
    try:
        value = float(argument)
    except (TypeError, ValueError):
        raise ValueError(f"lr must be a number, got {argument!r}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"lr must be between {low:g} and {high:g}, got {argument!r}")
    return value


class PlaygroundDirective(SphinxDirective):
    """``{playground}``: the widget; options ``lr``, ``steps-per-frame``, ``max-steps``."""

    has_content = False
    option_spec = {
        "lr": _learning_rate,
        "steps-per-frame": directives.positive_int,
        "max-steps": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        node = playground_node()
        # None: not given, the widget takes gdcode's default from the data file
        node["learning_rate"] = self.options.get("lr")
        node["steps_per_frame"] = self.options.get("steps-per-frame")
        node["max_steps"] = self.options.get("max-steps")
        self.set_source_info(node)
        node += nodes.paragraph(text=FALLBACK_TEXT)
        return [node]


# ------------------------------------------------------------------ writers


def _visit_html(translator, node: playground_node) -> None:
    builder = translator.builder
    page_dir = posixpath.dirname(builder.get_target_uri(builder.current_docname))
    data_url = posixpath.relpath(f"{ASSET_DIR}/{DATA_JSON}", page_dir or ".")
    attributes = "".join(
        f' data-{name}="{node[key]!r}"'
        for name, key in (
            ("learning-rate", "learning_rate"),
            ("steps-per-frame", "steps_per_frame"),
            ("max-steps", "max_steps"),
        )
        if node[key] is not None
    )
    translator.body.append(
        f'<div class="gd-playground"{attributes}>'
        '<p class="gdp-fallback">'
        + FALLBACK_HTML.format(data_url=data_url, data_name=DATA_JSON)
        + "</p></div>\n"
    )
    raise nodes.SkipNode


def _visit_other(translator, node: playground_node) -> None:
    """Other builders: render the child paragraph (the fallback sentence) as usual."""


def _depart_other(translator, node: playground_node) -> None:
    pass


# ------------------------------------------------------------------ assets


def _write_data(app: Sphinx) -> None:
    """Write the data files beside the scripts ship_assets copies (HTML builders only)."""
    if app.builder.format != "html":
        return
    try:
        from gdcode.playground import write_playground_data
    except ImportError as error:
        raise ExtensionError(
            "the playground extension needs gdcode (pip install -e . at the repository root)",
            orig_exc=error,
        ) from error
    target = Path(app.outdir) / ASSET_DIR
    target.mkdir(parents=True, exist_ok=True)
    text = write_playground_data(target / DATA_JSON).read_text(encoding="utf-8").strip()
    (target / DATA_JS).write_text(
        "/* Written by gdcode.playground at build time: data and starting weights. */\n"
        "window.GDPlayground = window.GDPlayground || {};\n"
        f"window.GDPlayground.data = {text};\n",
        encoding="utf-8",
    )


def setup(app: Sphinx) -> dict:
    """Register the directive, its node and the build hooks."""
    app.add_node(
        playground_node,
        html=(_visit_html, None),
        latex=(_visit_other, _depart_other),
        text=(_visit_other, _depart_other),
        man=(_visit_other, _depart_other),
        texinfo=(_visit_other, _depart_other),
    )
    app.add_directive("playground", PlaygroundDirective)
    app.connect("builder-inited", _write_data)
    from _assets import ship_assets  # book/_ext/_assets.py: the one way to ship JS/CSS

    ship_assets(app, ASSET_URL_DIR, HERE, css=["widget.css"], js=["core.js", DATA_JS, "widget.js"],
                node=playground_node, generated=[DATA_JS])
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
