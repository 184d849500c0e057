"""Tests for gdcode.playground and the browser playground in book/_ext/playground/.

The JavaScript core must train exactly like gdcode: the agreement tests write
the data file and gdcode's loss curves to a temporary folder, run the core on
it with Node and compare. Without ``node`` on PATH those tests are skipped and
say so.
"""

from __future__ import annotations

import http.server
import inspect
import json
import math
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from build_helpers import NODE, run_node_tests, sphinx_build

from gdcode import playground as pg
from gdcode import training
from gdcode._validation import as_rng
from gdcode.datasets import make_moons
from gdcode.network import MLP
from gdcode.optimizers import GradientDescent
from gdcode.training import DivergenceWarning, fit

ROOT = Path(__file__).resolve().parents[1]
EXT_DIR = ROOT / "book" / "_ext"
CORE_JS = EXT_DIR / "playground" / "core.js"
needs_node = pytest.mark.skipif(
    NODE is None, reason="node is not installed, so the JavaScript playground core is not checked"
)
N_STEPS = 1500  # the widget's default run length
RTOL = 1e-9


@pytest.fixture(scope="module")
def data() -> dict:
    return pg.make_playground_data()


def preset(data: dict, label: str) -> float:
    (rate,) = [p["learning_rate"] for p in data["presets"] if p["label"] == label]
    return rate


def quiet_train(data, learning_rate, n_steps):
    """train_playground, with the DivergenceWarning a diverging run is expected to give."""
    with pytest.warns(DivergenceWarning):
        return pg.train_playground(data, learning_rate, n_steps)


# ------------------------------------------------------------------ the data file


def test_data_holds_standardised_moons_and_a_2_4_1_network(data):
    X = np.asarray(data["X"])
    y = np.asarray(data["y"])
    assert X.shape == (60, 2)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=1e-12)
    assert set(y.tolist()) == {0.0, 1.0}
    assert data["layer_sizes"] == [2, 4, 1]
    assert (data["activation"], data["loss"]) == ("tanh", "mse")
    assert [np.shape(layer["W"]) for layer in data["layers"]] == [(2, 4), (4, 1)]
    assert [np.shape(layer["b"]) for layer in data["layers"]] == [(4,), (1,)]


def test_starting_weights_are_those_of_a_seeded_gdcode_mlp(data):
    rng = as_rng(0)
    X, _ = make_moons(60, noise=0.15, rng=rng)
    model = MLP((2, 4, 1), activation="tanh", loss="mse", rng=rng)
    for layer, W, b in zip(data["layers"], model.weights, model.biases, strict=True):
        np.testing.assert_array_equal(np.asarray(layer["W"]), W)  # (n_in, n_out), not transposed
        np.testing.assert_array_equal(np.asarray(layer["b"]), b)


def test_divergence_factor_is_fits_default(data):
    default = inspect.signature(fit).parameters["divergence_factor"].default
    assert data["divergence_factor"] == default == pg.DIVERGENCE_FACTOR
    assert pg.DIVERGENCE_FACTOR is training.DIVERGENCE_FACTOR  # defined once, in training


def test_controls_are_defined_once_and_exported(data):
    exported = data["controls"]
    assert exported == json.loads(json.dumps(pg.CONTROLS))  # tuples become lists
    assert exported["schedules"] == list(pg.SCHEDULES)
    assert exported["batch_sizes"] == [None if b is None else b for b in pg.BATCH_SIZES]
    assert exported["schedule"] in exported["schedules"]
    assert exported["batch_size"] in exported["batch_sizes"]
    low, high = exported["log10_learning_rate_range"]
    assert 10**low <= exported["learning_rate"] <= 10**high
    for _, rate in pg.PRESETS:
        assert 10**low <= rate <= 10**high
    # ... and the browser code has no copy of them: no default or factor as a literal
    literals = re.compile(r"(?<![\w.])(0\.15|1500|1e3|1000|0\.05|-4|100)(?![\w.])")
    for name in ("core.js", "widget.js", "playground.py"):
        for number, line in enumerate((EXT_DIR / "playground" / name).read_text().splitlines(), 1):
            code = line.split("//")[0].split("#")[0]
            if code.strip().startswith(("*", "/*")) or "_MS = " in code:
                continue  # a comment, or a time in milliseconds
            assert not literals.search(code), f"{name}:{number}: {line.strip()}"


