"""The FHIR R4 API under /fhir: a facade over the service functions (HAPI's "plain server" shape)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g, request

from referral_service.domain.errors import DomainError
from referral_service.fhir.http import check_message_headers
from referral_service.fhir.outcomes import REC_CODES, FhirError, Issue, outcome_response, render_http_error
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Actor, active_client
from referral_service.services.errors import ServiceError, Unauthorized
from referral_service.web.context import at_first_unit_of_work, first_unit_of_work_pending, unit_of_work
from referral_service.web.errors import register_error_renderer
from referral_service.web.metrics import count_intake
from referral_service.web.tokens import client_id_from_token

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
PUBLIC_ENDPOINTS = {"fhir.metadata"}
INTAKE_DOORS = {"fhir.process_message": "bars-message", "fhir.create_service_request": "service-request"}


@bp.before_request
def _authenticate() -> None:
    """Every call but metadata needs a bearer token of a client that is still active.

    The token is checked here; whether its client is still active is asked at the start of the
    view's first unit of work, in its transaction (one transaction per request, and the outbox
    finds the client already loaded). A response that never opened one asks afterwards
    (`_check_client_anyway`), so a deactivated client is refused whatever the view did."""
    check_message_headers()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    client_id = client_id_from_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if client_id is None:
        raise FhirError.one(401, "security", "a valid bearer access token is required (POST /oauth/token)")

    def resolve(uow: UnitOfWork) -> None:
        g.fhir_actor = active_client(uow, client_id)

    at_first_unit_of_work(resolve)


@bp.after_request
def _count_intake(response: Response) -> Response:
    """Intake outcomes for /metrics: accepted, or refused with the BaRS reason code (no patient data)."""
    door = INTAKE_DOORS.get(request.endpoint or "")
    if door is not None:
        status = response.status_code
        reason = (
            "ok" if status < 400 else REC_CODES.get(status, "REC_SERVER_ERROR" if status >= 500 else "REC_BAD_REQUEST")
        )
        count_intake(door, status, reason)
    return response


@bp.after_request
def _check_client_anyway(response: Response) -> Response:
    """A view that answered without a unit of work (a body refused before any read) still answers
    401 to a client no longer active, as when the client was looked up first. Registered after
    `_count_intake` so that it runs before it (Flask runs these last first)."""
    if not first_unit_of_work_pending():
        return response
    try:
        with unit_of_work():
            pass
    except Unauthorized as refused:
        return _service_error(refused)
    return response


def current_client() -> Actor:
    """The calling client; call it inside the view's unit of work (outside, it costs one of its own)."""
    if "fhir_actor" not in g:
        with unit_of_work():
            pass
    actor: Actor = g.fhir_actor
    return actor


@bp.errorhandler(FhirError)
def _fhir_error(error: FhirError) -> Response:
    response = outcome_response(error.status, error.issues)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="referral_service"'
    return response


@bp.errorhandler(ServiceError)
def _service_error(error: ServiceError) -> Response:
    response = outcome_response(error.status, [Issue(error.code, error.message, error.where)])
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="referral_service"'
    return response


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    return outcome_response(409, [Issue("business-rule", error.message)])


def register(app: Flask) -> None:
    from referral_service.fhir.http import echo_message_headers
    from referral_service.fhir.routes import (  # noqa: F401
        communication,
        directory,
        messaging,
        metadata,
        servicerequest,
        task,
    )

    app.register_blueprint(bp)
    register_error_renderer(app, "/fhir", render_http_error)

    @app.after_request
    def _echo(response: Response) -> Response:
        if request.path == "/fhir" or request.path.startswith("/fhir/"):
            return echo_message_headers(response)
        return response
