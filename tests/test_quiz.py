"""Build-time tests of the ``{quiz}`` directive (book/_ext/quiz).

Each test renders a tiny Sphinx project (MyST pages) in a temporary folder, in-process,
and reads the HTML or the warnings it produced.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest
from build_helpers import sphinx_build_in_process
from sphinx.cmd.build import build_main
from sphinx.errors import ConfigError

EXT_DIR = Path(__file__).resolve().parents[1] / "book" / "_ext"
sys.path.insert(0, str(EXT_DIR))

from quiz import QuizError, parse_quiz  # noqa: E402

GOOD_BODY = """\
- question: What does the sign of $\\frac{dL}{dw}$ tell you?
  choices:
    - Which way the loss increases as `w` grows
    - How big the next step will be
    - Yes
  answer: 0
  explain: The derivative is the slope, so the step goes the other way.
- question: Which learning rate makes gradient descent on $w^2$ diverge?
  choices:
    - "0.1"
    - 0.50
    - 1.5
  answer: 2
  explain: Each step multiplies w by 1 - 2 times the rate, which is -2 for 1.5.
"""


def quiz_page(body: str = GOOD_BODY, quiz_id: str = "w3d4", title: str = "Check it") -> str:
    return (
        "# A page with a quiz\n\nSome text.\n\n"
        f"```{{quiz}} {quiz_id}\n:title: {title}\n\n{body}```\n"
    )


CONF = """\
import sys
sys.path.insert(0, {ext_dir!r})
extensions = ["myst_parser", "quiz"]
myst_enable_extensions = ["dollarmath"]
exclude_patterns = ["_build"]
{extra}
"""


def make_project(tmp_path: Path, pages: dict[str, str], conf_extra: str = "") -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF.format(ext_dir=str(EXT_DIR), extra=conf_extra))
    toctree = "\n".join(pages)
    (src / "index.md").write_text(f"# Home\n\n```{{toctree}}\n{toctree}\n```\n")
    for name, text in pages.items():
        (src / f"{name}.md").write_text(text)
    return src


def build(tmp_path: Path, pages: dict[str, str], conf_extra: str = "", builder: str = "html"):
    """Build in-process; return (output folder, warnings text)."""
    return sphinx_build_in_process(make_project(tmp_path, pages, conf_extra), tmp_path, builder)


def strip_templates(html: str) -> str:
    return re.sub(r"<template\b.*?</template>", "", html, flags=re.S)


# ---------------------------------------------------------------------------------------
# A valid quiz


@pytest.fixture(scope="module")
def good_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("good")
    pages = {
        "quiz": quiz_page(title="Check your understanding — gradient descent"),
        "other": "# Other page\n\nSee {ref}`quiz-w3d4` and {ref}`this one <quiz-w3d4>`.\n",
    }
    conf = 'quiz_forms = {"w3d4": "https://forms.example.org/e/abc?x=1&y=2"}'
    out, warnings = build(tmp, pages, conf)
    return out, warnings


def test_valid_quiz_builds_without_warnings(good_site):
    _, warnings = good_site
    assert warnings == ""


def test_quiz_renders_a_form_with_fieldsets_legends_and_radios(good_site):
    out, _ = good_site
    html = (out / "quiz.html").read_text()
    section = re.search(r'<section class="quiz" id="quiz-w3d4".*?</section>', html, re.S)
    assert section, "no quiz section with id quiz-w3d4"
    quiz = section.group(0)
    assert quiz.count("<form") == 1
    assert quiz.count("<fieldset") == 2
    assert quiz.count("<legend>") == 2
    assert "Question 1 of 2." in quiz and "Question 2 of 2." in quiz
    # three radio buttons per question, grouped by name, each with its own label
    for q in (1, 2):
        radios = re.findall(rf'<input type="radio" name="quiz-w3d4-q{q}" id="([^"]+)"', quiz)
        assert len(radios) == 3
        for radio_id in radios:
            assert f'<label for="{radio_id}">' in quiz
    assert re.findall(r'data-answer="(\d+)"', quiz) == ["0", "2"]
    # Choices stay exactly as written (YAML would have read Yes as true, 0.50 as 0.5).
    assert ">Yes</label>" in quiz and ">0.50</label>" in quiz and ">0.1</label>" in quiz
    # Inline markup is rendered: math for MathJax, code as code.
    assert '<span class="math notranslate nohighlight">\\(\\frac{dL}{dw}\\)</span>' in quiz
    assert '<code class="docutils literal notranslate"><span class="pre">w</span></code>' in quiz
    assert 'role="status" aria-live="polite"' in quiz
    assert re.search(r'<button type="submit" class="quiz-check" hidden>', quiz)


def test_explanations_are_hidden_until_checked(good_site):
    out, _ = good_site
    html = (out / "quiz.html").read_text()
    explanation = "The derivative is the slope, so the step goes the other way."
    assert f'<template class="quiz-explain">{explanation}</template>' in html
    assert explanation not in strip_templates(html)


def test_without_javascript_a_sentence_says_so(good_site):
    out, _ = good_site
    html = (out / "quiz.html").read_text()
    nojs = '<noscript><p class="quiz-nojs">Checking your answers needs JavaScript'
    assert nojs in html


def test_assets_are_copied_and_linked_only_on_quiz_pages(good_site):
    out, _ = good_site
    assert (out / "_static" / "quiz" / "quiz.js").is_file()
    assert (out / "_static" / "quiz" / "quiz.css").is_file()
    quiz_html = (out / "quiz.html").read_text()
    assert re.search(r'<script defer="defer" src="_static/quiz/quiz.js', quiz_html)
    assert 'href="_static/quiz/quiz.css' in quiz_html
    for page in ("other.html", "index.html"):
        assert "quiz/quiz.js" not in (out / page).read_text()
        assert "quiz/quiz.css" not in (out / page).read_text()


def test_label_links_to_the_quiz_with_its_title(good_site):
    out, _ = good_site
    html = (out / "other.html").read_text()
    links = re.findall(r'<a class="reference internal" href="quiz.html#quiz-w3d4">(.*?)</a>', html)
    texts = sorted(re.sub(r"<[^>]+>", "", text) for text in links)
    assert texts == ["Check your understanding — gradient descent", "this one"]


def test_external_form_link_when_configured(good_site):
    out, _ = good_site
    html = (out / "quiz.html").read_text()
    assert (
        '<p class="quiz-external"><a class="reference external" '
        'href="https://forms.example.org/e/abc?x=1&amp;y=2">Also available as an external form</a>'
    ) in html


def test_no_external_form_link_by_default(tmp_path):
    out, warnings = build(tmp_path, {"quiz": quiz_page()})
    assert warnings == ""
    assert "Also available as an external form" not in (out / "quiz.html").read_text()


def test_text_builder_prints_questions_without_the_key(tmp_path):
    out, warnings = build(tmp_path, {"quiz": quiz_page()}, builder="text")
    assert warnings == ""
    text = (out / "quiz.txt").read_text()
    assert "Which way the loss increases" in text
    assert "the step goes the other way" not in text


# ---------------------------------------------------------------------------------------
# Mistakes are reported with the page, the quiz and the question


BAD_BODIES = {
    "yaml-syntax": (
        "- question: What?\n  choices: [a, b\n  answer: 0\n",
        r"not valid YAML at line \d+ of the quiz body",
    ),
    "not-a-list": ("question: What?\nanswer: 0\n", r"must be a YAML list of questions"),
    "missing-explain": (
        "- question: What?\n  choices: [a, b]\n  answer: 0\n",
        r"question 1 is missing 'explain'",
    ),
    "answer-out-of-range": (
        GOOD_BODY.replace("answer: 2", "answer: 3"),
        r"question 2: 'answer' is 3, but there are only 3 choices \(0-based: 0 to 2\)",
    ),
    "answer-not-a-number": (
        GOOD_BODY.replace("answer: 0", "answer: first"),
        r"question 1: 'answer' must be the 0-based index .* got 'first'",
    ),
    "unknown-key": (
        GOOD_BODY.replace("explain: Each", "explanation: Each"),
        r"question 2 has unknown key\(s\) 'explanation'",
    ),
    "one-choice": (
        "- question: What?\n  choices: [a]\n  answer: 0\n  explain: Because.\n",
        r"question 1: 'choices' must be a list of at least 2 answers",
    ),
    "repeated-choice": (
        "- question: What?\n  choices: [a, a]\n  answer: 0\n  explain: Because.\n",
        r"question 1: choice 'a' is listed twice",
    ),
    "empty-question": (
        "- question: ''\n  choices: [a, b]\n  answer: 0\n  explain: Because.\n",
        r"question 1: 'question' is empty",
    ),
    "empty-body": ("", r"the quiz has no questions"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_quiz_is_a_clear_error(tmp_path, case):
    body, message = BAD_BODIES[case]
    out, warnings = build(tmp_path, {"broken": quiz_page(body, quiz_id="w9")})
    assert "broken.md" in warnings  # the page (file and line)
    assert "ERROR" in warnings
    assert "Quiz 'w9'" in warnings
    assert re.search(message, warnings), warnings
    assert '<section class="quiz"' not in (out / "broken.html").read_text()


def test_bad_quiz_fails_a_build_with_warnings_as_errors(tmp_path, capsys):
    body, _ = BAD_BODIES["answer-out-of-range"]
    src = make_project(tmp_path, {"broken": quiz_page(body)})
    status = build_main(["-W", "-q", "-E", str(src), str(tmp_path / "out")])
    assert status != 0
    err = capsys.readouterr().err
    assert "broken.md" in err and "question 2: 'answer' is 3" in err


def test_bad_quiz_id(tmp_path):
    _, warnings = build(tmp_path, {"p": quiz_page(quiz_id="w3/d4")})
    assert "p.md" in warnings
    assert "Quiz id 'w3/d4' may contain only letters, digits" in warnings


def test_duplicate_quiz_id_across_pages(tmp_path):
    _, warnings = build(tmp_path, {"a": quiz_page(), "b": quiz_page()})
    assert re.search(r"Quiz id 'w3d4' is used twice \(also in '[ab]'\)", warnings)


def test_quiz_forms_for_an_unknown_quiz_warns(tmp_path):
    conf = 'quiz_forms = {"nope": "https://forms.example.org/x"}'
    _, warnings = build(tmp_path, {"quiz": quiz_page()}, conf)
    assert "quiz_forms names quiz 'nope', but no page has a quiz with that id" in warnings


def test_quiz_forms_must_hold_urls(tmp_path):
    conf = 'quiz_forms = {"w3d4": "forms.example.org/x"}'
    with pytest.raises(ConfigError, match=r"quiz_forms\['w3d4'\] must be an http\(s\) URL"):
        build(tmp_path, {"quiz": quiz_page()}, conf)


# ---------------------------------------------------------------------------------------
# The parser on its own


def test_parse_quiz_keeps_text_and_line_numbers():
    questions = parse_quiz(GOOD_BODY)
    assert [q.answer for q in questions] == [0, 2]
    assert questions[1].choices == ("0.1", "0.50", "1.5")
    assert questions[0].choices[2] == "Yes"
    assert [q.line for q in questions] == [0, 7]


def test_parse_quiz_accepts_multiline_text():
    body = textwrap.dedent(
        """\
        - question: >
            A long question
            over two lines?
          choices: [a, b]
          answer: 1
          explain: |
            Because
            of b.
        """
    )
    (q,) = parse_quiz(body)
    assert q.question == "A long question over two lines?"
    assert q.explain == "Because\nof b."


def test_parse_quiz_rejects_negative_answer():
    body = "- question: Q?\n  choices: [a, b]\n  answer: -1\n  explain: E.\n"
    with pytest.raises(QuizError, match=r"'answer' must be the 0-based index .* got '-1'"):
        parse_quiz(body)