def test_file_round_trips_exactly_as_strict_json(tmp_path, data):
    path = pg.write_playground_data(tmp_path / "deeper" / "playground-data.json")
    text = path.read_text(encoding="utf-8")

    def no_constants(name):
        raise AssertionError(f"{name} is not valid JSON")

    assert json.loads(text, parse_constant=no_constants) == data
    assert pg.load_playground_data(path) == data


def test_seed_fixes_the_file_and_other_seeds_change_it(data):
    assert pg.make_playground_data(rng=0) == data
    other = pg.make_playground_data(rng=1)
    assert other["X"] != data["X"]
    assert other["layers"] != data["layers"]


def test_network_from_data_computes_the_documented_loss(data):
    model = pg.network_from_data(data)
    X, y = np.asarray(data["X"]), np.asarray(data["y"])
    (W1, b1), (W2, b2) = [(np.asarray(l_["W"]), np.asarray(l_["b"])) for l_ in data["layers"]]
    P = np.tanh(X @ W1 + b1) @ W2 + b2  # tanh hidden layer, linear output
    assert model.loss(X, y) == pytest.approx(np.mean((P[:, 0] - y) ** 2), rel=1e-14)


# ------------------------------------------------------------------ training in gdcode


def test_train_playground_counts_steps_like_a_plain_loop(data):
    history = pg.train_playground(data, learning_rate=0.15, n_steps=50)
    model = pg.network_from_data(data)
    X, y = np.asarray(data["X"]), np.asarray(data["y"])
    optimizer = GradientDescent(learning_rate=0.15)
    losses = []
    for _ in range(50):  # step k: measure the loss, then update
        loss, grads = model.loss_and_gradients(X, y)
        losses.append(loss)
        optimizer.step(model.params, grads)
    np.testing.assert_array_equal(history.step_loss, losses)
    assert not history.diverged and history.diverged_step is None


@pytest.mark.parametrize("schedule", pg.SCHEDULES)
def test_mini_batches_and_schedules_are_fits_written_out(data, schedule):
    """Epochs of rng.permutation(n), batches of 16 (the last one 12), eta from the schedule."""
    n_steps, batch_size, seed = 12, 16, 5
    history = pg.train_playground(data, 0.3, n_steps, schedule=schedule,
                                  batch_size=batch_size, seed=seed)
    model = pg.network_from_data(data)
    X, y = np.asarray(data["X"]), np.asarray(data["y"])
    rate = pg.playground_schedule(schedule, 0.3, n_steps)
    rng = np.random.default_rng(seed)
    losses, rates, t = [], [], 0
    while t < n_steps:
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            eta = rate(t) if callable(rate) else rate
            loss, grads = model.loss_and_gradients(X[rows], y[rows])
            for param, grad in zip(model.params, grads, strict=True):
                param -= eta * grad
            losses.append(loss)
            rates.append(eta)
            t += 1
    np.testing.assert_allclose(history.step_loss, losses, rtol=1e-12)
    np.testing.assert_array_equal(history.step_learning_rate, rates)
    assert len(losses) == n_steps == pg.run_length(n_steps, batch_size, len(X))


def test_schedules_are_gdcodes(data):
    assert pg.playground_schedule("constant", 0.15, 1500) == 0.15
    step = pg.playground_schedule("step", 0.4, 1500)
    assert [step(t) for t in (0, 499, 500, 1000, 1499)] == [0.4, 0.4, 0.2, 0.1, 0.1]
    cosine = pg.playground_schedule("cosine", 0.4, 1500)
    assert repr(cosine) == (
        "cosine_decay(learning_rate=0.4, total_steps=1500, final_learning_rate=0.0)"
    )
    assert pg.run_length(1500, 8, 60) == 1504 and pg.run_length(1500, None, 60) == 1500


def test_large_rate_diverges_with_a_warning_naming_step_and_rate(data):
    with pytest.warns(DivergenceWarning) as caught:
        history = pg.train_playground(data, learning_rate=100.0, n_steps=500)
    assert history.diverged
    k = history.diverged_step
    assert len(history.step_loss) == k < 500
    threshold = data["divergence_factor"] * max(history.step_loss[0], 1.0)
    assert np.all(history.step_loss[:-1] <= threshold)
    assert not history.step_loss[-1] <= threshold
    message = str(caught[0].message)
    assert f"step {k} " in message and "learning_rate=100" in message


