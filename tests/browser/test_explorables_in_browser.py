"""The explorables (book/_ext/explorables) in headless Chromium, used as a reader would.

For each widget: it renders, answers its controls (drag or click, buttons, keyboard),
shows the numbers gdcode computes for the same settings, survives extreme settings with
a named state (never NaN), stays accessible (axe) at desktop width, at 375 px and in the
theme's dark mode, makes no request off the machine and logs no error. Screenshots of
each widget go to artifacts/screenshots/.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from browser_site import SCREENSHOTS, describe_violations

import gdcode as gd
from gdcode import explorables as ex

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
SERIOUS = {"critical", "serious"}


def fmt(value: float, digits: int = 4) -> str:
    """shared_core.js formatNumber, in Python: what the widgets print for a number."""
    if math.isnan(value):
        return "not a number"
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        return f"{js_number(float(mantissa))}e{int(exponent)}"
    return js_number(float(f"{value:.{digits}g}"))


def js_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def widget(visit, kind: str):
    """The first widget of ``kind``, scrolled into view and started (widgets start when
    they come near the viewport)."""
    visit.page.locator(f'.gd-explorable[data-kind="{kind}"]').first.scroll_into_view_if_needed()
    root = visit.page.locator(f'.gd-explorable[data-kind="{kind}"][data-gdx-ready]').first
    root.wait_for(timeout=TIMEOUT_MS)
    return root


def text_of(locator) -> str:
    return " ".join(locator.inner_text().split())


def assert_no_nan(root) -> None:
    text = root.inner_text()
    assert not re.search(r"\bNaN\b|undefined|Infinity", text), text


def assert_clean(visit) -> None:
    assert visit.problems == []
    assert visit.external == []


def element_shot(root, name: str) -> None:
    """A PNG of just the widget, in artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    root.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def axe_serious(run_axe, page) -> list[dict]:
    return [v for v in run_axe(page) if v["impact"] in SERIOUS]


@pytest.fixture(scope="module")
def page_of(pages_with):
    def find(kind: str) -> str:
        pages = pages_with(f'data-kind="{kind}"')
        assert pages, f"no page of the built book has the {kind} explorable"
        return pages[0]

    return find


# ---------------------------------------------------------------------- one weight


def gdcode_path(w0: float, learning_rate: float, n_steps: int):
    x, y = gd.datasets.make_line(**ex.LINE_DATA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.DivergenceWarning)
        return gd.one_param.gradient_descent(x, y, w0, learning_rate, n_steps)


def one_weight_status(root) -> str:
    return text_of(root.locator("[role=status]"))


def wait_text(page, locator, pattern: str) -> str:
    page.wait_for_function(
        "([el, p]) => new RegExp(p).test(el.textContent)",
        arg=[locator.element_handle(), pattern],
        timeout=TIMEOUT_MS,
    )
    return text_of(locator)


