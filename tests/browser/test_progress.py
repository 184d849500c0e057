"""The reader's progress and the playground's shareable settings, in headless Chromium.

Progress (book/_ext/checklist, book/_static/progress.js, book/_ext/quiz/quiz.js): the
DataLab checklists are real checkboxes whose ticks survive a reload and show on every
page with the same list; quiz scores are remembered with their date; the welcome page
sums both up; "Forget" clears; with storage blocked everything still works and nothing
is remembered. Playground (book/_ext/playground): the settings live in the address and
round-trip, "Copy as Python" gives the gdcode code for the run, the update rule shows
numbers that add up. Screenshots (375 px wide, dark mode) go to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from browser_site import SCREENSHOTS, describe_violations

pytestmark = pytest.mark.browser

QUIZZES = "chapters/quizzes.html"
DAY4 = "chapters/w3d4-gradient-descent.html"
WELCOME = "chapters/welcome.html"
PLAYGROUND = "chapters/gd-in-practice.html"
TIMEOUT_MS = 60_000
# What a browser does when its storage is blocked: touching localStorage throws.
BLOCK_STORAGE = """
Object.defineProperty(window, "localStorage", {
  get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
});
"""


def checklist(page, checklist_id: str):
    return page.locator(f'.gd-checklist[data-checklist-id="{checklist_id}"]').first


def ticked(page, checklist_id: str) -> list[bool]:
    boxes = checklist(page, checklist_id).locator("input[type=checkbox]")
    return [boxes.nth(i).is_checked() for i in range(boxes.count())]


def progress_row(page, day: str) -> list[str]:
    row = page.locator(f'.gd-progress tr[data-progress-day="{day}"] td')
    return [" ".join(row.nth(i).inner_text().split()) for i in range(row.count())]


def answer_all_right(quiz) -> int:
    questions = quiz.locator("fieldset.quiz-question")
    for i in range(questions.count()):
        question = questions.nth(i)
        key = int(question.get_attribute("data-answer"))
        question.locator("input[type=radio]").nth(key).check()
    return questions.count()


def shoot(page, name: str, element=None) -> None:
    """A screenshot of the viewport (or of one element) in artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SCREENSHOTS / f"{name}.png")
    if element is None:
        page.screenshot(path=path)
        return
    # the element alone, in a viewport tall enough to hold it below the sticky header
    width = page.viewport_size["width"]
    height = page.viewport_size["height"]
    box = element.bounding_box()
    page.set_viewport_size({"width": width, "height": int(box["height"]) + 200})
    page.evaluate("(el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY"
                  " - 120)", element.element_handle())
    box = element.bounding_box()
    page.screenshot(path=path, clip=box)
    page.set_viewport_size({"width": width, "height": height})


def axe_within(page, run_axe, selector: str) -> list[dict]:
    """axe-core's serious and critical violations inside ``selector`` only."""
    run_axe(page)  # loads axe-core into the page
    result = page.evaluate(
        "async (selector) => JSON.stringify(await axe.run({include: [[selector]]}))", selector
    )
    violations = json.loads(result)["violations"]
    return [v for v in violations if v["impact"] in {"critical", "serious"}]


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in {"critical", "serious"}]


def go_dark(page) -> None:
    """The theme's dark mode, as its switch leaves it (localStorage "mode"), then reload."""
    page.context.add_init_script("localStorage.setItem('mode', 'dark')")
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"


def no_trouble(visit) -> None:
    assert visit.problems == [], visit.problems
    assert visit.external == [], visit.external


# ---------------------------------------------------------------------------------------
# Checklists


def test_a_tick_survives_a_reload_and_shows_on_the_day_page(open_page):
    visit = open_page(QUIZZES)
    page = visit.page
    assert ticked(page, "w3d4") == [False] * len(ticked(page, "w3d4"))
    n = len(ticked(page, "w3d4"))
    first = checklist(page, "w3d4").locator("input[type=checkbox]").nth(1)
    first.check()
    count = checklist(page, "w3d4").locator(".gd-checklist-count")
    assert count.inner_text().startswith(f"1 of {n} done; this browser remembers")

    page.reload()
    assert ticked(page, "w3d4") == [i == 1 for i in range(n)]
    assert ticked(page, "gdp") == [False] * len(ticked(page, "gdp"))  # other days untouched

    page.goto(visit.page.url.replace(QUIZZES, DAY4))
    assert ticked(page, "w3d4") == [i == 1 for i in range(n)], "the day page shares the ticks"
    checklist(page, "w3d4").locator("input[type=checkbox]").nth(1).uncheck()
    checklist(page, "w3d4").locator("input[type=checkbox]").nth(0).check()

    page.goto(visit.page.url.replace(DAY4, WELCOME))
    assert progress_row(page, "w3d4")[0] == f"1 of {n}"
    assert progress_row(page, "gdp")[0].startswith("0 of ")
    no_trouble(visit)


