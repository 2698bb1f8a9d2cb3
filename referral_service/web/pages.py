"""HTML error pages for the browser-facing parts (portal, reports, login): NHS.UK styled, no detail
that could hold patient data, the request id to quote."""

from __future__ import annotations

from flask import Flask, Response, render_template

from referral_service.web.errors import register_error_renderer
from referral_service.web.requests import current_request_id

HTML_PREFIXES = ("/portal", "/reports", "/login", "/logout")
TITLES = {
    400: "There is a problem with the request",
    401: "You need to sign in",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That cannot be done here",
    409: "That cannot be done now",
    422: "There is a problem",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def render_error_page(status: int, code: str, message: str) -> Response:
    if code == "bad-request" and "CSRF" in message:
        message = "The form had expired or was sent from somewhere else. Go back, reload the page and try again."
    if status == 503:
        message = "The service cannot reach its records just now. Try again in a few moments."
    elif status >= 500:
        message = "Try again later."
    elif status == 404:
        message = (
            "If you typed the web address, check it is correct. A referral you are not responsible for is not shown."
        )
    html = render_template(
        "web/error.html",
        status=status,
        title=TITLES.get(status, "There is a problem"),
        message=message,
        request_id=current_request_id(),
    )
    return Response(html, status=status, mimetype="text/html")


def register_error_pages(app: Flask) -> None:
    for prefix in HTML_PREFIXES:
        register_error_renderer(app, prefix, render_error_page)
