"""The early jobs (``early.py``): slow set-up started when collection ends, in a thread."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from early import Jobs

pytest_plugins = ["pytester"]

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def jobs():
    """A set of jobs of the test's own, cleaned up whatever the test's outcome."""
    own = Jobs()
    yield own
    own.cleanup()


def test_a_started_job_runs_beside_the_caller_and_gives_its_value(jobs):
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def work(folder):
        seen["folder"] = folder
        entered.set()
        release.wait(30)
        return "built"

    jobs.register("build", work, fixture="built_site")
    assert jobs.start_for(["tmp_path", "built_site"]) == ["build"]
    assert entered.wait(30)  # the job runs while the caller goes on
    assert seen["folder"].is_dir() and not any(seen["folder"].iterdir())
    release.set()
    assert jobs.result("build") == "built"
    jobs.cleanup()
    assert not seen["folder"].exists()  # the folder goes with the session


def test_only_jobs_whose_fixture_is_used_start_early(jobs):
    calls = []
    jobs.register("a", lambda folder: calls.append("a"), fixture="fa")
    jobs.register("b", lambda folder: calls.append("b"), fixture="fb")
    assert jobs.start_for(["fb", "rng"]) == ["b"]
    jobs.result("b")
    assert calls == ["b"]
    assert jobs.result("a") is None  # not started early: runs when asked for
    assert calls == ["b", "a"]


def test_a_job_runs_once_however_often_it_is_started_or_asked_for(jobs):
    calls = []
    jobs.register("once", lambda folder: calls.append(1) or len(calls), fixture="f")
    jobs.start_for(["f"])
    jobs.start_for(["f"])
    assert [jobs.result("once"), jobs.result("once")] == [1, 1]
    assert calls == [1]


def test_the_jobs_error_is_raised_where_the_result_is_asked_for(jobs):

    def work(folder):
        pytest.fail("pip install failed (exit 1)")

    jobs.register("env", work, fixture="env")
    jobs.start_for(["env"])
    with pytest.raises(pytest.fail.Exception, match="pip install failed"):
        jobs.result("env")


def test_unknown_names_and_clashing_registrations_are_refused(jobs):
    jobs.register("env", lambda folder: None, fixture="env")
    jobs.register("env", lambda folder: None, fixture="env")  # a module imported again
    with pytest.raises(ValueError, match="'env' is already registered for the fixture 'env'"):
        jobs.register("env", lambda folder: None, fixture="other")
    with pytest.raises(KeyError, match="no early job named 'envv'; registered: \\['env'\\]"):
        jobs.result("envv")


def test_run_gives_the_programs_output_and_exit_status(jobs):
    done = jobs.run([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"],
                    timeout=60)
    assert (done.returncode, done.stdout) == (3, "out\n")


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its parent does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_run_stops_a_program_and_its_children_when_time_is_up(jobs, tmp_path):
    pid_file = tmp_path / "child.pid"
    parent = ("import pathlib, subprocess, sys, time; "
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
              f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid)); time.sleep(60)")
    start = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        jobs.run([sys.executable, "-c", parent], timeout=3)
    assert time.monotonic() - start < 30
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the program's child outlived the timeout"


def test_cleanup_stops_what_a_job_still_runs_and_nothing_starts_after_it(jobs):
    outcome = {}

    def work(folder):
        outcome["first"] = jobs.run(SLEEP, timeout=120).returncode
        try:
            jobs.run(SLEEP, timeout=120)
        except RuntimeError as exc:
            outcome["second"] = str(exc)

    jobs.register("slow", work, fixture="slow")
    jobs.start_for(["slow"])
    deadline = time.monotonic() + 30
    while not jobs._running and time.monotonic() < deadline:
        time.sleep(0.05)
    start = time.monotonic()
    jobs.cleanup()
    assert time.monotonic() - start < 30
    assert outcome["first"] == -9  # killed, not left running after the session
    assert "the test session has ended" in outcome["second"]


def test_the_session_starts_a_job_before_its_first_test_and_only_when_selected(
        pytester, monkeypatch):
    """``conftest.py`` starts the jobs of the selected tests' fixtures as collection ends.

    Run in a pytest process of its own: its session's end stops its jobs, and the jobs
    of this session (``early.JOBS``) must not be touched.
    """
    here = Path(__file__).parent
    pytester.makeconftest((here / "conftest.py").read_text())
    for helper in ("early.py", "browser_site.py"):
        pytester.makepyfile(**{helper[:-3]: (here / helper).read_text()})
    pytester.makepyfile(test_jobs="""
        import os
        import time
        import early
        import pytest

        MARK = os.environ["EARLY_MARK"]

        def install(folder):
            with open(MARK, "a") as f:
                f.write(f"{time.monotonic()}\\n")
            return "env"

        early.register("sub-env", install, fixture="env")

        @pytest.fixture
        def env():
            return early.result("sub-env")

        def test_first():
            time.sleep(0.5)
            with open(MARK) as f:
                started = [float(line) for line in f]
            assert started and started[0] < time.monotonic() - 0.4, "not started early"

        def test_uses_it(env):
            assert env == "env"

        def test_other():
            pass
    """)
    mark = pytester.path / "started.txt"
    monkeypatch.setenv("EARLY_MARK", str(mark))
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
    assert len(mark.read_text().splitlines()) == 1  # started once, before the first test
    mark.unlink()
    # The test that needs the job is deselected: the job does not start at all.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "other")
    result.assert_outcomes(passed=1, deselected=2)
    assert not mark.exists()