def test_checkboxes_work_from_the_keyboard(open_page):
    visit = open_page(QUIZZES)
    page = visit.page
    box = checklist(page, "w3d3").locator("input[type=checkbox]").first
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert ticked(page, "w3d3")[:2] == [True, True]
    page.reload()
    assert ticked(page, "w3d3")[:2] == [True, True]
    # the label names the box (what a screen reader reads)
    label = page.locator(f'label[for="{box.get_attribute("id")}"]').inner_text()
    assert label.startswith("Read the chapter and run its code cells")
    no_trouble(visit)


# ---------------------------------------------------------------------------------------
# Quizzes and the welcome page


def test_quiz_score_persists_and_forget_clears_it(open_page):
    visit = open_page(DAY4)
    page = visit.page
    quiz = page.locator('section.quiz[data-quiz-id="w3d4"]')
    last = quiz.locator(".quiz-last")
    assert last.is_hidden()  # nothing remembered yet
    n = answer_all_right(quiz)
    quiz.locator("button.quiz-check").click()
    today = page.evaluate(
        "() => { const d = new Date(); return d.getFullYear() + '-' + "
        "String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); }"
    )
    expected = f"Your last result here: {n} out of {n}, on {today}"
    assert last.inner_text().startswith(expected)

    page.reload()
    quiz = page.locator('section.quiz[data-quiz-id="w3d4"]')
    assert quiz.locator(".quiz-last").inner_text().startswith(expected)
    assert quiz.locator(".quiz-score").inner_text() == ""  # the answers themselves are not kept

    page.goto(page.url.replace(DAY4, WELCOME))
    assert progress_row(page, "w3d4")[1] == f"{n} of {n} ({today})"
    assert progress_row(page, "gdp")[1] == "not taken"
    assert progress_row(page, "assignment")[1] == "no quiz"

    page.goto(page.url.replace(WELCOME, DAY4))
    quiz = page.locator('section.quiz[data-quiz-id="w3d4"]')
    quiz.locator("button.quiz-forget").click()
    assert quiz.locator(".quiz-last").is_hidden()
    assert quiz.locator(".quiz-score").inner_text() == "Your last result here is forgotten."
    assert quiz.locator("button.quiz-check").evaluate("el => el === document.activeElement")
    page.reload()
    assert page.locator('section.quiz[data-quiz-id="w3d4"] .quiz-last').is_hidden()
    no_trouble(visit)


def test_forget_my_progress_clears_ticks_and_scores(open_page, run_axe):
    visit = open_page(DAY4)
    page = visit.page
    checklist(page, "w3d4").locator("input[type=checkbox]").first.check()
    quiz = page.locator('section.quiz[data-quiz-id="w3d4"]')
    answer_all_right(quiz)
    quiz.locator("button.quiz-check").click()

    page.goto(page.url.replace(DAY4, WELCOME))
    assert progress_row(page, "w3d4")[0].startswith("1 of ")
    assert progress_row(page, "w3d4")[1] != "not taken"
    page.locator(".gd-progress").scroll_into_view_if_needed()
    shoot(page, "progress-welcome-desktop")
    bad = axe_within(page, run_axe, ".gd-progress")
    assert not bad, describe_violations(bad)

    page.get_by_role("button", name="Forget my progress").click()
    assert progress_row(page, "w3d4")[0].startswith("0 of ")
    assert progress_row(page, "w3d4")[1] == "not taken"
    assert page.locator(".gd-progress-status").inner_text().startswith("Forgotten")
    assert page.evaluate("localStorage.getItem('gdcode-book-progress')") is None
    page.goto(page.url.replace(WELCOME, DAY4))
    assert not any(ticked(page, "w3d4"))
    no_trouble(visit)


