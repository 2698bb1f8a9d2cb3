"""Liveness and readiness, for load balancers and `make run`'s users."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from referral_service.services.health import check_readiness
from referral_service.web.context import unit_of_work

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process serves; says nothing about the database, so a restart loop never follows an outage."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    with unit_of_work() as uow:
        readiness = check_readiness(uow)
    body = jsonify(status="ready" if readiness.ready else "not ready", reason=readiness.reason)
    return body, 200 if readiness.ready else 503
