"""Errors every adapter maps once: to an OperationOutcome, a form message, or an exit code."""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


class NotFound(ServiceError):
    status, code = 404, "not-found"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class Invalid(ServiceError):
    status, code = 422, "invalid"


class Unauthorized(ServiceError):
    status, code = 401, "security"


class Duplicate(Conflict):
    """The request was already processed; BaRS answers 409 with issue code `duplicate`."""

    code = "duplicate"