# With storage blocked, the theme's own script (pydata-sphinx-theme.js, which keeps the
# light/dark choice in localStorage) fails while each page loads, with exactly these
# messages; the same happens with progress.js and quiz.js removed. What is checked below
# is that our scripts add nothing to them: no error while ticking, checking or forgetting.
THEME_WITHOUT_STORAGE = {
    "console error: Got invalid theme mode: undefined. Resetting to auto.",
    "uncaught exception: The operation is insecure.",
}


def test_with_storage_blocked_everything_works_and_nothing_is_kept(open_page):
    visit = open_page(QUIZZES)
    page = visit.page
    page.context.add_init_script(BLOCK_STORAGE)
    page.reload()
    assert page.evaluate("() => { try { localStorage; return false; } catch (e) { return true; } }")
    assert set(visit.problems) <= THEME_WITHOUT_STORAGE, visit.problems
    on_load = list(visit.problems)

    box = checklist(page, "w3d4").locator("input[type=checkbox]").first
    box.check()
    assert box.is_checked()
    count = checklist(page, "w3d4").locator(".gd-checklist-count").inner_text()
    assert "not keeping them (its storage is off)" in count
    assert visit.problems == on_load, "ticking a box with storage blocked made an error"
    page.reload()
    assert not any(ticked(page, "w3d4"))

    page.goto(page.url.replace(QUIZZES, DAY4))
    on_load = list(visit.problems)
    quiz = page.locator('section.quiz[data-quiz-id="w3d4"]')
    n = answer_all_right(quiz)
    quiz.locator("button.quiz-check").click()
    assert quiz.locator(".quiz-score").inner_text().startswith(f"You scored {n} out of {n}.")
    assert quiz.locator(".quiz-last").is_hidden()
    assert visit.problems == on_load, "checking a quiz with storage blocked made an error"

    page.goto(page.url.replace(DAY4, WELCOME))
    on_load = list(visit.problems)
    assert progress_row(page, "w3d4") == [f"0 of {len(ticked_count(page))}", "not taken"]
    message = page.locator(".gd-progress-status").inner_text()
    assert message.startswith("This browser's storage is off")
    page.get_by_role("button", name="Forget my progress").click()  # harmless
    assert visit.problems == on_load, "forgetting with storage blocked made an error"
    assert set(visit.problems) <= THEME_WITHOUT_STORAGE, visit.problems
    assert visit.external == []


def ticked_count(page) -> list[str]:
    keys = page.locator('.gd-progress [data-progress-checklist="w3d4"]').get_attribute(
        "data-progress-keys"
    )
    return keys.split()


def test_progress_pages_at_375px_and_in_dark_mode(open_page, run_axe):
    for name, options in {
        "375px": {"viewport": {"width": 375, "height": 800}},
        "dark": {},
    }.items():
        visit = open_page(QUIZZES, **options)
        page = visit.page
        if name == "dark":
            go_dark(page)
        bad = serious(run_axe(page))  # the whole page, as loaded
        assert not bad, describe_violations(bad)
        checklist(page, "w3d4").locator("input[type=checkbox]").nth(2).check()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= page.viewport_size["width"], (name, scroll_width)
        page.locator('.gd-checklist[data-checklist-id="w3d4"]').scroll_into_view_if_needed()
        shoot(page, f"progress-quizzes-{name}")
        bad = axe_within(page, run_axe, ".gd-checklist")
        assert not bad, describe_violations(bad)

        page.goto(page.url.replace(QUIZZES, WELCOME))
        bad = serious(run_axe(page))
        assert not bad, describe_violations(bad)
        page.locator(".gd-progress").scroll_into_view_if_needed()
        shoot(page, f"progress-welcome-{name}")
        assert progress_row(page, "w3d4")[0].startswith("1 of ")
        bad = axe_within(page, run_axe, ".gd-progress")
        assert not bad, describe_violations(bad)
        no_trouble(visit)


# ---------------------------------------------------------------------------------------
# The playground: settings in the address, Copy as Python, the update rule


def playground(page):
    page.locator(".gd-playground").first.scroll_into_view_if_needed()  # starts near view
    root = page.locator(".gd-playground[data-gdp-ready]").first
    root.wait_for(timeout=TIMEOUT_MS)
    return root


def status(root) -> str:
    return " ".join(root.locator(".gdp-status").inner_text().split())


def wait_status(page, root, pattern: str) -> str:
    page.wait_for_function(
        "([el, pattern]) => new RegExp(pattern).test(el.textContent)",
        arg=[root.locator(".gdp-status").element_handle(), pattern],
        timeout=TIMEOUT_MS,
    )
    return status(root)


