"""Builds that reproduce: two clean builds of one commit give the same site, byte for byte.

What differed between two clean builds, and what this extension does about it:

* **Notebook cell ids.** jupytext gives every cell of a Markdown chapter a random ``id``
  each time it reads the file, and myst-nb writes those ids into the executed notebook
  (``_build/jupyter_execute``), which the theme copies to ``_sources/`` as the page's
  ``.ipynb`` download. After each chapter is read we rewrite the ids from the cell
  contents (a short hash, numbered if two cells are identical), so they only change
  when the cell does.
* **Output chunks.** A kernel sends ``print`` output in pieces, cut wherever its flush
  timer fires, so the same cell's text arrives in a different number of pieces each run,
  sometimes cut mid-line. myst-nb (``nb_merge_streams``) merges the pieces for the page,
  but it right-strips each piece and adds a newline, so a piece cut just before a
  line break gave the page a blank line in one build and not in the other; and it merges into the
  first piece in place, leaving the later pieces in the ``.ipynb`` download (which had
  its text twice, split differently every build). We join each stream's pieces exactly
  as the kernel sent them, in the notebook itself, before myst-nb tidies them.
* **Outputs of cached chapters.** A chapter served from the execution cache was
  written to ``jupyter_execute/`` (and the ``.ipynb`` download) without its outputs,
  although its page shows them; a chapter just executed was written with them. We put
  the cached outputs in, the way myst-nb merges them for the page.
* **Asset checksums.** Sphinx adds ``?v=<checksum>`` to the CSS and JavaScript links of
  a page, but only for files already in ``_static/`` when the page is written. myst-nb
  and sphinx-exercise copy their stylesheets there at the very end of a build, so a
  first build linked them bare and a rebuild in the same folder linked them with the
  checksum of the previous build's copy. After the build we set every ``_static/`` link
  of every page to the checksum of the file now there, computed as Sphinx does.
* **Search index.** A rebuild in the same folder updates ``searchindex.js`` in place:
  words that left the book stay in it with an empty list of pages. We drop those
  entries, which gives the index a clean build writes.
* **Sitemap.** sphinx-sitemap lists the pages written by *this* build, in the order they
  were written: a rebuild that rewrote three pages published a sitemap of three pages.
  Just before it writes ``sitemap.xml`` we add every other page of the book (through
  sphinx-sitemap's own function, so its settings apply) and sort the list.
* **Execution timestamps.** When a notebook records timing, each cell carries
  ``metadata.execution`` with wall-clock times; they are dropped from the same file.
* **Build dates.** ``SOURCE_DATE_EPOCH`` is set (when not set already) to the time of the
  last commit, so anything that stamps a date (Sphinx's copyright and "last updated",
  matplotlib's SVG/PDF metadata in kernels) uses the commit's date, not the clock's.

Seeds (every chapter passes ``rng``), ``PYTHONHASHSEED`` and quiet progress bars are set by
``gdcode_build.py``; ``tests/test_reproducible.py`` compares two builds file by file.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import zlib
from pathlib import Path

import nbformat
from _assets import site_pages  # book/_ext/_assets.py
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config


def commit_time(path: str | Path) -> str | None:
    """Seconds since the epoch of the last commit of the git work tree holding ``path``."""
    try:
        result = subprocess.run(
            ["git", "-C", str(path), "log", "-1", "--format=%ct"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = result.stdout.strip()
    return value if result.returncode == 0 and value.isdigit() else None


def set_source_date_epoch(app: Sphinx, config: Config) -> None:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return
    value = commit_time(app.srcdir)
    if value is not None:
        os.environ["SOURCE_DATE_EPOCH"] = value  # kernels inherit it too


def stable_cell_ids(notebook: nbformat.NotebookNode) -> bool:
    """Replace random cell ids with ids derived from each cell's type and source.

    Returns True when anything changed. Identical cells get ``-2``, ``-3``... suffixes in
    order, so ids stay unique (nbformat requires it) and stay put when nothing changes.
    Execution timestamps (``metadata.execution``) are dropped on the way.
    """
    changed = False
    seen: dict[str, int] = {}
    for cell in notebook.cells:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        digest = hashlib.sha256(f"{cell.get('cell_type')}\0{source}".encode()).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        new_id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        if cell.get("id") != new_id:
            cell["id"] = new_id
            changed = True
        if "execution" in cell.get("metadata", {}):
            del cell["metadata"]["execution"]
            changed = True
    return changed


def _text(output) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def join_stream_pieces(outputs: list) -> None:
    """Join the pieces of each stream (stdout, stderr) into its first piece, exactly.

    Works in place on the list, so a notebook holding it ends up with one output per
    stream; other outputs keep their order. stdout goes before an adjacent stderr, the
    order myst-nb shows them in.
    """
    joined: list = []
    first: dict[str, dict] = {}
    for output in outputs:
        if output.get("output_type") != "stream":
            joined.append(output)
        elif output["name"] in first:
            head = first[output["name"]]
            head["text"] = _text(head) + _text(output)
        else:
            output["text"] = _text(output)
            first[output["name"]] = output
            joined.append(output)
    for i in range(len(joined) - 1):
        this, after = joined[i], joined[i + 1]
        if (this.get("output_type") == "stream" and this["name"] == "stderr"
                and after.get("output_type") == "stream" and after["name"] == "stdout"):
            joined[i], joined[i + 1] = after, this
    outputs[:] = joined


def exact_coalesce(coalesce):
    """Wrap myst-nb's ``coalesce_streams`` so it first joins the pieces exactly.

    myst-nb passes the cell's own output list, so the notebook it writes afterwards
    holds the joined outputs too.
    """

    def coalesce_streams(outputs):
        join_stream_pieces(outputs)
        return coalesce(outputs)

    coalesce_streams.wrapped = coalesce
    return coalesce_streams


def normalise_notebook(notebook: nbformat.NotebookNode, merge_streams: bool = False) -> None:
    """Make a written notebook independent of the run that produced it, in place.

    In cells where myst-nb merges streams on the page (``merge_streams``, per book,
    notebook or cell), the pieces are joined and tidied the way the page shows them
    (idempotent: a notebook already tidied by myst-nb stays as it is).
    """
    from myst_nb.core.utils import coalesce_streams

    stable_cell_ids(notebook)
    nb_level = notebook.metadata.get("mystnb", {}).get("merge_streams", merge_streams)
    for cell in notebook.cells:
        if cell.get("cell_type") != "code" or not cell.get("outputs"):
            continue
        if cell.get("metadata", {}).get("mystnb", {}).get("merge_streams", nb_level):
            join_stream_pieces(cell["outputs"])
            cell["outputs"] = coalesce_streams(cell["outputs"])


def with_cached_outputs(notebook: nbformat.NotebookNode, cache_path: str):
    """The notebook with the outputs the page was rendered from.

    When a chapter comes from the execution cache, myst-nb renders the page from the
    cached outputs but writes the notebook it read, without any: the ``.ipynb`` download
    of a cached chapter had no outputs, unlike the same chapter just executed. We merge
    the cached outputs in the way myst-nb does for the page, and take the glued values
    out of them, as myst-nb does (in place) with a chapter it executes. A notebook that was
    executed (any execution count) or has no cache match is returned as it is.
    """
    code = [c for c in notebook.cells if c.get("cell_type") == "code"]
    if not code or any(c.get("execution_count") is not None for c in code):
        return notebook
    from jupyter_cache import get_cache
    from myst_nb.ext.glue import extract_glue_data_cell

    try:
        _, merged = get_cache(cache_path).merge_match_into_notebook(notebook)
    except KeyError:  # not cached, e.g. its execution failed
        return notebook
    for cell in merged.cells:  # glued values leave the outputs, as myst-nb takes them
        if cell.get("cell_type") == "code":
            extract_glue_data_cell(cell)
    return merged


def normalise_notebook_file(path: Path, merge_streams: bool = False,
                            cache_path: str | None = None) -> bool:
    """Rewrite ``path`` in place, normalised; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    if cache_path:
        notebook = with_cached_outputs(notebook, cache_path)
    normalise_notebook(notebook, merge_streams)
    new_text = nbformat.writes(notebook)
    if new_text == text:
        return False
    path.write_text(new_text, encoding="utf-8")
    return True