def test_one_weight_shows_gdcodes_steps_and_answers_keyboard_and_drag(open_page, page_of):
    visit = open_page(page_of("one-weight"))
    page = visit.page
    root = widget(visit, "one-weight")
    status = root.locator("[role=status]")
    defaults = ex.ONE_WEIGHT_DEFAULTS
    path = gdcode_path(defaults["w0"], defaults["learning_rate"], defaults["n_steps"])
    text = one_weight_status(root)
    assert f"After 10 steps: w = {fmt(path.w[-1])}, loss {fmt(path.loss[-1])}" in text, text
    assert "creeps" in text_of(root.locator(".gdx-factor"))

    # keyboard: the start slider moves by 0.05 a press, and the run follows
    w0 = root.get_by_role("slider", name=re.compile("^Start w0"))
    w0.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert w0.get_attribute("aria-valuetext") == "start w0 = 0.65"
    moved = gdcode_path(0.65, defaults["learning_rate"], defaults["n_steps"])
    wait_text(page, status, re.escape(f"w = {fmt(moved.w[-1])},"))

    # a preset: the chapter's "too large" rate zig-zags in
    root.get_by_role("button", name=re.compile(r"^too large")).click()
    assert "zig-zags in" in text_of(root.locator(".gdx-factor"))
    rate = root.get_by_role("slider", name=re.compile("^Learning rate"))
    assert rate.get_attribute("aria-valuetext") == "learning rate 0.6, log scale"
    zig = gdcode_path(0.65, 0.6, 10)
    wait_text(page, status, re.escape(f"w = {fmt(zig.w[-1])},"))

    # drag the start along the curve: w0 follows the pointer, the numbers follow w0
    canvas = root.locator("canvas.gdx-curve")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.up()
    dragged = float(root.get_by_role("slider", name=re.compile("^Start w0")).input_value())
    assert dragged > 2.5, dragged  # right of w* on the plot
    run = gdcode_path(dragged, 0.6, 10)
    wait_text(page, status, re.escape(f"start w0 = {fmt(dragged)}:") + ".*" +
              re.escape(f"w = {fmt(run.w[-1])},"))

    # animate: the button turns into Stop and back
    root.get_by_role("button", name="Animate the steps").click()
    root.get_by_role("button", name="Animate the steps").wait_for(timeout=TIMEOUT_MS)
    element_shot(root, "explorable-one-weight")
    assert_no_nan(root)
    assert_clean(visit)


def test_one_weight_overflow_is_named_with_gdcodes_step(open_page, page_of):
    visit = open_page(page_of("one-weight"))
    page = visit.page
    root = widget(visit, "one-weight")
    rate = root.get_by_role("slider", name=re.compile("^Learning rate"))
    rate.focus()
    page.keyboard.press("End")  # the largest rate, 1000
    steps = root.get_by_role("slider", name=re.compile("^Steps"))
    steps.focus()
    page.keyboard.press("End")  # 100 steps
    path = gdcode_path(ex.ONE_WEIGHT_DEFAULTS["w0"], 1000.0, 100)
    assert path.diverged_step is not None
    text = wait_text(page, root.locator("[role=status]"), "Diverged")
    assert f"Diverged at step {path.diverged_step}: w overflowed" in text, text
    assert "zig-zags out" in text_of(root.locator(".gdx-factor"))
    assert_no_nan(root)
    assert_clean(visit)


# ---------------------------------------------------------------------- optimizer race


def race_rows(root) -> dict[str, list[str]]:
    rows = {}
    for row in root.locator("tbody tr").all():
        cells = [" ".join(c.split()) for c in row.locator("th, td").all_inner_texts()]
        rows[row.get_attribute("data-racer")] = cells
    return rows


def gdcode_race(surface_name: str, start, settings: dict | None = None) -> dict:
    spec = ex.SURFACES[surface_name]
    out = {}
    for key, (cls, _, _) in ex.RACERS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gd.DivergenceWarning)
            optimizer = cls(**(settings or spec["optimizers"])[key])
            path = gd.optimize_2d(spec["surface"], start, optimizer, spec["n_steps"])
        finite = np.all(np.isfinite(path), axis=1)
        diverged = None if finite.all() else int(np.argmin(finite))
        last = path[-1] if diverged is None else path[diverged - 1]
        out[key] = {"diverged_step": diverged,
                    "distance": math.hypot(*(last - spec["surface"].minimum))}  # as JS
    return out


def run_race(page, root) -> str:
    root.get_by_role("button", name="Race").click()
    return wait_text(page, root.locator("[role=status]"), "^Finished")


