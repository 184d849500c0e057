"""Build-time tests of the ``{checklist}`` and ``{progress-summary}`` directives
(book/_ext/checklist), and of the book's own checklist file.

Each test renders a tiny Sphinx project (MyST pages) in a temporary folder, in-process.
The browser side (ticks remembered, the progress table) is tested in
tests/browser/test_progress.py.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

ROOT = Path(__file__).resolve().parents[1]
EXT_DIR = ROOT / "book" / "_ext"
sys.path.insert(0, str(EXT_DIR))

from checklist import ChecklistError, item_key, parse_checklists  # noqa: E402

CHECKLISTS = """\
- id: day1
  title: "Day 1: starting"
  chapter: day1
  quiz: q1
  items:
    - Read {doc}`other` and run its code.
    - Know what $w$ is.
- id: day2
  title: "Day 2: going on"
  chapter: other
  quiz: null
  items:
    - Take a *break*.
"""

CONF = """\
import sys
sys.path.insert(0, {ext_dir!r})
extensions = ["myst_parser", "quiz", "checklist"]
myst_enable_extensions = ["dollarmath"]
exclude_patterns = ["_build"]
"""

QUIZ = """\
```{quiz} q1
- question: Is this a question?
  choices:
    - "yes"
    - "no"
  answer: 0
  explain: It ends with a question mark.
```
"""


def build(tmp_path: Path, pages: dict[str, str], checklists: str = CHECKLISTS,
          builder: str = "html"):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF.format(ext_dir=str(EXT_DIR)))
    (src / "checklists.yml").write_text(checklists)
    toctree = "\n".join(pages)
    (src / "index.md").write_text(f"# Home\n\n```{{toctree}}\n{toctree}\n```\n")
    for name, text in pages.items():
        (src / f"{name}.md").write_text(text)
    out = tmp_path / "out"
    warnings = io.StringIO()
    with patch_docutils(src), docutils_namespace():
        app = Sphinx(src, src, out, tmp_path / "doctrees", builder, status=None,
                     warning=warnings, freshenv=True)
        app.build()
    return out, warnings.getvalue()


PAGES = {
    "day1": "# Day one\n\n```{checklist} day1\n```\n\n" + QUIZ,
    "other": "# Other\n\nSee {ref}`checklist-day1`.\n\n```{checklist} day1\n```\n\n"
             "```{checklist} day2\n```\n",
    "welcome": "# Welcome\n\n```{progress-summary}\n```\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("site"), PAGES)


def boxes(html: str, checklist_id: str) -> list[tuple[str, str]]:
    block = re.search(
        rf'<div class="gd-checklist" data-checklist-id="{checklist_id}"[^>]*>.*?</div>', html, re.S
    )
    assert block, f"no checklist {checklist_id}"
    return re.findall(r'<input type="checkbox" id="([^"]+)" data-key="([^"]+)"> <label for="\1">',
                      block.group(0))


def test_builds_without_warnings(site):
    assert site[1] == ""


def test_the_same_list_on_two_pages_is_one_list(site):
    out, _ = site
    day1 = (out / "day1.html").read_text()
    other = (out / "other.html").read_text()
    assert boxes(day1, "day1") == boxes(other, "day1")
    keys = [key for _, key in boxes(day1, "day1")]
    assert keys == [item_key("Read {doc}`other` and run its code."), item_key("Know what $w$ is.")]
    # the items' markup is rendered: a link to the other page, math
    assert 'href="other.html"' in day1
    assert r"\(w\)" in day1
    # real checkboxes, with labels, inside a named list and a live count
    assert '<ul class="gd-checklist-items" aria-label="Checklist: Day 1: starting">' in day1
    assert '<p class="gd-checklist-count" role="status" aria-live="polite"></p>' in day1


def test_the_label_points_at_the_days_chapter(site):
    out, _ = site
    day1 = (out / "day1.html").read_text()
    other = (out / "other.html").read_text()
    assert 'id="checklist-day1"' in day1
    assert 'id="checklist-day1"' not in other
    assert 'href="day1.html#checklist-day1"' in other


def test_progress_summary_lists_every_day_in_order(site):
    out, _ = site
    html = (out / "welcome.html").read_text()
    rows = re.findall(r'<tr data-progress-day="([^"]+)">(.*?)</tr>', html, re.S)
    assert [day for day, _ in rows] == ["day1", "day2"]
    first, second = rows[0][1], rows[1][1]
    assert 'href="day1.html"' in first and "Day 1: starting" in first
    items = ("Read {doc}`other` and run its code.", "Know what $w$ is.")
    keys = " ".join(item_key(text) for text in items)
    assert f'data-progress-keys="{keys}">0 of 2</td>' in first
    assert '<td data-progress-quiz="q1">not taken</td>' in first
    assert "<td>no quiz</td>" in second
    assert "<noscript>" in html and 'class="gd-progress-forget" hidden' in html


def test_text_builder_prints_boxes_and_a_sentence(tmp_path):
    out, warnings = build(tmp_path, PAGES, builder="text")
    assert warnings == ""
    assert "\u2610 Know what w is." in (out / "day1.txt").read_text()
    assert "The web version of the book shows here" in (out / "welcome.txt").read_text()


@pytest.mark.parametrize(
    ("pages", "checklists", "message"),
    [
        ({"day1": "# D\n\n```{checklist} nope\n```\n"}, CHECKLISTS,
         r"Checklist 'nope' is not in checklists.yml \(known: day1, day2\)"),
        ({"day1": "# D\n\n" + QUIZ, "other": "# O\n"},
         CHECKLISTS.replace("chapter: other", "chapter: missing"),
         r"checklist 'day2' names the chapter 'missing', which is not a page"),
        ({"day1": "# D\n", "other": "# O\n"}, CHECKLISTS,
         r"checklist 'day1' names the quiz 'q1', which no page has"),
    ],
)
def test_mistakes_are_reported(tmp_path, pages, checklists, message):
    _, warnings = build(tmp_path, pages, checklists)
    assert re.search(message, warnings), warnings


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", r"must be a YAML list of checklists"),
        ("- id: a\n", r"lacks \['title', 'chapter', 'quiz', 'items'\]"),
        (CHECKLISTS + CHECKLISTS.split("- id: day2")[1].join(["- id: day2", ""]),
         r"checklist 'day2' is defined twice"),
        (CHECKLISTS.replace("id: day2", "id: 'day 2'"), r"id must be letters, digits"),
        (CHECKLISTS.replace("- Take a *break*.", "- Take a *break*.\n    - Take a  *break*."),
         r"lists the same item twice"),
        (CHECKLISTS.replace("quiz: null", "quiz: 3"), r"quiz must be a quiz id or null, got 3"),
        ("- [unclosed", r"is not valid YAML"),
    ],
)
def test_bad_checklist_files_are_rejected(text, message):
    with pytest.raises(ChecklistError, match=message):
        parse_checklists(text)


def test_the_books_checklists_are_valid_and_each_day_page_shows_its_own():
    checklists = parse_checklists((ROOT / "book" / "checklists.yml").read_text(encoding="utf-8"))
    quizzes_page = (ROOT / "book" / "chapters" / "quizzes.md").read_text(encoding="utf-8")
    for entry in checklists:
        chapter = (ROOT / "book" / f"{entry.chapter}.md").read_text(encoding="utf-8")
        directive = f"```{{checklist}} {entry.id}\n```"
        assert chapter.count(directive) == 1, entry.chapter
        assert quizzes_page.count(directive) == 1, entry.id
        if entry.quiz:
            assert f"```{{quiz}} {entry.quiz}\n" in chapter, (entry.id, entry.quiz)
    assert "\u2610" not in quizzes_page  # no hand-drawn boxes left
