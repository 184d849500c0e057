"""The GitHub Actions workflow is valid, and does what docs/maintainers.md says it does.

Linters, all installed from PyPI (requirements-dev.txt), all offline:

* ``check-jsonschema --builtin-schema vendor.github-workflows``: the workflow against
  the workflow schema vendored in the package (misspelled keys, wrong types...);
* ``zizmor --offline``: parses workflows fully and audits them (unpinned actions,
  injection of untrusted input into scripts, credentials left in the checkout...);
* two checks neither does, written here: every ``needs:`` names a job of the workflow,
  and every ``${{ }}`` expression is closed and complete.

Each linter is run on deliberately broken copies too, to show it can fail.
"""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_DIR = REPO / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.y*ml"))
BOOK_WORKFLOW = WORKFLOW_DIR / "book.yml"
BIN = Path(sys.executable).parent
LINT_TIMEOUT = 120

sys.path.insert(0, str(REPO / "book" / "_ext"))
import gdcode_build  # noqa: E402


def check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         str(path)], capture_output=True, text=True, timeout=LINT_TIMEOUT)


def zizmor(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", "--color=never",
         "--strict-collection", str(path)],
        capture_output=True, text=True, timeout=LINT_TIMEOUT)


EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
DANGLING = re.compile(r"(==|!=|&&|\|\||<=|>=|<|>|!|\(|,)$")


def _expression_problem(body: str) -> str | None:
    body = body.strip()
    if not body:
        return "empty expression"
    if DANGLING.search(body):
        return "expression ends with an operator"
    if body.count("(") != body.count(")") or body.count("'") % 2:
        return "unbalanced parentheses or quotes"
    return None


def structural_problems(text: str) -> list[str]:
    """What the schema cannot see: ``needs`` naming no job, broken expressions."""
    problems = []
    doc = yaml.safe_load(text)
    jobs = doc.get("jobs", {}) or {}
    for name, job in jobs.items():
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            if need not in jobs:
                problems.append(f"job {name!r} needs {need!r}, which is not a job here")
        # `if:` holds an expression even without ${{ }}
        conditions = [job.get("if")] + [step.get("if") for step in job.get("steps", []) or []]
        for condition in conditions:
            if isinstance(condition, str):
                inner = EXPRESSION.fullmatch(condition.strip())
                problem = _expression_problem(inner.group(1) if inner else condition)
                if problem:
                    problems.append(f"job {name!r}: {problem}: if: {condition}")
    for number, line in enumerate(text.splitlines(), 1):
        if line.count("${{") != line.count("}}"):
            problems.append(f"line {number}: unclosed ${{{{ }}}}: {line.strip()}")
        for body in EXPRESSION.findall(line):
            problem = _expression_problem(body)
            if problem:
                problems.append(f"line {number}: {problem}: {line.strip()}")
    return problems


