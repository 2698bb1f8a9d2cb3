"""The tests' live server (tests/fixtures/live.py) closes every response body before writing it.

werkzeug's development server closes a body only after writing all of it. When a browser hung up
part-way through the portal's stylesheet, the open file's ResourceWarning failed whichever test ran
next (seen once in CI, on PostgreSQL, in tests/browser). The race cannot be forced from here, so
this checks the guarantee that removes it: the body is closed before the server sees a byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.fixtures.live import _bodies_closed_before_sending


class Body:
    """A response body that says whether it was closed (a file being sent, say)."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield b"body { "
        yield b"color: #212b32 }"

    def close(self) -> None:
        self.closed = True


def test_the_body_is_whole_and_closed_before_the_server_writes_it() -> None:
    body = Body()
    started: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> Body:
        start_response("200 OK", [("Content-Type", "text/css")])
        return body

    sent = _bodies_closed_before_sending(app)({}, lambda status, headers: started.append(status))  # type: ignore[arg-type]

    assert body.closed  # before the server iterates anything, so a hang-up cannot leave it open
    assert list(sent) == [b"body { color: #212b32 }"]
    assert started == ["200 OK"]
