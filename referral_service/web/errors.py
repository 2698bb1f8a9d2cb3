"""App-wide error handling: adapters register a renderer for their URL prefix; others get JSON or HTML.

Routing errors (404, 405) happen before any blueprint's view runs, so they reach these app-level
handlers; the FHIR adapter registers its OperationOutcome renderer for `/fhir` here, so this
module never imports an adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from referral_service.persistence.availability import database_unavailable
from referral_service.services.errors import ServiceError
from referral_service.web.requests import current_request_id

log = logging.getLogger(__name__)

ErrorRenderer = Callable[[int, str, str], Response]
RENDERERS_KEY = "referral_service.error_renderers"
RETRY_AFTER_SECONDS = 5  # a database restart takes seconds; a GP system retries rather than raise a ticket
UNAVAILABLE = "The service cannot reach its database just now: try again shortly."


def register_error_renderer(app: Flask, prefix: str, renderer: ErrorRenderer) -> None:
    app.extensions.setdefault(RENDERERS_KEY, {})[prefix] = renderer


def _render(app: Flask, status: int, code: str, message: str) -> Response:
    renderers: dict[str, ErrorRenderer] = app.extensions.get(RENDERERS_KEY, {})
    for prefix in sorted(renderers, key=len, reverse=True):
        if request.path == prefix or request.path.startswith(prefix.rstrip("/") + "/"):
            return renderers[prefix](status, code, message)
    response = jsonify(status=status, error=code, message=message, request_id=current_request_id())
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        return _render(app, status, (error.name or "error").lower().replace(" ", "-"), error.description or "")

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError) -> Response:
        return _render(app, error.status, error.code, error.message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if database_unavailable(error):
            log.warning("database unavailable (request %s): %s", current_request_id(), type(error).__name__)
            response = _render(app, 503, "service-unavailable", UNAVAILABLE)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        # The message and traceback may hold patient data; the redaction filter is the backstop.
        log.error("unhandled error (request %s)", current_request_id(), exc_info=error)
        return _render(
            app, 500, "exception", f"Internal error; quote request id {current_request_id()} to the service desk."
        )
