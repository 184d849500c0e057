"""A stand-in for Binder, run locally, and a student's first look at every notebook.

mybinder.org builds an image from the repository with repo2docker: it installs
``binder/requirements.txt`` (which points at the root ``requirements.txt``) from the
repository root, runs ``binder/postBuild``, starts a Jupyter server through ``binder/start``
and opens the launch button's ``urlpath``. This module does the same on 127.0.0.1:

1. a fresh virtual environment in a temporary folder, from a copy of the repository's
   files (pip may reuse its download cache), then ``binder/postBuild``, which executes
   every chapter and derives ``notebooks/<chapter>.ipynb`` and
   ``notebooks/<chapter>-solutions.ipynb``;
2. a Jupyter server (Notebook 7) on an ephemeral port with a token, started through
   ``binder/start`` with none of the variables the book build sets;
3. for every Binder link in the built site (``book/_build/html``, parsed from the HTML, so a
   changed link is followed), headless Chromium opens the link's path, runs all cells
   (Run -> Run All Cells) and checks what a student sees: a notebook; no error and no
   stderr output; as many figures as the page shows; no MyST role, directive, option or
   target in the rendered Markdown; no quiz answer key; no solution (the solutions
   notebook, linked from the student one, gets the same checks and must hold every
   solution). A screenshot of each notebook goes to ``artifacts/binder/``.

The only variable added is ``GDCODE_OFFLINE=1``: there is no network here, so the MNIST
chapter falls back to the bundled subset instead of trying a download. The one test-only
setting is Notebook's ``windowingMode: none`` (in the stand-in's own home folder): without
it Notebook only puts the cells near the viewport in the page, and the checks must see
every cell.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, quote, urlsplit

import early
import pytest
import yaml

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = REPO / "book" / "chapters"
BUILT_HTML = REPO / "book" / "_build" / "html"

# Upper bounds on every wait (seconds); a healthy run takes a fraction of each.
PIP_TIMEOUT = 600
POSTBUILD_TIMEOUT = 1800  # executes every chapter
SERVER_START_TIMEOUT = 90
HTTP_TIMEOUT = 30
RUN_ALL_TIMEOUT = 900
RUN_ALL_UNSTARTED = 120  # s with no cell queued or run after Run All: click it again
ARTIFACTS = REPO / "artifacts" / "binder"

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Never copied into the stand-in: build output, environments, caches.
SKIP_PARTS = {".git", ".venv", "_build", "__pycache__", ".pytest_cache", ".ruff_cache",
              ".hypothesis", "node_modules", ".ipynb_checkpoints", "artifacts"}


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    if end == -1:
        return {}
    return yaml.safe_load(text[4:end]) or {}


def executable_chapters() -> list[str]:
    """Chapter files that are notebooks (they carry a kernelspec), as ``name.md``."""
    return sorted(p.name for p in CHAPTERS.glob("*.md") if "kernelspec" in _front_matter(p))


def launch_urlpath(chapter: str) -> str:
    """The ``urlpath`` of the chapter's Binder launch button, read from the built page."""
    page = BUILT_HTML / "chapters" / (Path(chapter).stem + ".html")
    if not page.exists():
        pytest.fail(f"{page} is missing: build the book first (make test does)")
    html = page.read_text(encoding="utf-8").replace("&amp;", "&")
    links = set(re.findall(r'href="(https://mybinder\.org/v2/gh/[^"]+)"', html))
    assert len(links) == 1, f"{page.name}: expected one Binder link, found {sorted(links)}"
    parts = urlsplit(links.pop())
    org_repo_branch = parts.path.split("/")[3:]
    assert org_repo_branch[-1] == "main", f"launch link is not on branch main: {parts}"
    query = dict(parse_qsl(parts.query))
    assert "urlpath" in query, f"launch link has no urlpath: {parts}"
    return query["urlpath"]


