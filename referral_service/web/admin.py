"""GET /admin/integration-health: the outbox's health per referrer endpoint, for monitoring systems.

Machines call it with a bearer token (POST /oauth/token) of an API client with the admin scope
(`flask --app wsgi clients create NAME --name … --admin`); people use the portal's /portal/admin
page. HTTP Basic with a portal password is retired: it bypassed the portal's lockout and counted no
failures. No patient data: endpoints, times, counts and the latest error.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request

from referral_service.domain.clock import utcnow
from referral_service.services.access import active_client
from referral_service.services.errors import Unauthorized
from referral_service.services.integration import integration_health, notification_health
from referral_service.web.context import unit_of_work
from referral_service.web.tokens import client_id_from_token

bp = Blueprint("admin", __name__, url_prefix="/admin")
REALM = 'Bearer realm="referral_service admin"'


def _refuse(status: int, message: str) -> Response:
    response = jsonify(error="unauthorized" if status == 401 else "forbidden", message=message)
    response.status_code = status
    challenge = REALM if status == 401 else f'{REALM}, error="insufficient_scope", scope="admin"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def admin_scope_refusal() -> Response | None:
    """None when the request carries a bearer token of an active client with the admin scope;
    otherwise the 401 (no or bad token) or 403 (a token without the scope) to answer with.
    For every operational endpoint that is not public in production."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    client_id = client_id_from_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if client_id is None:
        return _refuse(401, "a bearer access token of an API client with the admin scope is required")
    try:
        with unit_of_work() as uow:
            actor = active_client(uow, client_id)
    except Unauthorized:
        return _refuse(401, "the access token's client is no longer active")
    if not actor.has_admin_scope:
        return _refuse(403, "this API client does not have the admin scope")
    return None


@bp.get("/integration-health")
def health() -> Response:
    refusal = admin_scope_refusal()
    if refusal is not None:
        return refusal
    with unit_of_work() as uow:
        rows = integration_health(uow, now=utcnow())
        notifications = notification_health(uow, now=utcnow())
    return jsonify(endpoints=[asdict(row) for row in rows], notifications=asdict(notifications))
