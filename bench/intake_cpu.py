"""CPU per referral by each intake door, in process: the app under Flask's test client (no HTTP,
no gunicorn), the demo directory, the bench's client and patient, `--requests` referrals by each
door after 20 unmeasured. The process's own CPU (a PostgreSQL server's is not in it) and wall time.

To compare two checkouts, run it from each with that checkout first on PYTHONPATH, alternately:

    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/intake_cpu.py [--database-url …] [--requests 300]

Each run needs an empty database (a fresh SQLite file by default).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

import intake
from statements import in_process_app  # type: ignore[import-not-found]


def send(client: FlaskClient, token: str, endpoint: intake.Endpoint, count: int) -> None:
    for _ in range(count):
        headers = intake.request_headers(token)
        headers["X-Request-Id"] = str(uuid.uuid4())
        response = client.post(endpoint.path, data=endpoint.body(), headers=headers)
        assert response.status_code == endpoint.service_status, response.get_data(as_text=True)[:500]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--requests", type=int, default=300)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = arguments.database_url or f"sqlite:///{folder}/intake_cpu.sqlite3"
        engine, client, token = in_process_app(url, folder)
        for endpoint in intake.endpoints():
            send(client, token, endpoint, 20)
            cpu, wall = time.process_time(), time.perf_counter()
            send(client, token, endpoint, arguments.requests)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            each = 1000 / arguments.requests
            print(f"{endpoint.name}: {cpu * each:.2f} ms CPU, {wall * each:.2f} ms wall per referral", flush=True)
        engine.dispose()


if __name__ == "__main__":
    main()