def settings(root) -> dict:
    return {
        "rate": root.locator("input[type=range]").get_attribute("aria-valuetext"),
        "schedule": root.locator("select.gdp-schedule").input_value(),
        "batch": root.locator("select.gdp-batch").input_value(),
        "seed": root.locator("input.gdp-seed").input_value(),
    }


def test_playground_settings_round_trip_through_the_address(open_page, base_url):
    visit = open_page(PLAYGROUND + "?lr=0.32&schedule=cosine&batch=16&seed=7")
    page = visit.page
    root = playground(page)
    assert settings(root) == {"rate": "learning rate 0.32", "schedule": "cosine",
                              "batch": "16", "seed": "7"}
    assert "cosine schedule from 0.32" in status(root)
    assert page.url.endswith("?lr=0.32&schedule=cosine&batch=16&seed=7")  # untouched on load

    root.locator("select.gdp-schedule").select_option("step")
    root.locator("select.gdp-batch").select_option("4")
    seed = root.locator("input.gdp-seed")
    seed.fill("12345")
    seed.press("Enter")
    seed.blur()
    root.locator("input[type=range]").fill("-1")  # 10^-1 = 0.1
    shared = page.url
    assert shared.endswith("?lr=0.1&schedule=step&batch=4&seed=12345"), shared

    assert shared.startswith(base_url)
    other = open_page(shared[len(base_url):])
    again = playground(other.page)
    assert settings(again) == {"rate": "learning rate 0.1", "schedule": "step",
                               "batch": "4", "seed": "12345"}
    # junk in the address falls back to the defaults, without errors
    junk = open_page(PLAYGROUND + "?lr=banana&schedule=adam&batch=7&seed=-3")
    defaults = playground(junk.page)
    assert settings(defaults) == {"rate": "learning rate 0.15", "schedule": "constant",
                                  "batch": "full", "seed": "0"}
    for v in (visit, other, junk):
        no_trouble(v)


def test_copy_as_python_gives_the_gdcode_run_of_these_settings(open_page, tmp_path):
    visit = open_page(PLAYGROUND + "?lr=0.15&schedule=cosine&batch=16&seed=7")
    page = visit.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    root = playground(page)
    root.get_by_role("button", name="Copy as Python").click()
    root.locator(".gdp-copy-status").filter(has_text="Copied").wait_for(timeout=TIMEOUT_MS)
    copied = page.evaluate("navigator.clipboard.readText()")
    shown = root.locator(".gdp-python code").inner_text()
    assert copied == shown
    assert "learning_rate = cosine_decay(0.15, total_steps=1500)" in copied
    assert "batch_size=16, epochs=375, rng=7, progress=False)" in copied

    # Train the same run in the page, then run the copied code with gdcode.
    root.locator("button.gdp-train").click()
    done = wait_status(page, root, r"^(Finished|Diverged)")
    assert done.startswith("Finished: step 1500 of 1500, loss "), done
    browser_loss = re.search(r"loss ([0-9.e-]+),", done).group(1)
    script = tmp_path / "copied.py"
    script.write_text(copied)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path, check=True)
    python_loss = float(re.search(r"last loss ([0-9.e+-]+)", result.stdout).group(1))
    assert f"{float(f'{python_loss:.2g}'):g}" == browser_loss, (result.stdout, done)
    assert result.stdout.strip().endswith("diverged at step None")
    no_trouble(visit)


def test_update_rule_shows_numbers_that_add_up(open_page):
    visit = open_page(PLAYGROUND + "?lr=0.15&schedule=step&batch=4&seed=1")
    page = visit.page
    root = playground(page)
    rule = root.locator(".gdp-rule")
    assert "Press Train" in rule.inner_text()
    root.locator("button.gdp-train").click()
    page.wait_for_timeout(300)
    root.locator("button.gdp-train").click()  # pause
    text = rule.inner_text()
    number = r"(-?[0-9.]+(?:e[-+]?\d+)?)"
    match = re.search(
        rf"^Step (\d+): w \u2190 w \u2212 \u03b7 \u00d7 \u2202L/\u2202w = {number} \u2212 {number}"
        rf" \u00d7 \(?{number}\)? = {number}$",
        text,
    )
    assert match, text
    step, w, eta, grad, new = int(match[1]), *map(float, match.groups()[1:])
    assert step >= 1
    assert new == pytest.approx(w - eta * grad, rel=1e-5, abs=1e-6)
    assert eta in (0.15, 0.075, 0.0375)
    # a diverging run says the update was not applied
    root.locator("input[type=range]").fill("2")  # 100
    root.locator("button.gdp-reset").click()
    root.locator("button.gdp-train").click()
    wait_status(page, root, r"^Diverged")
    assert rule.inner_text().endswith("not applied, the loss diverged at this step.")
    no_trouble(visit)


