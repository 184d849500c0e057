"""The book build fails loudly, recovers from interruption, and never serves stale outputs.

Every build here is of a tiny book in a temporary folder that loads the same local
extensions (``book/_ext``) and execution settings as the real book, so the tests say
how the real build behaves without building it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD_TIMEOUT = 300  # bound on one tiny build; a healthy one takes seconds
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

sys.path.insert(0, str(BOOK / "_ext"))
import gdcode_build  # noqa: E402  (the book's own extension, tested directly)

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def chapter(title: str, *cells: str) -> str:
    body = "".join(f"\nSome prose.\n\n```{{code-cell}} ipython3\n{c.strip()}\n```\n"
                   for c in cells)
    return f"{HEADER}\n# {title}\n{body}"


# The book's extensions that decide how chapters execute, cache and report failures.
# (The others, such as the math typeset by Temml from node_modules, need the whole
# repository around them.)
EXECUTION_EXTENSIONS = ("gdcode_build", "reproducible", "cell_errors")


def _listed_extensions() -> set[str]:
    sphinx = yaml.safe_load((BOOK / "_config.yml").read_text()).get("sphinx", {})
    return set(sphinx.get("local_extensions") or {}) | set(sphinx.get("extra_extensions") or [])


def make_book(root: Path, chapters: dict[str, str]) -> Path:
    """A tiny book with the real book's execution settings and execution extensions."""
    real = yaml.safe_load((BOOK / "_config.yml").read_text())
    book = root / "book"
    shutil.copytree(BOOK / "_ext", book / "_ext",
                    ignore=shutil.ignore_patterns("__pycache__"))
    listed = _listed_extensions()
    config = {
        "title": "Tiny",
        "author": "tests",
        "only_build_toc_files": True,
        "execute": dict(real.get("execute", {}), timeout=120),
        "sphinx": {"local_extensions": {name: "_ext/" for name in EXECUTION_EXTENSIONS
                                        if name in listed}},
    }
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    (book / "intro.md").write_text("# Intro\n\nThe tiny book.\n")
    (book / "_toc.yml").write_text(yaml.safe_dump(
        {"format": "jb-book", "root": "intro",
         "chapters": [{"file": name} for name in chapters]}))
    for name, text in chapters.items():
        (book / f"{name}.md").write_text(text)
    return book


def test_book_loads_the_execution_extensions():
    missing = [name for name in EXECUTION_EXTENSIONS if name not in _listed_extensions()]
    assert not missing, f"book/_config.yml does not load {missing}"


def build(book: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(book), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=env,
    )
    result.output = ANSI.sub("", result.stdout + result.stderr)
    return result


def cache_paths(book: Path) -> tuple[Path, Path]:
    cache = book / "_build" / ".jupyter_cache"
    return cache, cache.with_name(cache.name + ".gdcode-fingerprint")


# -- a failing cell -------------------------------------------------------------------

BROKEN_CELL = 'raise ValueError("deliberate failure in the tiny book")'


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory):
    book = make_book(tmp_path_factory.mktemp("broken"), {
        "fine": chapter("Fine", "print('fine chapter ran')"),
        "broken": chapter("Broken", "x = 1", BROKEN_CELL, "print('never reached')"),
    })
    return book, build(book)


def test_failing_cell_fails_the_build(broken_build):
    book, result = broken_build
    assert result.returncode != 0, result.output[-3000:]


def test_failure_names_the_chapter_the_cell_and_the_error(broken_build):
    book, result = broken_build
    # One line that names the file and the cell's line in it, the cell and the error...
    source = (book / "broken.md").read_text()
    line = source[: source.index(BROKEN_CELL)].count("\n") + 1
    located = re.search(rf"broken\.md:{line}: ERROR: cell 2 failed: "
                        r"ValueError: deliberate failure in the tiny book", result.output)
    assert located, result.output[-3000:]
    # ...followed by the cell's source.
    assert f"> {BROKEN_CELL}" in result.output
    # The full traceback is kept where the workflow uploads it from.
    report = book / "_build" / "html" / "reports" / "broken.err.log"
    assert "deliberate failure in the tiny book" in report.read_text()
    # The chapter that works is not blamed.
    assert not re.search(r"fine\.md:\d*:? ?(ERROR|WARNING)", result.output)


