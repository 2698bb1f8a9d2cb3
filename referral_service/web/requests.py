"""A request id on every request: the caller's X-Request-Id when it sends a UUID, else a new one."""

from __future__ import annotations

import uuid

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-Id"


def _valid_uuid(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def register_request_ids(app: Flask) -> None:
    @app.before_request
    def _assign_request_id() -> None:
        g.request_id = _valid_uuid(request.headers.get(REQUEST_ID_HEADER)) or str(uuid.uuid4())

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        # our id, which is the caller's only when it was a UUID: what failed the check is never echoed
        response.headers.setdefault(REQUEST_ID_HEADER, g.get("request_id", ""))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


def current_request_id() -> str:
    return str(g.get("request_id") or "")