def test_race_shows_gdcodes_distances_on_both_surfaces(open_page, page_of):
    visit = open_page(page_of("surface-race"))
    page = visit.page
    root = widget(visit, "surface-race")
    for name in ("bowl", "rosenbrock"):
        root.get_by_label("Surface").select_option(name)
        run_race(page, root)
        expected = gdcode_race(name, ex.SURFACES[name]["start"])
        rows = race_rows(root)
        for key, result in expected.items():
            label, steps, distance, _, state = rows[key]
            assert steps == str(ex.SURFACES[name]["n_steps"]), (name, key, rows[key])
            assert distance == fmt(result["distance"], 3), (name, key, rows[key], result)
            assert "diverged" not in state
        element_shot(root, f"explorable-race-{name}")
    assert_no_nan(root)
    assert_clean(visit)


def test_race_start_moves_by_keyboard_and_click(open_page, page_of):
    visit = open_page(page_of("surface-race"))
    page = visit.page
    root = widget(visit, "surface-race")
    plot = root.locator("canvas.gdx-plot")
    plot.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowUp")
    spec = ex.SURFACES["bowl"]
    dx = (spec["xlim"][1] - spec["xlim"][0]) / 40
    dy = (spec["ylim"][1] - spec["ylim"][0]) / 40
    start = (round(spec["start"][0] + dx, 4), round(spec["start"][1] + 5 * dy, 4))
    assert float(root.get_by_label("Start x").input_value()) == pytest.approx(start[0])
    assert float(root.get_by_label("y", exact=True).input_value()) == pytest.approx(start[1])
    page.keyboard.press("Enter")  # races from the focused plot
    wait_text(page, root.locator("[role=status]"), "^Finished")
    expected = gdcode_race("bowl", start)
    rows = race_rows(root)
    for key, result in expected.items():
        assert rows[key][2] == fmt(result["distance"], 3), (key, rows[key])

    # a click drops the start where it lands (inside the plot) and races from there
    box = plot.bounding_box()
    plot.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.25})
    x = float(root.get_by_label("Start x").input_value())
    y = float(root.get_by_label("y", exact=True).input_value())
    assert spec["xlim"][0] < x < spec["xlim"][1] and spec["ylim"][0] < y < spec["ylim"][1]
    assert (x, y) != start
    wait_text(page, root.locator("[role=status]"), "^Finished")
    assert_clean(visit)


def test_race_from_far_away_names_divergence_like_gdcode(open_page, page_of):
    visit = open_page(page_of("surface-race"))
    page = visit.page
    root = widget(visit, "surface-race")
    root.get_by_label("Surface").select_option("rosenbrock")
    root.get_by_label("Start x").fill("1000000")
    root.get_by_label("Start x").press("Tab")
    root.get_by_label("y", exact=True).fill("-1000000")
    root.get_by_label("y", exact=True).press("Tab")
    wait_text(page, root.locator("[role=status]"), "^Finished")
    expected = gdcode_race("rosenbrock", (1e6, -1e6))
    assert any(r["diverged_step"] is not None for r in expected.values())
    rows = race_rows(root)
    for key, result in expected.items():
        state = rows[key][4]
        if result["diverged_step"] is None:
            assert "diverged" not in state, (key, rows[key])
            assert rows[key][2] == fmt(result["distance"], 3)
        else:
            assert state == f"diverged at step {result['diverged_step']}", (key, rows[key])
    assert "outside the plot" not in text_of(root)  # the note is drawn on the canvas, not text
    assert_no_nan(root)
    assert_clean(visit)


# ---------------------------------------------------------------------- backpropagation