def normalise_executed_notebook(app: Sphinx, doctree: nodes.document) -> None:
    """After a chapter is read: fix up the notebook myst-nb just wrote for it.

    The theme copies this file to ``_sources/`` when it writes the page, so the copy is
    stable too.
    """
    config = getattr(app.env, "mystnb_config", None)
    folder = getattr(config, "output_folder", None)
    if not folder:
        return
    path = Path(folder, *f"{app.env.docname}.ipynb".split("/"))
    if not path.is_file():
        return
    cache_path = None
    if getattr(config, "execution_mode", None) == "cache":
        cache_path = getattr(config, "execution_cache_path", None)
    normalise_notebook_file(path, bool(getattr(config, "merge_streams", False)), cache_path)


# A stylesheet or script link into _static/, bare or with Sphinx's own ?v= checksum
# (other queries, such as the theme's ?digest=, are left alone). Fonts are left bare: a
# style sheet's url() asks for a font with no query, and a preload of that font must name
# the very same URL, or the browser fetches the font twice.
ASSET_LINK = re.compile(
    r'(<(?:link|script)\b[^>]*?\b(?:href|src)=")'
    r'([^"?#]*_static/[^"?#]+(?<!\.woff2)(?<!\.woff)(?<!\.ttf)(?<!\.otf))(\?v=[0-9a-f]+)?(")')


