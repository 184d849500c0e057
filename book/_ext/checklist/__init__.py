"""Checklists with real checkboxes, and the reader's progress: ``{checklist}`` and
``{progress-summary}``.

The DataLab checklists live in one file, ``book/checklists.yml`` (config value
``checklist_file``, relative to the book's source folder): one entry per day with an
``id``, a ``title``, the day's ``chapter``, its ``quiz`` id (or null) and its ``items``
(MyST inline markup). Two directives read it:

``{checklist} <id>``
    The day's list as checkboxes. The same id can appear on several pages (the day's
    chapter and the quizzes page): one list, written once, shown in both places, its
    ticks shared. On the day's chapter it also creates the label ``checklist-<id>``.

``{progress-summary}``
    A table, one row per day in the file's order: the chapter, the checklist's ticks and
    the day's last quiz score. ``_static/progress.js`` fills it in from the browser's
    storage and offers to forget everything.

The HTML carries no state: ``_static/progress.js`` (site-wide; Jupyter Book adds every
script in ``book/_static`` to every page) remembers ticks in ``localStorage`` under a key
made from each item's text, and keeps nothing when storage is blocked. Nothing is sent
anywhere. Without JavaScript the boxes can still be ticked, for the visit only.

Other builders (LaTeX, text) print the items as a list of "☐ item" lines and, for the
summary, one sentence.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxTranslator

logger = logging.getLogger(__name__)

__version__ = "1.0"

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
KEYS = ("id", "title", "chapter", "quiz", "items")
NOJS_SUMMARY = (
    "Your progress (ticked checklist items and quiz scores) is kept in this browser and "
    "shown here with JavaScript, which is off or blocked."
)
PLAIN_SUMMARY = (
    "The web version of the book shows here, for each day, the checklist items you "
    "ticked and your last quiz score, as remembered by your browser."
)


class ChecklistError(ValueError):
    """A mistake in the checklist file; the message says where and what."""


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    chapter: str
    quiz: str | None
    items: tuple[str, ...]


def item_key(text: str) -> str:
    """The storage key of an item: a hash of its text (whitespace normalised)."""
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:10]


def parse_checklists(text: str, name: str = "the checklist file") -> list[Checklist]:
    """Read the YAML of the checklist file, or raise :class:`ChecklistError`."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChecklistError(f"{name} is not valid YAML: {exc}") from None
    if not isinstance(data, list) or not data:
        raise ChecklistError(f"{name} must be a YAML list of checklists, got {data!r}"[:300])
    checklists: list[Checklist] = []
    for number, entry in enumerate(data, start=1):
        where = f"{name}, checklist {number}"
        if not isinstance(entry, dict):
            raise ChecklistError(f"{where} must be a mapping with keys {', '.join(KEYS)}")
        unknown = sorted(set(entry) - set(KEYS))
        missing = [key for key in KEYS if key not in entry]
        if unknown or missing:
            raise ChecklistError(
                f"{where} has unknown key(s) {unknown} and lacks {missing}; "
                f"the keys are {', '.join(KEYS)}"
            )
        checklist_id = entry["id"]
        if not isinstance(checklist_id, str) or not ID_PATTERN.match(checklist_id):
            raise ChecklistError(
                f"{where}: id must be letters, digits, '-' and '_', got {checklist_id!r}"
            )
        where = f"{name}, checklist {checklist_id!r}"
        if any(c.id == checklist_id for c in checklists):
            raise ChecklistError(f"{where} is defined twice")
        for key in ("title", "chapter"):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise ChecklistError(f"{where}: {key} must be text, got {entry[key]!r}")
        quiz = entry["quiz"]
        if quiz is not None and not (isinstance(quiz, str) and ID_PATTERN.match(quiz)):
            raise ChecklistError(f"{where}: quiz must be a quiz id or null, got {quiz!r}")
        items = entry["items"]
        if not isinstance(items, list) or not items:
            raise ChecklistError(f"{where}: items must be a non-empty list, got {items!r}")
        for k, item in enumerate(items, start=1):
            if not isinstance(item, str) or not item.strip():
                raise ChecklistError(f"{where}: item {k} must be text, got {item!r}")
        keys = [item_key(item) for item in items]
        if len(set(keys)) != len(keys):
            raise ChecklistError(f"{where} lists the same item twice")
        checklists.append(
            Checklist(checklist_id, entry["title"].strip(), entry["chapter"].strip(), quiz,
                      tuple(item.strip() for item in items))
        )
    return checklists


