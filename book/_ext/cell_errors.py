"""Say which cell broke a chapter, where it is, and what it raised.

When a chapter's cell raises, myst-nb logs only "Executing notebook failed:
CellExecutionError" and saves the traceback under ``_build/html/reports/``. This
extension reads that traceback right after the chapter is read and logs one error at the
cell's line in the ``.md`` file, quoting the cell and the exception, e.g.::

    book/chapters/x.md:42: ERROR: cell 3 failed: ZeroDivisionError: division by zero
        > y = 1 / 0

Like every warning under ``-W``, the error fails the build.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# nbclient quotes the failing cell between two rulers of dashes (CellExecutionError), or
# a preview of it between rulers after "Here is a preview of the cell contents" (timeout).
CELL_BLOCK = re.compile(r"\n-{10,}\n(.*?)\n-{10,}\n", re.S)
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning)\b.*)$",
                            re.M)
MAX_QUOTED_LINES = 8


def describe_failure(traceback: str, source_text: str) -> tuple[str, int | None]:
    """Return (message, line in the source file or None) for a failed execution.

    ``traceback`` is what myst-nb stores for the chapter; ``source_text`` the chapter's
    file. The message names the cell (its number among code cells when it can be found),
    the exception, and quotes the cell's first lines.
    """
    text = ANSI.sub("", traceback)
    block = CELL_BLOCK.search(text)
    cell_source = block.group(1).strip("\n") if block else ""
    if "CellTimeoutError" in text or "A cell timed out" in text:
        exception = next((ln.strip() for ln in text.splitlines() if "timed out" in ln.lower()),
                         "cell timed out")
    else:
        after = text[block.end():] if block else text
        found = EXCEPTION_LINE.findall(after) or EXCEPTION_LINE.findall(text)
        if found:
            exception = found[-1].strip()
        else:
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
            exception = lines[-1] if lines else "unknown error"

    line = None
    number = None
    if cell_source:
        first = next((ln for ln in cell_source.splitlines() if ln.strip()), "")
        position = source_text.find(cell_source)
        if position == -1 and first:
            position = source_text.find(first)
        if position != -1:
            line = source_text.count("\n", 0, position) + 1
            number = len(re.findall(r"^```\{code-cell\}", source_text[:position], re.M)) or None

    where = f"cell {number}" if number else "a cell"
    quoted = cell_source.splitlines()[:MAX_QUOTED_LINES]
    if len(cell_source.splitlines()) > MAX_QUOTED_LINES:
        quoted.append("...")
    message = f"{where} failed: {exception}"
    if quoted:
        message += "\n" + "\n".join(f"    > {ln}" for ln in quoted)
    return message, line


def report_failed_cell(app: Sphinx, doctree: nodes.document) -> None:
    try:
        from myst_nb.sphinx_ import NbMetadataCollector
    except ImportError:  # pragma: no cover - myst-nb is a requirement of the book
        return
    docname = app.env.docname
    try:
        data = NbMetadataCollector.get_exec_data(app.env, docname)
    except KeyError:
        return
    traceback = (data or {}).get("traceback")
    if not traceback:
        return
    source_path = Path(app.env.doc2path(docname))
    try:
        source_text = source_path.read_text(encoding="utf-8")
    except OSError:
        source_text = ""
    message, line = describe_failure(traceback, source_text)
    logger.error(message, location=(docname, line) if line else docname)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", report_failed_cell)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