def asset_checksum(path: Path) -> str:
    """Sphinx's checksum of a static file (CRC-32 of its bytes without carriage returns)."""
    content = path.read_bytes().translate(None, b"\r")
    return f"{zlib.crc32(content):08x}" if content else ""


def refresh_asset_checksums(outdir: Path) -> int:
    """Give every ``_static/`` stylesheet and script link the checksum of the file that is
    there now; returns the number of pages changed."""
    outdir = Path(outdir)
    checksums: dict[Path, str] = {}
    changed = 0
    for page in site_pages(outdir):
        text = page.read_text(encoding="utf-8")

        def fix(match: re.Match, page: Path = page) -> str:
            link = match.group(2)
            if link.startswith("/"):  # the 404 page's absolute links (/<site path>/_static/)
                target = outdir / link[link.index("_static/"):]
            else:
                target = (page.parent / link).resolve()
            if not target.is_file():
                return match.group(0)
            if target not in checksums:
                checksums[target] = asset_checksum(target)
            query = f"?v={checksums[target]}" if checksums[target] else ""
            return f"{match.group(1)}{match.group(2)}{query}{match.group(4)}"

        new_text = ASSET_LINK.sub(fix, text)
        if new_text != text:
            page.write_text(new_text, encoding="utf-8")
            changed += 1
    return changed


def prune_search_index(outdir: Path) -> bool:
    """Drop the words that no page contains any more; True if the index changed."""
    from sphinx.search import js_index

    path = Path(outdir) / "searchindex.js"
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    index = js_index.loads(text)
    for key in ("terms", "titleterms"):
        if isinstance(index.get(key), dict):
            index[key] = {word: pages for word, pages in index[key].items() if pages != []}
    new_text = js_index.dumps(index)
    if new_text == text:
        return False
    path.write_text(new_text, encoding="utf-8")
    return True


def tidy_html_output(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        refresh_asset_checksums(Path(app.outdir))
        prune_search_index(Path(app.outdir))


def patch_mystnb_coalesce() -> None:
    """Make myst-nb join stream pieces exactly (see the module docstring). Idempotent."""
    from myst_nb.core import render

    if not hasattr(render.coalesce_streams, "wrapped"):
        render.coalesce_streams = exact_coalesce(render.coalesce_streams)


def complete_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """Every page in sitemap.xml, sorted, however many pages this build wrote."""
    links = getattr(app.env.app, "sitemap_links", None)
    if exception is not None or links is None or app.builder.format != "html":
        return
    from sphinx_sitemap import add_html_link

    for docname in sorted(app.env.found_docs):
        add_html_link(app, docname, None, None, None)
    seen = set()
    while not links.empty():
        seen.add(links.get_nowait())
    for entry in sorted(seen, key=lambda item: (item[0], item[1] or "")):
        links.put(entry)


def setup(app: Sphinx) -> dict:
    patch_mystnb_coalesce()
    app.connect("config-inited", set_source_date_epoch, priority=50)
    app.connect("doctree-read", normalise_executed_notebook)
    # after the extensions that copy their stylesheets at the end (default priority 500)
    app.connect("build-finished", tidy_html_output, priority=900)
    # before sphinx-sitemap writes the file (default priority 500)
    app.connect("build-finished", complete_sitemap, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
