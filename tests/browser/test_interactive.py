"""The book's interactive parts, used in headless Chromium as a reader would: the
learning-rate playground (book/_ext/playground) and the quizzes (book/_ext/quiz).

Screenshots of each interactive page, after use, go to artifacts/screenshots/.
"""

from __future__ import annotations

import math
import re

import pytest
from browser_site import describe_violations

pytestmark = pytest.mark.browser

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"
TIMEOUT_MS = 60_000  # generous: the two cores are shared; no test measures speed


# ---------------------------------------------------------------------------------------
# The learning-rate playground
#
# Its DOM (book/_ext/playground/widget.js): a container .gd-playground (data-gdp-ready
# once running), the learning-rate slider input[type=range] (log10 of the rate, with
# aria-valuetext "learning rate X"), buttons .gdp-train (Train/Pause) and .gdp-reset, and
# the status line .gdp-status (role=status), whose sentences come from core.js
# describeState: "Ready: loss X at the starting weights, ...", "Training: step t of N,
# loss X, ...", "Finished: ...", "Diverged at step t — learning rate X is too large. ...".


@pytest.fixture(scope="module")
def playground_path(pages_with):
    pages = pages_with('class="gd-playground"')
    assert pages, "no page of the built book contains the playground"
    return pages[0]


class Playground:
    def __init__(self, visit):
        self.visit = visit
        self.page = visit.page
        # the playground starts when it comes near the viewport
        self.page.locator(".gd-playground").first.scroll_into_view_if_needed()
        root = self.page.locator(".gd-playground[data-gdp-ready]").first
        root.wait_for(timeout=TIMEOUT_MS)
        self.root = root
        self.slider = root.locator("input[type=range]")
        self.train = root.locator("button.gdp-train")
        self.reset = root.locator("button.gdp-reset")
        self.status = root.locator(".gdp-status")

    def status_text(self) -> str:
        return " ".join(self.status.inner_text().split())

    def wait_status(self, pattern: str) -> str:
        """Wait until the status line matches ``pattern`` (a regex); return the text."""
        self.page.wait_for_function(
            "([el, pattern]) => new RegExp(pattern).test(el.textContent)",
            arg=[self.status.element_handle(), pattern],
            timeout=TIMEOUT_MS,
        )
        return self.status_text()

    def set_rate(self, learning_rate: float) -> str:
        """Move the slider (log10 scale, in steps of 0.05) to the position nearest to
        ``learning_rate``, as a drag would; return the rate it now shows, as text."""
        position = round(math.log10(learning_rate) / 0.05) * 0.05
        self.slider.fill(f"{position:.2f}")
        shown = self.rate_text().removeprefix("learning rate ")
        assert abs(float(shown) / learning_rate - 1) < 0.1, (learning_rate, shown)
        return shown

    def rate_text(self) -> str:
        return self.slider.get_attribute("aria-valuetext")


def loss_in(text: str, prefix: str) -> float:
    match = re.search(prefix + r".*?loss (" + NUMBER + ")", text)
    assert match, f"no loss in status {text!r}"
    return float(match.group(1))


def test_playground_trains_at_a_good_learning_rate(open_page, playground_path, screenshot):
    visit = open_page(playground_path)
    widget = Playground(visit)
    ready = widget.wait_status(r"^Ready:")
    start_loss = loss_in(ready, "Ready:")
    rate = widget.set_rate(0.15)
    widget.train.click()
    assert widget.train.inner_text() == "Pause"
    done = widget.wait_status(r"^(Finished|Diverged)")
    assert done.startswith("Finished:"), done
    assert f"learning rate {rate}." in done
    end_loss = loss_in(done, "Finished:")
    assert end_loss < 0.5 * start_loss, (start_loss, end_loss)
    assert widget.train.inner_text() == "Train"
    screenshot(visit.page, f"playground-trained-{playground_path}")
    assert visit.problems == []


def test_playground_diverges_at_a_large_rate_and_says_so(open_page, playground_path, screenshot):
    visit = open_page(playground_path)
    widget = Playground(visit)
    widget.wait_status(r"^Ready:")
    assert widget.set_rate(10) == "10"
    widget.train.click()
    text = widget.wait_status(r"^(Finished|Diverged)")
    assert re.match(r"Diverged at step \d+ \u2014 learning rate 10 is too large\.", text), text
    step = int(re.search(r"step (\d+)", text).group(1))
    assert step >= 1
    screenshot(visit.page, f"playground-diverged-{playground_path}")
    assert visit.problems == []


