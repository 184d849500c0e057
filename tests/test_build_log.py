"""The book's build log carries no kernel transport warning.

Every chapter's kernel used to log "[IPKernelApp] WARNING | Kernel is running over TCP
without encryption" into the build log. ``book/_ext/gdcode_build.py`` starts the kernels
with CurveZMQ keys instead. Here a one-chapter book is built twice, executing its
notebook both times: without gdcode_build the line is there (so this test can see it),
with it the line is gone and the chapter still ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "book" / "_ext"
LINE = "Kernel is running over TCP without encryption"

CHAPTER = textwrap.dedent(
    """\
    ---
    jupytext:
      text_representation:
        format_name: myst
    kernelspec:
      name: python3
      display_name: Python 3
    ---
    # One cell

    ```{code-cell} ipython3
    print("ran", 6 * 7)
    ```
    """
)


def build(tmp_path: Path, extensions: list[str]) -> tuple[str, str]:
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.md").write_text(CHAPTER, encoding="utf-8")
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(EXT)!r})\n"
        f"extensions = {['myst_nb', *extensions]!r}\n"
        "nb_execution_mode = 'force'\n"
        "exclude_patterns = ['_build']\n",
        encoding="utf-8",
    )
    out = tmp_path / "_build" / "html"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GDCODE_")}
    env["GDCODE_OFFLINE"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr, (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("with_fix", [False, True], ids=["plain-myst-nb", "gdcode_build"])
def test_kernel_transport_warning(tmp_path, with_fix):
    log, page = build(tmp_path, ["gdcode_build"] if with_fix else [])
    assert "ran 42" in page, "the chapter's cell did not run"
    if with_fix:
        assert LINE not in log, log
        assert "WARNING" not in log, log  # and no other warning took its place
    else:
        assert LINE in log, "the warning this test guards against no longer appears at all"


# The set-up's log (`make venv`, the first lines of every CI run) is held to the same rule.

def test_pip_notices_about_missing_package_folders_are_dropped_and_nothing_else():
    """The Makefile's filter drops pip's notice that a file:// index of this machine's pip
    configuration has no folder for a package (one line per package and folder, over 200
    lines in a CI log); any other line passes, and pip's exit status is kept."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = next(x for x in makefile.splitlines() if x.startswith("NO_MISSING_FOLDER_NOTICES"))
    pipe = line.split(":=", 1)[1].strip().replace("$$", "$")
    notice = ("WARNING: Location 'file:///opt/pypi-more/simple/tqdm/' is ignored: it is "
              "neither a file nor a directory.")
    others = ["WARNING: Retrying after connection broken", "ERROR: No matching distribution",
              "WARNING: Location 'https://example.invalid/x/' is ignored: it is neither a "
              "file nor a directory."]
    lines = "\n".join([notice, *others, notice])
    script = f"set -o pipefail; (printf '%s\\n' \"$LINES\"; exit 3) {pipe}"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                          env={**os.environ, "LINES": lines}, timeout=30)
    assert done.stdout.splitlines() == others
    assert done.returncode == 3  # a failing pip still fails `make`


def test_the_editable_install_of_gdcode_raises_no_setuptools_warning(tmp_path):
    """``-e .`` (requirements.txt) with the package at the repository's root made setuptools
    warn "Editable installation ... be careful with folders" in every set-up log, until
    pyproject.toml named the root as the package folder. Built here as pip builds it, with
    Python's warnings made errors."""
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c",
         "import sys, setuptools.build_meta as backend; backend.build_editable(sys.argv[1])",
         str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert list(tmp_path.glob("gdcode-*.whl")), done.stdout[-2000:]