def test_presets_do_what_their_labels_say(data):
    slow = pg.train_playground(data, preset(data, "too small"), 1000).step_loss
    good = pg.train_playground(data, preset(data, "about right"), 1000).step_loss
    assert slow[-1] < slow[0] and good[-1] < 0.1 * good[0]
    assert slow[-1] > 3 * good[-1]
    broken = quiet_train(data, preset(data, "break it"), 1000)
    assert broken.diverged_step is not None and broken.diverged_step <= 20
    assert [p["label"] for p in data["presets"]] == [label for label, _ in pg.PRESETS]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"learning_rate": -0.1}, ValueError, r"learning_rate must be > 0, got -0\.1"),
        ({"learning_rate": math.nan}, ValueError, r"must be a finite number > 0, got nan"),
        ({"learning_rate": "0.1"}, TypeError, r"learning_rate must be a number .* got '0\.1'"),
        ({"learning_rate": lambda t: 0.1}, TypeError, r"choose the schedule by name"),
        ({"schedule": "adam"}, ValueError, r"unknown schedule 'adam'; choose one of 'constant'"),
        ({"schedule": None}, TypeError, r"schedule must be one of .* got None"),
        ({"batch_size": 0}, ValueError, r"batch_size must be >= 1, got 0"),
        ({"batch_size": 2.5}, TypeError, r"batch_size must be an? int.*2\.5"),
        ({"seed": -1}, ValueError, r"seed must be an int >= 0, got -1"),
        ({"seed": "3"}, TypeError, r"seed must be an int >= 0, got '3'"),
        ({"seed": True}, TypeError, r"seed must be an int >= 0, got True"),
        ({"n_steps": 0}, ValueError, r"n_steps must be >= 1, got 0"),
        ({"n_steps": 2.5}, TypeError, r"n_steps must be an? int.*2\.5"),
        ({"divergence_factor": 0.5}, ValueError, r"divergence_factor must be > 1, got 0\.5"),
    ],
)
def test_train_playground_rejects_bad_arguments(data, kwargs, error, match):
    arguments = {"learning_rate": 0.15, "n_steps": 10, **kwargs}
    with pytest.raises(error, match=match):
        pg.train_playground(data, **arguments)


def test_bad_data_is_rejected_with_what_is_wrong(data, tmp_path):
    with pytest.raises(TypeError, match=r"data must be a dict from make_playground_data, got \[\]"):
        pg.network_from_data([])
    with pytest.raises(ValueError, match=r"has format None; expected 'gdcode-playground/1'"):
        pg.network_from_data({"X": []})
    broken = json.loads(json.dumps(data))
    broken["layers"][1]["W"] = [[0.1, 0.2]] * 4
    expected = r"layer 1 has W \(4, 2\) and b \(1,\); expected W \(4, 1\)"
    with pytest.raises(ValueError, match=expected):
        pg.train_playground(broken, 0.1, 5)
    path = tmp_path / "other.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match=r"other\.json' has format 'something else'"):
        pg.load_playground_data(path)
    with pytest.raises(ValueError, match="n_samples must be >= 4, got 3"):
        pg.make_playground_data(n_samples=3)


# ------------------------------------------------------------------ the JavaScript core


@pytest.fixture(scope="module")
def reference_file(tmp_path_factory) -> Path:
    """Data + gdcode's curves, written by ``python -m gdcode.playground --reference``."""
    path = tmp_path_factory.mktemp("playground") / "reference.json"
    pg.main([str(path), "--reference", str(N_STEPS)])
    return path


JS_RUNNER = textwrap.dedent(
    """
    const core = require(process.argv[1]);
    const json = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
    const data = core.parseData(json);
    const runs = json.reference.runs.map((run) => {
      const options = {
        schedule: run.schedule === undefined ? "constant" : run.schedule,
        batchSize: run.batch_size === undefined ? null : run.batch_size,
        seed: run.seed === undefined ? 0 : run.seed,
      };
      const result = core.train(data, run.learning_rate, json.reference.n_steps, options);
      return {
        diverged_step: result.divergedStep,
        loss: result.losses.map((v) => (Number.isFinite(v) ? v : null)),
      };
    });
    process.stdout.write(JSON.stringify(runs));
    """
)