def _repo_files() -> list[Path]:
    """What a clone would contain: tracked files plus new, not ignored ones."""
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"],
            capture_output=True, check=True, timeout=60,
        ).stdout
        names = [n for n in out.decode().split("\0") if n]
    except (OSError, subprocess.SubprocessError):
        names = [p.relative_to(REPO).as_posix() for p in REPO.rglob("*") if p.is_file()]
    files = []
    for name in names:
        path = Path(name)
        if SKIP_PARTS.intersection(path.parts) or not (REPO / path).is_file():
            continue
        files.append(path)
    return files


def _clean_env(venv: Path, home: Path) -> dict[str, str]:
    """The environment of a Binder user session: no variable of the book build."""
    return {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "GDCODE_OFFLINE": "1",
    }


def _run(cmd, *, cwd, env, timeout, what):
    try:
        result = early.run(cmd, cwd=cwd, env=env, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{what} did not finish within {timeout} s: {exc}")
    if result.returncode != 0:
        output = ANSI.sub("", f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        pytest.fail(f"{what} failed (exit {result.returncode}):\n{output}")
    return result


def _install_binder_env(root: Path) -> SimpleNamespace:
    """A copy of the repository with its Binder environment installed, as repo2docker does.

    Minutes of pip and of executing every chapter: an early job (``early.py``), begun
    when collection ends, so it runs beside the other modules' tests.
    """
    repo, venv, home = root / "repo", root / "venv", root / "home"
    home.mkdir()
    for rel in _repo_files():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, repo / rel)
    assert (repo / "binder" / "requirements.txt").is_file(), "binder/requirements.txt missing"

    _run([sys.executable, "-m", "venv", str(venv)], cwd=root, env=os.environ.copy(),
         timeout=120, what="creating the virtual environment")
    # repo2docker: `pip install -r binder/requirements.txt` with the repository root as
    # working directory. pip keeps the caller's configuration and download cache.
    pip_env = os.environ.copy()
    pip_env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
          "binder/requirements.txt"], cwd=repo, env=pip_env, timeout=PIP_TIMEOUT,
         what="pip install -r binder/requirements.txt")

    post_build = repo / "binder" / "postBuild"
    if post_build.exists():
        post_build.chmod(0o755)  # repo2docker makes it executable before running it
        _run([str(post_build)], cwd=repo, env=_clean_env(venv, home),
             timeout=POSTBUILD_TIMEOUT, what="binder/postBuild")
    return SimpleNamespace(repo=repo, venv=venv, home=home, env=_clean_env(venv, home))


early.register("binder-env", _install_binder_env, fixture="binder_env")


@pytest.fixture(scope="module")
def binder_env():
    return early.result("binder-env")