def test_playground_controls_work_from_the_keyboard(open_page):
    visit = open_page(PLAYGROUND)
    page = visit.page
    root = playground(page)
    root.locator("button.gdp-copy").focus()
    page.keyboard.press("Tab")
    assert root.locator("select.gdp-schedule").evaluate("el => el === document.activeElement")
    page.keyboard.press("ArrowDown")
    assert root.locator("select.gdp-schedule").input_value() == "step"
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    assert root.locator("select.gdp-batch").input_value() == "32"
    page.keyboard.press("Tab")
    page.keyboard.type("9")  # Tab selects the field's 0, so this replaces it
    page.keyboard.press("Tab")
    assert settings(root)["seed"] == "9"
    assert page.url.endswith("?lr=0.15&schedule=step&batch=32&seed=9"), page.url
    no_trouble(visit)


def test_playground_at_375px_and_in_dark_mode(open_page, run_axe):
    for name, options in {
        "375px": {"viewport": {"width": 375, "height": 900}},
        "dark": {},
    }.items():
        visit = open_page(PLAYGROUND + "?lr=0.15&schedule=cosine&batch=4&seed=3", **options)
        page = visit.page
        if name == "dark":
            go_dark(page)
        bad = serious(run_axe(page))  # the whole page, as loaded
        assert not bad, describe_violations(bad)
        root = playground(page)
        root.locator("button.gdp-train").click()
        page.wait_for_timeout(700)
        root.locator("button.gdp-train").click()
        root.locator(".gdp-python summary").click()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= page.viewport_size["width"], (name, scroll_width)
        root.scroll_into_view_if_needed()
        shoot(page, f"playground-widget-{name}", root)
        bad = axe_within(page, run_axe, ".gd-playground")
        assert not bad, describe_violations(bad)
        no_trouble(visit)


# Times every animation-frame callback (the playground's frame function is the only one
# running while it trains): how long our code takes per frame, whatever the machine's load.
TIME_FRAMES = """
window.__gdFrames = [];
const originalRaf = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (callback) => originalRaf((time) => {
  const start = performance.now();
  callback(time);
  window.__gdFrames.push([start, performance.now() - start]);
});
"""


def test_playground_frames_and_steps_per_second(open_page):
    """Measured, not asserted: printed for the closing note (run with -s). On a loaded
    machine the frame rate drops for reasons that are not the page's; the time our code
    takes per frame says what the page itself costs."""
    for query in ("", "?batch=1", "?batch=16&schedule=cosine"):
        visit = open_page(PLAYGROUND + query)
        page = visit.page
        page.context.add_init_script(TIME_FRAMES)
        page.reload()
        root = playground(page)
        root.locator("button.gdp-train").click()
        result = page.evaluate(
            """async (rule) => {
                const step = () => Number((/^Step (\\d+)/.exec(rule.textContent) || [0, 0])[1]);
                await new Promise(r => setTimeout(r, 200));
                const s0 = step(), t0 = performance.now();
                await new Promise(r => setTimeout(r, 2000));
                const t1 = performance.now(), s1 = step();
                const frames = window.__gdFrames.filter(([start]) => start >= t0 && start < t1);
                const ms = frames.map(([, d]) => d).sort((a, b) => a - b);
                const seconds = (t1 - t0) / 1000;
                const at = (q) => ms[Math.floor(q * ms.length)];
                return {fps: frames.length / seconds, steps: (s1 - s0) / seconds,
                        median: at(0.5), p95: at(0.95)};
            }""",
            root.locator(".gdp-rule").element_handle(),
        )
        load = os.getloadavg()[0]
        print(f"\nplayground {query or '(defaults)'}: {result['fps']:.1f} frames/s, "
              f"{result['steps']:.0f} steps/s; our code {result['median']:.2f} ms per frame "
              f"(95th percentile {result['p95']:.2f} ms); load average {load:.1f}")
        assert result["fps"] > 0 and result["steps"] > 0
        no_trouble(visit)
