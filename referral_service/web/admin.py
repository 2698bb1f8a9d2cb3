"""GET /admin/integration-health: the outbox's health per referrer endpoint, for administrators.

HTTP Basic with a portal administrator's credentials, for monitoring systems that poll it (people
use the portal's /portal/admin page). No patient data: endpoints, times, counts and the latest error.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.services.accounts import authenticate_user
from referral_service.services.errors import Unauthorized
from referral_service.services.integration import integration_health
from referral_service.web.context import service_context, unit_of_work

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _refuse() -> Response:
    response = jsonify(error="unauthorized", message="an administrator's credentials are required")
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Basic realm="referral_service admin"'
    return response


@bp.get("/integration-health")
def health() -> Response:
    credentials = request.authorization
    if credentials is None or not credentials.username or not credentials.password:
        return _refuse()
    try:
        with unit_of_work() as uow:
            authenticate_user(
                uow, credentials.username, credentials.password, role=UserRole.ADMIN, hasher=service_context().hasher
            )
            rows = integration_health(uow, now=utcnow())
    except Unauthorized:
        return _refuse()
    return jsonify(endpoints=[asdict(row) for row in rows])
