"""`.ci/run` and the GitHub workflow run `make test` in the same environment.

Both take their settings from `.ci/env` (the workflow copies them into its `env:`) and
install what pip cannot with the same script, `.ci/setup`. The one deliberate difference,
GDCODE_OFFLINE, is explained in `.ci/env` and checked here too.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def ci_env() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".ci" / "env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def build_job() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]


def test_workflow_sets_what_ci_env_says():
    job_env = {k: str(v) for k, v in build_job()["env"].items()}
    expected = ci_env()
    assert expected, ".ci/env sets nothing"
    for key, value in expected.items():
        assert job_env.get(key) == value, (key, job_env.get(key), value)
    extra = set(job_env) - set(expected) - {"BOOK_REPOSITORY_URL"}
    assert not extra, f"set in the workflow but not in .ci/env: {sorted(extra)}"


def test_gdcode_offline_is_the_documented_difference():
    assert "GDCODE_OFFLINE" not in ci_env()
    assert "GDCODE_OFFLINE" not in build_job()["env"]
    run = (ROOT / ".ci" / "run").read_text()
    assert re.search(r'^export GDCODE_OFFLINE="\$\{GDCODE_OFFLINE:-1\}"$', run, re.M), run


def test_ci_run_exports_ci_env(tmp_path):
    """Run .ci/run's environment part (everything before the set-up) and read the result."""
    run = (ROOT / ".ci" / "run").read_text()
    head = run.split("\n.ci/setup", 1)[0]
    script = tmp_path / "env.sh"
    script.write_text(head.replace('cd "$(dirname "$0")/.."', f"cd {str(ROOT)!r}") + "\nenv\n")
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=clean,
                         check=True).stdout
    seen = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    for key, value in ci_env().items():
        assert seen.get(key) == value, (key, seen.get(key))
    assert seen.get("GDCODE_OFFLINE") == "1"


def test_both_use_the_same_setup_script():
    assert "\n.ci/setup\n" in (ROOT / ".ci" / "run").read_text()
    runs = [step.get("run", "") for step in build_job()["steps"]]
    assert ".ci/setup" in runs, runs
    assert not any("apt-get" in r for r in runs), "the workflow installs packages itself"
