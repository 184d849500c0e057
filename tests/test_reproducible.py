"""Two clean builds of the same commit give the same site, byte for byte; and the site
says which data it was built with.

The main build (``book/_build/html``, made by ``make test`` before pytest runs) is
compared with one more build of the same sources into a temporary folder, with an
empty execution cache and the same environment. HTML, images, notebooks and every
other file must match; the failure lists each differing file with a diff excerpt.

What used to differ, and the fix, is described in ``book/_ext/reproducible.py``. The
unit tests at the end pin down the notebook normalisation it does.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import early
import nbformat
import pytest

import gdcode

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
MAIN_HTML = BOOK / "_build" / "html"
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD_TIMEOUT = 1800  # bound, not an expectation: a cold build takes a few minutes
MAX_REPORTED = 15
EXCERPT_LINES = 30

sys.path.insert(0, str(BOOK / "_ext"))
import reproducible  # noqa: E402  (the book's extension, unit-tested below)


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def _describe(rel: str, a: Path, b: Path) -> str:
    data_a, data_b = a.read_bytes(), b.read_bytes()
    try:
        text_a, text_b = data_a.decode("utf-8"), data_b.decode("utf-8")
    except UnicodeDecodeError:
        return (f"{rel}: binary, {len(data_a)} vs {len(data_b)} bytes, sha256 "
                f"{hashlib.sha256(data_a).hexdigest()[:12]} vs "
                f"{hashlib.sha256(data_b).hexdigest()[:12]}")
    diff = list(difflib.unified_diff(text_a.splitlines(), text_b.splitlines(),
                                     "main build", "second build", n=1, lineterm=""))
    excerpt = "\n".join(line[:200] for line in diff[:EXCERPT_LINES])
    more = ""
    if len(diff) > EXCERPT_LINES:
        more = f"\n... ({len(diff) - EXCERPT_LINES} more diff lines)"
    return f"{rel}:\n{excerpt}{more}"


def compare_trees(a: Path, b: Path) -> list[str]:
    """Differences between two built sites, one entry per file.

    Files that only the main build has are not compared: Sphinx builds incrementally
    and never deletes, so a working copy's ``_build/html`` may hold pages and images
    of earlier builds. Everything the clean build produced must be in the main build,
    identical.
    """
    files_a, files_b = _files(a), _files(b)
    problems = [f"{rel}: only in the second build" for rel in sorted(set(files_b) - set(files_a))]
    for rel in sorted(set(files_a) & set(files_b)):
        if files_a[rel].read_bytes() != files_b[rel].read_bytes():
            problems.append(_describe(rel, files_a[rel], files_b[rel]))
    return problems


def _second_build(out: Path) -> Path:
    """One more clean build of the book into ``out``; its site folder.

    Minutes of building: an early job (``early.py``), begun when collection ends, so it
    runs beside the other modules' tests.
    """
    # Same sources, same environment as the main build; a new output folder, so a new
    # (empty) execution cache and no doctrees to reuse.
    result = early.run(
        [str(JUPYTER_BOOK), "build", str(BOOK), "--path-output", str(out),
         "-W", "-n", "--keep-going"],
        timeout=BUILD_TIMEOUT, env=os.environ.copy(),
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    html = out / "_build" / "html"
    assert (html / "index.html").exists()
    return html


early.register("second-build", _second_build, fixture="second_build")


@pytest.fixture(scope="module")
def second_build():
    if not (MAIN_HTML / "index.html").exists():
        pytest.fail("no main build in book/_build/html: run `make book` (or `make test`) first")
    return early.result("second-build")


@pytest.mark.book
@pytest.mark.slow
def test_two_clean_builds_give_the_same_site(second_build):
    problems = compare_trees(MAIN_HTML, second_build)
    shown = "\n\n".join(problems[:MAX_REPORTED])
    more = ""
    if len(problems) > MAX_REPORTED:
        more = f"\n\n... and {len(problems) - MAX_REPORTED} more"
    assert not problems, f"{len(problems)} files differ between two builds:\n\n{shown}{more}"


@pytest.mark.book
@pytest.mark.slow
def test_site_holds_no_absolute_build_paths(second_build):
    """Nothing in the site depends on where the build ran (a checkout path, a temp dir,
    a home folder): such paths would differ between any two machines."""
    needles = {str(REPO), str(second_build.parent.parent), os.path.expanduser("~") + "/"}
    found = []
    for rel, path in sorted(_files(second_build).items()):
        data = path.read_bytes()
        found += [f"{rel}: {n}" for n in needles if n.encode() in data]
    assert not found, "absolute paths in the site:\n" + "\n".join(found[:30])


# -- what the page says about the data -----------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _page_text(path: Path) -> str:
    """A page's visible text: no scripts, no tags, entities decoded, spaces collapsed."""
    source = path.read_text(encoding="utf-8")
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S | re.I)
    return _squash(html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.book
def test_offline_build_says_which_mnist_it_used_and_why():
    """With the network off (as CI builds), the MNIST worked solution trains on the subset
    bundled with gdcode; its page must say so and why, in gdcode's own words
    (``Dataset.description`` and ``Dataset.note``)."""
    if os.environ.get("GDCODE_OFFLINE") != "1":
        pytest.skip("checks the offline build that CI makes (GDCODE_OFFLINE=1)")
    page = MAIN_HTML / "chapters" / "assignment-mnist-solution.html"
    if not page.exists():
        pytest.fail(f"{page.relative_to(REPO)} not built: run `make book` first")
    data = gdcode.load_mnist()  # same settings as the build, no network
    text = _page_text(page)
    assert _squash(data.description) in text, "the page does not describe the data it used"
    if data.source == "subset":
        assert data.note, "load_mnist gave no reason for falling back to the subset"
        assert _squash(data.note) in text, "the page does not say why it used the subset"


# -- unit tests of book/_ext/reproducible.py ---------------------------------------------


def _notebook(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def test_cell_ids_come_from_cell_contents():
    def make():
        return _notebook(nbformat.v4.new_markdown_cell("# Title"),
                         nbformat.v4.new_code_cell("x = 1"),
                         nbformat.v4.new_code_cell("x = 1"))

    a, b = make(), make()
    assert [c.id for c in a.cells] != [c.id for c in b.cells]  # nbformat's random ids
    reproducible.normalise_notebook(a)
    reproducible.normalise_notebook(b)
    ids = [c.id for c in a.cells]
    assert ids == [c.id for c in b.cells]
    assert len(set(ids)) == 3  # identical cells still get distinct ids
    nbformat.validate(a)


def test_cell_id_changes_only_with_its_cell():
    nb = _notebook(nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell("b = 2"))
    reproducible.normalise_notebook(nb)
    before = [c.id for c in nb.cells]
    nb.cells[1].source = "b = 3"
    reproducible.normalise_notebook(nb)
    assert nb.cells[0].id == before[0] and nb.cells[1].id != before[1]


def test_execution_timestamps_are_dropped():
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00Z"}
    nb = _notebook(cell)
    reproducible.normalise_notebook(nb)
    assert "execution" not in nb.cells[0].metadata


def _stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def _cell_with(*outputs):
    cell = nbformat.v4.new_code_cell("for i in range(3): print(i)")
    cell.outputs = list(outputs)
    return cell


# The same printed text, cut into pieces the way three runs of a kernel might cut it.
SPLITS = [
    ["loss before: 1.73\nloss after: 0.04\n"],
    ["loss before: 1.73\n", "loss after: 0.04\n"],
    ["loss before: 1.73", "\nloss after: 0.04\n"],  # cut just before a line break
]


@pytest.mark.parametrize("pieces", SPLITS, ids=["one piece", "two lines", "mid-line"])
def test_page_shows_the_printed_text_however_it_was_cut(pieces, monkeypatch):
    from myst_nb.core import render, utils

    monkeypatch.setattr(render, "coalesce_streams", render.coalesce_streams)  # restored after
    coalesce = reproducible.exact_coalesce(utils.coalesce_streams)
    merged = coalesce([_stream("stdout", p) for p in pieces])
    assert [o.text for o in merged] == ["loss before: 1.73\nloss after: 0.04\n"]
    reproducible.patch_mystnb_coalesce()
    assert render.coalesce_streams.wrapped is utils.coalesce_streams


def test_mystnb_alone_adds_a_blank_line_for_a_mid_line_cut():
    """Why the wrapper exists (if myst-nb fixes this, the wrapper can go)."""
    from myst_nb.core import utils

    merged = utils.coalesce_streams([_stream("stdout", p) for p in SPLITS[2]])
    assert merged[0].text == "loss before: 1.73\n\nloss after: 0.04\n"


def test_written_notebook_has_one_output_per_stream():
    results = []
    for pieces in SPLITS:
        nb = _notebook(_cell_with(*[_stream("stdout", p) for p in pieces]))
        reproducible.normalise_notebook(nb, merge_streams=True)
        results.append(nbformat.writes(nb))
    assert results[0] == results[1] == results[2]


def test_stdout_comes_before_stderr():
    nb = _notebook(_cell_with(_stream("stderr", "warn\n"), _stream("stdout", "out\n")))
    reproducible.normalise_notebook(nb, merge_streams=True)
    assert [o.name for o in nb.cells[0].outputs] == ["stdout", "stderr"]


def test_streams_are_left_alone_without_merge_streams():
    nb = _notebook(_cell_with(_stream("stdout", "0\n"), _stream("stdout", "1\n")))
    reproducible.normalise_notebook(nb, merge_streams=False)
    assert len(nb.cells[0].outputs) == 2


def test_cached_chapter_is_written_with_its_outputs(tmp_path):
    """A chapter served from the cache gets the cached outputs, the ones its page shows;
    one that was just executed, or has no match in the cache, is left as it is."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    def read():  # the notebook as myst-nb reads it from the chapter: no outputs
        return _notebook(nbformat.v4.new_markdown_cell("# Chapter"),
                         nbformat.v4.new_code_cell("print(1)"))

    executed = read()
    executed.cells[1].execution_count = 1
    executed.cells[1].outputs = [_stream("stdout", "1\n")]
    cache_path = str(tmp_path / "cache")
    get_cache(cache_path).cache_notebook_bundle(
        CacheBundleIn(executed, str(tmp_path / "chapter.md")), check_validity=False)

    merged = reproducible.with_cached_outputs(read(), cache_path)
    assert merged.cells[1].outputs == executed.cells[1].outputs
    assert merged.cells[1].execution_count == 1
    assert reproducible.with_cached_outputs(executed, cache_path) is executed
    other = _notebook(nbformat.v4.new_code_cell("print(2)"))
    assert reproducible.with_cached_outputs(other, cache_path) is other


def test_asset_links_get_the_checksum_of_the_file_now_there(tmp_path):
    static = tmp_path / "_static"
    static.mkdir()
    (static / "a.css").write_bytes(b"body { color: red; }\r\n")
    crc = reproducible.asset_checksum(static / "a.css")
    without_cr = b"body { color: red; }\n"
    assert crc == f"{zlib.crc32(without_cr):08x}"  # as Sphinx computes it
    page = tmp_path / "index.html"
    page.write_text('<link rel="stylesheet" href="_static/a.css" />\n'  # first build: bare
                    '<link rel="stylesheet" href="_static/a.css?v=0badc0de" />\n'  # stale
                    '<link href="_static/theme.css?digest=abc" rel="stylesheet" />\n'
                    '<script src="_static/missing.js"></script>\n'
                    '<a href="_static/a.css">not a stylesheet link</a>\n'
                    '<link rel="preload" href="_static/f.woff2" as="font" crossorigin>\n')
    (static / "f.woff2").write_bytes(b"wOF2")  # fetched by url() in CSS: no query
    (tmp_path / "sub").mkdir()
    sub = tmp_path / "sub" / "page.html"
    sub.write_text('<script src="../_static/a.css"></script>')

    assert reproducible.refresh_asset_checksums(tmp_path) == 2
    lines = page.read_text().splitlines()
    assert lines[0] == f'<link rel="stylesheet" href="_static/a.css?v={crc}" />'
    assert lines[1] == lines[0]
    assert lines[2:] == ['<link href="_static/theme.css?digest=abc" rel="stylesheet" />',
                         '<script src="_static/missing.js"></script>',
                         '<a href="_static/a.css">not a stylesheet link</a>',
                         '<link rel="preload" href="_static/f.woff2" as="font" crossorigin>']
    assert sub.read_text() == f'<script src="../_static/a.css?v={crc}"></script>'
    assert reproducible.refresh_asset_checksums(tmp_path) == 0  # idempotent


def test_search_index_drops_words_no_page_has(tmp_path):
    from sphinx.search import js_index

    def index(terms, titleterms):
        return {"docnames": ["a", "b"], "terms": terms, "titleterms": titleterms}

    path = tmp_path / "searchindex.js"
    path.write_text(js_index.dumps(index({"kept": [0, 1], "once": 1, "gone": []},
                                         {"old": [], "new": 0})))
    assert reproducible.prune_search_index(tmp_path)
    assert path.read_text() == js_index.dumps(index({"kept": [0, 1], "once": 1}, {"new": 0}))
    assert not reproducible.prune_search_index(tmp_path)  # idempotent


def test_source_date_epoch_is_the_last_commit():
    value = reproducible.commit_time(REPO)
    if not (REPO / ".git").exists():
        assert value is None
        return
    expected = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%ct"],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert value == expected
