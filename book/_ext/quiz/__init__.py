"""Scored self-check quizzes for the book: the ``{quiz}`` directive.

Usage in a MyST page::

    ```{quiz} w3d4
    :title: Check your understanding — gradient descent

    - question: What does the sign of dL/dw tell you?
      choices:
        - Which way the loss increases as w grows
        - How big the next step will be
      answer: 0
      explain: The derivative is the slope, so ...
    ```

The body is a YAML list of questions. ``answer`` is the 0-based index of the right
choice and ``explain`` says why it is right. Question, choices and explanation may use
inline MyST markup (``code``, ``$math$``, *emphasis*).

What the directive does:

* Checks the YAML when the page is read. A mistake is reported as a Sphinx error that
  names the page (file and line), the quiz and the question; the book is built with
  ``-W``, so the build fails instead of shipping a broken quiz.
* Renders a real ``<form>``: one ``<fieldset>`` per question with a ``<legend>`` and
  radio buttons, a "Check answers" button, per-question feedback and a total score in an
  ``aria-live`` region. Explanations sit in ``<template>`` elements and the key in a data
  attribute, so neither is shown before the reader answers. ``quiz.js`` (no network, no
  libraries) does the checking. Without JavaScript the questions stay readable and a
  sentence says that checking needs JavaScript.
* Creates the label ``quiz-<id>``, so ``{ref}`quiz-w3d4``` links to the quiz with its
  title as the link text.
* ``quiz_forms`` (config, ``{id: url}``) adds "Also available as an external form" under
  a quiz, e.g. the course's original form.
* ``quiz.js`` and ``quiz.css`` are copied into ``_static/quiz/`` of the built site and
  added only to pages that contain a quiz.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from _assets import ship_assets  # book/_ext/_assets.py: the one way to ship JS/CSS
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxTranslator

logger = logging.getLogger(__name__)

__version__ = "1.0.0"

ASSETS = Path(__file__).resolve().parent
STATIC_SUBDIR = "quiz"  # assets end up in <outdir>/_static/quiz/
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
KEYS = ("question", "choices", "answer", "explain")
NOJS_TEXT = (
    "Checking your answers needs JavaScript, which is turned off or blocked in this "
    "browser. You can still read the questions below; the explanations appear once "
    "the quiz can be checked."
)
EXTERNAL_FORM_TEXT = "Also available as an external form"


# --------------------------------------------------------------------------------------
# Parsing and validating the YAML body (pure functions, no Sphinx involved)


class QuizError(ValueError):
    """A mistake in a quiz body; the message says where and what."""


@dataclass(frozen=True)
class Question:
    question: str
    choices: tuple[str, ...]
    answer: int
    explain: str
    line: int  # 0-based line of the question's first key within the body


def _text(value: Any, what: str) -> str:
    if isinstance(value, (list, dict)):
        kind = "a list" if isinstance(value, list) else "a mapping"
        raise QuizError(f"{what} must be text, got {kind}: {value!r}")
    text = str(value).strip()
    if not text:
        raise QuizError(f"{what} is empty")
    return text


def parse_quiz(body: str) -> list[Question]:
    """Read a quiz body (YAML) into questions, or raise :class:`QuizError`.

    The YAML is read with every scalar kept as text (``BaseLoader``), so choices such
    as ``Yes``, ``No`` or ``0.10`` stay exactly as written.
    """
    if not body.strip():
        raise QuizError("the quiz has no questions (the body is empty)")
    try:
        loader = yaml.BaseLoader(body)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} of the quiz body" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise QuizError(f"the body is not valid YAML{where}: {problem}") from None
    if not isinstance(data, list) or not data:
        raise QuizError(
            "the body must be a YAML list of questions (lines starting with "
            f"'- question:'), got {type(data).__name__}: {data!r}"[:300]
        )
    questions = []
    for number, (item, item_node) in enumerate(zip(data, node.value, strict=True), start=1):
        where = f"question {number}"
        if not isinstance(item, dict):
            raise QuizError(f"{where} must be a mapping with keys {', '.join(KEYS)}, got {item!r}")
        unknown = sorted(set(item) - set(KEYS))
        if unknown:
            raise QuizError(
                f"{where} has unknown key(s) {', '.join(map(repr, unknown))}; "
                f"the keys are {', '.join(KEYS)}"
            )
        missing = [key for key in KEYS if key not in item]
        if missing:
            raise QuizError(f"{where} is missing {', '.join(map(repr, missing))}")
        question = _text(item["question"], f"{where}: 'question'")
        choices = item["choices"]
        if not isinstance(choices, list) or len(choices) < 2:
            raise QuizError(
                f"{where}: 'choices' must be a list of at least 2 answers, got {choices!r}"
            )
        choices = tuple(_text(choice, f"{where}: choice {k}") for k, choice in enumerate(choices))
        repeated = sorted({c for c in choices if choices.count(c) > 1})
        if repeated:
            raise QuizError(f"{where}: choice {repeated[0]!r} is listed twice")
        raw_answer = item["answer"]
        if not isinstance(raw_answer, str) or not re.fullmatch(r"\d+", raw_answer.strip()):
            raise QuizError(
                f"{where}: 'answer' must be the 0-based index of the right choice "
                f"(a whole number), got {raw_answer!r}"
            )
        answer = int(raw_answer)
        if answer >= len(choices):
            raise QuizError(
                f"{where}: 'answer' is {answer}, but there are only {len(choices)} choices "
                f"(0-based: 0 to {len(choices) - 1})"
            )
        explain = _text(item["explain"], f"{where}: 'explain'")
        questions.append(Question(question, choices, answer, explain, item_node.start_mark.line))
    return questions


# --------------------------------------------------------------------------------------
# Doctree nodes


class quiz(nodes.General, nodes.Element):
    """The whole quiz; attributes ``quiz_id``, ``title``, ``ids``."""


class quiz_title(nodes.TextElement):
    pass


class quiz_question(nodes.General, nodes.Element):
    """One question; attributes ``quiz_id``, ``number``, ``count``, ``answer``."""


class quiz_prompt(nodes.TextElement):
    pass


class quiz_choice(nodes.TextElement):
    """One answer; attribute ``index`` (0-based)."""


class quiz_explanation(nodes.TextElement):
    pass


# --------------------------------------------------------------------------------------
# The directive


class QuizDirective(SphinxDirective):
    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = False
    has_content = True
    option_spec = {"title": lambda arg: (arg or "").strip()}

    def run(self) -> list[nodes.Node]:
        quiz_id = self.arguments[0]
        if not ID_PATTERN.match(quiz_id):
            raise self.error(
                f"Quiz id {quiz_id!r} may contain only letters, digits, '-' and '_' "
                "(it becomes the label quiz-<id>)."
            )
        title = self.options.get("title") or "Quiz"
        label = f"quiz-{quiz_id}"
        try:
            questions = parse_quiz("\n".join(self.content))
        except QuizError as exc:
            raise self.error(f"Quiz {quiz_id!r} in {self.env.docname!r}: {exc}.") from None

        registry: dict[str, str] = self.env.quiz_registry  # type: ignore[attr-defined]
        if quiz_id in registry:
            raise self.error(
                f"Quiz id {quiz_id!r} is used twice (also in {registry[quiz_id]!r}); "
                "quiz ids must be unique across the book."
            )
        std = self.env.get_domain("std")
        if label in std.labels or label in std.anonlabels:
            other = (std.labels.get(label) or std.anonlabels.get(label))[0]
            raise self.error(f"Label {label!r} for quiz {quiz_id!r} already exists in {other!r}.")
        registry[quiz_id] = self.env.docname
        std.labels[label] = (self.env.docname, label, title)
        std.anonlabels[label] = (self.env.docname, label)

        root = quiz(quiz_id=quiz_id, title=title, ids=[label])
        self.set_source_info(root)
        title_nodes, messages = self.state.inline_text(title, self.lineno)
        root += quiz_title(title, "", *title_nodes)
        root.extend(messages)
        for number, q in enumerate(questions, start=1):
            line = self.content_offset + q.line + 1
            question = quiz_question(
                quiz_id=quiz_id, number=number, count=len(questions), answer=q.answer
            )
            question += self._inline(quiz_prompt, q.question, line)
            for index, choice in enumerate(q.choices):
                question += self._inline(quiz_choice, choice, line, index=index)
            question += self._inline(quiz_explanation, q.explain, line)
            root += question
        return [root]

    def _inline(self, cls: type[nodes.TextElement], text: str, line: int, **attrs: Any):
        children, messages = self.state.inline_text(text, line)
        node = cls(text, "", *children, **attrs)
        node.extend(messages)
        return node


# --------------------------------------------------------------------------------------
# HTML output


def _attr(value: Any) -> str:
    return html.escape(str(value), quote=True)


def visit_quiz_html(self: SphinxTranslator, node: quiz) -> None:
    label = node["ids"][0]
    self.body.append(
        f'<section class="quiz" id="{_attr(label)}" data-quiz-id="{_attr(node["quiz_id"])}" '
        f'aria-labelledby="{_attr(label)}-title">\n'
    )


def depart_quiz_html(self: SphinxTranslator, node: quiz) -> None:
    label = node["ids"][0]
    self.body.append(
        '<div class="quiz-actions">'
        '<button type="submit" class="quiz-check" hidden>Check answers</button>'
        '<button type="reset" class="quiz-reset" hidden>Clear answers</button>'
        "</div>\n"
        f'<p class="quiz-score" id="{_attr(label)}-score" role="status" aria-live="polite"></p>\n'
        "</form>\n"
    )
    url = (self.builder.config.quiz_forms or {}).get(node["quiz_id"])
    if url:
        self.body.append(
            f'<p class="quiz-external"><a class="reference external" href="{_attr(url)}">'
            f"{html.escape(EXTERNAL_FORM_TEXT)}</a></p>\n"
        )
    self.body.append("</section>\n")


def visit_quiz_title_html(self: SphinxTranslator, node: quiz_title) -> None:
    label = node.parent["ids"][0]
    self.body.append(f'<p class="quiz-title" id="{_attr(label)}-title">')


def depart_quiz_title_html(self: SphinxTranslator, node: quiz_title) -> None:
    label = node.parent["ids"][0]
    count = sum(isinstance(child, quiz_question) for child in node.parent.children)
    noun = "question" if count == 1 else "questions"
    self.body.append(
        f' <span class="quiz-count">({count} {noun})</span></p>\n'
        f'<noscript><p class="quiz-nojs">{html.escape(NOJS_TEXT)}</p></noscript>\n'
        f'<form class="quiz-form" id="{_attr(label)}-form" aria-labelledby="{_attr(label)}-title" '
        "novalidate>\n"
    )


def _question_id(node: nodes.Element) -> str:
    return f"quiz-{node['quiz_id']}-q{node['number']}"


def visit_quiz_question_html(self: SphinxTranslator, node: quiz_question) -> None:
    self.body.append(
        f'<fieldset class="quiz-question" id="{_question_id(node)}" '
        f'data-answer="{int(node["answer"])}">\n'
    )


def depart_quiz_question_html(self: SphinxTranslator, node: quiz_question) -> None:
    self.body.append("</fieldset>\n")


def visit_quiz_prompt_html(self: SphinxTranslator, node: quiz_prompt) -> None:
    question = node.parent
    self.body.append(
        '<legend><span class="quiz-number">'
        f"Question {question['number']} of {question['count']}.</span> "
    )


def depart_quiz_prompt_html(self: SphinxTranslator, node: quiz_prompt) -> None:
    self.body.append("</legend>\n")


def visit_quiz_choice_html(self: SphinxTranslator, node: quiz_choice) -> None:
    qid = _question_id(node.parent)
    cid = f"{qid}-c{node['index']}"
    # A choice that is only a formula gets its TeX as its accessible name: checkers (and
    # some browsers) cannot name a radio button from the formula's MathML alone.
    only_math = all(isinstance(child, nodes.math) for child in node.children if
                    not (isinstance(child, nodes.Text) and not child.strip()))
    name = f' aria-label="{_attr(node.astext().strip())}"' if only_math and node.children else ""
    self.body.append(
        f'<div class="quiz-choice"><input type="radio" name="{qid}" id="{cid}" '
        f'value="{int(node["index"])}"{name}> <label for="{cid}">'
    )


def depart_quiz_choice_html(self: SphinxTranslator, node: quiz_choice) -> None:
    self.body.append("</label></div>\n")


def visit_quiz_explanation_html(self: SphinxTranslator, node: quiz_explanation) -> None:
    qid = _question_id(node.parent)
    # Shown by quiz.js after checking; a <template> is neither displayed nor read out.
    self.body.append(
        f'<div class="quiz-feedback" id="{qid}-feedback" hidden></div>\n'
        '<template class="quiz-explain">'
    )


def depart_quiz_explanation_html(self: SphinxTranslator, node: quiz_explanation) -> None:
    self.body.append("</template>\n")


# Other builders (LaTeX, text, ...): the quiz becomes plain paragraphs and lists with
# the questions and choices; explanations and the key are left out.


class QuizToPlainNodes(SphinxPostTransform):
    default_priority = 200

    def run(self, **kwargs: Any) -> None:
        if self.app.builder.format == "html":
            return
        for node in list(self.document.findall(quiz)):
            container = nodes.container(classes=["quiz"], ids=node["ids"])
            for child in node.children:
                if isinstance(child, quiz_title):
                    container += nodes.paragraph("", "", nodes.strong("", "", *child.children))
                elif isinstance(child, quiz_question):
                    container += self._question(child)
            node.replace_self(container)

    @staticmethod
    def _question(question: quiz_question) -> list[nodes.Node]:
        prompt = nodes.paragraph("", f"Question {question['number']} of {question['count']}. ")
        choices = nodes.bullet_list()
        for child in question.children:
            if isinstance(child, quiz_prompt):
                prompt.extend(child.children)
            elif isinstance(child, quiz_choice):
                choices += nodes.list_item("", nodes.paragraph("", "", *child.children))
        return [prompt, choices]


# --------------------------------------------------------------------------------------
# Environment bookkeeping, assets, config


def init_registry(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if not hasattr(env, "quiz_registry"):
        env.quiz_registry = {}  # type: ignore[attr-defined]


def purge_quizzes(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    registry = getattr(env, "quiz_registry", {})
    for quiz_id in [q for q, doc in registry.items() if doc == docname]:
        del registry[quiz_id]


def merge_quizzes(app: Sphinx, env: BuildEnvironment, docnames: set[str], other) -> None:
    if not hasattr(env, "quiz_registry"):
        env.quiz_registry = {}  # type: ignore[attr-defined]
    env.quiz_registry.update(getattr(other, "quiz_registry", {}))


def check_config(app: Sphinx, config: Config) -> None:
    forms = config.quiz_forms
    if forms is None:
        config.quiz_forms = {}
        return
    if not isinstance(forms, dict):
        raise ConfigError(f"quiz_forms must be a mapping {{quiz id: URL}}, got {forms!r}")
    for quiz_id, url in forms.items():
        if not isinstance(url, str) or not re.match(r"^https?://\S+$", url):
            raise ConfigError(f"quiz_forms[{quiz_id!r}] must be an http(s) URL, got {url!r}")


def check_forms_match_quizzes(app: Sphinx, env: BuildEnvironment) -> None:
    registry = getattr(env, "quiz_registry", {})
    for quiz_id in app.config.quiz_forms or {}:
        if quiz_id not in registry:
            logger.warning(
                "quiz_forms names quiz %r, but no page has a quiz with that id (known: %s)",
                quiz_id,
                ", ".join(sorted(registry)) or "none",
            )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("quiz_forms", {}, "html", types=[dict])
    app.add_node(quiz, html=(visit_quiz_html, depart_quiz_html))
    app.add_node(quiz_title, html=(visit_quiz_title_html, depart_quiz_title_html))
    app.add_node(quiz_question, html=(visit_quiz_question_html, depart_quiz_question_html))
    app.add_node(quiz_prompt, html=(visit_quiz_prompt_html, depart_quiz_prompt_html))
    app.add_node(quiz_choice, html=(visit_quiz_choice_html, depart_quiz_choice_html))
    app.add_node(quiz_explanation, html=(visit_quiz_explanation_html, depart_quiz_explanation_html))
    app.add_post_transform(QuizToPlainNodes)
    app.add_directive("quiz", QuizDirective)
    app.connect("config-inited", check_config)
    app.connect("env-before-read-docs", init_registry)
    app.connect("env-purge-doc", purge_quizzes)
    app.connect("env-merge-info", merge_quizzes)
    app.connect("env-check-consistency", check_forms_match_quizzes)
    ship_assets(app, STATIC_SUBDIR, ASSETS, css=["quiz.css"], js=["quiz.js"], node=quiz)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
