"""The README's promise: `make run` sets everything up and serves, healthy and ready, on SQLite."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from referral_service.config import PROJECT_ROOT

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (loopback URL we built)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.skipif(
    os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"), reason="make run is the SQLite demo"
)
@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_serves_healthy_and_ready_with_the_demo_directory(tmp_path: Path) -> None:
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    environment |= {"PORT": str(port), "REFERRAL_SERVICE_INSTANCE_DIR": str(tmp_path / "instance")}
    log = (tmp_path / "make-run.log").open("w")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        ready: tuple[int, dict[str, str]] | None = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = get(f"http://127.0.0.1:{port}/readyz")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        output = (tmp_path / "make-run.log").read_text()
        assert ready is not None, f"make run did not serve within two minutes:\n{output}"
        assert ready == (200, {"status": "ready", "reason": "database answers and its schema is current"})
        assert get(f"http://127.0.0.1:{port}/healthz") == (200, {"status": "ok"})
        assert "organisations: 10 created" in output
        assert "provider provider@example.org (created)" in output
        assert (tmp_path / "instance" / "referral_service.sqlite3").exists()
        deadline = time.monotonic() + 30
        while "scheduler running:" not in output and time.monotonic() < deadline:
            time.sleep(0.5)
            output = (tmp_path / "make-run.log").read_text()
        assert "scheduler running: expire-offers" in output, output  # the scheduler runs beside the web process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        log.close()
