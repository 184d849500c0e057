"""A stand-in for Binder, run locally.

mybinder.org builds an image from the repository with repo2docker: it installs
``binder/requirements.txt`` (which points at the root ``requirements.txt``) from the
repository root, runs ``binder/postBuild``, starts a Jupyter server in the repository and
opens the launch button's ``urlpath``. This module does the same on 127.0.0.1:

1. a fresh virtual environment in a temporary folder, from a copy of the repository's
   files (pip may reuse its download cache);
2. a Jupyter server on an ephemeral port with a token, started with none of the
   variables the book build sets;
3. for every executable chapter, the launch button's path must open the ``.md`` file as a
   notebook (jupytext's contents manager, and jupytext's viewer as the default for
   Markdown, which postBuild sets), and the chapter must run top to bottom in that
   environment's kernel, from the chapter's folder, as a reader's "Run all" would.

The only variable added is ``GDCODE_OFFLINE=1``: there is no network here, so the MNIST
chapter must fall back to the bundled subset instead of trying a download.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytest
import yaml

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = REPO / "book" / "chapters"
BUILT_HTML = REPO / "book" / "_build" / "html"

# Upper bounds on every wait (seconds); a healthy run takes a fraction of each.
PIP_TIMEOUT = 600
POSTBUILD_TIMEOUT = 120
SERVER_START_TIMEOUT = 90
HTTP_TIMEOUT = 30
CHAPTER_TIMEOUT = 900

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
    """The ``urlpath`` of the chapter's Binder launch button.

    Read from the built page when there is one (that is what readers click); otherwise
    the path the launch button would carry with the classic interface.
    """
    page = BUILT_HTML / "chapters" / (Path(chapter).stem + ".html")
    if not page.exists():
        return f"tree/book/chapters/{chapter}"
    html = page.read_text(encoding="utf-8").replace("&amp;", "&")
    links = re.findall(r'href="(https://mybinder\.org/v2/gh/[^"]+)"', html)
    assert links, f"{page.name} has no Binder launch button"
    parts = urlsplit(links[0])
    org_repo_branch = parts.path.split("/")[3:]
    assert org_repo_branch[-1] == "main", f"launch link is not on branch main: {links[0]}"
    query = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item)
    assert "urlpath" in query, f"launch link has no urlpath: {links[0]}"
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
        result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{what} did not finish within {timeout} s: {exc}")
    if result.returncode != 0:
        output = ANSI.sub("", f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        pytest.fail(f"{what} failed (exit {result.returncode}):\n{output}")
    return result


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    """A copy of the repository with its Binder environment installed, as repo2docker does."""
    root = tmp_path_factory.mktemp("binder")
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
    cmd = [str(binder_env.venv / "bin" / "jupyter"), "notebook", "--no-browser",
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


@pytest.mark.parametrize("chapter", executable_chapters())
def test_launch_button_opens_the_chapter_as_a_notebook(server, chapter):
    urlpath = launch_urlpath(chapter)
    assert urlpath.startswith("tree/"), f"unexpected interface in urlpath {urlpath!r}"
    path = urlpath[len("tree/"):]
    assert path == f"book/chapters/{chapter}"

    # The contents API returns the Markdown file as a notebook (jupytext contents manager).
    status, _, body = _get(
        f"{server.base}/api/contents/{quote(path)}?type=notebook&content=1", server.token)
    assert status == 200, body[:500]
    model = json.loads(body)
    assert model["type"] == "notebook"
    assert model["content"]["nbformat"] == 4
    code = [c for c in model["content"]["cells"] if c["cell_type"] == "code"]
    assert code, f"{chapter} has no code cell as a notebook"

    # The launch path sends the reader to the notebook page, not to the raw file.
    status, headers, _ = _get(f"{server.base}/{quote(urlpath)}", server.token, follow=False)
    assert status in (301, 302, 303, 307), status
    location = headers["Location"]
    assert urlsplit(location).path.endswith(f"/notebooks/{quote(path)}"), location
    status, _, page = _get(f"{server.base}/notebooks/{quote(path)}", server.token)
    assert status == 200
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.S)
    assert match, "notebook page has no page config"
    page_config = json.loads(match.group(1))
    assert page_config.get("notebookPage") == "notebooks"
    # The page opens a file with the default viewer of its type: for Markdown that must be
    # jupytext's notebook view (postBuild), served by the jupytext front-end extension.
    extensions = {e.get("name") for e in page_config.get("federated_extensions", [])}
    assert "jupyterlab-jupytext" in extensions
    settings_url = page_config.get("settingsUrl", "/lab/api/settings").rstrip("/")
    status, _, body = _get(
        f"{server.base}{settings_url}/@jupyterlab/docmanager-extension:plugin", server.token)
    assert status == 200, body[:500]
    viewers = json.loads(body)["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers.get("markdown") == "Jupytext Notebook", viewers


@pytest.mark.parametrize("chapter", executable_chapters())
def test_chapter_runs_top_to_bottom_in_binder_env(binder_env, chapter):
    workdir = binder_env.repo / "book" / "chapters"
    out = binder_env.home / "executed" / (Path(chapter).stem + ".ipynb")
    out.parent.mkdir(exist_ok=True)
    _run([str(binder_env.venv / "bin" / "jupytext"), "--execute", "--to", "ipynb",
          "--output", str(out), chapter],
         cwd=workdir, env=binder_env.env, timeout=CHAPTER_TIMEOUT,
         what=f"running {chapter} top to bottom")
    notebook = json.loads(out.read_text())
    errors = [o for c in notebook["cells"] if c["cell_type"] == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    ran = [c for c in notebook["cells"] if c["cell_type"] == "code" and c.get("source")]
    assert all(c.get("execution_count") for c in ran), "a code cell was not executed"
