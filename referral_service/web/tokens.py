"""Bearer access tokens for API clients: signed, time-limited, and checked against the client each call."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

TOKEN_LIFETIME_SECONDS = 3600
_SALT = "referral-service-api-access-token"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_token(client_id: str) -> str:
    return _serializer().dumps({"client_id": client_id})


def client_id_from_token(token: str) -> str | None:
    """The client a token was issued to, or None when it is forged, malformed or expired."""
    try:
        payload = _serializer().loads(token, max_age=TOKEN_LIFETIME_SECONDS)
    except (SignatureExpired, BadSignature):
        return None
    client_id = payload.get("client_id") if isinstance(payload, dict) else None
    return client_id if isinstance(client_id, str) else None
