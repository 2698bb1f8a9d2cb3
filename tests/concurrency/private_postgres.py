"""A PostgreSQL cluster of a test's own, on a free loopback port, that the test may stop and start.

The shared server other suites (and CI) use is never touched: `initdb` makes a new cluster in a
temporary folder, `pg_ctl` runs it, and it is stopped and deleted afterwards, even on failure.
PostgreSQL refuses to run as root, so as root the binaries run as the `postgres` OS user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SERVER_USER = "postgres"


def _binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when this machine has no PostgreSQL server."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += [Path(folder) for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def why_not_available() -> str | None:
    """The reason a private cluster cannot be made here, or None when it can."""
    if _binaries() is None:
        return "needs the PostgreSQL server binaries (initdb, pg_ctl) for a private cluster"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root needs runuser to start PostgreSQL as another user"
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root needs a {SERVER_USER!r} OS user to run PostgreSQL as"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PrivateCluster:
    folder: Path
    port: int
    binaries: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.binaries / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        finished = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if finished.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(arguments)} failed:\n{finished.stdout}{finished.stderr}")

    def initialise(self) -> None:
        arguments = ["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]
        self._run("initdb", "-D", str(self.data), *arguments)

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` is what a restart does to a running service: every session is ended at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A started cluster; afterwards stopped (immediately) and its folder deleted, whatever happened."""
    binaries = _binaries()
    assert binaries is not None, why_not_available()
    # Not pytest's tmp_path: its parents are private to this user, and the server's user must reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="private-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER, SERVER_USER)
    cluster = PrivateCluster(folder, _free_port(), binaries)
    try:
        cluster.initialise()
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