@needs_node
def test_javascript_core_gives_gdcodes_loss_curves(reference_file):
    reference = json.loads(reference_file.read_text())["reference"]
    results = ("diverged_step", "loss", "learning_rates")
    settings = [{k: v for k, v in run.items() if k not in results} for run in reference["runs"]]
    assert settings == list(pg.REFERENCE_RUNS)
    diverging = [run["diverged_step"] is not None for run in reference["runs"]]
    assert any(diverging) and not all(diverging)

    result = subprocess.run(
        [NODE, "-e", JS_RUNNER, str(CORE_JS), str(reference_file)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    js_runs = json.loads(result.stdout)
    for py_run, js_run, where in zip(reference["runs"], js_runs, settings, strict=True):
        assert js_run["diverged_step"] == py_run["diverged_step"], where
        py_loss = np.array([np.nan if v is None else v for v in py_run["loss"]])
        js_loss = np.array([np.nan if v is None else v for v in js_run["loss"]])
        assert js_loss.shape == py_loss.shape, where
        np.testing.assert_allclose(js_loss, py_loss, rtol=RTOL, atol=0, equal_nan=True,
                                   err_msg=str(where))


COPY_AS_PYTHON = textwrap.dedent(
    """
    const core = require(process.argv[1]);
    const json = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
    const data = core.parseData(json);
    const out = JSON.parse(process.argv[3]).map((state) => {
      const run = core.train(data, state.learningRate, json.controls.max_steps, state);
      return {
        code: core.pythonCode(state, data, json.controls.max_steps),
        loss: run.losses.map((v) => (Number.isFinite(v) ? v : null)),
        diverged_step: run.divergedStep,
      };
    });
    process.stdout.write(JSON.stringify(out));
    """
)


@needs_node
def test_copy_as_python_reruns_the_widgets_run_in_gdcode(reference_file, tmp_path):
    """The code behind "Copy as Python", run by Python, gives the JavaScript core's curve."""
    states = [
        {"learningRate": 0.15, "schedule": "cosine", "batchSize": 16, "seed": 3},
        {"learningRate": 1, "schedule": "step", "batchSize": None, "seed": 0},  # diverges
        {"learningRate": 0.6, "schedule": "constant", "batchSize": 1, "seed": 11},
        {"learningRate": 0.0003, "schedule": "step", "batchSize": 4, "seed": 2**32 - 1},
        {"learningRate": 0.32, "schedule": "constant", "batchSize": 32, "seed": 0},
    ]
    result = subprocess.run(
        [NODE, "-e", COPY_AS_PYTHON, str(CORE_JS), str(reference_file), json.dumps(states)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    runs = json.loads(result.stdout)
    diverged = [run["diverged_step"] is not None for run in runs]
    assert any(diverged) and not all(diverged)
    for state, run in zip(states, runs, strict=True):
        script = tmp_path / "copied.py"
        losses = tmp_path / "losses.json"
        script.write_text(
            run["code"] + "\nimport json\n"
            f"json.dump([None if v != v or abs(v) == float('inf') else v "
            f"for v in history.step_loss.tolist()], open({str(losses)!r}, 'w'))\n"
        )
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert ("DivergenceWarning" in done.stderr) == bool(run["diverged_step"]), done.stderr
        expected_end = f"diverged at step {run['diverged_step']}"
        assert done.stdout.strip().endswith(expected_end), done.stdout
        py_loss = np.array([np.nan if v is None else v for v in json.loads(losses.read_text())])
        js_loss = np.array([np.nan if v is None else v for v in run["loss"]])
        assert py_loss.shape == js_loss.shape, state
        np.testing.assert_allclose(py_loss, js_loss, rtol=RTOL, atol=0, equal_nan=True,
                                   err_msg=str(state))


@needs_node
def test_node_test_suite_passes_against_gdcodes_reference(reference_file):
    run_node_tests("tests/js/", {"GDPLAYGROUND_REFERENCE": str(reference_file)})


# ------------------------------------------------------------------ the Sphinx extension


def make_project(src: Path, page_body: str) -> None:
    (src / "chapters").mkdir(parents=True)
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(EXT_DIR)!r})\n"
        "extensions = ['playground.playground']\nproject = 'playground test'\n"
    )
    (src / "index.rst").write_text(
        "Home\n====\n\n.. toctree::\n\n   chapters/lr\n   plain\n"
    )
    (src / "chapters" / "lr.rst").write_text("Learning rates\n==============\n\n" + page_body)
    (src / "plain.rst").write_text("Plain\n=====\n\nNo playground here.\n")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    make_project(root / "src", ".. playground::\n   :lr: 0.3\n   :steps-per-frame: 25\n")
    result = sphinx_build(root / "src", root / "out")
    assert result.returncode == 0, result.stderr
    return root / "out"


def test_extension_copies_assets_and_writes_current_data(built_site, data):
    assets = built_site / "_static" / "_playground"
    for name in ("core.js", "widget.js", "widget.css"):
        assert (assets / name).read_bytes() == (EXT_DIR / "playground" / name).read_bytes()
    assert json.loads((assets / "playground-data.json").read_text()) == data
    script = (assets / "playground-data.js").read_text()
    prefix = "window.GDPlayground.data = "
    (line,) = [line for line in script.splitlines() if line.startswith(prefix)]
    assert json.loads(line[len(prefix):].rstrip(";")) == data


def test_only_pages_with_the_directive_load_the_playground(built_site):
    page = (built_site / "chapters" / "lr.html").read_text()
    scripts = re.findall(r'<script defer="defer" src="([^"?]+)\?v=\w+"></script>', page)
    playground_scripts = [s for s in scripts if "_playground" in s]
    assert playground_scripts == [
        "../_static/_playground/core.js",
        "../_static/_playground/playground-data.js",
        "../_static/_playground/widget.js",
    ]
    assert "../_static/_playground/widget.css" in page
    for other in ("plain.html", "index.html", "search.html"):
        assert "_playground" not in (built_site / other).read_text(), other


def test_directive_writes_the_container_options_and_fallback(built_site):
    page = (built_site / "chapters" / "lr.html").read_text()
    (div,) = re.findall(r'<div class="gd-playground"[^>]*>.*?</div>', page, re.DOTALL)
    assert 'data-learning-rate="0.3"' in div
    assert 'data-steps-per-frame="25"' in div
    assert "data-max-steps" not in div  # not set: the widget reads gdcode's default
    assert "needs JavaScript" in div and "gdcode.playground.train_playground" in div
    (href,) = re.findall(r'href="([^"]+)"', div)
    assert (built_site / "chapters" / href).resolve().is_file()


def test_text_builder_prints_the_fallback_sentence(tmp_path):
    make_project(tmp_path / "src", ".. playground::\n")
    result = sphinx_build(tmp_path / "src", tmp_path / "out", builder="text")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out" / "chapters" / "lr.txt").read_text()
    assert "interactive learning-rate playground appears here" in text
    assert not (tmp_path / "out" / "_static").exists()


def test_bad_option_fails_the_build_with_the_value(tmp_path):
    make_project(tmp_path / "src", ".. playground::\n   :lr: 1000\n")
    result = sphinx_build(tmp_path / "src", tmp_path / "out")
    assert result.returncode != 0
    assert "lr must be between 0.0001 and 100, got '1000'" in result.stderr


# ------------------------------------------------------------------ the widget, in a browser

@pytest.fixture(scope="module")
def browser_and_url(built_site, browser):
    """The shared headless Chromium, and the built test page served on 127.0.0.1."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(built_site), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield browser, f"http://127.0.0.1:{server.server_address[1]}/chapters/lr.html"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def widget_page(browser_and_url):
    """A fresh tab on the test page, and the list of errors it logs."""
    browser, url = browser_and_url
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: errors.append(m.text)
        if m.type == "error" and "favicon" not in m.location.get("url", "")
        else None,
    )
    page.goto(url)
    page.wait_for_selector(".gd-playground [role=status]")
    yield page, errors
    page.close()


def status_text(page) -> str:
    return page.inner_text(".gd-playground [role=status]")


def wait_for_status(page, prefix: str) -> str:
    page.wait_for_function(
        "prefix => document.querySelector('.gd-playground [role=status]')"
        ".textContent.startsWith(prefix)",
        arg=prefix,
        timeout=60_000,
    )
    return status_text(page)


@pytest.mark.browser
def test_widget_is_keyboard_operable_and_reports_divergence_like_gdcode(widget_page, data):
    page, errors = widget_page
    slider = page.get_by_label("Learning rate")
    assert slider.get_attribute("type") == "range"
    assert slider.get_attribute("aria-valuetext") == "learning rate 0.3"  # the :lr: option
    assert status_text(page).startswith("Ready: loss ")
    assert page.locator(".gdp-fallback").count() == 0

    slider.focus()
    page.keyboard.press("ArrowRight")
    faster = float(slider.get_attribute("aria-valuetext").removeprefix("learning rate "))
    assert faster > 0.3
    assert page.inner_text(".gdp-rate-value") == f"{faster:g}"

    rate = preset(data, "break it")
    with pytest.warns(DivergenceWarning):
        expected = pg.train_playground(data, rate, 100).diverged_step
    page.get_by_role("button", name=re.compile("^break it")).focus()
    page.keyboard.press("Enter")
    text = wait_for_status(page, "Diverged")
    assert text.startswith(f"Diverged at step {expected} \u2014 learning rate {rate:g} is too")

    page.get_by_role("button", name="Reset").click()
    assert status_text(page).startswith("Ready: ")
    assert errors == []


@pytest.mark.browser
def test_widget_finishes_a_run_with_gdcodes_final_loss(widget_page, data):
    page, errors = widget_page
    rate = preset(data, "about right")
    page.get_by_role("button", name=re.compile("^about right")).click()
    assert page.get_by_role("button", name="Pause").is_visible()
    text = wait_for_status(page, "Finished")
    final = pg.train_playground(data, rate, N_STEPS).step_loss[-1]
    assert text == (
        f"Finished: step {N_STEPS} of {N_STEPS}, loss {float(f'{final:.2g}'):g}, "
        f"learning rate {rate:g}."
    )
    assert page.get_by_role("button", name="Train").is_visible()
    assert errors == []


# ------------------------------------------------------------------ file helpers


def test_reading_a_bad_file_names_the_file(tmp_path):
    missing = tmp_path / "missing.json"
    with pytest.raises(ValueError, match=r"missing\.json' cannot be read: No such file"):
        pg.load_playground_data(missing)
    with pytest.raises(ValueError, match=r"cannot be read: Is a directory"):
        pg.load_playground_data(tmp_path)
    not_json = tmp_path / "notes.json"
    not_json.write_text("not json at all")
    with pytest.raises(ValueError, match=r"notes\.json' is not JSON: Expecting value: line 1"):
        pg.load_playground_data(not_json)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match=r"binary\.json' cannot be read: .*utf-8"):
        pg.load_playground_data(binary)
    with pytest.raises(TypeError, match=r"path must be a file path \(str or .*\), got None"):
        pg.load_playground_data(None)
    with pytest.raises(ValueError, match=r"path must be a non-empty file path, got ''"):
        pg.write_playground_data("")


def test_a_failed_write_leaves_no_folders_and_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "new" / "deeper" / "playground.json"
    with pytest.raises(ValueError, match=r"noise must be in \[0\.0, 10\.0\], got -1"):
        pg.write_playground_data(target, noise=-1)
    assert not (tmp_path / "new").exists()
    # a folder is named as such before anything is written
    (tmp_path / "taken").mkdir()
    with pytest.raises(ValueError, match=r"path must name a file, got the folder '.*taken'"):
        pg.write_playground_data(tmp_path / "taken")
    assert list((tmp_path / "taken").iterdir()) == []
    # a write that fails half way (the final rename) leaves no partial file and no new folder
    import gdcode._files

    def failing_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(gdcode._files.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        pg.write_playground_data(tmp_path / "new2" / "playground.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_junk_inside_a_data_dict_is_named(data):
    ragged = json.loads(json.dumps(data))
    ragged["X"][3] = [1.0]
    with pytest.raises(ValueError, match=r"data: X must be a rectangular array"):
        pg.network_from_data(ragged)
    sizes = json.loads(json.dumps(data))
    sizes["layer_sizes"] = ["2", 4, 1]
    with pytest.raises(ValueError, match=r"layer_sizes must be a list of >= 2 integers >= 1"):
        pg.network_from_data(sizes)
    layers = json.loads(json.dumps(data))
    layers["layers"] = "weights"
    with pytest.raises(ValueError, match=r"layers must be a list of"):
        pg.network_from_data(layers)