def _get(url: str, token: str, *, follow: bool = True):
    """GET with the token; returns (status, headers, body). Redirects are not followed
    when ``follow`` is false, so the caller can see where the server sends the reader."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = (urllib.request.build_opener() if follow
              else urllib.request.build_opener(NoRedirect))
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with opener.open(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server(binder_env):
    """A Jupyter server in the repository copy on 127.0.0.1, ephemeral port, with a token."""
    token = os.urandom(16).hex()
    runtime_dir = binder_env.home / "runtime"
    env = dict(binder_env.env, JUPYTER_RUNTIME_DIR=str(runtime_dir))
    # Test-only: Notebook renders every cell (not only those near the viewport).
    settings = (binder_env.home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
                / "notebook-extension" / "tracker.jupyterlab-settings")
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"windowingMode": "none"}))
    start = binder_env.repo / "binder" / "start"
    prefix = [str(start)] if start.exists() else []
    if start.exists():
        start.chmod(0o755)
    cmd = prefix + [str(binder_env.venv / "bin" / "jupyter"), "notebook", "--no-browser",
           "--ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={binder_env.repo}"]
    if os.geteuid() == 0:  # Binder runs as an ordinary user; this machine may not
        cmd.append("--allow-root")
    log_path = binder_env.home / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=binder_env.repo, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        info_file = runtime_dir / f"jpserver-{proc.pid}.json"
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        info = None
        while time.monotonic() < deadline and proc.poll() is None:
            if info_file.exists():
                try:
                    info = json.loads(info_file.read_text())
                except json.JSONDecodeError:  # being written
                    info = None
                if info:
                    break
            time.sleep(0.2)
        if info is None:
            pytest.fail(f"Jupyter server did not start:\n{log_path.read_text()[-4000:]}")
        base = f"http://127.0.0.1:{info['port']}{info['base_url'].rstrip('/')}"
        status, _, _ = _get(f"{base}/api/status", token)
        assert status == 200
        yield SimpleNamespace(base=base, token=token, log=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def test_there_are_chapters_to_launch():
    assert executable_chapters(), "no chapter in book/chapters has a kernelspec"


def test_binder_installs_the_root_requirements(binder_env):
    """binder/requirements.txt defers to requirements.txt, and every pin lands as pinned."""
    lines = [ln.split("#", 1)[0].strip()
             for ln in (REPO / "binder" / "requirements.txt").read_text().splitlines()]
    assert [ln for ln in lines if ln] == ["-r ../requirements.txt"]

    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()] = version.strip()
    listed = subprocess.run(
        [str(binder_env.venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True, text=True, check=True, timeout=120, env=binder_env.env,
    ).stdout
    installed = {re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"]
                 for p in json.loads(listed)}
    wrong = {name: (version, installed.get(name)) for name, version in pins.items()
             if installed.get(name) != version}
    assert not wrong, f"pinned -> installed: {wrong}"
    assert "gdcode" in installed, "gdcode (-e .) was not installed"


def test_binder_python_is_the_tested_python(binder_env):
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    version = subprocess.run(
        [str(binder_env.venv / "bin" / "python"), "-c",
         "import sys; print(f'python-{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    assert runtime == version


def test_kernel_is_the_environments_own(binder_env):
    """The "python3" kernel that chapters ask for runs the new environment's Python."""
    out = subprocess.run(
        [str(binder_env.venv / "bin" / "jupyter"), "kernelspec", "list", "--json"],
        capture_output=True, text=True, check=True, timeout=60, env=binder_env.env,
    ).stdout
    spec = json.loads(out)["kernelspecs"]["python3"]
    assert Path(spec["resource_dir"]).is_relative_to(binder_env.venv)




# ---------------------------------------------------------------------------------------
# What the page shows, read from the built HTML and the chapter source (independently of
# the converter, so that a converter bug cannot hide itself)


def page_figures(chapter: str) -> tuple[int, int]:
    """(images in the page's article, of which inside a solution)."""
    from bs4 import BeautifulSoup

    page = BUILT_HTML / "chapters" / (Path(chapter).stem + ".html")
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article")
    assert article is not None, f"{page.name} has no <article>"
    images = article.find_all("img")
    in_solutions = [img for img in images if img.find_parent(class_="solution")]
    return len(images), len(in_solutions)


def _fenced_bodies(text: str, name: str) -> list[str]:
    """Bodies of ```{name} ... ``` blocks (first closing fence of the same length)."""
    bodies = []
    for match in re.finditer(r"^(`{3,}|:{3,})\{" + re.escape(name) + r"\}[^\n]*\n", text, re.M):
        fence = match.group(1)
        end = re.search(r"^" + re.escape(fence) + r"\s*$", text[match.end():], re.M)
        bodies.append(text[match.end():match.end() + (end.start() if end else 0)])
    return bodies


def solution_lines(chapter: str) -> list[str]:
    """Distinctive lines of every solution in the chapter source (text and code)."""
    text = (CHAPTERS / chapter).read_text(encoding="utf-8")
    spans = _fenced_bodies(text, "solution")
    spans += re.findall(r"```\{solution-start\}.*?```(.*?)```\{solution-end\}", text, re.S)
    outside = text
    for span in spans:
        outside = outside.replace(span, "")
    lines = []
    for span in spans:
        # cells the page hides entirely (remove-cell) are left out of every notebook
        span = re.sub(r"```\{code-cell\}[^\n]*\n:tags: \[[^\]\n]*remove-cell[^\]\n]*\]\n"
                      r".*?\n```", "", span, flags=re.S)
        for line in span.splitlines():
            line = line.strip()
            if (len(line) >= 25 and not line.startswith((":", "`", "#"))
                    and not re.search(r"[{}$`\\]", line) and line not in outside):
                lines.append(line)
    return lines