def _checklist_path(app: Sphinx) -> Path:
    return Path(app.srcdir, app.config.checklist_file)


def load_checklists(app: Sphinx) -> list[Checklist]:
    """The checklists of this build (read once per build, then kept on the app)."""
    cached = getattr(app, "_gd_checklists", None)
    if cached is not None:
        return cached
    path = _checklist_path(app)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExtensionError(f"cannot read the checklist file {str(path)!r}: {exc}") from exc
    try:
        checklists = parse_checklists(text, name=f"the checklist file {str(path)!r}")
    except ChecklistError as exc:
        raise ExtensionError(str(exc)) from None
    app._gd_checklists = checklists  # type: ignore[attr-defined]
    return checklists


# --------------------------------------------------------------------------------------
# Nodes


class checklist(nodes.General, nodes.Element):
    """One checklist; attributes ``checklist_id``, ``title``, ``ids``."""


class checklist_item(nodes.TextElement):
    """One item; attributes ``checklist_id``, ``key``."""


class progress_summary(nodes.General, nodes.Element):
    """Placeholder for the progress table, filled in once every page is read."""


# --------------------------------------------------------------------------------------
# Directives


class ChecklistDirective(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        checklist_id = self.arguments[0]
        by_id = {c.id: c for c in load_checklists(self.env.app)}
        self.env.note_dependency(str(_checklist_path(self.env.app)))
        if checklist_id not in by_id:
            raise self.error(
                f"Checklist {checklist_id!r} is not in {self.config.checklist_file} "
                f"(known: {', '.join(by_id)})."
            )
        entry = by_id[checklist_id]
        root = checklist(checklist_id=checklist_id, title=entry.title)
        self.set_source_info(root)
        if self.env.docname == entry.chapter:
            label = f"checklist-{checklist_id}"
            std = self.env.get_domain("std")
            if label in std.labels and std.labels[label][0] != self.env.docname:
                raise self.error(f"Label {label!r} already exists in {std.labels[label][0]!r}.")
            std.labels[label] = (self.env.docname, label, f"the checklist for {entry.title}")
            std.anonlabels[label] = (self.env.docname, label)
            root["ids"] = [label]
        for text in entry.items:
            children, messages = self.state.inline_text(text, self.lineno)
            item = checklist_item(text, "", *children, checklist_id=checklist_id,
                                  key=item_key(text))
            item.extend(messages)
            root += item
        return [root]


class ProgressSummaryDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        load_checklists(self.env.app)
        self.env.note_dependency(str(_checklist_path(self.env.app)))
        node = progress_summary()
        self.set_source_info(node)
        return [node]


# --------------------------------------------------------------------------------------
# HTML


def _attr(value: Any) -> str:
    return html.escape(str(value), quote=True)


def visit_checklist_html(self: SphinxTranslator, node: checklist) -> None:
    anchor = f' id="{_attr(node["ids"][0])}"' if node.get("ids") else ""
    self.body.append(
        f'<div class="gd-checklist" data-checklist-id="{_attr(node["checklist_id"])}"{anchor}>\n'
        f'<ul class="gd-checklist-items" aria-label="Checklist: {_attr(node["title"])}">\n'
    )


def depart_checklist_html(self: SphinxTranslator, node: checklist) -> None:
    self.body.append(
        "</ul>\n"
        '<p class="gd-checklist-count" role="status" aria-live="polite"></p>\n'
        "</div>\n"
    )


def visit_checklist_item_html(self: SphinxTranslator, node: checklist_item) -> None:
    box = f"gdc-{node['checklist_id']}-{node['key']}"
    self.body.append(
        f'<li class="gd-checklist-item"><input type="checkbox" id="{_attr(box)}" '
        f'data-key="{_attr(node["key"])}"> <label for="{_attr(box)}">'
    )


def depart_checklist_item_html(self: SphinxTranslator, node: checklist_item) -> None:
    self.body.append("</label></li>\n")


def _summary_html(app: Sphinx, docname: str) -> str:
    builder = app.builder
    rows = []
    for entry in load_checklists(app):
        uri = builder.get_relative_uri(docname, entry.chapter)
        quiz = (
            f'<td data-progress-quiz="{_attr(entry.quiz)}">not taken</td>'
            if entry.quiz
            else "<td>no quiz</td>"
        )
        rows.append(
            f'<tr data-progress-day="{_attr(entry.id)}">'
            f'<th scope="row"><a class="reference internal" href="{_attr(uri)}">'
            f"{html.escape(entry.title)}</a></th>"
            f'<td data-progress-checklist="{_attr(entry.id)}" '
            f'data-progress-keys="{_attr(" ".join(item_key(i) for i in entry.items))}">'
            f"0 of {len(entry.items)}</td>"
            f"{quiz}</tr>\n"
        )
    return (
        '<div class="gd-progress">\n'
        f'<noscript><p class="gd-progress-nojs">{html.escape(NOJS_SUMMARY)}</p></noscript>\n'
        '<table class="gd-progress-table">\n'
        "<caption>Your progress, as this browser remembers it</caption>\n"
        '<thead><tr><th scope="col">Day</th><th scope="col">Checklist ticked</th>'
        '<th scope="col">Last quiz score</th></tr></thead>\n'
        "<tbody>\n" + "".join(rows) + "</tbody>\n</table>\n"
        '<p class="gd-progress-actions">'
        '<button type="button" class="gd-progress-forget" hidden>Forget my progress</button> '
        '<span class="gd-progress-status" role="status" aria-live="polite"></span></p>\n'
        "</div>\n"
    )


def fill_summaries(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each progress_summary node, now that every page has been read."""
    for node in list(doctree.findall(progress_summary)):
        if app.builder.format == "html":
            node.replace_self(nodes.raw("", _summary_html(app, docname), format="html"))
        else:
            node.replace_self(nodes.paragraph("", PLAIN_SUMMARY))


# Other builders: a checklist becomes a bullet list of "☐ item" paragraphs.


class ChecklistToPlainNodes(SphinxPostTransform):
    default_priority = 200

    def run(self, **kwargs: Any) -> None:
        if self.app.builder.format == "html":
            return
        for node in list(self.document.findall(checklist)):
            items = nodes.bullet_list(ids=node.get("ids", []))
            for child in node.children:
                if isinstance(child, checklist_item):
                    items += nodes.list_item(
                        "", nodes.paragraph("", "", nodes.Text("\u2610 "), *child.children)
                    )
            node.replace_self(items)


# --------------------------------------------------------------------------------------
# Checks across the book


def check_checklists(app: Sphinx, env: BuildEnvironment) -> None:
    """Each day's chapter exists, and each day's quiz exists (when quizzes are known)."""
    quizzes = getattr(env, "quiz_registry", None)
    for entry in load_checklists(app):
        if entry.chapter not in env.found_docs:
            logger.warning(
                "checklist %r names the chapter %r, which is not a page of the book",
                entry.id, entry.chapter,
            )
        if entry.quiz and quizzes is not None and entry.quiz not in quizzes:
            logger.warning(
                "checklist %r names the quiz %r, which no page has (known: %s)",
                entry.id, entry.quiz, ", ".join(sorted(quizzes)) or "none",
            )


def forget_cached(app: Sphinx) -> None:
    app._gd_checklists = None  # type: ignore[attr-defined]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("checklist_file", "checklists.yml", "env", types=[str])
    app.add_node(checklist, html=(visit_checklist_html, depart_checklist_html))
    app.add_node(checklist_item, html=(visit_checklist_item_html, depart_checklist_item_html))
    app.add_node(progress_summary)
    app.add_directive("checklist", ChecklistDirective)
    app.add_directive("progress-summary", ProgressSummaryDirective)
    app.add_post_transform(ChecklistToPlainNodes)
    app.connect("builder-inited", forget_cached)
    app.connect("env-check-consistency", check_checklists)
    app.connect("doctree-resolved", fill_summaries)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
