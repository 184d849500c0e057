"""The Keras and PyTorch tabs of "Gradient descent in practice" run the same loop as gdcode.

The page shows the three tabs read-only. This test takes their code from the chapter
source, runs it as written (Keras 3 on its PyTorch backend) in the namespace the page's own
cells create, and checks that from the same starting weights the three give the same
loss at every epoch. To stay fast it runs the first ``EPOCHS`` of the tabs' 1,000 epochs:
the only edit to the tabs' code is that number.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.frameworks

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "chapters" / "gd-in-practice.md"
EPOCHS = 200
# float32 (Keras, PyTorch) against float64 (gdcode): measured agreement is about 1e-6.
RTOL = 1e-5


def _code_cells(text: str) -> list[str]:
    cells = re.findall(r"^```\{code-cell\} ipython3\n(.*?)^```", text, flags=re.S | re.M)
    # drop the cell options (":tags: ...") at the top of a cell
    return [re.sub(r"\A(?::[^\n]*\n)+\n?", "", cell) for cell in cells]


def _tab_code(text: str, title: str) -> str:
    match = re.search(
        r"^:::\{tab-item\} " + re.escape(title) + r"\n```python\n(.*?)^```",
        text,
        flags=re.S | re.M,
    )
    assert match, f"no {title!r} tab with a python block in {CHAPTER.name}"
    return match.group(1)


@pytest.fixture(scope="module")
def chapter() -> str:
    return CHAPTER.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page_namespace(chapter: str) -> dict:
    """What the tabs rely on, made by the page's own cells: X, y and the starting weights."""
    cells = _code_cells(chapter)
    setup_cell = cells[0]
    start_cell = next(c for c in cells if "start = playground.network_from_data" in c)
    namespace: dict = {}
    exec(compile(setup_cell, "<gd-in-practice: first cell>", "exec"), namespace)
    exec(compile(start_cell, "<gd-in-practice: starting weights>", "exec"), namespace)
    return namespace


def _run_tab(chapter: str, title: str, namespace: dict, edits: dict[str, str]) -> np.ndarray:
    code = _tab_code(chapter, title)
    for old, new in edits.items():
        assert code.count(old) == 1, f"the {title} tab should contain {old!r} exactly once"
        code = code.replace(old, new)
    local = dict(namespace)
    exec(compile(code, f"<{title} tab>", "exec"), local)
    return np.asarray(local["losses"], dtype=np.float64)


@pytest.fixture(scope="module")
def gdcode_losses(chapter, page_namespace) -> np.ndarray:
    return _run_tab(chapter, "gdcode", page_namespace, {"epochs=1000": f"epochs={EPOCHS}"})


def test_gdcode_tab_learns(gdcode_losses):
    assert gdcode_losses.shape == (EPOCHS,)
    assert gdcode_losses[-1] < gdcode_losses[0] / 10


def test_keras_tab_gives_gdcodes_losses(chapter, page_namespace, gdcode_losses, monkeypatch,
                                        tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # keras writes its config there
    keras_losses = _run_tab(chapter, "Keras", page_namespace,
                            {"epochs=1000": f"epochs={EPOCHS}"})
    import keras

    assert keras.backend.backend() == "torch"
    np.testing.assert_allclose(keras_losses, gdcode_losses, rtol=RTOL)


def test_pytorch_tab_gives_gdcodes_losses(chapter, page_namespace, gdcode_losses):
    torch_losses = _run_tab(chapter, "PyTorch", page_namespace,
                            {"range(1000)": f"range({EPOCHS})"})
    np.testing.assert_allclose(torch_losses, gdcode_losses, rtol=RTOL)


def test_tolerance_tells_learning_rates_apart(chapter, page_namespace, gdcode_losses):
    """A learning rate 0.7% off moves the losses far outside RTOL: the checks can fail."""
    edits = {"epochs=1000": f"epochs={EPOCHS}", "learning_rate=0.15": "learning_rate=0.151"}
    other = _run_tab(chapter, "gdcode", page_namespace, edits)
    assert np.max(np.abs(other - gdcode_losses) / gdcode_losses) > 100 * RTOL
