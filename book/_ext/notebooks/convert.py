"""Derive the student and solutions notebooks from an executed chapter notebook.

Input: the chapter as an executed notebook (what myst-nb or :mod:`notebooks.execute`
ran), its glue data, and a :class:`~notebooks.myst.BookIndex` of the whole book.
Output: plain Jupyter notebooks in which Markdown cells are CommonMark with ``$`` math
(what Notebook renders), with no MyST role, directive, target or comment left. The rules
(one per construct) are listed in ``book/_ext/notebooks/README.md``.
"""

from __future__ import annotations

import ast
import base64
import copy
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from .myst import (
    COMMENT,
    HEADING,
    LABELLED_MATH_END,
    TARGET,
    BookIndex,
    Fence,
    Text,
    parse_blocks,
)

NOTEBOOK_TAGS = {"notebook", "jupyter"}  # what `{only}` expressions see as true

ROLE_OR_CODE = re.compile(
    r"\{(?P<name>[A-Za-z0-9_:+.-]+)\}(?P<ticks>`+)(?P<body>.+?)(?P=ticks)"
    r"|(?P<code>`+)(?P<cbody>.+?)(?P=code)",
    re.S,
)
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
MD_LINK = re.compile(r"\]\((?P<target>[^)\s]+?)\.md(?P<anchor>#[^)\s]*)?\)")

ADMONITIONS = {
    "note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important",
    "warning": "Warning", "caution": "Caution", "attention": "Attention",
    "danger": "Danger", "error": "Error", "seealso": "See also",
}
TITLED_BOXES = {"admonition", "dropdown", "topic", "sidebar", "margin", "card",
                "grid-item-card"}
CONTAINERS = {"tab-set", "tab-set-code", "grid", "grid-item", "div", "container",
              "epigraph", "pull-quote", "highlights", "compound"}
PYTHON_ROLES = re.compile(r"^(py:)?(func|class|meth|mod|attr|obj|data|exc|const|"
                          r"function|method|module|attribute|exception)$")
ICON_ROLES = {"fa", "fas", "far", "fab", "octicon", "material-regular", "material-outlined"}
PAGE_ONLY = {"eval-rst", "raw", "toctree", "tableofcontents", "bibliography"}


class ConversionError(ValueError):
    """The chapter uses something the converter cannot render faithfully."""


@dataclass
class Chapter:
    """What the converter needs to know about one chapter."""

    doc: str  # docname, e.g. "chapters/w3d4-gradient-descent"
    index: BookIndex
    glue: dict[str, dict] = field(default_factory=dict)  # key -> output with "data"
    source_dir: Path | None = None  # for literalinclude / figure paths

    @property
    def name(self) -> str:
        return self.doc.rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------
# glue
# ---------------------------------------------------------------------------


