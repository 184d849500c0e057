"""Sphinx extension for the explorables: three directives, one per figure the reader moves.

Use in a MyST page::

    ```{one-weight}
    ```

    ```{surface-race}
    :surface: rosenbrock
    ```

    ```{backprop-steps}
    ```

* ``one-weight`` (W3D4): the loss curve of the chapter's line-fit data; the reader
  drags the start ``w0`` and a log-scale learning rate and sees every step.
* ``surface-race`` (Variants): gradient descent, momentum, RMSProp and Adam race on the
  stretched bowl or Rosenbrock's valley (``:surface:``, default ``bowl``).
* ``backprop-steps`` (W3D5): the tiny network's forward and backward pass, one node or
  group of edges at a time.

Each directive writes an empty ``<div class="gd-explorable">`` holding one fallback
sentence; the widget's script replaces it. Non-HTML builders print the sentence.

Assets follow the playground's pattern (``book/_ext/playground``): at the start of an
HTML build the scripts and the style sheet are copied into
``<outdir>/_static/_explorables/`` and gdcode writes the data files there
(:func:`gdcode.explorables.write_explorables_data`), as ``<name>.json`` and as
``<name>-data.js`` (the same object assigned to ``window.GDExplorables.data[name]``, so
a page opened from disk works too). Nothing lives in the book's *source* ``_static``
folder, whose files Jupyter Book links from every page: these are linked only from the
pages that use a directive, and only the scripts of the widgets that page uses.
"""

from __future__ import annotations

import json
import posixpath
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

__version__ = "1.0"

ASSET_DIR = "_static/_explorables"
ASSET_URL_DIR = "_explorables"
HERE = Path(__file__).resolve().parent
SHARED_FILES = ("shared_core.js", "shared_widget.js")
STYLE = "explorables.css"

#: directive name -> (file stem of its core and widget, its data file's name, fallback)
KINDS = {
    "one-weight": (
        "one_weight",
        "An interactive figure appears here in the web version of the book: drag the "
        "starting weight and the learning rate and watch every step of gradient descent. "
        "The same run in Python: gdcode.one_param.gradient_descent.",
    ),
    "surface-race": (
        "surface_race",
        "An interactive figure appears here in the web version of the book: gradient "
        "descent, momentum, RMSProp and Adam race from a start point you choose. The same "
        "runs in Python: gdcode.surfaces.optimize_2d.",
    ),
    "backprop-steps": (
        "backprop_steps",
        "An interactive figure appears here in the web version of the book: the tiny "
        "network's forward and backward pass, one step at a time, with gdcode's numbers.",
    ),
}
SURFACE_CHOICES = ("bowl", "rosenbrock")


class explorable_node(nodes.General, nodes.Element):
    """Placeholder for one widget; its child paragraph is the non-HTML fallback."""


def _surface(argument: str) -> str:
    return directives.choice(argument, SURFACE_CHOICES)


class ExplorableDirective(SphinxDirective):
    """One explorable; the directive's name says which."""

    has_content = False
    option_spec: dict = {}

    def run(self) -> list[nodes.Node]:
        node = explorable_node()
        node["kind"] = self.name
        node["options"] = {k: v for k, v in self.options.items()}
        self.set_source_info(node)
        node += nodes.paragraph(text=KINDS[self.name][1])
        return [node]


class SurfaceRaceDirective(ExplorableDirective):
    option_spec = {"surface": _surface}


def _visit_html(translator, node: explorable_node) -> None:
    kind = node["kind"]
    builder = translator.builder
    page_dir = posixpath.dirname(builder.get_target_uri(builder.current_docname))
    data_url = posixpath.relpath(f"{ASSET_DIR}/{kind}.json", page_dir or ".")
    attributes = "".join(
        f' data-{name}="{value}"' for name, value in sorted(node["options"].items())
    )
    translator.body.append(
        f'<div class="gd-explorable gd-{kind}" data-kind="{kind}"{attributes}>'
        f'<p class="gdx-fallback">{KINDS[kind][1]} Its data: '
        f'<a href="{data_url}">{kind}.json</a>.</p></div>\n'
    )
    raise nodes.SkipNode


def _visit_other(translator, node: explorable_node) -> None:
    """Other builders: the child paragraph (the fallback sentence) renders as usual."""


def _depart_other(translator, node: explorable_node) -> None:
    pass


def _copy_assets(app: Sphinx) -> None:
    """Copy scripts and style sheet, and write the data files (HTML builders only)."""
    if app.builder.format != "html":
        return
    try:
        from gdcode.explorables import write_explorables_data
    except ImportError as error:
        raise ExtensionError(
            "the explorables extension needs gdcode (pip install -e . at the repository root)",
            orig_exc=error,
        ) from error
    target = Path(app.outdir) / ASSET_DIR
    target.mkdir(parents=True, exist_ok=True)
    names = [STYLE, *SHARED_FILES]
    for stem, _ in KINDS.values():
        names += [f"{stem}_core.js", f"{stem}_widget.js"]
    for name in names:
        shutil.copyfile(HERE / name, target / name)
    for kind, path in write_explorables_data(target).items():
        text = path.read_text(encoding="utf-8").strip()
        (target / f"{kind}-data.js").write_text(
            "/* Written by gdcode.explorables at build time. */\n"
            "window.GDExplorables = window.GDExplorables || {};\n"
            "window.GDExplorables.data = window.GDExplorables.data || {};\n"
            f"window.GDExplorables.data[{json.dumps(kind)}] = {text};\n",
            encoding="utf-8",
        )


def _add_page_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Link the files of the widgets a page uses, from that page only."""
    if doctree is None:
        return
    kinds = []
    for node in doctree.findall(explorable_node):
        if node["kind"] not in kinds:
            kinds.append(node["kind"])
    if not kinds:
        return
    app.add_css_file(f"{ASSET_URL_DIR}/{STYLE}")
    for name in SHARED_FILES:
        app.add_js_file(f"{ASSET_URL_DIR}/{name}", loading_method="defer")
    for kind in kinds:  # in this order: each widget needs its core and its data
        stem = KINDS[kind][0]
        for name in (f"{stem}_core.js", f"{kind}-data.js", f"{stem}_widget.js"):
            app.add_js_file(f"{ASSET_URL_DIR}/{name}", loading_method="defer")


def setup(app: Sphinx) -> dict:
    """Register the directives, the node and the build hooks."""
    app.add_node(
        explorable_node,
        html=(_visit_html, None),
        latex=(_visit_other, _depart_other),
        text=(_visit_other, _depart_other),
        man=(_visit_other, _depart_other),
        texinfo=(_visit_other, _depart_other),
    )
    app.add_directive("one-weight", ExplorableDirective)
    app.add_directive("surface-race", SurfaceRaceDirective)
    app.add_directive("backprop-steps", ExplorableDirective)
    app.connect("builder-inited", _copy_assets)
    app.connect("html-page-context", _add_page_assets)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