def test_playground_reset_returns_to_the_start(open_page, playground_path):
    visit = open_page(playground_path)
    widget = Playground(visit)
    ready = widget.wait_status(r"^Ready:")
    widget.set_rate(10)
    widget.train.click()
    widget.wait_status(r"^Diverged")
    widget.reset.click()
    again = widget.wait_status(r"^Ready:")
    assert loss_in(again, "Ready:") == loss_in(ready, "Ready:")
    assert "learning rate 10" in again  # reset keeps the chosen rate, restarts the weights
    assert widget.train.inner_text() == "Train"
    # and a good rate trains again from there
    widget.set_rate(0.15)
    widget.train.click()
    done = widget.wait_status(r"^(Finished|Diverged)")
    assert done.startswith("Finished:"), done
    assert visit.problems == []


def test_playground_works_from_the_keyboard(open_page, playground_path):
    visit = open_page(playground_path)
    page = visit.page
    widget = Playground(visit)
    widget.wait_status(r"^Ready:")

    # Tab from the top of the page reaches the slider.
    page.locator("body").focus()
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type === 'range'"):
            break
    else:
        pytest.fail("Tab never reached the learning-rate slider")
    assert widget.slider.evaluate("el => el === document.activeElement")

    page.keyboard.press("End")
    assert widget.rate_text() == "learning rate 100"
    page.keyboard.press("Home")
    assert widget.rate_text() == "learning rate 0.0001"
    before = widget.slider.input_value()
    page.keyboard.press("ArrowRight")
    assert float(widget.slider.input_value()) > float(before)
    page.keyboard.press("End")

    # The Train button is the next stop; Enter starts a run that diverges at rate 100.
    page.keyboard.press("Tab")
    assert widget.train.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    diverged = widget.wait_status(r"^(Finished|Diverged)")
    assert diverged.startswith("Diverged"), diverged
    # Then Reset, with the space bar.
    page.keyboard.press("Tab")
    assert widget.reset.evaluate("el => el === document.activeElement")
    page.keyboard.press("Space")
    widget.wait_status(r"^Ready:")
    assert visit.problems == []


def test_playground_page_is_accessible_while_in_use(open_page, playground_path, run_axe):
    visit = open_page(playground_path)
    widget = Playground(visit)
    widget.wait_status(r"^Ready:")
    widget.set_rate(10)
    widget.train.click()
    widget.wait_status(r"^Diverged")
    bad = [v for v in run_axe(visit.page) if v["impact"] in {"critical", "serious"}]
    assert not bad, describe_violations(bad)


# ---------------------------------------------------------------------------------------
# Quizzes
#
# DOM (book/_ext/quiz): section.quiz[data-quiz-id] > form > fieldset.quiz-question
# [data-answer] with radio inputs, .quiz-feedback (hidden until checked) and
# template.quiz-explain; buttons .quiz-check and .quiz-reset; the score in .quiz-score
# (role=status); after checking, section[data-score][data-total].


@pytest.fixture(scope="module")
def quiz_paths(pages_with):
    pages = pages_with('<section class="quiz"')
    assert pages, "no page of the built book contains a quiz"
    return pages


def answer(quiz, choose) -> None:
    """Click, for each question, the choice ``choose(index, answer, n_choices)``
    (None leaves the question unanswered)."""
    questions = quiz.locator("fieldset.quiz-question")
    for i in range(questions.count()):
        question = questions.nth(i)
        n_choices = question.locator("input[type=radio]").count()
        key = int(question.get_attribute("data-answer"))
        pick = choose(i, key, n_choices)
        if pick is not None:
            question.locator("input[type=radio]").nth(pick).check()


def explanations(quiz) -> list[str]:
    return quiz.evaluate(
        "q => Array.from(q.querySelectorAll('template.quiz-explain'))"
        ".map(t => t.content.textContent.trim())"
    )


