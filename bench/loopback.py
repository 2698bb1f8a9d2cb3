"""Receivers on loopback for the benchmarks, each in a process of its own so it never shares a GIL
with what is measured: an HTTP server that answers every POST (a referrer's endpoint, or GOV.UK
Notify's API with a notification id), and an SMTP server (aiosmtpd) that accepts every message.

Copied in spirit from tests/fixtures (notify.py, smtp.py), not imported: bench/ must not need tests/.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve_http(port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps({"id": str(uuid.uuid4())}).encode()  # what Notify answers a send with
            self.send_response(201 if self.path.startswith("/v2/notifications") else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def _serve_smtp(port: int) -> None:
    from aiosmtpd.controller import Controller

    class Accept:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 Message accepted for delivery"

    controller = Controller(Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    asyncio.run(asyncio.Event().wait())  # until terminated


def _wait_for(port: int, process: multiprocessing.process.BaseProcess) -> None:
    for _ in range(200):
        if not process.is_alive():
            raise RuntimeError("the loopback receiver exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            process.join(0.05)
    raise RuntimeError("the loopback receiver did not start")


@contextmanager
def receiver(kind: str) -> Iterator[str]:
    """`http` or `smtp`: yields its base URL (http://127.0.0.1:port or smtp://127.0.0.1:port)."""
    port = _free_port()
    target = _serve_http if kind == "http" else _serve_smtp
    process = multiprocessing.get_context("spawn").Process(target=target, args=(port,), daemon=True)
    process.start()
    try:
        _wait_for(port, process)
        yield f"{kind}://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(5)
