"""Generic fixtures shared by the test modules."""

from __future__ import annotations

import os
from pathlib import Path

import early
import numpy as np
import pytest
from browser_site import CHROMIUM_FLAGS, missing


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the slow set-up the selected tests need now, beside the tests (``early.py``)."""
    if session.config.option.collectonly:
        return
    early.start_for(name for item in session.items
                    for name in getattr(item, "fixturenames", ()))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    early.cleanup()


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


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session, driven by playwright.

    Shared by every browser test (playwright's sync API cannot run two instances at
    once). Skipped locally when Chromium or playwright is missing; fails under CI.
    """
    executable = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    if not executable.is_file():
        missing(
            f"Chromium not found at {executable}: install Debian's package "
            "(apt-get install -y chromium) or set CHROMIUM_PATH"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (pip install -r requirements-dev.txt)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
