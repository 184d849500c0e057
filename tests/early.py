"""Slow set-up that starts as soon as the tests are collected, on the machine's other core.

Two fixtures spend minutes waiting on other programs: the second clean build of the book
(``test_reproducible``) and the Binder stand-in's environment (``test_binder``: pip, then
``binder/postBuild`` executing every chapter). Run when their module's turn came, they
held up the whole run for that long while a core sat idle. Here a test module registers
its set-up as a *job* at import, naming the fixture that needs it; once collection ends,
``conftest.py`` starts, in a thread each, the jobs whose fixture a selected test uses;
the fixture then asks for the job's result and waits only for what is left of it.

A job is a function of one argument, an empty folder of its own, and returns what the
fixture needs; it runs programs with :func:`run`, so that a session that ends early (a
failure under ``-x``, Ctrl-C) stops them instead of leaving them running. An exception in
the job (``pytest.fail`` included) is raised again where the fixture asks for the result,
so the tests report it as before. A job that was not started early (its module collected
another way) runs when first asked for.

Jobs must not depend on anything a test changes: they see the environment as it was when
collection ended (each takes its own copy of ``os.environ`` when it starts).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


class _Job:
    def __init__(self, name: str, fixture: str, work: Callable[[Path], Any]) -> None:
        self.name, self.fixture, self.work = name, fixture, work
        self.folder: Path | None = None
        self.thread: threading.Thread | None = None
        self.value: Any = None
        self.error: BaseException | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.thread is not None:
                return
            self.folder = Path(tempfile.mkdtemp(prefix=f"gd-early-{self.name}-"))
            self.thread = threading.Thread(target=self._run, name=f"early-{self.name}",
                                           daemon=True)
            self.thread.start()

    def _run(self) -> None:
        try:
            self.value = self.work(self.folder)
        except BaseException as exc:  # noqa: BLE001 (re-raised in the fixture's thread)
            self.error = exc

    def result(self) -> Any:
        self.start()
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.value


class Jobs:
    """A set of early jobs and the programs they run (the tests use one of their own)."""

    def __init__(self) -> None:
        self._jobs: dict[str, _Job] = {}
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._closed = False

    def register(self, name: str, work: Callable[[Path], Any], *, fixture: str) -> None:
        """Declare ``work`` as the early job ``name``, needed by the fixture ``fixture``."""
        if name in self._jobs and self._jobs[name].fixture != fixture:
            raise ValueError(f"early job {name!r} is already registered for the fixture "
                             f"{self._jobs[name].fixture!r}")
        self._jobs.setdefault(name, _Job(name, fixture, work))

    def start_for(self, fixtures_in_use: Iterable[str]) -> list[str]:
        """Start the jobs whose fixture is among ``fixtures_in_use``; return their names."""
        wanted = set(fixtures_in_use)
        started = []
        for job in self._jobs.values():
            if job.fixture in wanted:
                job.start()
                started.append(job.name)
        return started

    def result(self, name: str) -> Any:
        """What job ``name`` returned, once it has finished (started now if it was not)."""
        if name not in self._jobs:
            raise KeyError(f"no early job named {name!r}; registered: {sorted(self._jobs)}")
        return self._jobs[name].result()

    def run(self, cmd: list[str], *, timeout: float, **kwargs: Any) -> subprocess.CompletedProcess:
        """``subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, ...)``, in
        a process group of its own that :meth:`cleanup` stops if the session ends first."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the test session has ended; not starting {cmd[0]}")
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, start_new_session=True, **kwargs)
            self._running.add(proc)
        try:
            try:
                stdout, stderr = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop(proc)
                proc.communicate()
                raise
        finally:
            with self._lock:
                self._running.discard(proc)
        return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)

    def cleanup(self) -> None:
        """Stop what the jobs still run (a session that ended early); remove their folders."""
        with self._lock:
            self._closed = True
            running = list(self._running)
        for proc in running:
            _stop(proc)
        for job in self._jobs.values():
            if job.thread is not None:
                job.thread.join(timeout=60)
            if job.folder is not None:
                shutil.rmtree(job.folder, ignore_errors=True)


def _stop(proc: subprocess.Popen) -> None:
    """Kill the process and everything it started (kernels, pip's builds)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


#: The session's jobs: ``early.register(...)`` in a test module, ``early.result(...)`` in
#: its fixture, ``early.run(...)`` inside the job.
JOBS = Jobs()
register = JOBS.register
start_for = JOBS.start_for
result = JOBS.result
run = JOBS.run
cleanup = JOBS.cleanup
