"""Browser-facing protection: CSRF on every form, cookie flags, security headers, a CSP nonce.

The JSON and FHIR APIs authenticate with bearer tokens or Basic credentials, not cookies, so CSRF
does not apply to them and they are exempt; every HTML form carries a token (Flask-WTF).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFProtect

from referral_service.config import Settings

csrf = CSRFProtect()
API_BLUEPRINTS = ("fhir", "oauth", "oruk", "admin", "health")
HSTS = "max-age=31536000; includeSubDomains"
# Never stored by a browser or a proxy: every /fhir answer (all but metadata carry a client's
# referrals or need its token, and one rule cannot miss a new route) and /oauth/token (RFC 6749 §5.1).
NO_STORE_PREFIXES = ("/fhir/", "/oauth/")


class _NoCookieWithStaticFiles(SecureCookieSessionInterface):
    """The session cookie is refreshed on every page, but never sent back with a stylesheet, script or
    image. A page's files are fetched in parallel, each answer carrying the cookie its request came
    with: one that arrived after a newer page's answer put back the older session, whose form token
    was no longer the page's, and the next form was refused as expired (seen in the browser tests)."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint is not None and request.endpoint.rpartition(".")[2] == "static" and not session.modified:
            return False
        return super().should_set_cookie(app, session)


def csp_nonce() -> str:
    """A fresh nonce per response, for the one inline script NHS.UK frontend's page template needs."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def register_security(app: Flask, settings: Settings) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure everywhere but local development over plain http://127.0.0.1 (make run) and tests.
        SESSION_COOKIE_SECURE=settings.environment not in {"development", "test"},
        SESSION_COOKIE_NAME="referral_service_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which expires on its own
    )
    app.session_interface = _NoCookieWithStaticFiles()
    csrf.init_app(app)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # Local development serves plain http://127.0.0.1 and tests run without TLS: HSTS there would
    # pin a browser to https for localhost for a year.
    strict_transport = settings.environment not in {"development", "test"}

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if strict_transport:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.path == "/fhir" or request.path.startswith(NO_STORE_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
        if response.mimetype == "text/html":
            response.headers.setdefault("X-Frame-Options", "DENY")
            nonce = g.get("csp_nonce")
            script = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
            response.headers.setdefault(
                "Content-Security-Policy",
                f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
            )
            if request.blueprint not in API_BLUEPRINTS:
                response.headers.setdefault("Cache-Control", "no-store")  # pages may hold patient data
        return response


def exempt_api_blueprints(app: Flask) -> None:
    """Call after every blueprint is registered."""
    for name in API_BLUEPRINTS:
        blueprint = app.blueprints.get(name)
        if blueprint is not None:
            csrf.exempt(blueprint)
