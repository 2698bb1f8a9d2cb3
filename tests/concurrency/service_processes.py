"""The service as deployed, as real processes: gunicorn serving `wsgi:app`, and the scheduler
(`flask --app wsgi jobs run`) beside it, each in a process group of its own and stopped afterwards."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from referral_service.config import PROJECT_ROOT

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> frozenset[int]:
    """The process's children (gunicorn's workers), from /proc."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return frozenset(int(child) for child in path.read_text().split()) if path.exists() else frozenset()


@dataclass
class ServiceProcesses:
    root: str
    web: subprocess.Popen[bytes]
    scheduler: subprocess.Popen[bytes]
    folder: Path
    workers: frozenset[int] = field(default_factory=frozenset)
    pids: tuple[int, int] = (0, 0)
    scheduler_started: float = 0.0  # time.monotonic() when it said it was running (its ticks count from there)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"== {name}.log\n{self.log(name)}" for name in ("web", "scheduler"))

    def next_tick(self, interval: float, after: float) -> float:
        """When (time.monotonic()) the scheduler's first tick of `interval` seconds comes after `after`."""
        ticks = int((after - self.scheduler_started) // interval) + 1
        return self.scheduler_started + ticks * interval

    def assert_same_processes(self) -> None:
        """Neither process has exited or been replaced, nor has any gunicorn worker been restarted."""
        assert self.web.poll() is None and self.scheduler.poll() is None, self.logs()
        assert (self.web.pid, self.scheduler.pid) == self.pids
        assert _children(self.web.pid) == self.workers, f"a gunicorn worker was replaced:\n{self.logs()}"


def _start(command: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _web_ready(root: str) -> bool:
    with contextlib.suppress(OSError), urllib.request.urlopen(f"{root}/readyz", timeout=2) as response:  # noqa: S310
        return bool(response.status == 200)
    return False


def _wait_until_ready(processes: ServiceProcesses) -> None:
    """The scheduler first, watched closely (its ticks count from when it starts), then the web server."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while "scheduler running:" not in processes.log("scheduler"):
        assert processes.scheduler.poll() is None, f"the scheduler exited:\n{processes.logs()}"
        assert time.monotonic() < deadline, f"the scheduler did not start:\n{processes.logs()}"
        time.sleep(0.02)
    processes.scheduler_started = time.monotonic()
    while not _web_ready(processes.root):
        assert processes.web.poll() is None, f"the web server exited:\n{processes.logs()}"
        assert time.monotonic() < deadline, f"the web server was not ready:\n{processes.logs()}"
        time.sleep(0.1)


@contextlib.contextmanager
def running_service(settings: dict[str, str], folder: Path, workers: int = 2) -> Iterator[ServiceProcesses]:
    """Both processes started with `settings` (beside this environment, minus the suite's own
    database and service settings), ready; afterwards both stopped, whatever happened."""
    if not (BIN / "gunicorn").exists():
        pytest.skip("needs gunicorn (the test extras)")
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key != "TEST_DATABASE_URL" and not key.startswith("REFERRAL_SERVICE_")
    }
    environment = inherited | {"PYTHONUNBUFFERED": "1"} | settings
    port = _free_port()
    web_command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    web_command += ["--timeout", "60", "--graceful-timeout", "5", "--no-control-socket", "wsgi:app"]
    web = _start(web_command, environment, folder / "web.log")
    scheduler = _start([str(BIN / "flask"), "--app", "wsgi", "jobs", "run"], environment, folder / "scheduler.log")
    processes = ServiceProcesses(f"http://127.0.0.1:{port}", web, scheduler, folder)
    try:
        _wait_until_ready(processes)
        deadline = time.monotonic() + STARTUP_SECONDS
        while len(_children(web.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        processes.workers = _children(web.pid)
        processes.pids = (web.pid, scheduler.pid)
        yield processes
    finally:
        _stop(web)
        _stop(scheduler)
