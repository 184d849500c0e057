"""Generic fixtures shared by the test modules."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so every test draws the same numbers on every run."""
    return np.random.default_rng(12345)


@pytest.fixture
def no_progress_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Remove the environment variables that decide whether a progress bar is shown."""
    monkeypatch.delenv("GDCODE_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    return monkeypatch
