"""scripts/lighthouse.py keeps the median of several runs (the score scatters)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "lighthouse.py"
SPEC = importlib.util.spec_from_file_location("lighthouse_script", SCRIPT)
lighthouse = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(lighthouse)


def result(score: float | None, tag: str) -> dict:
    return {"tag": tag, "categories": {"performance": {"score": score}}}


def test_the_median_run_is_kept():
    runs = [result(0.9, "a"), result(0.7, "b"), result(0.8, "c")]
    assert lighthouse.median_run(runs)["tag"] == "c"
    four = [result(0.4, "d"), result(0.1, "a"), result(0.3, "c"), result(0.2, "b")]
    assert lighthouse.median_run(four)["tag"] == "b"  # the lower middle
    unscored = [result(None, "x"), result(0.5, "y"), result(0.6, "z")]  # None: a failed run
    assert lighthouse.median_run(unscored)["tag"] == "y"
    assert lighthouse.median_run([result(0.5, "only")])["tag"] == "only"


def test_no_run_is_an_error_that_says_so():
    with pytest.raises(ValueError, match="at least one Lighthouse result, got none"):
        lighthouse.median_run([])


def test_runs_below_one_are_refused(capsys, tmp_path):
    (tmp_path / "index.html").write_text("<html></html>")
    with pytest.raises(SystemExit):
        lighthouse.main(["--site", str(tmp_path), "--runs", "0"])
    assert "--runs must be at least 1, got 0" in capsys.readouterr().err
