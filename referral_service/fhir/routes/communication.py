"""POST /fhir/Communication: the referrer's answer to a link worker's question (our CommunicationRequest)."""

from __future__ import annotations

from flask import Response, url_for

from referral_service.domain.clock import utcnow
from referral_service.fhir import bp, current_client
from referral_service.fhir.capabilities import supports
from referral_service.fhir.conversation import answer_from_communication
from referral_service.fhir.http import fhir_response, message_ids, read_resource
from referral_service.fhir.outcomes import Issue, operation_outcome
from referral_service.services.conversation import record_referrer_answer
from referral_service.web.context import unit_of_work


@bp.post("/Communication")
@supports("Communication", "create")
def create_communication() -> Response:
    """The answer reaches the referral (only from the practice system that sent it); facts it carries
    re-triage a referral waiting for a link worker. Answered with an OperationOutcome and the Task."""
    request_id, correlation_id = message_ids(required=False)
    _raw, _document, communication = read_resource("Communication")
    answer = answer_from_communication(communication, request_id=request_id, correlation_id=correlation_id)
    with unit_of_work() as uow:
        receipt = record_referrer_answer(uow, answer, actor=current_client(), now=utcnow())
    task = url_for("fhir.read_task_resource", task_id=receipt.task_id, _external=True)
    told = f"answer recorded on ServiceRequest/{receipt.referral_id}; its Task is {receipt.business_status}"
    outcome = operation_outcome(201, [Issue("informational", told, severity="information")])
    return fhir_response(outcome, 201, {"Content-Location": task, "ETag": f'W/"{receipt.task_version}"'})