def quiz_explanations(chapter: str) -> list[str]:
    text = (CHAPTERS / chapter).read_text(encoding="utf-8")
    found = []
    for body in _fenced_bodies(text, "quiz"):
        body = "\n".join(ln for ln in body.splitlines() if not re.match(r"^:\w+:", ln))
        for question in yaml.safe_load(body) or []:
            if question.get("explain"):
                found.append(str(question["explain"]).strip())
    return found


def _notebook_text(model: dict) -> str:
    return "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                     for c in model["cells"])


# ---------------------------------------------------------------------------------------
# The notebooks, opened and run as a student would

RAW_SYNTAX = {
    "role": re.compile(r"\{[A-Za-z][\w:+.-]*\}"),
    "colon fence": re.compile(r":::"),
    "directive option": re.compile(r"^\s*:[a-z][\w-]*:", re.M),
    "target": re.compile(r"^\s*\([\w.:-]+\)=\s*$", re.M),
    "comment": re.compile(r"^%", re.M),
    "quiz key": re.compile(r"\b(answer|explain)\s*:", re.I),
    "page-only text": re.compile(r"rocket", re.I),
}

# Runs in the page: the rendered Markdown's text without math and without code (roles
# never sit inside either), the full text, and the classes of fenced code blocks.
READ_MARKDOWN_JS = """() => {
  const cells = [...document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')];
  const prose = cells.map(cell => {
    const copy = cell.cloneNode(true);
    copy.querySelectorAll('mjx-container, .MathJax, script, code, pre').forEach(e => e.remove());
    return copy.textContent;
  }).join('\\n');
  const full = cells.map(cell => {
    const copy = cell.cloneNode(true);
    copy.querySelectorAll('mjx-container, .MathJax, script').forEach(e => e.remove());
    return copy.textContent;
  }).join('\\n');
  const fences = [...document.querySelectorAll('.jp-RenderedMarkdown pre code')]
    .map(c => c.className);
  return {prose, full, fences, math: document.querySelectorAll('mjx-container').length};
}"""

OUTPUTS_JS = """() => {
  const outs = [...document.querySelectorAll('.jp-OutputArea-output')];
  return {
    stderr: outs.filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr')
               .map(o => o.textContent),
    output_images: document.querySelectorAll('.jp-OutputArea-output img').length,
    markdown_images: document.querySelectorAll('.jp-RenderedMarkdown img').length,
    prompts: [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
      .map(p => p.textContent.trim()),
    cells: document.querySelectorAll('.jp-Notebook .jp-Cell').length,
  };
}"""


def _contents(server, path: str) -> dict:
    status, _, body = _get(f"{server.base}/api/contents/{quote(path)}?content=1", server.token)
    assert status == 200, f"{path}: {status} {body[:300]}"
    model = json.loads(body)
    assert model["type"] == "notebook", f"{path} does not open as a notebook"
    return model["content"]


