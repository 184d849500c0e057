"""Reading the book's MyST Markdown: blocks, directives, roles, and a chapter index.

Pure functions on text; nothing here imports Sphinx, so the same code runs inside the
book build and in ``binder/postBuild``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# An opening or closing fence: ``` / ~~~ code fences and ::: colon fences (MyST).
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
DIRECTIVE_INFO = re.compile(r"^\{(?P<name>[A-Za-z0-9_:+.-]+)\}\s*(?P<arg>.*)$")
OPTION = re.compile(r"^:(?P<key>[A-Za-z0-9_-]+):(?:\s+(?P<value>.*))?$")
TARGET = re.compile(r"^\s*\((?P<label>[^()\s]+)\)=\s*$")
COMMENT = re.compile(r"^\s*%")
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
LABELLED_MATH_END = re.compile(r"^(?P<before>.*)\$\$\s*\((?P<label>[^()\s]+)\)\s*$")


@dataclass
class Text:
    """Ordinary Markdown lines (no fence)."""

    lines: list[str]


@dataclass
class Fence:
    """A fenced block: a directive (``{name}`` info) or a plain code block."""

    marker: str
    info: str
    body_lines: list[str]
    name: str | None = None
    arg: str = ""
    options: dict[str, str] = field(default_factory=dict)
    content: str = ""  # body without the option lines

    @property
    def is_directive(self) -> bool:
        return self.name is not None


Block = Text | Fence


def parse_blocks(text: str) -> list[Block]:
    """Split MyST Markdown into ordinary text and (top-level) fenced blocks."""
    lines = text.split("\n")
    blocks: list[Block] = []
    buffer: list[str] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match or (match.group("marker")[0] == "`" and "`" in match.group("info")):
            buffer.append(lines[i])
            i += 1
            continue
        indent, marker, info = match.group("indent"), match.group("marker"), match.group("info")
        # find the closing fence: same character, at least as long, nothing after it
        close = None
        for j in range(i + 1, len(lines)):
            m = FENCE.match(lines[j])
            if (m and m.group("marker")[0] == marker[0] and len(m.group("marker")) >= len(marker)
                    and not m.group("info").strip()):
                close = j
                break
        if close is None:  # unclosed: runs to the end, as in CommonMark
            close = len(lines)
        if buffer:
            blocks.append(Text(buffer))
            buffer = []
        body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip()
                for ln in lines[i + 1:close]]
        blocks.append(_make_fence(marker, info.strip(), body, indent))
        i = close + 1
    if buffer:
        blocks.append(Text(buffer))
    return blocks


def _make_fence(marker: str, info: str, body: list[str], indent: str) -> Fence:
    fence = Fence(marker=marker, info=info, body_lines=body)
    fence.indent = indent  # type: ignore[attr-defined]
    directive = DIRECTIVE_INFO.match(info)
    if not directive:
        fence.content = "\n".join(body)
        return fence
    fence.name = directive.group("name")
    fence.arg = directive.group("arg").strip()
    rest = list(body)
    if rest and rest[0].strip() == "---":  # YAML option block
        end = next((k for k in range(1, len(rest)) if rest[k].strip() == "---"), None)
        if end is not None:
            for line in rest[1:end]:
                if ":" in line:
                    key, value = line.split(":", 1)
                    fence.options[key.strip()] = value.strip().strip("\"'")
            rest = rest[end + 1:]
    else:
        while rest and OPTION.match(rest[0]):
            m = OPTION.match(rest[0])
            fence.options[m.group("key")] = (m.group("value") or "").strip()
            rest = rest[1:]
    fence.content = "\n".join(rest).strip("\n")
    return fence


def iter_directives(blocks: list[Block]):
    """Every directive, depth first in document order (bodies of directives included)."""
    for block in blocks:
        if isinstance(block, Fence) and block.is_directive:
            yield block
            if block.name not in NO_NESTED:
                yield from iter_directives(parse_blocks(block.content))


# Directives whose body is not Markdown (never looked into for nested directives).
NO_NESTED = {"code-cell", "code", "code-block", "sourcecode", "math", "quiz", "eval-rst",
             "literalinclude", "raw", "playground"}


# ---------------------------------------------------------------------------
# The index of one book: labels, numbers, titles
# ---------------------------------------------------------------------------


@dataclass
class Target:
    """Something a role can point at."""

    doc: str  # docname, e.g. "chapters/w3d4-gradient-descent"
    kind: str  # "section", "figure", "table", "exercise", "solution", "equation", "quiz", "doc"
    title: str = ""
    number: int | None = None
    anchor: str = ""


@dataclass
class BookIndex:
    """Labels and titles of every page, and where the published site lives."""

    site_url: str = ""
    targets: dict[str, Target] = field(default_factory=dict)  # label -> target
    doc_titles: dict[str, str] = field(default_factory=dict)  # docname -> title
    notebook_docs: set[str] = field(default_factory=set)  # docs that become notebooks
    exercises_before: dict[str, int] = field(default_factory=dict)  # doc -> numbers used

    def page_url(self, doc: str, anchor: str = "") -> str:
        if not self.site_url:
            return ""
        url = f"{self.site_url.rstrip('/')}/{doc}.html"
        return f"{url}#{anchor}" if anchor else url


def make_id(text: str) -> str:
    """docutils' id for a section title (lower case, runs of other characters -> '-')."""
    text = re.sub(r"[^\w\s-]", "", plain_heading(text).lower())
    return re.sub(r"[\s_-]+", "-", text).strip("-")


