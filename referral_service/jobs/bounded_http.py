"""An HTTP POST bounded in total wall time, not per socket read.

A socket time-out alone restarts at every byte, so a receiver that trickles a byte every few
seconds holds a send for ever. Here every read and write of the connection gets, as its time-out,
what is left of one deadline for the whole attempt (connecting, sending, the complete answer),
and fails with TimeoutError once it has passed. No threads; urllib's handling of proxies and
HTTP errors is kept, only its connections are bounded.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
import urllib.error
import urllib.request
from functools import partial
from typing import Any


class Deadline:
    """The moment an attempt must be over by."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self._at - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no complete answer within {self.seconds:g} s")
        return remaining

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self._at


class _DeadlineSocket:
    """The connection's socket, each read and write timed out at what is left of the deadline.

    Like a socket, it stays open while a reader made by `makefile` is (urllib closes the connection
    as soon as the answer's headers are in, and reads the body after)."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock, self._deadline = sock, deadline
        self._readers, self._closing = 0, False

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.left())
        self._sock.sendall(data)

    def recv_into(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.left())
        return self._sock.recv_into(buffer)

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        self._readers += 1
        return io.BufferedReader(_Reader(self))

    def close(self) -> None:
        self._closing = True
        if not self._readers:
            self._sock.close()

    def reader_closed(self) -> None:
        self._readers -= 1
        if self._closing and not self._readers:
            self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _Reader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._sock.reader_closed()
        super().close()


class _BoundedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def connect(self) -> None:
        self.timeout = self.deadline.left()
        super().connect()
        self.sock = _DeadlineSocket(self.sock, self.deadline)


class _BoundedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def connect(self) -> None:
        self.timeout = self.deadline.left()
        super().connect()  # TCP, then TLS, both within what is left
        self.sock = _DeadlineSocket(self.sock, self.deadline)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_BoundedHTTPConnection, deadline=self.deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_BoundedHTTPSConnection, deadline=self.deadline), req)


def post(url: str, body: bytes, headers: dict[str, str], deadline: Deadline) -> tuple[int, bytes]:
    """POST and read the whole answer before `deadline`: (status, body), 4xx and 5xx included.

    Raises TimeoutError when the deadline passes, ValueError for an address that is not http(s),
    and OSError or http.client.HTTPException when the connection fails.
    """
    return request("POST", url, body, headers, deadline)


def request(
    method: str, url: str, body: bytes | None, headers: dict[str, str], deadline: Deadline
) -> tuple[int, bytes]:
    """Any method, bounded like `post` (the Notify client's GETs and POSTs)."""
    opener = urllib.request.build_opener(_HTTPHandler(deadline), _HTTPSHandler(deadline))
    req = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
    if req.type not in ("http", "https"):
        raise ValueError(f"not an http(s) address: {req.type}")
    try:
        with opener.open(req, timeout=deadline.left()) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()
