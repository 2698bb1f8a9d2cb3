"""A real HTTP receiver on loopback, standing in for a GP system's $process-message endpoint.

It answers from a script (503, a time-out, 409 duplicate, 400, a trickled 200, then 200s),
de-duplicates by X-Request-Id as a BaRS receiver must, and keeps what it accepted in arrival order.
`during` runs while a request is held, before the answer (to look at the database meanwhile).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DUPLICATE = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "duplicate", "diagnostics": "already processed"}],
}


@dataclass
class Receiver:
    url: str = ""
    script: list[str] = field(default_factory=list)  # "503", "timeout", "400", "409", "trickle", then "200"
    delay: float = 0.0
    hang: float = 2.0
    trickle: float = 1.0  # "trickle": the answer's first `trickled` bytes one at a time, this far apart
    trickled: int = 10
    during: Callable[[str], None] | None = None  # called with the X-Request-Id while the request is held
    attempts: list[str] = field(default_factory=list)  # X-Request-Id of every request, as it came
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)  # request id -> message
    order: list[str] = field(default_factory=list)  # request ids accepted, first time only
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else "200"

    def messages(self) -> list[dict[str, Any]]:
        return [self.accepted[request_id] for request_id in self.order]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request_id = self.headers.get("X-Request-Id", "")
            with receiver.lock:
                receiver.attempts.append(request_id)
            if receiver.during is not None:
                receiver.during(request_id)
            if receiver.delay:
                time.sleep(receiver.delay)
            answer = receiver.next_answer()
            if answer == "trickle":
                self._trickle()
                return
            if answer == "timeout":
                time.sleep(receiver.hang)
                answer = "503"
            if answer != "200":
                self._reply(
                    int(answer), DUPLICATE if answer == "409" else {"resourceType": "OperationOutcome", "issue": []}
                )
                return
            with receiver.lock:
                if request_id in receiver.accepted:  # a resend: already processed
                    self._reply(409, DUPLICATE)
                    return
                receiver.accepted[request_id] = json.loads(body)
                receiver.order.append(request_id)
                receiver.headers[request_id] = dict(self.headers.items())
            self._reply(200, {"resourceType": "Bundle", "type": "message"})

        def _trickle(self) -> None:
            """A 200 that comes a byte at a time: each read gets a byte well within any per-read time-out."""
            payload = json.dumps({"resourceType": "Bundle", "type": "message"}).encode()
            answer = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
                + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                + payload
            )
            with suppress(BrokenPipeError, ConnectionResetError):
                for index in range(min(receiver.trickled, len(answer))):
                    self.wfile.write(answer[index : index + 1])
                    self.wfile.flush()
                    time.sleep(receiver.trickle)
                self.wfile.write(answer[receiver.trickled :])
            self.close_connection = True

        def _reply(self, status: int, document: dict[str, Any]) -> None:
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Request-Id", self.headers.get("X-Request-Id", ""))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

    return Handler


@contextmanager
def running_receiver(**options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/fhir/$process-message"
    # A short poll, so shutdown() returns at once rather than after the default half second.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