def test_backprop_steps_through_with_gdcodes_numbers(open_page, page_of):
    visit = open_page(page_of("backprop-steps"))
    page = visit.page
    root = widget(visit, "backprop-steps")
    data = ex.backprop_steps_data()
    back = root.get_by_role("button", name="Back")
    next_ = root.get_by_role("button", name="Next")
    assert back.is_disabled()
    next_.click()
    assert text_of(root.locator(".gdx-phase")) == "Forward: hidden unit 1"
    assert f"= {fmt(data['Z1'][0][0])}" in text_of(root.locator(".gdx-lines"))
    assert root.locator(".gdx-node.gdx-on").count() == 1
    assert root.locator(".gdx-edge.gdx-on").count() == 2
    # the keyboard: arrows step while the focus is in the figure
    next_.focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    assert text_of(root.locator(".gdx-phase")) == "Forward: the loss"
    assert f"= {fmt(data['loss'])}" in text_of(root.locator(".gdx-lines"))
    element_shot(root, "explorable-backprop-forward")
    page.keyboard.press("ArrowLeft")
    assert text_of(root.locator(".gdx-phase")) == "Forward: softmax"
    while not next_.is_disabled():
        next_.click()
    last_title = "Backward: gradients of the weights into hidden unit 3"
    assert text_of(root.locator(".gdx-phase")) == last_title
    lines = text_of(root.locator(".gdx-lines"))
    assert "dW1[1, 3] = " in lines and f"= {fmt(data['dW1'][0][2])}" in lines
    assert "db1[3] = " in lines and f"= {fmt(data['db1'][2])}" in lines
    status = text_of(root.locator("[role=status]"))
    assert status.startswith("Step 18 of 18. Backward:"), status
    # focus stayed on a working button when Next was disabled
    assert page.evaluate("document.activeElement.textContent").endswith("Back")
    element_shot(root, "explorable-backprop-backward")
    assert_no_nan(root)
    assert_clean(visit)


# ---------------------------------------------------------------------- all three


KINDS = ["one-weight", "surface-race", "backprop-steps"]


@pytest.mark.parametrize("kind", KINDS)
def test_widget_is_accessible_at_375px_and_in_dark_mode(kind, open_page, page_of, run_axe):
    for mode in ("light", "dark"):
        visit = open_page(page_of(kind), viewport={"width": 375, "height": 800})
        page = visit.page
        root = widget(visit, kind)
        if mode == "dark":
            page.evaluate("document.documentElement.dataset.theme = 'dark'")
            page.wait_for_timeout(200)  # the widgets redraw on the next frame
        overflow = root.evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 1, f"{kind} is {overflow}px wider than its box at 375 px"
        box = root.bounding_box()
        # the widget fits the phone's width (the chapter's display math may not)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
        violations = axe_serious(run_axe, page)
        assert not violations, describe_violations(violations)
        element_shot(root, f"explorable-{kind}-375-{mode}")
        assert_clean(visit)


@pytest.mark.parametrize("kind", KINDS)
def test_widget_at_desktop_width_dark_is_accessible(kind, open_page, page_of, run_axe):
    visit = open_page(page_of(kind))
    page = visit.page
    root = widget(visit, kind)
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    page.wait_for_timeout(200)
    violations = axe_serious(run_axe, page)
    assert not violations, describe_violations(violations)
    element_shot(root, f"explorable-{kind}-desktop-dark")
    assert_clean(visit)


@pytest.mark.parametrize("kind", KINDS)
def test_without_javascript_the_fallback_sentence_shows(kind, open_page, page_of):
    visit = open_page(page_of(kind), java_script_enabled=False)
    fallback = visit.page.locator(f'.gd-explorable[data-kind="{kind}"] .gdx-fallback')
    assert "web version of the book" in fallback.inner_text()


# ---------------------------------------------------------------------- links that share a state


def settled_url(page, key: str) -> str:
    """The page's address once the widget has written ``key`` into it."""
    page.wait_for_function("k => new URL(location.href).searchParams.has(k)", arg=key,
                           timeout=TIMEOUT_MS)
    page.wait_for_timeout(400)  # the widget writes at most every 250 ms
    return page.url