def _start_run_all(browser, server, urlpath: str) -> SimpleNamespace:
    """Open ``urlpath`` as the launch button does and click Run All; do not wait for it."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{server.base}/{urlpath}?token={server.token}", wait_until="load")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=90_000)
        _click_run_all(page)
    except BaseException:
        page.close()
        raise
    now = time.monotonic()
    return SimpleNamespace(page=page, errors=errors, urlpath=urlpath, clicked=now,
                           deadline=now + RUN_ALL_TIMEOUT, clicks=1)


def _click_run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def _run_all(browser, server, urlpath: str, shot: str) -> dict:
    """Open ``urlpath`` as the launch button does, Run All, and read what is on screen."""
    return _finish_run_all(_start_run_all(browser, server, urlpath), shot)


def _finish_run_all(run: SimpleNamespace, shot: str) -> dict:
    """Wait until every cell of a started Run All has run; read what is on screen."""
    page, urlpath, deadline, errors = run.page, run.urlpath, run.deadline, run.errors
    try:
        settled = 0
        while True:
            seen = page.evaluate(OUTPUTS_JS)
            if _ran_in_order(seen["prompts"]) and page.locator(
                    ".jp-Notebook-ExecutionIndicator[data-status='idle']").count():
                settled += 1  # idle twice in a row, not between two queued cells
                if settled == 2:
                    break
            else:
                settled = 0
            if (run.clicks == 1 and time.monotonic() > run.clicked + RUN_ALL_UNSTARTED
                    and not any(p and p != "[ ]:" for p in seen["prompts"])):
                # Once, under a heavily loaded machine, a Run All clicked on an idle
                # kernel queued no cell at all ("[ ]:" everywhere for 900 s). A click that
                # did nothing is the harness's, not the notebook's: click once more.
                _click_run_all(page)
                run.clicks += 1
            if time.monotonic() > deadline:
                pytest.fail(f"{urlpath}: Run All did not finish in {RUN_ALL_TIMEOUT} s "
                            f"({run.clicks} clicks): {seen['prompts']}")
            time.sleep(1)
        page.wait_for_timeout(1500)  # let MathJax typeset the last Markdown
        seen = page.evaluate(OUTPUTS_JS)
        seen.update(page.evaluate(READ_MARKDOWN_JS))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator(".jp-Notebook .jp-Cell").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"{shot}-top.png"))
        first_image = page.locator(".jp-OutputArea-output img, .jp-RenderedMarkdown img").first
        if first_image.count():
            first_image.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"{shot}-figure.png"))
        exercise = page.locator(".jp-RenderedMarkdown h3", has_text="Exercise").first
        if exercise.count():
            exercise.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"{shot}-exercise.png"))
        seen["page_errors"] = errors
        return seen
    finally:
        page.close()


def _ran_in_order(prompts: list[str]) -> bool:
    """Every code cell ran, in order, in a fresh kernel: each visible prompt reads
    ``[k]:`` where k is the cell's position among the code cells. (Cells whose code the
    page hides are folded in the notebook and show no prompt.)"""
    numbered = []
    for position, prompt in enumerate(prompts, 1):
        if not prompt:
            continue
        match = re.fullmatch(r"\[(\d+)\]:", prompt)
        if not match:  # "[ ]:" not run yet, "[*]:" running
            return False
        numbered.append(int(match.group(1)) == position)
    return bool(numbered) and all(numbered)


def _only_divergence_warnings(text: str) -> bool:
    """True for stderr text made only of gdcode DivergenceWarnings (message + source line)."""
    lines = [line for line in text.splitlines() if line.strip()]
    warnings_ = [line for line in lines if "DivergenceWarning: " in line]
    return bool(warnings_) and len(lines) <= 2 * len(warnings_)


def _check_what_a_student_sees(name: str, seen: dict, model: dict, figures: int) -> None:
    assert seen["cells"] == len(model["cells"]), (
        f"{name}: {seen['cells']} cells on screen, {len(model['cells'])} in the notebook")
    # A DivergenceWarning is the lesson where a chapter trains with a learning rate that is
    # too large (the page says fit() issues one); anything else on stderr, or an empty
    # stderr box, is debris.
    debris = [text for text in seen["stderr"] if not _only_divergence_warnings(text)]
    assert not debris, f"{name}: error or stderr output: {debris}"
    shown = seen["output_images"] + seen["markdown_images"]
    assert shown == figures, f"{name}: {shown} figures after Run All, the page shows {figures}"
    raw = {kind: pattern.findall(seen["prose"] if kind == "role" else seen["full"])
           for kind, pattern in RAW_SYNTAX.items()}
    raw = {kind: hits for kind, hits in raw.items() if hits}
    assert not raw, f"{name}: MyST syntax or page-only text in the rendered Markdown: {raw}"
    assert not [c for c in seen["fences"] if "language-{" in c], f"{name}: raw directive"
    if "$" in _notebook_text(model):
        assert seen["math"] > 0, f"{name}: the math was not typeset"


def _launch(chapter: str) -> tuple[str, str]:
    urlpath = launch_urlpath(chapter)
    assert urlpath.startswith("tree/"), f"unexpected interface in urlpath {urlpath!r}"
    return urlpath, urlpath[len("tree/"):]


def _solutions_links(student_text: str) -> set[str]:
    return set(re.findall(r"\]\(([^)\s]+-solutions\.ipynb)\)", student_text))


def _outcome(finish) -> tuple[bool, object]:
    """``(True, value)`` from ``finish()``, or ``(False, the error it raised)``."""
    try:
        return True, finish()
    except (Exception, pytest.fail.Exception) as exc:
        return False, exc


@pytest.fixture(scope="module")
def solutions_runs() -> dict:
    """Run All of a chapter's solutions notebook, begun beside its student notebook's.

    Each Run All executes the whole chapter in its own kernel; side by side the two use
    both cores. The student test leaves the solutions run's outcome here for the
    solutions test, which runs it itself when it finds none (e.g. run alone).
    """
    return {}


@pytest.mark.browser
@pytest.mark.parametrize("chapter", executable_chapters())
def test_student_notebook_reads_like_the_page(server, browser, solutions_runs, chapter):
    urlpath, path = _launch(chapter)
    model = _contents(server, path)
    text = _notebook_text(model)
    leaked = [line for line in solution_lines(chapter) if line in text]
    assert not leaked, f"{path}: solution text in the student notebook: {leaked[:3]}"
    keys = [e for e in quiz_explanations(chapter) if e[:60] in text]
    assert not keys, f"{path}: quiz answer key in the notebook: {keys[:2]}"

    total, in_solutions = page_figures(chapter)
    links = _solutions_links(text)
    student = _start_run_all(browser, server, urlpath)
    solutions = None
    if len(links) == 1:
        solutions_path = posixpath.normpath(posixpath.join(posixpath.dirname(path), *links))
        ok, solutions = _outcome(lambda: _start_run_all(browser, server,
                                                        f"tree/{solutions_path}"))
        if not ok:
            solutions_runs[chapter] = (False, solutions)
            solutions = None
    try:
        seen = _finish_run_all(student, Path(path).stem)
    finally:
        if solutions is not None:
            solutions_runs[chapter] = _outcome(
                lambda: _finish_run_all(solutions, Path(solutions_path).stem))
    _check_what_a_student_sees(path, seen, model, total - in_solutions)


@pytest.mark.browser
@pytest.mark.parametrize("chapter", executable_chapters())
def test_solutions_notebook_is_linked_and_complete(server, browser, solutions_runs, chapter):
    urlpath, path = _launch(chapter)
    student = _notebook_text(_contents(server, path))
    lines = solution_lines(chapter)
    links = _solutions_links(student)
    if not lines:
        assert not links, f"{path} links a solutions notebook but the chapter has no solution"
        pytest.skip(f"{chapter} has no exercise solutions")
    assert len(links) == 1, f"{path}: expected one solutions notebook link, found {links}"
    solutions_path = posixpath.normpath(posixpath.join(posixpath.dirname(path), links.pop()))
    model = _contents(server, solutions_path)
    text = _notebook_text(model)
    missing = [line for line in lines if line not in text]
    assert not missing, f"{solutions_path} lacks solution text: {missing[:3]}"
    keys = [e for e in quiz_explanations(chapter) if e[:60] in text]
    assert not keys, f"{solutions_path}: quiz answer key in the notebook: {keys[:2]}"

    total, _ = page_figures(chapter)
    if chapter in solutions_runs:
        ok, seen = solutions_runs.pop(chapter)
        if not ok:
            raise seen
    else:
        seen = _run_all(browser, server, f"tree/{solutions_path}", Path(solutions_path).stem)
    _check_what_a_student_sees(solutions_path, seen, model, total)