def test_quiz_scores_right_and_wrong_answers(open_page, quiz_paths, screenshot):
    for path in quiz_paths:
        visit = open_page(path)
        quizzes = visit.page.locator("section.quiz")
        assert quizzes.count() >= 1
        for q in range(quizzes.count()):
            quiz = quizzes.nth(q)
            quiz_id = quiz.get_attribute("data-quiz-id")
            n = quiz.locator("fieldset.quiz-question").count()
            score = quiz.locator(".quiz-score")
            check = quiz.locator("button.quiz-check")
            clear = quiz.locator("button.quiz-reset")
            why = explanations(quiz)
            assert len(why) == n and all(why), quiz_id

            # Before checking: no feedback, no explanation in view, buttons shown by JS.
            assert check.is_visible() and clear.is_visible()
            assert quiz.locator(".quiz-feedback:visible").count() == 0
            shown = quiz.inner_text()
            assert not any(text[:40] in shown for text in why), quiz_id

            # All right.
            answer(quiz, lambda i, key, k: key)
            check.click()
            assert score.inner_text().startswith(f"You scored {n} out of {n}."), quiz_id
            assert quiz.get_attribute("data-score") == str(n)
            assert quiz.locator(".quiz-question--right").count() == n
            assert quiz.locator(".quiz-feedback:visible").count() == n
            feedback = quiz.locator(".quiz-feedback")
            # Math in the revealed explanations gets typeset too (no "\(" left).
            visit.page.wait_for_function(
                "q => !q.innerText.includes(String.fromCharCode(92) + '(')",
                arg=quiz.element_handle(),
                timeout=TIMEOUT_MS,
            )
            for i in range(n):
                text = " ".join(feedback.nth(i).inner_text().split())
                assert text.startswith("Correct."), text
                words = " ".join(why[i].split("\\(")[0].split())[:30]
                assert words in text, (words, text)
            if q == 0:
                screenshot(visit.page, f"quiz-checked-{path}")

            # Clear, then all wrong.
            clear.click()
            assert score.inner_text() == ""
            assert quiz.locator("input:checked").count() == 0
            assert quiz.locator(".quiz-feedback:visible").count() == 0
            answer(quiz, lambda i, key, k: (key + 1) % k)
            check.click()
            assert score.inner_text().startswith(f"You scored 0 out of {n}."), quiz_id
            assert quiz.locator(".quiz-question--wrong").count() == n
            assert quiz.locator(".quiz-tag--wrong").count() == n
            assert quiz.locator(".quiz-choice--right").count() == n
            assert feedback.first.inner_text().startswith("Not quite.")

            # Mixed: first right, the rest unanswered.
            clear.click()
            answer(quiz, lambda i, key, k: key if i == 0 else None)
            check.click()
            assert score.inner_text().startswith(f"You scored 1 out of {n}."), quiz_id
            if n > 1:
                assert feedback.nth(1).inner_text().startswith("Not answered.")
        assert visit.problems == []


def test_quiz_works_from_the_keyboard_and_stays_accessible(open_page, quiz_paths, run_axe):
    visit = open_page(quiz_paths[0])
    page = visit.page
    quiz = page.locator("section.quiz").first
    n = quiz.locator("fieldset.quiz-question").count()
    first = quiz.locator("fieldset.quiz-question").first
    key = int(first.get_attribute("data-answer"))
    radios = first.locator("input[type=radio]")

    radios.first.focus()
    page.keyboard.press("Space")  # selects the focused choice
    for _ in range(key):
        page.keyboard.press("ArrowDown")  # moves the selection within the question
    assert radios.nth(key).is_checked()
    # Tab leaves the question; keep tabbing to the Check button and press Enter.
    for _ in range(4 * n + 2):
        page.keyboard.press("Tab")
        if quiz.locator("button.quiz-check").evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the Check answers button")
    page.keyboard.press("Enter")
    assert quiz.locator(".quiz-score").inner_text().startswith(f"You scored 1 out of {n}.")
    assert quiz.locator(".quiz-score").get_attribute("aria-live") == "polite"

    bad = [v for v in run_axe(page) if v["impact"] in {"critical", "serious"}]
    assert not bad, describe_violations(bad)
    assert visit.problems == []


def test_quiz_without_javascript_says_so_and_shows_the_questions(open_page, quiz_paths):
    visit = open_page(quiz_paths[0], java_script_enabled=False)
    quiz = visit.page.locator("section.quiz").first
    assert "needs JavaScript" in quiz.locator(".quiz-nojs").inner_text()
    assert quiz.locator("legend").first.is_visible()
    assert quiz.locator("input[type=radio]").first.is_visible()
    assert not quiz.locator("button.quiz-check").is_visible()
    for text in explanations(quiz):
        assert text[:40] not in quiz.inner_text()