def test_one_weight_state_round_trips_through_the_address(open_page, page_of):
    path = page_of("one-weight")
    visit = open_page(path)
    root = widget(visit, "one-weight")
    assert "ow-" not in visit.page.url, "opening the page leaves its address alone"
    root.get_by_role("button", name=re.compile(r"^far too large")).click()
    steps = root.get_by_role("slider", name=re.compile("^Steps"))
    steps.focus()
    visit.page.keyboard.press("End")
    url = settled_url(visit.page, "ow-steps")
    assert "ow-lr=0.85" in url and "ow-steps=100" in url and "ow-w0=0.5" in url
    shown = one_weight_status(root)

    again = open_page(url.split("/", 3)[3])
    root2 = widget(again, "one-weight")
    assert one_weight_status(root2) == shown
    run = gdcode_path(0.5, 0.85, 100)
    assert f"w = {fmt(run.w[-1])}" in shown
    assert_clean(again)

    # broken or out-of-range values fall back to the defaults or the range's end, never NaN
    broken = open_page(path + "?ow-w0=abc&ow-lr=1e9&ow-steps=-5")
    root3 = widget(broken, "one-weight")
    text = one_weight_status(root3)
    assert text.startswith("Learning rate 1000, start w0 = 0.5:"), text
    assert "After 1 step:" in text
    assert_no_nan(root3)
    assert_clean(broken)


def test_race_state_round_trips_through_the_address(open_page, page_of):
    path = page_of("surface-race")
    visit = open_page(path)
    root = widget(visit, "surface-race")
    root.get_by_label("Surface").select_option("rosenbrock")
    root.get_by_label("Start x").fill("0.5")
    root.get_by_label("Start x").press("Tab")
    momentum = root.get_by_role("slider", name=re.compile("^momentum learning rate"))
    momentum.focus()
    visit.page.keyboard.press("ArrowRight")
    wait_text(visit.page, root.locator("[role=status]"), "^Finished")
    url = settled_url(visit.page, "race-momentum")
    assert "race-surface=rosenbrock" in url and "race-start=0.5%2C2" in url
    settings = visit.page.evaluate(
        "() => document.querySelector('.gd-explorable[data-kind=\"surface-race\"]').gdxState()")
    rows = race_rows(root)

    again = open_page(url.split("/", 3)[3])
    root2 = widget(again, "surface-race")
    state = again.page.evaluate(
        "() => document.querySelector('.gd-explorable[data-kind=\"surface-race\"]').gdxState()")
    assert state["surface"] == "rosenbrock" and state["start"] == [0.5, 2]
    assert state["settings"] == settings["settings"]
    run_race(again.page, root2)
    assert race_rows(root2) == rows
    expected = gdcode_race("rosenbrock", (0.5, 2.0), state["settings"])
    for key, result in expected.items():
        assert race_rows(root2)[key][2] == fmt(result["distance"], 3), key
    assert_clean(again)

    # values gdcode would reject (momentum 1.5) are ignored, the rest is used
    odd = open_page(path + "?race-surface=saddle&race-start=1,x&race-momentum=0.01,1.5")
    widget(odd, "surface-race")
    state = odd.page.evaluate(
        "() => document.querySelector('.gd-explorable[data-kind=\"surface-race\"]').gdxState()")
    assert state["surface"] == "bowl" and state["start"] == list(ex.SURFACES["bowl"]["start"])
    assert state["settings"]["momentum"]["momentum"] == ex.SURFACES["bowl"]["optimizers"][
        "momentum"]["momentum"]
    assert_clean(odd)


def test_backprop_step_round_trips_through_the_address(open_page, page_of):
    path = page_of("backprop-steps")
    visit = open_page(path)
    root = widget(visit, "backprop-steps")
    for _ in range(9):
        root.get_by_role("button", name="Next").click()
    url = settled_url(visit.page, "bp-step")
    assert "bp-step=10" in url
    title = text_of(root.locator(".gdx-phase"))
    again = open_page(url.split("/", 3)[3])
    root2 = widget(again, "backprop-steps")
    assert text_of(root2.locator(".gdx-phase")) == title
    assert text_of(root2.locator(".gdx-counter")) == "step 10 of 18"
    far = open_page(path + "?bp-step=99")
    assert text_of(widget(far, "backprop-steps").locator(".gdx-counter")) == "step 18 of 18"
    assert_clean(again)
