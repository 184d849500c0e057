"""The book's figures are published as palette PNGs (book/_ext/theme_fixes/figures.py):
about four times smaller, the same to the eye."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from browser_site import missing, site_path
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from theme_fixes.figures import MAX_CHANNEL_CHANGE, MAX_MEAN_CHANGE, palette_png  # noqa: E402, E501


def chart_png() -> bytes:
    """A figure like the book's: contour lines, thick paths, a legend, text."""
    fig, ax = plt.subplots(figsize=(6.5, 6.5), dpi=100)
    w1, w2 = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-0.5, 3.5, 200))
    ax.contour(w1, w2, (1 - w1) ** 2 + 100 * (w2 - w1**2) ** 2, levels=np.geomspace(0.1, 2000, 30))
    t = np.linspace(0, 6, 80)
    ax.plot(np.cos(t) * t / 3, np.sin(t) + 1, lw=5, label="Adam")
    ax.plot(t / 3 - 1, np.cos(3 * t) / 2 + 1, lw=3, label="momentum")
    ax.legend()
    ax.set_title("Rosenbrock's valley")
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def pixels(data: bytes, mode: str) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert(mode), dtype=np.int16)


def test_a_chart_keeps_its_look_in_a_third_of_the_bytes():
    original = chart_png()
    smaller = palette_png(original)
    assert smaller is not None and len(smaller) < len(original) / 2.5
    with Image.open(io.BytesIO(smaller)) as image:
        assert image.mode == "P" and image.format == "PNG"
    before, after = pixels(original, "RGBA"), pixels(smaller, "RGBA")
    assert before.shape == after.shape
    change = np.abs(before - after).max(axis=-1)
    assert np.percentile(change, 99.9) <= MAX_CHANNEL_CHANGE
    assert change.mean() <= MAX_MEAN_CHANGE
    assert np.count_nonzero(change) < 0.2 * change.size  # most pixels exactly as they were
    white = (before[..., :3] == 255).all(axis=-1)
    assert (after[white] == 255).all()  # the background stays white
    assert palette_png(original) == smaller  # the same bytes every build


def test_what_a_palette_would_spoil_or_not_shrink_is_left_alone():
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    with Image.open(io.BytesIO(chart_png())) as chart:
        see_through = chart.convert("RGBA")
    see_through.putalpha(128)
    for image in (noise, noise.convert("L"), noise.quantize(16), see_through):
        out = io.BytesIO()
        image.save(out, "PNG")
        assert palette_png(out.getvalue()) is None, image.mode
    with pytest.raises(OSError):
        palette_png(b"not a png")


@pytest.mark.book
def test_the_published_figures_are_palette_pngs():
    images = site_path() / "_images"
    if not images.is_dir():
        missing("the book is not built")
    pngs = sorted(images.glob("*.png"))
    assert len(pngs) > 10
    modes = {}
    for path in pngs:
        with Image.open(path) as image:
            modes[path.name] = image.mode
    assert set(modes.values()) == {"P"}, modes
    total = sum(path.stat().st_size for path in pngs)
    assert total < 800_000, total  # 1.74 MB before
    assert not list(images.glob(".*.tmp")), "a half-written figure was left behind"