# -- an interrupted build ---------------------------------------------------------------

SLOW_CELL = """
import os, pathlib, time
pathlib.Path(os.environ["TINY_STARTED"]).write_text(str(os.getpid()))
release = pathlib.Path(os.environ["TINY_RELEASE"])
deadline = time.monotonic() + 120
while not release.exists() and time.monotonic() < deadline:
    time.sleep(0.05)
if not release.exists():
    raise RuntimeError("never released")
print("slow chapter finished")
"""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_interrupted_build_then_rebuild_gives_a_correct_site(tmp_path):
    """Ctrl-C (SIGINT to the build's process group) while a cell runs, then build again.

    SIGINT is the harder case: Python unwinds and cleanup code runs, which is where a
    half-finished result could be written to the cache. (SIGTERM just ends the process.)
    """
    book = make_book(tmp_path, {
        "quick": chapter("Quick", "print('quick chapter ran')"),
        "slow": chapter("Slow", SLOW_CELL),
    })
    started, release = tmp_path / "started", tmp_path / "release"
    env = dict(os.environ, TINY_STARTED=str(started), TINY_RELEASE=str(release))

    # 1. Interrupt the build while the slow chapter's cell is running.
    proc = subprocess.Popen(
        [str(JUPYTER_BOOK), "build", str(book), "-W", "-n", "--keep-going"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    kernel_pid = None
    try:
        assert _wait(lambda: started.exists() and started.read_text().strip(), 120), \
            "the slow cell never started"
        kernel_pid = int(started.read_text())
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does to the foreground job
        proc.wait(timeout=120)
        assert proc.returncode != 0, "an interrupted build reported success"
        # The kernel the build started goes away with it, instead of idling on.
        assert _wait(lambda: not _pid_alive(kernel_pid), 30), "kernel left running"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        if kernel_pid and _pid_alive(kernel_pid):
            os.kill(kernel_pid, signal.SIGKILL)

    # 2. Build again, letting the slow cell finish: the site must be complete and right.
    release.write_text("go")
    result = build(book, env)
    assert result.returncode == 0, result.output[-3000:]
    html = book / "_build" / "html"
    slow_page = (html / "slow.html").read_text()
    assert "slow chapter finished" in slow_page
    assert "quick chapter ran" in (html / "quick.html").read_text()
    assert "Traceback" not in slow_page


# -- the gdcode fingerprint -------------------------------------------------------------


def test_build_records_the_fingerprint_next_to_the_cache(broken_build):
    """A real build stamps its execution cache with gdcode's fingerprint."""
    book, _ = broken_build
    cache, stamp = cache_paths(book)
    assert cache.is_dir()
    assert stamp.is_file(), f"no fingerprint stamp next to {cache}"
    assert stamp.read_text().strip() == gdcode_build.gdcode_fingerprint()


def test_build_wipes_a_cache_made_with_another_gdcode(tmp_path):
    """End to end: a cache stamped by another gdcode (say, restored from an older CI run)
    is wiped before anything executes, and the chapter runs afresh."""
    book = make_book(tmp_path, {"one": chapter("One", "print('one ran')")})
    cache, stamp = cache_paths(book)
    cache.mkdir(parents=True)
    sentinel = cache / "left-by-an-older-gdcode"
    sentinel.write_text("stale")
    stamp.write_text("fingerprint-of-an-older-gdcode\n")

    result = build(book)
    assert result.returncode == 0, result.output[-3000:]
    assert not sentinel.exists(), "the stale execution cache was kept"
    assert stamp.read_text().strip() == gdcode_build.gdcode_fingerprint()
    assert "one ran" in (book / "_build" / "html" / "one.html").read_text()


def _fake_app(book: Path, cache_path: str = ""):
    """What invalidate_stale_cache sees at config-inited in a jupyter-book build: the
    execution cache path is left empty there, and myst-nb later puts the cache in
    ``<outdir>/../.jupyter_cache``."""
    app = types.SimpleNamespace(srcdir=str(book), outdir=str(book / "_build" / "html"))
    config = types.SimpleNamespace(nb_execution_cache_path=cache_path)
    return app, config


def test_changed_fingerprint_wipes_the_cache(tmp_path, monkeypatch):
    book = tmp_path / "book"
    cache, stamp = cache_paths(book)
    (cache / "executed").mkdir(parents=True)
    (cache / "executed" / "nb.ipynb").write_text("{}")
    stamp.write_text("old\n")
    monkeypatch.setattr(gdcode_build, "gdcode_fingerprint", lambda: "new")

    gdcode_build.invalidate_stale_cache(*_fake_app(book))
    assert not cache.exists()
    assert stamp.read_text().strip() == "new"


def test_same_fingerprint_keeps_the_cache(tmp_path, monkeypatch):
    book = tmp_path / "book"
    cache, stamp = cache_paths(book)
    cache.mkdir(parents=True)
    (cache / "kept").write_text("x")
    stamp.write_text("same\n")
    monkeypatch.setattr(gdcode_build, "gdcode_fingerprint", lambda: "same")

    gdcode_build.invalidate_stale_cache(*_fake_app(book))
    assert (cache / "kept").exists()


def test_missing_stamp_counts_as_changed(tmp_path, monkeypatch):
    """A cache without a stamp (e.g. restored from an old CI cache) is not trusted."""
    book = tmp_path / "book"
    cache, stamp = cache_paths(book)
    cache.mkdir(parents=True)
    (cache / "unknown-origin").write_text("x")
    monkeypatch.setattr(gdcode_build, "gdcode_fingerprint", lambda: "now")

    gdcode_build.invalidate_stale_cache(*_fake_app(book))
    assert not (cache / "unknown-origin").exists()
    assert stamp.read_text().strip() == "now"


@pytest.fixture
def gdcode_copy(tmp_path, monkeypatch):
    """A temporary copy of gdcode's files that gdcode_fingerprint() reads instead."""
    import gdcode

    src = Path(gdcode.__file__).resolve().parent
    copy = tmp_path / "gdcode"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(gdcode, "__file__", str(copy / "__init__.py"))
    for name in gdcode_build.DATA_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return copy


def test_fingerprint_follows_gdcode_source(gdcode_copy):
    before = gdcode_build.gdcode_fingerprint()
    assert gdcode_build.gdcode_fingerprint() == before  # deterministic
    module = next(gdcode_copy.glob("*.py"))
    module.write_text(module.read_text() + "\n# a change\n")
    assert gdcode_build.gdcode_fingerprint() != before


def test_fingerprint_follows_bundled_data(gdcode_copy):
    before = gdcode_build.gdcode_fingerprint()
    data = sorted(p for p in gdcode_copy.rglob("*") if p.is_file() and p.suffix != ".py")
    assert data, "gdcode ships no data file to fingerprint"
    data[0].write_bytes(data[0].read_bytes() + b"\0")
    assert gdcode_build.gdcode_fingerprint() != before


def test_fingerprint_follows_data_settings(gdcode_copy, monkeypatch):
    before = gdcode_build.gdcode_fingerprint()
    monkeypatch.setenv("GDCODE_OFFLINE", "1")
    assert gdcode_build.gdcode_fingerprint() != before


def test_fingerprint_ignores_bytecode(gdcode_copy):
    before = gdcode_build.gdcode_fingerprint()
    (gdcode_copy / "__pycache__").mkdir()
    (gdcode_copy / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0\1")
    assert gdcode_build.gdcode_fingerprint() == before
