"""Student and solutions notebooks derived from the book's chapters.

One source of truth, the chapter's ``.md``. From each *executed* chapter notebook this
package derives two plain Jupyter notebooks that read like the page (no MyST syntax,
glued numbers filled in, figure captions, exercises numbered as on the page):

* ``<chapter>.ipynb``: exercises without their solutions (the student's notebook);
* ``<chapter>-solutions.ipynb``: the same with every solution under its exercise.

Two entry points, the same converter:

* **Book build** (this Sphinx extension). On every notebook page the page's download
  button serves the student notebook (``_sources/<page>.ipynb``, where the theme had put
  the raw executed notebook) plus a "solutions .ipynb" entry; the Binder launch link is
  rewritten to open ``notebooks/<chapter>.ipynb`` (config value
  ``notebooks_binder_folder``), the folder ``binder/postBuild`` fills.
* **Binder** (``python -m notebooks``, see ``__main__.py``): ``binder/postBuild`` executes
  each chapter and writes the same two notebooks to ``notebooks/``.

Conversion rules and the chapter markup they rely on: ``README.md`` in this folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .convert import Chapter, ConversionError, derive_notebooks
from .myst import BookIndex

__all__ = ["write_chapter_notebooks", "derive_notebooks", "binder_url"]


def write_chapter_notebooks(executed, doc: str, index: BookIndex, out_dir: Path, *,
                            source_dir: Path | None = None,
                            glue: dict | None = None) -> list[Path]:
    """Write ``<name>.ipynb`` and ``<name>-solutions.ipynb`` for one chapter into ``out_dir``.

    Each file is written to a temporary name and renamed, so a half-written notebook is
    never left behind under the real name.
    """
    import nbformat

    executed = json.loads(nbformat.writes(executed)) if not isinstance(executed, dict) else executed
    chapter = Chapter(doc, index, dict(glue or {}), source_dir)
    student, solutions = derive_notebooks(executed, chapter)
    name = doc.rsplit("/", 1)[-1]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, notebook in (("", student), ("-solutions", solutions)):
        node = nbformat.from_dict(notebook)
        nbformat.validate(node)
        path = out_dir / f"{name}{suffix}.ipynb"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(nbformat.writes(node) + "\n", encoding="utf-8")
        tmp.replace(path)
        paths.append(path)
    return paths


def binder_url(url: str, folder: str, name: str) -> str:
    """A launch URL with its ``urlpath`` pointing at ``folder/name.ipynb``.

    Keeps the interface prefix the theme chose (``tree/`` or ``lab/tree/``) and every
    other query parameter.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    new = []
    for key, value in query:
        if key == "urlpath":
            prefix = "lab/tree" if value.startswith("lab/tree/") else "tree"
            value = f"{prefix}/{folder.strip('/')}/{name}.ipynb"
        new.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(new, safe="/")))


# ---------------------------------------------------------------------------
# Sphinx
# ---------------------------------------------------------------------------


def _book_index(app) -> BookIndex:
    if getattr(app, "_notebooks_index", None) is None:
        from .book import build_index, site_url

        srcdir = Path(app.srcdir)
        url = app.config.notebooks_site_url or site_url(srcdir)
        app._notebooks_index = build_index(srcdir, url)
        _check_numbers(app, app._notebooks_index)
    return app._notebooks_index


def _check_numbers(app, index: BookIndex) -> list[str]:
    """The notebooks' figure and exercise numbers must be the page's: compare them with
    the numbers Sphinx assigned, and warn (which fails a ``-W`` build) on a difference."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    numbers = getattr(app.env, "toc_fignumbers", {})
    checked = []
    for label, target in index.targets.items():
        if target.kind not in ("figure", "table", "exercise"):
            continue
        page = numbers.get(target.doc, {}).get(target.kind, {}).get(label)
        if page is None:
            continue
        checked.append(label)
        if tuple(page) != (target.number,):
            logger.warning(f"notebooks: {target.kind} {label!r} is number {target.number} in "
                           f"the notebook but {'.'.join(map(str, page))} on the page",
                           location=target.doc)
    return checked


def _on_page(app, pagename, templatename, context, doctree) -> None:
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    executed_path = executed_dir / f"{pagename}.ipynb"
    if doctree is None or not executed_path.is_file():
        return
    index = _book_index(app)
    if pagename not in index.notebook_docs:
        return
    glue_path = executed_dir / f"{pagename}.glue.json"
    glue = json.loads(glue_path.read_text(encoding="utf-8")) if glue_path.is_file() else {}
    executed = json.loads(executed_path.read_text(encoding="utf-8"))
    sources = Path(app.outdir) / "_sources" / Path(pagename).parent
    source_dir = Path(app.srcdir) / Path(pagename).parent
    name = pagename.rsplit("/", 1)[-1]
    try:
        write_chapter_notebooks(executed, pagename, index, sources, source_dir=source_dir,
                                glue=glue)
    except ConversionError as exc:  # a warning: fails the -W build, names the problem
        from sphinx.util import logging

        logging.getLogger(__name__).warning(f"notebooks: {exc}", location=pagename)
        return
    # the theme already points the ".ipynb" download at _sources/<page>.ipynb, which now
    # holds the student notebook; add the solutions next to it
    depth = "../" * pagename.count("/")
    for group in context.get("header_buttons", []):
        buttons = group.get("buttons") or []
        if group.get("label") == "download-buttons":
            at = next((i + 1 for i, b in enumerate(buttons)
                       if b.get("label") == "download-notebook-button"), 0)
            buttons.insert(at, {
                "type": "link",
                "url": f"{depth}_sources/{pagename}-solutions.ipynb",
                "text": "solutions .ipynb",
                "tooltip": "Download the notebook with the exercises' solutions",
                "icon": "fas fa-code",
                "label": "download-solutions-button",
            })
        for button in buttons:
            url = button.get("url", "")
            if "urlpath=" in url and button.get("text") in ("Binder", "JupyterHub"):
                button["url"] = binder_url(url, app.config.notebooks_binder_folder, name)


def setup(app):
    app.add_config_value("notebooks_binder_folder", "notebooks", "html")
    app.add_config_value("notebooks_site_url", "", "html")
    app.connect("builder-inited", lambda app: setattr(app, "_notebooks_index", None))
    # after sphinx-book-theme's launch and download buttons (priority 501)
    app.connect("html-page-context", _on_page, priority=502)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": False}
