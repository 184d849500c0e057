"""The one way the book's extensions ship their JavaScript and CSS.

Every extension under ``book/_ext/`` that has browser files follows the same pattern:

* the files live next to the extension's Python code (``_ext/<name>/``), never in the
  book's source ``_static/`` folder: Jupyter Book links every ``.js``/``.css`` found there
  from every page, which is right only for the book's own site-wide files
  (``book/_static/``: favicon, logo, ``book.css``);
* at the start of an HTML build ``<outdir>/_static/<folder>/`` is emptied (no stale file
  from an older version survives a rebuild) and they are copied into it, before any page
  is written, so Sphinx adds its ``?v=<checksum>`` suffix to the links; this runs before
  the extensions' own ``builder-inited`` handlers (priority 400), which may then write
  generated files into the same folder;
* they are linked only from the pages that contain the extension's node, scripts with
  ``defer`` (never render-blocking), in the order given.

Use it from the extension's ``setup()`` with one call::

    from _assets import ship_assets

    def setup(app):
        ...
        ship_assets(app, "quiz", Path(__file__).parent, css=["quiz.css"], js=["quiz.js"],
                    node=quiz)

``js``/``css`` name files relative to ``<outdir>/_static/<folder>/``. A name listed in
``generated`` is linked but not copied: the extension writes it there itself (e.g. the
playground's data file, written at ``builder-inited``). ``copy`` names further files or
whole folders that are copied but not linked (data, fonts, parts a script loads on
demand). ``source`` may be a function of the app, for files found only once the config is
read (offline_math finds MathJax in ``node_modules`` that way). ``node=None`` links the
files from every page (use sparingly: it costs every page its weight).

``site_pages(outdir)`` lists the pages of the built site, for the extensions that finish
the written pages at ``build-finished`` (the style sheet bundles, the asset checksums,
the icon check, the math font cut). ``find_node_package`` finds a package installed by
``npm ci`` (Temml for the math, PurgeCSS for the style sheets) and says how to install it
when it is missing; ``run_node_script`` runs one of the extensions' Node.js scripts on JSON
(Temml's ``render.mjs``, PurgeCSS's ``purge.mjs``).

``_ext/`` is on ``sys.path`` because ``_config.yml`` lists ``gdcode_build`` under
``sphinx.local_extensions`` (Jupyter Book adds that folder to ``sys.path``); that is what
lets ``import _assets`` and the ``extra_extensions`` names resolve.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

__all__ = ["find_node_package", "run_node_script", "ship_assets", "page_has", "site_pages"]


NodeTest = type[nodes.Node] | Callable[[nodes.Node], bool] | None


def site_pages(outdir: str | Path) -> list[Path]:
    """The HTML pages of a built site, sorted: every ``.html`` file except those under
    ``_static/`` and ``_sources/`` (copies, not pages). For the extensions that finish
    the written pages at ``build-finished``."""
    outdir = Path(outdir)
    return [page for page in sorted(outdir.rglob("*.html"))
            if page.relative_to(outdir).parts[0] not in ("_static", "_sources")]


NPM_HINT = "Install it from the repository root with `npm ci` (package.json pins it)."


def find_node_package(owner: str, confdir: str | Path, configured: str, name: str,
                      version: str) -> Path:
    """The installed ``node_modules/<name>`` folder whose version starts with ``version``.

    ``configured`` (an extension's ``*_node_modules`` setting, relative to the book's
    folder) names the ``node_modules`` folder; empty, it is looked for in the book's folder
    and each folder above it. A missing or wrong version raises with how to install it,
    naming ``owner`` (the extension that needs it).
    """
    if configured:
        candidates = [Path(confdir, configured).resolve()]
    else:
        start = Path(confdir).resolve()
        candidates = [folder / "node_modules" for folder in (start, *start.parents)]
    for node_modules in candidates:
        package = node_modules / name
        if (package / "package.json").is_file():
            found = json.loads((package / "package.json").read_text(encoding="utf-8"))
            if not str(found.get("version", "")).startswith(version):
                raise ExtensionError(
                    f"{owner}: found {name} {found.get('version')} in {package}, but the book "
                    f"needs {name} {version}x. {NPM_HINT}"
                )
            return package
    searched = ", ".join(str(c) for c in candidates[:3])
    raise ExtensionError(
        f"{owner}: {name} is not installed (looked for {name}/package.json in "
        f"{searched}{', ...' if len(candidates) > 3 else ''}). {NPM_HINT}"
    )


def run_node_script(what: str, script: Path, node_modules: Path, payload: Any,
                    timeout: float) -> Any:
    """Run ``node <script> <node_modules>`` with ``payload`` as JSON on stdin; its stdout,
    parsed as JSON. Raises :class:`ExtensionError` naming ``what`` when Node.js is missing,
    the script fails or times out, or its output is not JSON."""
    try:
        done = subprocess.run(["node", str(script), str(node_modules)],
                              input=json.dumps(payload), capture_output=True, text=True,
                              timeout=timeout, check=False)
    except FileNotFoundError as error:
        raise ExtensionError(f"{what}: Node.js (`node`) is not installed") from error
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ExtensionError(f"{what} could not run: {error}") from error
    if done.returncode != 0:
        raise ExtensionError(f"{what} failed (exit {done.returncode}): {done.stderr[-2000:]}")
    try:
        return json.loads(done.stdout)
    except ValueError as error:
        raise ExtensionError(f"{what} gave no JSON: {done.stdout[:200]!r}") from error


def page_has(doctree: nodes.document | None, node: NodeTest) -> bool:
    """True when ``doctree`` (a page being written) contains a ``node`` (a node class or a
    test function; None: any page)."""
    if node is None:
        return True
    return doctree is not None and next(iter(doctree.findall(node)), None) is not None


def ship_assets(
    app: Sphinx,
    folder: str,
    source: Path | str | Callable[[Sphinx], Path],
    *,
    css: Iterable[str] = (),
    js: Iterable[str] = (),
    copy: Iterable[str] = (),
    node: NodeTest = None,
    generated: Iterable[str] = (),
) -> None:
    """Copy ``css``, ``js`` and ``copy`` from ``source`` to ``_static/<folder>/`` and link
    ``css`` and ``js`` from the pages containing ``node`` (scripts deferred, in order).
    Call from ``setup()``."""
    if not folder or "/" in folder or folder.startswith("."):
        raise ExtensionError(f"ship_assets: folder must be one plain name, got {folder!r}")
    css, js, generated = tuple(css), tuple(js), frozenset(generated)
    to_copy = [name for name in (*css, *js, *copy) if name not in generated]

    def copy_files(app: Sphinx) -> None:
        if app.builder.format != "html":
            return
        root = Path(source(app) if callable(source) else source)
        missing = [name for name in to_copy if not (root / name).exists()]
        if missing:
            raise ExtensionError(
                f"ship_assets({folder!r}): {', '.join(missing)} not found in {root}"
            )
        target = Path(app.outdir, "_static", folder)
        if target.exists():
            shutil.rmtree(target)
        for name in to_copy:
            src, dst = root / name, target / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                shutil.copyfile(src, dst)

    def link(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
        if not page_has(doctree, node):
            return
        for name in css:
            app.add_css_file(f"{folder}/{name}")
        for name in js:
            app.add_js_file(f"{folder}/{name}", loading_method="defer")

    app.connect("builder-inited", copy_files, priority=400)
    if css or js:
        app.connect("html-page-context", link)
