"""Tests for gdcode.explorables and the Sphinx extension in book/_ext/explorables/.

* The data each widget loads is the chapters' own: the line-fit call of W3D4, the
  surfaces and starts of Variants, the tiny network of W3D5 (read from the chapter
  files, so a chapter that changes its numbers fails here until gdcode follows).
* gdcode's numbers: the tiny network's arrays lead to MLP.loss_and_gradients' gradients;
  the reference runs are gdcode's own functions.
* The JavaScript cores agree with gdcode: ``node --test tests/js/explorables.test.js``
  against a reference written here (skipped, saying so, without ``node``).
* The extension: assets copied, data written, scripts linked only from pages that use a
  directive, fallback text for other builders, bad options rejected.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from build_helpers import NODE, run_node_tests, sphinx_build

import gdcode as gd
from gdcode import explorables as ex
from gdcode.datasets import make_line

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"
EXT_DIR = ROOT / "book" / "_ext"
needs_node = pytest.mark.skipif(
    NODE is None,
    reason="node is not installed, so the explorables' JavaScript cores are not checked",
)


def code_cells(chapter: str) -> list[str]:
    text = (CHAPTERS / chapter).read_text(encoding="utf-8")
    return re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.DOTALL)


def chapter_line(chapter: str, pattern: str) -> str:
    """The one code line of ``chapter`` that matches ``pattern``."""
    lines = [line for cell in code_cells(chapter) for line in cell.splitlines()
             if re.search(pattern, line)]
    assert len(lines) == 1, f"{chapter}: expected one line matching {pattern!r}, got {lines}"
    return lines[0].strip()


# ---------------------------------------------------------------------- the chapters' data


def test_one_weight_data_is_the_w3d4_chapters_line_fit():
    line = chapter_line("w3d4-gradient-descent.md", r"=\s*make_line\(")
    namespace = {"make_line": make_line, "np": np}
    exec(line, namespace)  # the chapter's own call, e.g. x, y = make_line(...)
    data = ex.one_weight_data()
    np.testing.assert_array_equal(data["x"], namespace["x"])
    np.testing.assert_array_equal(data["y"], namespace["y"])


def test_one_weight_curvature_and_minimum_are_right():
    data = ex.one_weight_data()
    x, y = np.array(data["x"]), np.array(data["y"])
    w_best = data["w_best"]
    assert abs(gd.one_param.gradient(w_best, x, y)) < 1e-12  # the slope vanishes at w*
    # L is a parabola: L(w* + h) - L(w*) = L'' h^2 / 2 exactly
    for h in (0.5, -1.25, 3.0):
        rise = gd.one_param.loss(w_best + h, x, y) - data["loss_best"]
        assert rise == pytest.approx(data["curvature"] * h * h / 2, rel=1e-10)
    assert data["defaults"]["learning_rate"] > 0
    low, high = data["ranges"]["learning_rate"]
    assert low < 1 / data["curvature"] < 2 / data["curvature"] < high  # every regime reachable


def test_one_weight_presets_are_the_w3d4_chapters_learning_rates():
    line = chapter_line("w3d4-gradient-descent.md", r"^learning_rates = ")
    cell = next(c for c in code_cells("w3d4-gradient-descent.md") if line in c)
    source = cell[cell.index(line):].split("}", 1)[0] + "}"
    namespace: dict = {}
    exec(source, namespace)
    presets = {p["label"]: p["learning_rate"] for p in ex.one_weight_data()["presets"]}
    assert presets == namespace["learning_rates"]


def test_surfaces_are_the_variants_chapters():
    namespace = {"gd": gd, "np": np}
    for pattern in (r"^bowl = ", r"^bowl_start = ", r"^valley = ", r"^valley_start = "):
        exec(chapter_line("gd-variants.md", pattern), namespace)
    bowl, valley = ex.SURFACES["bowl"], ex.SURFACES["rosenbrock"]
    assert repr(bowl["surface"]) == repr(namespace["bowl"])
    assert repr(valley["surface"]) == repr(namespace["valley"])
    assert bowl["start"] == tuple(namespace["bowl_start"])
    assert valley["start"] == tuple(namespace["valley_start"])
    data = ex.surface_race_data()
    assert [s["name"] for s in data["surfaces"]] == ["bowl", "rosenbrock"]
    assert [r["key"] for r in data["racers"]] == ["gd", "momentum", "rmsprop", "adam"]
    adam = next(r for r in data["racers"] if r["key"] == "adam")
    assert adam["fixed"] == {"eps": gd.Adam().eps}


def test_tiny_network_is_the_w3d5_chapters():
    cell = next(c for c in code_cells("w3d5-backpropagation.md") if re.search(r"^W1 = ", c, re.M))
    namespace = {"np": np}
    exec(cell, namespace)
    for name, value in ex.TINY_NETWORK.items():
        np.testing.assert_array_equal(np.asarray(value), namespace[name], err_msg=name)


def test_backprop_numbers_are_gdcodes_and_chain_to_its_gradients():
    data = ex.backprop_steps_data()
    model = gd.MLP((2, 3, 2), activation="relu", loss="cross_entropy")
    net = {k: np.array(v, dtype=float) for k, v in ex.TINY_NETWORK.items()}
    for param, name in zip(model.params, ["W1", "b1", "W2", "b2"], strict=True):
        param[...] = net[name]
    X, y = net["X"], net["y"].astype(int)
    loss, grads = model.loss_and_gradients(X, y)
    assert data["loss"] == loss
    for name, grad in zip(["dW1", "db1", "dW2", "db2"], grads, strict=True):
        np.testing.assert_array_equal(data[name], grad, err_msg=name)
    np.testing.assert_array_equal(data["P"], model.forward(X))
    # the arrays in between follow the chapter's equations
    Z1 = np.array(data["Z1"])
    np.testing.assert_allclose(Z1, X @ net["W1"] + net["b1"], rtol=1e-15)
    np.testing.assert_array_equal(data["A1"], np.maximum(Z1, 0))
    dZ2 = np.array(data["dZ2"])
    P, Y = np.array(data["P"]), np.array(data["Y"])
    np.testing.assert_allclose(dZ2, (P - Y) / len(X), rtol=1e-15)
    np.testing.assert_allclose(data["dZ1"], (dZ2 @ net["W2"].T) * (Z1 > 0), rtol=1e-15)
    # the chapter's point: unit 1 and unit 3 are off for example 2, so no gradient passes there
    assert data["dZ1"][1][0] == 0 and data["dZ1"][1][2] == 0


def test_backprop_data_refuses_a_chain_that_does_not_give_the_models_gradients(monkeypatch):
    monkeypatch.setattr(ex, "relu_grad", lambda Z: np.ones_like(Z))  # a wrong derivative
    with pytest.raises(RuntimeError, match="does not give the model's dW1"):
        ex.backprop_steps_data()


# ---------------------------------------------------------------------- reference runs


def test_reference_runs_are_gdcodes_own_runs():
    runs = ex.reference_runs()
    x, y = make_line(**ex.LINE_DATA)
    for run in runs["one_weight"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gd.DivergenceWarning)
            path = gd.one_param.gradient_descent(
                x, y, run["w0"], run["learning_rate"], run["n_steps"]
            )
        assert run["diverged_step"] == path.diverged_step
        np.testing.assert_array_equal([np.nan if v is None else v for v in run["w"]], path.w)
    assert any(r["diverged_step"] is not None for r in runs["one_weight"])
    for run in runs["surfaces"][:8]:
        spec = ex.SURFACES[run["surface"]]
        optimizer = ex.RACERS[run["racer"]][0](**run["settings"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gd.DivergenceWarning)
            path = gd.optimize_2d(spec["surface"], run["start"], optimizer, run["n_steps"])
        got = np.array([[np.nan if v is None else v for v in p] for p in run["path"]])
        np.testing.assert_array_equal(got, path)
    for name in ex.SURFACES:
        diverged = [r for r in runs["surfaces"]
                    if r["surface"] == name and r["diverged_step"] is not None]
        assert diverged, name


# ---------------------------------------------------------------------- files


def test_write_explorables_data_writes_strict_json(tmp_path):
    paths = ex.write_explorables_data(tmp_path / "new" / "folder")
    assert sorted(paths) == ["backprop-steps", "one-weight", "surface-race"]
    for name, path in paths.items():
        text = path.read_text(encoding="utf-8")
        value = json.loads(text, parse_constant=lambda c, name=name: pytest.fail(f"{name}: {c}"))
        assert value == json.loads(json.dumps(ex.DATA_FILES[name]()))
        assert value["format"] == ex.FORMAT
    assert sorted(p.name for p in paths["one-weight"].parent.iterdir()) == [
        "backprop-steps.json", "one-weight.json", "surface-race.json"]


@pytest.mark.parametrize(
    ("directory", "error", "match"),
    [
        (None, TypeError, r"directory must be a path, got NoneType: None"),
        (3, TypeError, r"directory must be a path, got int: 3"),
        (True, TypeError, r"directory must be a path, got bool: True"),
    ],
)
def test_write_explorables_data_rejects_what_is_not_a_folder(directory, error, match):
    with pytest.raises(error, match=match):
        ex.write_explorables_data(directory)


def test_write_explorables_data_rejects_a_file_and_writes_nothing_on_failure(tmp_path, monkeypatch):
    file = tmp_path / "a-file"
    file.write_text("x")
    message = r"directory must be a folder, got '.*a-file', which is a file"
    with pytest.raises(ValueError, match=message):
        ex.write_explorables_data(file)

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(ex.DATA_FILES, "surface-race", broken)
    target = tmp_path / "out"
    with pytest.raises(RuntimeError, match="boom"):
        ex.write_explorables_data(target)
    assert not target.exists(), "nothing is written when a file cannot be made"


def test_command_line_writes_data_and_reference(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gdcode.explorables", str(tmp_path), "--reference",
         str(tmp_path / "ref" / "reference.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    reference = json.loads((tmp_path / "ref" / "reference.json").read_text())
    assert set(reference) == {"format", "one_weight", "surfaces"}
    assert (tmp_path / "one-weight.json").is_file()


# ---------------------------------------------------------------------- the JavaScript cores


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("explorables")
    ex.write_explorables_data(folder)
    ex._write_json(folder / "reference.json", ex.reference_runs())
    return folder


@needs_node
def test_javascript_cores_agree_with_gdcode(reference_dir):
    run_node_tests("tests/js/explorables.test.js",
                   {"GDEXPLORABLES_REFERENCE": str(reference_dir)})


# ---------------------------------------------------------------------- the Sphinx extension


def make_project(src: Path, pages: dict[str, str]) -> None:
    (src / "chapters").mkdir(parents=True)
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(EXT_DIR)!r})\n"
        "extensions = ['explorables.explorables']\nproject = 'explorables test'\n"
    )
    (src / "index.rst").write_text(
        "Home\n====\n\n.. toctree::\n\n"
        + "".join(f"   chapters/{n}\n" for n in pages)
        + "   plain\n"
    )
    for name, body in pages.items():
        (src / "chapters" / f"{name}.rst").write_text(f"{name}\n{'=' * len(name)}\n\n{body}")
    (src / "plain.rst").write_text("Plain\n=====\n\nNo widget here.\n")


PAGES = {
    "w3d4": ".. one-weight::\n",
    "variants": ".. surface-race::\n   :surface: rosenbrock\n",
    "w3d5": ".. backprop-steps::\n",
    "two": ".. one-weight::\n\n.. backprop-steps::\n",
}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    make_project(root / "src", PAGES)
    result = sphinx_build(root / "src", root / "out")
    assert result.returncode == 0, result.stderr
    return root / "out"


def test_extension_copies_assets_and_writes_current_data(built_site):
    assets = built_site / "_static" / "_explorables"
    for source in (EXT_DIR / "explorables").iterdir():
        if source.suffix in (".js", ".css"):
            assert (assets / source.name).read_bytes() == source.read_bytes(), source.name
    for name, make in ex.DATA_FILES.items():
        expected = json.loads(json.dumps(make()))
        assert json.loads((assets / f"{name}.json").read_text()) == expected
        script = (assets / f"{name}-data.js").read_text()
        prefix = f'window.GDExplorables.data["{name}"] = '
        (line,) = [line for line in script.splitlines() if line.startswith(prefix)]
        assert json.loads(line[len(prefix):].rstrip(";")) == expected


def scripts_of(page: Path) -> list[str]:
    found = re.findall(r'<script defer="defer" src="([^"?]+)\?v=\w+"></script>', page.read_text())
    return [s.rsplit("/", 1)[1] for s in found if "_explorables" in s]


def test_each_page_loads_only_the_widgets_it_uses(built_site):
    shared = ["shared_core.js", "shared_widget.js"]
    assert scripts_of(built_site / "chapters" / "w3d4.html") == shared + [
        "one_weight_core.js", "one-weight-data.js", "one_weight_widget.js"]
    assert scripts_of(built_site / "chapters" / "variants.html") == shared + [
        "surface_race_core.js", "surface-race-data.js", "surface_race_widget.js"]
    assert scripts_of(built_site / "chapters" / "two.html") == shared + [
        "one_weight_core.js", "one-weight-data.js", "one_weight_widget.js",
        "backprop_steps_core.js", "backprop-steps-data.js", "backprop_steps_widget.js"]
    assert "_explorables/explorables.css" in (built_site / "chapters" / "w3d5.html").read_text()
    for other in ("plain.html", "index.html", "search.html"):
        assert "_explorables" not in (built_site / other).read_text(), other


def test_directive_writes_the_container_and_a_working_data_link(built_site):
    page = (built_site / "chapters" / "variants.html").read_text()
    (div,) = re.findall(r'<div class="gd-explorable[^"]*"[^>]*>.*?</div>', page, re.DOTALL)
    assert 'data-kind="surface-race"' in div and 'data-surface="rosenbrock"' in div
    assert "gdcode.surfaces.optimize_2d" in div
    (href,) = re.findall(r'href="([^"]+)"', div)
    assert (built_site / "chapters" / href).resolve().is_file()


def test_text_builder_prints_the_fallback_sentences(tmp_path):
    make_project(tmp_path / "src", PAGES)
    result = sphinx_build(tmp_path / "src", tmp_path / "out", builder="text")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out" / "chapters" / "two.txt").read_text()
    assert "gdcode.one_param.gradient_descent" in text
    assert "forward and backward pass, one step at a time" in text
    assert not (tmp_path / "out" / "_static").exists()


def test_bad_surface_fails_the_build_naming_the_choices(tmp_path):
    make_project(tmp_path / "src", {"v": ".. surface-race::\n   :surface: saddle\n"})
    result = sphinx_build(tmp_path / "src", tmp_path / "out")
    assert result.returncode != 0
    assert "saddle" in result.stderr and "bowl" in result.stderr and "rosenbrock" in result.stderr
