"""POST /oauth/token: OAuth 2.0 client credentials (RFC 6749 §4.4) for GP, provider and monitoring systems.

Throttled per client id and per remote address (services.client_sign_in): repeated failures are
answered 429 with Retry-After. Behind a reverse proxy, `remote_addr` must be the caller's address
(e.g. werkzeug's ProxyFix), or every caller shares the proxy's count.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from referral_service.domain.clock import utcnow
from referral_service.services.client_sign_in import ClientSignInOutcome, sign_in_client
from referral_service.web.context import service_context, unit_of_work
from referral_service.web.tokens import TOKEN_LIFETIME_SECONDS, issue_token

bp = Blueprint("oauth", __name__, url_prefix="/oauth")


def _error(status: int, error: str, description: str) -> Response:
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="referral_service"'
    return response


@bp.post("/token")
def token() -> Response:
    grant_type = request.form.get("grant_type")
    if grant_type != "client_credentials":
        return _error(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
    credentials = request.authorization
    client_id = request.form.get("client_id") or (credentials.username if credentials else None)
    secret = request.form.get("client_secret") or (credentials.password if credentials else None)
    if not client_id or not secret:
        return _error(400, "invalid_request", "client_id and client_secret are required")
    with unit_of_work() as uow:
        result = sign_in_client(
            uow, client_id, secret, remote_address=request.remote_addr, hasher=service_context().hasher, now=utcnow()
        )
    if result.outcome is ClientSignInOutcome.THROTTLED:
        # RFC 6749 §5.2 defines no throttling error: invalid_client, with 429 and Retry-After saying why.
        response = _error(429, "invalid_client", "too many failed attempts: try again after Retry-After seconds")
        response.headers["Retry-After"] = str(result.retry_after_seconds)
        return response
    if result.actor is None:
        return _error(401, "invalid_client", "unknown client or wrong secret")
    response = jsonify(
        access_token=issue_token(result.actor.id),
        token_type="Bearer",  # noqa: S106  (the OAuth token type, not a secret)
        expires_in=TOKEN_LIFETIME_SECONDS,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