def extract_glue(notebook: dict) -> dict[str, dict]:
    """Glue outputs of an executed notebook, key -> output (MIME prefix removed).

    Outputs glued with ``display=False`` are removed from their cells, as myst-nb does.
    """
    data: dict[str, dict] = {}
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            meta = (output.get("metadata") or {}).get("scrapbook")
            if not meta:
                kept.append(output)
                continue
            prefix = len(meta.get("mime_prefix", ""))
            output = dict(output, data={k[prefix:]: v for k, v in output["data"].items()})
            data[meta["name"]] = output
            if not prefix:
                kept.append(output)
        cell["outputs"] = kept
    return data


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def format_plain_text(text: str, fmt: str) -> str:
    """myst-nb's rule for ``{glue:text}`key:fmt```, so the notebook shows the page's digits."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if fmt == "":
        return str(value)
    kind = fmt[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, fmt)


# ---------------------------------------------------------------------------
# the converter
# ---------------------------------------------------------------------------


def _tags(cell: dict) -> set[str]:
    return set((cell.get("metadata") or {}).get("tags") or [])


def _has_image(output: dict) -> bool:
    return any(k.startswith("image/") for k in (output.get("data") or {}))


def _clean_outputs(cell: dict) -> list[dict]:
    """Outputs a reader should see: no stderr stream, no glue data, and for a
    ``remove-output`` cell only its figures (the page shows them via ``glue:figure``)."""
    outputs = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            continue
        if (output.get("metadata") or {}).get("scrapbook"):
            continue
        if "remove-output" in _tags(cell) and not _has_image(output):
            continue
        outputs.append(output)
    return outputs


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip("\n").split("\n"))


def evaluate_only(expression: str, tags: set[str] = NOTEBOOK_TAGS) -> bool:
    """Sphinx's ``only`` expression with the notebook's tags (unknown tags are false)."""
    tokens = re.findall(r"\(|\)|[A-Za-z_][\w-]*", expression)
    words = []
    for token in tokens:
        if token in ("and", "or", "not", "(", ")"):
            words.append(token)
        else:
            words.append("True" if token in tags else "False")
    if not words:
        return False
    try:
        return bool(eval(" ".join(words), {"__builtins__": {}}, {}))  # noqa: S307 (only True/False/and/or/not)
    except SyntaxError as exc:
        raise ConversionError(f"cannot read the only-expression {expression!r}") from exc


class Converter:
    """Turns one executed chapter notebook into a student or a solutions notebook."""

    def __init__(self, chapter: Chapter, *, solutions: bool):
        self.chapter = chapter
        self.index = chapter.index
        self.solutions = solutions
        self.exercise_number = chapter.index.exercises_before.get(chapter.doc, 0)
        self.exercise_labels: dict[str, int] = {}
        self.exercise_titles: dict[str, str] = {}
        self.open_exercise: str | None = None
        self.in_solution = False
        self.heading_level = 1
        self.owed_figures = 0  # remove-output cells whose figure a glue:figure captions
        self.attachments: dict[str, dict] = {}
        self.cells: list[dict] = []
        self.markdown: list[str] = []
        self.solved: set[str] = set()
        self.equation_number = 0
        self.kept_names: set[str] = set()  # bound by the cells kept so far
        self.dropped_names: set[str] = set()  # bound by cells left out

    # ----- output assembly ------------------------------------------------

    def emit(self, text: str) -> None:
        if text and text.strip():
            self.markdown.append(text.strip("\n"))

    def flush(self) -> None:
        if self.markdown:
            source = "\n\n".join(self.markdown)
            cell = {"cell_type": "markdown", "metadata": {}, "source": source}
            if self.attachments:
                used = {k: v for k, v in self.attachments.items() if f"attachment:{k}" in source}
                if used:
                    cell["attachments"] = used
            self.cells.append(cell)
        self.markdown = []
        self.attachments = {}

    # ----- driver -------------------------------------------------------------

    def convert(self, notebook: dict) -> dict:
        self._collect_solutions(notebook)
        for cell in notebook["cells"]:
            if cell["cell_type"] == "markdown":
                self.render_blocks(parse_blocks(_text(cell["source"])), top=True)
            elif cell["cell_type"] == "code":
                self.code_cell(cell)
            # raw cells are build-only: dropped
        self.flush()
        self._add_banner()
        out = {
            "cells": self.cells,
            "metadata": {
                "kernelspec": (notebook.get("metadata") or {}).get("kernelspec", {
                    "name": "python3", "display_name": "Python 3", "language": "python"}),
                "language_info": {"name": "python"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        for i, cell in enumerate(out["cells"]):
            cell["id"] = f"{'sol' if self.solutions else 'nb'}-{i}"
        return out

    def _collect_solutions(self, notebook: dict) -> None:
        for cell in notebook["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            for match in re.finditer(r"\{solution(?:-start)?\}\s*(\S+)", _text(cell["source"])):
                self.solved.add(match.group(1))

    def _add_banner(self) -> None:
        name = self.chapter.name
        title = self.index.doc_titles.get(self.chapter.doc, name)
        url = self.index.page_url(self.chapter.doc)
        page = f"[{title}]({url})" if url else f"*{title}*"
        if self.solutions:
            text = (f"**Solutions notebook.** The page {page} as a notebook, with every "
                    f"exercise followed by its solution. Try the exercises first in "
                    f"[{name}.ipynb]({name}.ipynb). Run the cells from top to bottom "
                    "(*Run → Run All Cells*) to see every figure and result.")
        else:
            text = (f"**This notebook is the page** {page}. Run its cells from top to bottom "
                    "(*Run → Run All Cells*) to see every figure and result, then change the "
                    "code and run it again.")
            if self.solved:
                text += (f" The exercises' solutions are in a separate notebook, "
                         f"[{name}-solutions.ipynb]({name}-solutions.ipynb): try each "
                         "exercise before you open it.")
        banner = _blockquote(text)
        first = self.cells[0] if self.cells else None
        if first and first["cell_type"] == "markdown":
            lines = first["source"].split("\n")
            at = next((i + 1 for i, ln in enumerate(lines) if HEADING.match(ln)), 0)
            lines[at:at] = ["", banner, ""]
            first["source"] = "\n".join(lines).strip("\n")
        else:
            self.cells.insert(0, {"cell_type": "markdown", "metadata": {}, "source": banner})

    # ----- code cells -----------------------------------------------------

    def code_cell(self, cell: dict) -> None:
        tags = _tags(cell)
        source = _text(cell.get("source", ""))
        if "remove-cell" in tags or (self.in_solution and not self.solutions):
            if "remove-cell" in tags and (calls := global_warning_filters(source)):
                raise ConversionError(
                    f"{self.chapter.doc}: a remove-cell cell changes the warning filters "
                    f"for the rest of the page ({', '.join(calls)}); the notebook leaves the "
                    "cell out, so a student's Run All would print the warnings the page "
                    "hides. Silence them where they arise (warnings.catch_warnings() in a "
                    f"visible cell). The cell:\n{source[:300]}")
            self.dropped_names |= bound_names(source)
            return
        missing = (used_names(source) - self.kept_names - bound_names(source)) & self.dropped_names
        if missing:
            notebook = "solutions" if self.solutions else "student"
            raise ConversionError(
                f"{self.chapter.doc}: a visible cell uses {sorted(missing)}, defined only in "
                f"cells the {notebook} notebook leaves out (remove-cell, or a solution); "
                f"there it would stop with a NameError. The cell:\n{source[:300]}")
        self.kept_names |= bound_names(source)
        self.flush()
        outputs = _clean_outputs(cell)
        if "remove-output" in tags and any(_has_image(o) for o in cell.get("outputs", [])):
            self.owed_figures += 1
        metadata = {k: v for k, v in (cell.get("metadata") or {}).items()
                    if k not in ("execution", "scrolled")}
        # what the page folds away, Notebook folds too (a click shows it)
        if tags & {"remove-input", "hide-input", "hide-cell"}:
            metadata.setdefault("jupyter", {})["source_hidden"] = True
        if tags & {"hide-output", "hide-cell"}:
            metadata.setdefault("jupyter", {})["outputs_hidden"] = True
        self.cells.append({
            "cell_type": "code",
            "metadata": metadata,
            "source": _text(cell.get("source", "")),
            "outputs": copy.deepcopy(outputs),
            "execution_count": cell.get("execution_count") if outputs else None,
        })

    # ----- Markdown blocks ------------------------------------------------

    def render_blocks(self, blocks, *, top: bool = False) -> str:
        """Render blocks; at the top level they are emitted, inside a directive returned."""
        parts = []
        for block in blocks:
            if isinstance(block, Text):
                text = self.render_text(block.lines)
            elif block.is_directive:
                text = self.render_directive(block)
            else:
                body = "\n".join(block.body_lines)
                text = f"{block.marker}{block.info}\n{body}\n{block.marker}"
                if self.in_solution and not self.solutions:
                    text = ""
            if top:
                self.emit(text)
            else:
                parts.append(text)
        return "\n\n".join(p.strip("\n") for p in parts if p and p.strip())

    def render_text(self, lines: list[str]) -> str:
        if self.in_solution and not self.solutions:
            return ""
        out = []
        for line in lines:
            if TARGET.match(line) or COMMENT.match(line) or line.strip() == "+++":
                continue
            heading = HEADING.match(line)
            if heading:
                self.heading_level = len(heading.group("hashes"))
            labelled = LABELLED_MATH_END.match(line)
            if labelled:
                label = labelled.group("label")
                target = self.index.targets.get(label)
                number = target.number if target else None
                before = labelled.group("before").rstrip()
                if before:
                    out.append(before)
                if number is not None:
                    out.append(f"\\tag{{{number}}}")
                out.append("$$")
                continue
            out.append(line)
        return self.inline("\n".join(out))

    # ----- inline roles -----------------------------------------------------

    def inline(self, text: str) -> str:
        def replace(match):
            if match.group("code") is not None:
                return match.group(0)
            return self.render_role(match.group("name"), match.group("body"))

        text = ROLE_OR_CODE.sub(replace, text)
        return MD_LINK.sub(self._md_link, text)

    def _md_link(self, match) -> str:
        doc = self._resolve_doc(match.group("target"))
        anchor = (match.group("anchor") or "")[1:]
        url = self.index.page_url(doc, anchor)
        return f"]({url})" if url else match.group(0).replace(".md", ".ipynb")

    def _resolve_doc(self, target: str) -> str:
        target = target.strip()
        if target.startswith("/"):
            return posixpath.normpath(target.lstrip("/"))
        base = posixpath.dirname(self.chapter.doc)
        return posixpath.normpath(posixpath.join(base, target))

    def _link(self, text: str, doc: str, anchor: str = "") -> str:
        url = self.index.page_url(doc, anchor)
        return f"[{text}]({url})" if url else text

    def glue_value(self, key: str) -> dict:
        key = key.split("::")[-1]
        if key not in self.chapter.glue:
            raise ConversionError(f"{self.chapter.doc}: no glued value {key!r}")
        return self.chapter.glue[key].get("data", {})

    def render_role(self, name: str, body: str) -> str:
        explicit = EXPLICIT.match(body)
        text, target = ("", body)
        if explicit:
            text, target = explicit.group("text"), explicit.group("target")
        if name in ("glue:text", "glue:md", "glue", "glue:any"):
            return self._glue_inline(name, body)
        if name == "doc":
            doc = self._resolve_doc(target)
            title = text or self.index.doc_titles.get(doc, doc.rsplit("/", 1)[-1])
            if doc == self.chapter.doc:
                return title
            return self._link(title, doc)
        if name in ("ref", "numref", "eq", "any"):
            return self._reference(name, text, target.strip())
        if name == "term":
            return text or target
        if name == "math":
            return f"${body}$"
        if PYTHON_ROLES.match(name):
            if explicit:
                return f"`{text}`"
            shown = target[1:].rsplit(".", 1)[-1] if target.startswith("~") else target
            return f"`{shown}`"
        if name == "abbr":
            return re.sub(r"\s*\(.*\)\s*$", "", body)
        if name in ("kbd", "samp", "file", "command", "envvar", "program", "code"):
            return f"`{body}`"
        if name in ("guilabel", "menuselection", "strong"):
            return f"**{body}**"
        if name in ("emphasis", "dfn"):
            return f"*{body}*"
        if name in ICON_ROLES:
            return ""
        if name == "download":
            return text or target
        return text or body  # sub, sup and anything else: the words

    def _glue_inline(self, name: str, body: str) -> str:
        key, fmt = body, ""
        if name == "glue:text" and ":" in body.split("::")[-1]:
            key, fmt = body.rsplit(":", 1)
        data = self.glue_value(key)
        if name == "glue:md":
            if "text/markdown" not in data:
                raise ConversionError(f"glued value {key!r} has no text/markdown")
            return self.inline(_text(data["text/markdown"]).strip())
        if name == "glue:text":
            if "text/plain" not in data:
                raise ConversionError(f"glued value {key!r} has no text/plain")
            return format_plain_text(_text(data["text/plain"]), fmt)
        if "text/markdown" in data:
            return self.inline(_text(data["text/markdown"]).strip())
        if "text/latex" in data:
            return _text(data["text/latex"]).strip()
        return format_plain_text(_text(data.get("text/plain", "")), "")

    def _reference(self, role: str, text: str, label: str) -> str:
        target = self.index.targets.get(label)
        if target is None:
            return text or label
        same = target.doc == self.chapter.doc
        if role == "eq":
            words = text or f"({target.number})"
        elif role == "numref":
            prefix = {"figure": "Fig.", "table": "Table", "code": "Listing"}.get(target.kind, "")
            number = "" if target.number is None else str(target.number)
            if text:
                words = text.replace("%s", number).replace("{number}", number).replace(
                    "{name}", target.title)
            else:
                words = f"{prefix} {number}".strip()
        else:
            if text:
                words = text
            elif target.kind == "exercise":
                words = f"Exercise {target.number}"
            else:
                words = target.title or label
        if same:
            if target.kind == "section":
                return f"[{words}](#{words_anchor(target.title)})"
            return words
        return self._link(words, target.doc, target.anchor)

    # ----- directives ---------------------------------------------------

    def render_directive(self, d: Fence) -> str:
        name = d.name
        hidden = self.in_solution and not self.solutions
        if name == "solution-start":
            return self._solution_start(d)
        if name == "solution-end":
            self.in_solution = False
            return ""
        if hidden:
            return ""
        if name in ("code", "code-block", "sourcecode"):
            return f"```{d.arg.split()[0] if d.arg else ''}\n{d.content}\n```"
        if name == "math":
            tag = ""
            label = d.options.get("label") or d.options.get("name")
            if label and label in self.index.targets:
                tag = f"\n\\tag{{{self.index.targets[label].number}}}"
            return f"$$\n{d.content}{tag}\n$$"
        if name in ADMONITIONS or name in TITLED_BOXES:
            title = d.arg if (name in TITLED_BOXES and d.arg) else ADMONITIONS.get(name, "")
            body = self.render_blocks(parse_blocks(d.content))
            head = f"**{self.inline(title)}**" if title else ""
            return _blockquote("\n\n".join(p for p in (head, body) if p))
        if name in CONTAINERS:
            return self.render_blocks(parse_blocks(d.content))
        if name == "tab-item":
            body = self.render_blocks(parse_blocks(d.content))
            return f"**{self.inline(d.arg)}**\n\n{body}" if d.arg else body
        if name == "only":
            return self.render_blocks(parse_blocks(d.content)) if evaluate_only(d.arg) else ""
        if name in ("exercise", "exercise-start"):
            return self._exercise(d)
        if name == "exercise-end":
            return self._solution_pointer()
        if name == "solution":
            if not self.solutions:
                return ""
            return f"{self._solution_title(d.arg)}\n\n{self.render_blocks(parse_blocks(d.content))}"
        if name == "glue:figure":
            return self._glue_figure(d)
        if name in ("glue", "glue:any", "glue:md"):
            return self._glue_block(d)
        if name in ("figure", "image"):
            return self._figure(d)
        if name == "quiz":
            return self._quiz(d)
        if name == "literalinclude":
            return self._literalinclude(d)
        if name == "glossary":
            return self._glossary(d.content)
        if name == "rubric":
            return f"**{self.inline(d.arg)}**"
        if name in PAGE_ONLY:
            return ""
        return self._page_pointer(d)

    def _heading(self, text: str) -> str:
        level = min(self.heading_level + 1, 6)
        return f"{'#' * level} {text}"

    def _exercise(self, d: Fence) -> str:
        if "nonumber" not in d.options:
            self.exercise_number += 1
        label = d.options.get("label", "")
        title = self.inline(d.arg)
        number = "" if "nonumber" in d.options else f" {self.exercise_number}"
        heading = self._heading(f"Exercise{number}" + (f" ({title})" if title else ""))
        if label:
            self.exercise_labels[label] = self.exercise_number
            self.exercise_titles[label] = title
        self.open_exercise = label
        if d.name == "exercise-start":
            return heading
        body = self.render_blocks(parse_blocks(d.content))
        return "\n\n".join(p for p in (heading, body, self._solution_pointer()) if p)

    def _solution_pointer(self) -> str:
        label, self.open_exercise = self.open_exercise, None
        if self.solutions or not label or label not in self.solved:
            return ""
        name = self.chapter.name
        return (f"*The solution is in [{name}-solutions.ipynb]({name}-solutions.ipynb). "
                "Try the exercise first.*")

    def _solution_title(self, arg: str) -> str:
        label = arg.split()[0] if arg else ""
        number = self.exercise_labels.get(label)
        title = self.exercise_titles.get(label, "")
        words = f"Solution to Exercise {number}" if number else "Solution"
        if title:
            words += f" ({title})"
        return f"**{words}**"

    def _solution_start(self, d: Fence) -> str:
        self.in_solution = True
        return self._solution_title(d.arg) if self.solutions else ""

    def _caption(self, d: Fence) -> str:
        label = d.options.get("name")
        target = self.index.targets.get(label) if label else None
        caption = self.render_blocks(parse_blocks(d.content))
        if target and target.number is not None:
            prefix = "Fig." if target.kind == "figure" else "Table"
            return f"**{prefix} {target.number}.** {caption}".strip()
        return caption

    def _attach(self, name: str, data: dict, alt: str) -> str:
        for mime, ext in (("image/png", "png"), ("image/jpeg", "jpg"), ("image/svg+xml", "svg")):
            if mime in data:
                key = f"{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}.{ext}"
                payload = data[mime]
                if mime == "image/svg+xml":
                    payload = base64.b64encode(_text(payload).encode()).decode()
                self.attachments[key] = {mime: _text(payload).replace("\n", "")}
                alt = re.sub(r"[\[\]\n]", " ", alt)
                return f"![{alt}](attachment:{key})"
        return ""

    def _glue_figure(self, d: Fence) -> str:
        key = d.arg.split()[0]
        caption = self._caption(d)
        if self.owed_figures > 0:  # the visible cell above draws it
            self.owed_figures -= 1
            return caption
        image = self._attach(key, self.glue_value(key), d.options.get("alt", ""))
        return f"{image}\n\n{caption}" if image else caption

    def _glue_block(self, d: Fence) -> str:
        key = d.arg.split()[0]
        data = self.glue_value(key)
        if d.name == "glue:md" or "text/markdown" in data:
            return self.render_blocks(parse_blocks(_text(data.get("text/markdown", ""))))
        image = self._attach(key, data, d.options.get("alt", key))
        if image:
            return image
        return "```\n" + _text(data.get("text/plain", "")) + "\n```"

    def _figure(self, d: Fence) -> str:
        path = d.arg.strip()
        image = ""
        source = self.chapter.source_dir
        mimes = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                 ".svg": "image/svg+xml"}
        if source is not None and Path(path).suffix.lower() in mimes:
            file = (source / path).resolve()
            if file.is_file():
                mime = mimes[file.suffix.lower()]
                raw = file.read_bytes()
                payload = (raw.decode() if mime == "image/svg+xml"
                           else base64.b64encode(raw).decode())
                image = self._attach(file.stem, {mime: payload}, d.options.get("alt", ""))
        if not image:
            raise ConversionError(f"{self.chapter.doc}: figure file {path!r} not found")
        if d.name == "image":
            return image
        return f"{image}\n\n{self._caption(d)}"

    def _quiz(self, d: Fence) -> str:
        import yaml

        quiz_id = d.arg.split()[0] if d.arg else ""
        title = d.options.get("title") or "Quiz"
        try:
            questions = yaml.safe_load(d.content) or []
        except yaml.YAMLError as exc:
            raise ConversionError(f"quiz {quiz_id!r}: {exc}") from exc
        lines = [f"**{self.inline(title)}**", ""]
        for number, question in enumerate(questions, 1):
            # Only the question and its choices: never "answer" or "explain".
            lines.append(f"{number}. {self.inline(str(question.get('question', '')).strip())}")
            for choice in question.get("choices") or []:
                lines.append(f"    - {self.inline(str(choice).strip())}")
        url = self.index.page_url(self.chapter.doc, f"quiz-{quiz_id}")
        where = f"[the quiz on the page]({url})" if url else "the quiz on the chapter's page"
        lines += ["", f"*Think each question through, then check your answers with {where}: "
                      "it scores them and explains each one.*"]
        return "\n".join(lines)

    def _literalinclude(self, d: Fence) -> str:
        if self.chapter.source_dir is None:
            raise ConversionError("literalinclude needs the chapter's source folder")
        file = (self.chapter.source_dir / d.arg.strip()).resolve()
        if not file.is_file():
            raise ConversionError(f"{self.chapter.doc}: literalinclude file {d.arg!r} not found")
        code = file.read_text(encoding="utf-8")
        if "pyobject" in d.options:
            code = python_object_source(code, d.options["pyobject"])
        if "lines" in d.options:
            code = select_lines(code, d.options["lines"])
        language = d.options.get("language", "python" if file.suffix == ".py" else "")
        return f"```{language}\n{code.rstrip()}\n```"

    def _glossary(self, content: str) -> str:
        entries, term_lines, definition = [], [], []
        for line in content.split("\n") + [""]:
            if line and not line.startswith((" ", "\t")):
                if definition:
                    entries.append((term_lines, definition))
                    term_lines, definition = [], []
                term_lines.append(line.strip())
            elif line.strip():
                definition.append(line.strip())
        if definition:
            entries.append((term_lines, definition))
        return "\n\n".join(f"**{self.inline(', '.join(t))}**: {self.inline(' '.join(dfn))}"
                           for t, dfn in entries)

    def _page_pointer(self, d: Fence) -> str:
        url = self.index.page_url(self.chapter.doc)
        where = (f"[the chapter's page]({url})" if url
                 else "the chapter's page on the book's website")
        return _blockquote(f"**Interactive figure.** This part of the page runs in the web "
                           f"browser and is not in the notebook: use it on {where}.")


def _parse(source: str):
    # IPython syntax (magics, shell escapes) is not Python: such lines are blanked
    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.split("\n")]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def bound_names(source: str) -> set[str]:
    """Names a cell binds at module level or anywhere (assignments, defs, imports, loops)."""
    tree = _parse(source)
    names: set[str] = set()
    if tree is None:
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def global_warning_filters(source: str) -> list[str]:
    """Calls in ``source`` that change the warning filters for all later cells.

    ``warnings.simplefilter(...)``, ``filterwarnings(...)`` or ``resetwarnings()`` at the
    top level of the cell (not inside a function or ``with warnings.catch_warnings()``),
    written as ``warnings.x(...)`` or as a name imported from ``warnings``.
    """
    tree = _parse(source)
    if tree is None:
        return []
    names = ("simplefilter", "filterwarnings", "resetwarnings")
    found = []
    for statement in tree.body:  # top level only: a with-block or a def has its own scope
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
            continue
        func = statement.value.func
        name = (func.attr if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id == "warnings" else func.id if isinstance(func, ast.Name)
                else None)
        if name in names:
            found.append(f"{ast.unparse(func)}(...)")
    return found


def used_names(source: str) -> set[str]:
    tree = _parse(source)
    if tree is None:
        return set()
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def words_anchor(title: str) -> str:
    """The id Notebook gives a Markdown heading: its text with spaces as dashes."""
    return title.strip().replace(" ", "-")


def python_object_source(code: str, dotted: str) -> str:
    """The source of ``Class.method`` or ``function`` in ``code`` (Sphinx's :pyobject:)."""
    tree = ast.parse(code)
    nodes = tree.body
    found = None
    for part in dotted.split("."):
        found = next((n for n in nodes if isinstance(
            n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == part), None)
        if found is None:
            raise ConversionError(f"literalinclude: no object {dotted!r}")
        nodes = getattr(found, "body", [])
    lines = code.split("\n")
    start = min([found.lineno] + [dec.lineno for dec in found.decorator_list]) - 1
    block = lines[start:found.end_lineno]
    indent = min(len(ln) - len(ln.lstrip()) for ln in block if ln.strip())
    return "\n".join(ln[indent:] for ln in block)


def select_lines(code: str, spec: str) -> str:
    lines = code.split("\n")
    chosen = []
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            chosen.extend(lines[int(a or 1) - 1:int(b) if b else len(lines)])
        elif part:
            chosen.append(lines[int(part) - 1])
    return "\n".join(chosen)


def derive_notebooks(executed: dict, chapter: Chapter) -> tuple[dict, dict]:
    """The student notebook and the solutions notebook of one executed chapter."""
    executed = copy.deepcopy(executed)
    glue = extract_glue(executed)
    chapter = Chapter(chapter.doc, chapter.index, {**glue, **chapter.glue}, chapter.source_dir)
    student = Converter(chapter, solutions=False).convert(executed)
    solutions = Converter(chapter, solutions=True).convert(executed)
    return student, solutions