def test_there_is_a_workflow():
    assert BOOK_WORKFLOW in WORKFLOWS


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_the_schema(path):
    result = check_jsonschema(path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_zizmor(path):
    result = zizmor(path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_jobs_and_expressions_are_well_formed(path):
    assert structural_problems(path.read_text()) == []


# Deliberately broken copies of book.yml: (what is broken, edit, linter that must object).
BREAKAGES = [
    ("misspelled key", ("runs-on: ubuntu-latest", "runs-onn: ubuntu-latest"), "schema"),
    ("steps not a list", ("    steps:\n      - uses: actions/checkout",
                          "    steps: none\n    stepz:\n      - uses: actions/checkout"),
     "schema"),
    ("unknown job in needs", ("needs: build", "needs: biuld"), "structure"),
    ("unfinished condition", ("github.event_name != 'pull_request'\n",
                              "github.event_name !=\n"), "structure"),
    ("unclosed expression", ("${{ github.ref }}", "${{ github.ref }"), "structure"),
    ("unpinned action", (re.compile(r"actions/checkout@[0-9a-f]{40}"), "actions/checkout@v4"),
     "zizmor"),
    ("untrusted input in a script", ("        run: make test",
                                     '        run: echo "${{ github.event.pull_request.title }}"'),
     "zizmor"),
]


@pytest.mark.parametrize("what, edit, linter", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_linters_reject_a_broken_workflow(tmp_path, what, edit, linter):
    old, new = edit
    text = BOOK_WORKFLOW.read_text()
    if isinstance(old, re.Pattern):
        broken = old.sub(new, text, count=1)
    else:
        broken = text.replace(old, new, 1)
    assert broken != text, f"the edit for {what!r} no longer applies to book.yml"
    path = tmp_path / ".github" / "workflows" / "book.yml"
    path.parent.mkdir(parents=True)
    path.write_text(broken)
    if linter == "schema":
        assert check_jsonschema(path).returncode != 0
    elif linter == "zizmor":
        assert zizmor(path).returncode != 0
    else:
        assert structural_problems(broken)


# -- what the workflow does --------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict:
    doc = yaml.safe_load(BOOK_WORKFLOW.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as True
    return doc


def _steps(workflow, job="build"):
    return workflow["jobs"][job]["steps"]


def _step_using(workflow, action, job="build"):
    found = [s for s in _steps(workflow, job) if s.get("uses", "").startswith(action + "@")]
    assert found, f"no step uses {action}"
    return found


def test_triggers(workflow):
    on = workflow["on"]
    assert on["push"]["branches"] == ["main"]
    assert "pull_request" in on and "workflow_dispatch" in on
    assert on["schedule"] and all("cron" in s for s in on["schedule"])


def test_builds_with_the_readme_commands(workflow):
    runs = [s.get("run", "") for s in _steps(workflow)]
    assert any(re.search(r"^\s*make test\s*$", r, re.M) for r in runs), runs


def test_publishes_main_to_pages(workflow):
    upload = _step_using(workflow, "actions/upload-pages-artifact")[0]
    assert upload["with"]["path"] == "book/_build/html"
    assert "refs/heads/main" in upload["if"] and "pull_request" in upload["if"]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"]["cancel-in-progress"] is False
    _step_using(workflow, "actions/deploy-pages", job="deploy")
    assert workflow["permissions"] == {"contents": "read"}  # nothing more for PRs


def test_uploads_the_reports_when_the_build_fails(workflow):
    upload = _step_using(workflow, "actions/upload-artifact")[0]
    assert upload["if"] == "failure()"
    assert upload["with"]["path"] == "book/_build/html/reports"


def test_sets_the_repository_url_to_the_fork(workflow):
    url = workflow["jobs"]["build"]["env"]["BOOK_REPOSITORY_URL"]
    assert url == "${{ github.server_url }}/${{ github.repository }}"


def test_caches_the_execution_cache_with_its_stamp(workflow, tmp_path, monkeypatch):
    """The cached paths are where the build keeps its cache and stamp, and the key
    changes whenever anything the outputs depend on changes."""
    caches = _step_using(workflow, "actions/cache")
    execution = [c for c in caches if ".jupyter_cache" in c["with"]["path"]]
    assert len(execution) == 1
    cached = set(execution[0]["with"]["path"].split())

    # Where gdcode_build keeps them, for a book at book/ (the output in book/_build/html).
    book = tmp_path / "book"
    app = types.SimpleNamespace(srcdir=str(book), outdir=str(book / "_build" / "html"))
    config = types.SimpleNamespace(nb_execution_cache_path="")  # as jupyter-book leaves it
    monkeypatch.setattr(gdcode_build, "gdcode_fingerprint", lambda: "x")
    gdcode_build.invalidate_stale_cache(app, config)
    written = {p.relative_to(tmp_path).as_posix() for p in book.rglob("*")}
    stamp = {w for w in written if w.endswith("gdcode-fingerprint")}
    assert stamp, "gdcode_build wrote no fingerprint stamp"
    assert stamp <= cached, f"stamp {stamp} is not among the cached paths {cached}"
    assert "book/_build/.jupyter_cache" in cached

    key = execution[0]["with"]["key"]
    for part in ("'gdcode/**'", "'book/**'", "'requirements.txt'"):
        assert part in key, f"cache key does not hash {part}"
    assert execution[0]["with"]["restore-keys"]
