"""POST /fhir/$process-message: BaRS-style message Bundles carrying new referrals, updates with new
facts, and cancellations."""

from __future__ import annotations

from flask import Response

from referral_service.domain.clock import utcnow
from referral_service.domain.intake import IncomingFacts, IncomingReferral
from referral_service.fhir import bp, current_client, render
from referral_service.fhir.capabilities import operation
from referral_service.fhir.findings import service_warnings
from referral_service.fhir.http import fhir_response, message_ids, read_resource
from referral_service.fhir.intake import Recipient, request_from_message
from referral_service.services.conversation import record_referrer_answer, update_referral
from referral_service.services.intake import cancel_referral, receive_referral
from referral_service.web.context import service_context, unit_of_work

PROCESS_MESSAGE_DEFINITION = "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"


@bp.post("/$process-message")
@operation("process-message", PROCESS_MESSAGE_DEFINITION)
def process_message() -> Response:
    """Read the message (every problem found is answered at once), then receive, update or cancel the referral."""
    request_id, correlation_id = message_ids(required=True)
    raw, document, bundle = read_resource("Bundle")
    settings = service_context().settings
    received = request_from_message(
        raw,
        bundle,
        request_id=request_id,
        correlation_id=correlation_id,
        recipient=Recipient(settings.endpoint, settings.ods_code),
    )
    with unit_of_work() as uow:
        actor = current_client()
        if isinstance(received.value, IncomingReferral):
            receipt = receive_referral(uow, received.value, actor=actor, now=utcnow())
        elif isinstance(received.value, IncomingFacts):
            apply = record_referrer_answer if received.value.kind == "answer" else update_referral
            receipt = apply(uow, received.value, actor=actor, now=utcnow())
        else:
            receipt = cancel_referral(uow, received.value, actor=actor, now=utcnow())
    warnings = [*received.warnings, *service_warnings(receipt.warnings)]
    return fhir_response(render.processed_bundle(document, received.focus_path, receipt, warnings))