def plain_heading(text: str) -> str:
    """A heading's words without Markdown emphasis, code marks or roles."""
    text = re.sub(r"\{[^}]+\}`([^`]*)`", r"\1", text)
    return re.sub(r"[*_`]", "", text).strip()


FIGURE_DIRECTIVES = {"glue:figure": "figure", "figure": "figure", "table": "table",
                     "list-table": "table", "csv-table": "table", "code-block": "code"}


def index_document(doc: str, text: str, index: BookIndex, counters: dict[str, int]) -> None:
    """Add one page's labels to ``index``.

    ``counters`` carries figure, table and exercise numbers from page to page: when the
    table of contents is not numbered, Sphinx numbers figures through the whole book, and
    sphinx-exercise numbers exercises the same way. Equations are numbered per page.
    """
    blocks = parse_blocks(text)
    index.exercises_before[doc] = counters.get("exercise", 0)
    equation_number = 0
    pending: list[str] = []  # (label)= targets waiting for the next heading
    title = None
    for block in blocks:
        if isinstance(block, Text):
            for line in block.lines:
                target = TARGET.match(line)
                if target:
                    pending.append(target.group("label"))
                    continue
                heading = HEADING.match(line)
                if heading:
                    words = plain_heading(heading.group("text"))
                    if title is None:
                        title = words
                    for label in pending:
                        index.targets[label] = Target(doc, "section", words, anchor=label)
                    pending = []
                labelled = LABELLED_MATH_END.match(line)
                if labelled:
                    equation_number += 1
                    label = labelled.group("label")
                    index.targets[label] = Target(doc, "equation", "", equation_number,
                                                  anchor=f"equation-{label}")
    for directive in iter_directives(blocks):
        name = directive.name
        if name in FIGURE_DIRECTIVES and FIGURE_DIRECTIVES[name] != "code":
            kind = FIGURE_DIRECTIVES[name]
            label = directive.options.get("name")
            if label or kind == "figure":
                counters[kind] = counters.get(kind, 0) + 1
            if label:
                caption = directive.content.split("\n\n")[0].replace("\n", " ").strip()
                index.targets[label] = Target(doc, kind, caption, counters[kind], anchor=label)
        elif name in ("exercise", "exercise-start"):
            if "nonumber" not in directive.options:
                counters["exercise"] = counters.get("exercise", 0) + 1
            label = directive.options.get("label")
            if label:
                index.targets[label] = Target(doc, "exercise", directive.arg,
                                              counters.get("exercise", 0), anchor=label)
        elif name in ("solution", "solution-start"):
            label = directive.options.get("label")
            if label:
                index.targets[label] = Target(doc, "solution", directive.arg, anchor=label)
        elif name == "quiz":
            quiz_id = directive.arg.split()[0] if directive.arg else ""
            label = f"quiz-{quiz_id}"
            index.targets[label] = Target(doc, "quiz", directive.options.get("title") or "Quiz",
                                          anchor=label)
    index.doc_titles[doc] = title or doc.rsplit("/", 1)[-1]
