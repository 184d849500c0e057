"""Helpers shared by the tests that build small Sphinx projects or run the Node.js suites."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")


def run_node_tests(target: str, env: dict[str, str]) -> None:
    """Run ``node --test target`` from the repository root with ``env`` added; every test
    must pass and none may be skipped."""
    result = subprocess.run(
        [NODE, "--test", "--test-reporter=tap", target],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^# pass [1-9]", result.stdout, re.MULTILINE)
    assert re.search(r"^# skipped 0$", result.stdout, re.MULTILINE), "a JavaScript test was skipped"


def sphinx_build(src: Path, out: Path, builder: str = "html") -> subprocess.CompletedProcess:
    """Build ``src`` with ``-W`` in a separate process (Sphinx registers nodes globally,
    once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", builder, str(src), str(out)],
        capture_output=True, text=True, timeout=300,
    )


def sphinx_build_in_process(src: Path, tmp_path: Path, builder: str = "html") -> tuple[Path, str]:
    """Build ``src`` into ``tmp_path / "out"`` in this process; return (output, warnings)."""
    out = tmp_path / "out"
    warnings = io.StringIO()
    with patch_docutils(src), docutils_namespace():
        app = Sphinx(src, src, out, tmp_path / "doctrees", builder,
                     status=None, warning=warnings, freshenv=True)
        app.build()
    return out, warnings.getvalue()
