"""POST /fhir/$process-message: BaRS-style message Bundles carrying new referrals and cancellations."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from flask import Response

from referral_service.domain.intake import Coding, IncomingCancellation
from referral_service.fhir import bp, current_client, extract, render
from referral_service.fhir.capabilities import operation
from referral_service.fhir.http import fhir_response, message_ids, read_resource
from referral_service.fhir.outcomes import FhirError, Issue
from referral_service.fhir.profiles import MessageShape, message_shapes
from referral_service.fhir.referrals import BARS_REFERRAL_CATEGORY, Reading, incoming, read_referral
from referral_service.fhir.ukcore import normalise_endpoint, ods_code
from referral_service.services.intake import cancel_referral, receive_referral
from referral_service.web.context import service_context, unit_of_work, utcnow

EVENTS = "https://fhir.nhs.uk/CodeSystem/message-events-bars"
REASONS = "https://fhir.nhs.uk/CodeSystem/message-reason-bars"
SUPPORTED_VERSION = re.compile(r"^1\.\d+\.\d+$")  # BaRS application versions 1.x
PROCESS_MESSAGE_DEFINITION = "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"


class MessageBundle:
    """Entries indexed by every way a reference may name them (fullUrl, Type/id)."""

    def __init__(self, bundle: Any) -> None:
        self.bundle = bundle
        self.entries: list[tuple[Any, str]] = []
        self.by_reference: dict[str, tuple[Any, str]] = {}
        for index, entry in enumerate(bundle.entry or ()):
            if entry.resource is None:
                continue
            item = (entry.resource, f"Bundle.entry[{index}].resource")
            self.entries.append(item)
            if entry.fullUrl:
                self.by_reference[entry.fullUrl] = item
            if entry.resource.id:
                self.by_reference[f"{entry.resource.get_resource_type()}/{entry.resource.id}"] = item

    def resolve(self, reference: str | None) -> tuple[Any, str] | None:
        return self.by_reference.get(reference) if reference else None

    def of_type(self, resource_type: str) -> list[tuple[Any, str]]:
        return [item for item in self.entries if item[0].get_resource_type() == resource_type]


@bp.post("/$process-message")
@operation("process-message", PROCESS_MESSAGE_DEFINITION)
def process_message() -> Response:
    request_id, correlation_id = message_ids(required=True)
    raw, document, bundle = read_resource("Bundle")
    message = MessageBundle(bundle)
    reading = Reading([])
    header, header_path, reason, shape = _check_header(bundle, message, reading)
    focus = message.resolve(header.focus[0].reference if header.focus else None)
    if focus is None or focus[0].get_resource_type() != "ServiceRequest":
        reading.issues.append(
            Issue("invalid", "focus must reference the ServiceRequest in the Bundle", f"{header_path}.focus")
        )
        raise reading.error()
    _check_cardinality(message, shape, reading)
    service_request, sr_path = focus
    actor = current_client()
    if reason == "new":
        referral = _new_referral(message, header, header_path, service_request, sr_path, reading)
        source = header.source.endpoint if header.source else None
        source_endpoint = extract.fit(source, 300, f"{header_path}.source.endpoint", reading.issues)
        reading.fail_if_errors()
        parts = incoming(
            referral,
            reading,
            payload=raw,
            payload_format="Bundle",
            request_id=request_id,
            correlation_id=correlation_id,
            bundle_id=bundle.id,
            source_endpoint=source_endpoint,
        )
        with unit_of_work() as uow:
            receipt = receive_referral(uow, parts, actor=actor, now=utcnow())
    else:
        cancellation = _cancellation(message, service_request, sr_path, reading, request_id, correlation_id)
        reading.fail_if_errors()
        with unit_of_work() as uow:
            receipt = cancel_referral(uow, cancellation, actor=actor, now=utcnow())
    warnings = [issue for issue in reading.issues if issue.severity == "warning"]
    return fhir_response(render.processed_bundle(document, sr_path, receipt, warnings))


def _check_header(bundle: Any, message: MessageBundle, reading: Reading) -> tuple[Any, str, str, MessageShape]:
    """BaRS receiver order: bundle type and version, header, event, reason, destination, definition."""
    settings = service_context().settings
    if bundle.type != "message":
        raise FhirError.one(400, "invalid", "$process-message takes a Bundle of type message", "Bundle.type")
    version = bundle.meta.versionId if bundle.meta else None
    if not version:
        raise FhirError.one(
            400, "invariant", "Bundle.meta.versionId (the BaRS version) is required", "Bundle.meta.versionId"
        )
    if not SUPPORTED_VERSION.match(version):
        raise FhirError.one(
            422, "not-supported", f"version {version} is not supported; send 1.x", "Bundle.meta.versionId"
        )
    if bundle.timestamp is None:
        reading.issues.append(Issue("required", "Bundle.timestamp is required", "Bundle.timestamp"))
    if not message.entries or message.entries[0][0].get_resource_type() != "MessageHeader":
        raise FhirError.one(
            400, "structure", "the first entry of a message must be its MessageHeader", "Bundle.entry[0]"
        )
    header, path = message.entries[0]
    event = header.eventCoding
    if event is None or event.system != EVENTS or event.code != "servicerequest-request":
        raise FhirError.one(
            422, "not-supported", f"only the event {EVENTS}#servicerequest-request is taken here", f"{path}.eventCoding"
        )
    reason = next((c.code for c in extract.codings(header.reason) if c.system == REASONS), None)
    if reason not in {"new", "update", "delete"}:
        raise FhirError.one(400, "value", f"reason must be new, update or delete ({REASONS})", f"{path}.reason")
    _check_destination(header, path, message, reading, settings.endpoint, settings.ods_code)
    definition = header.definition or None
    shapes = message_shapes()
    if definition is not None and definition not in shapes:
        raise FhirError.one(422, "not-supported", f"unknown MessageDefinition {definition}", f"{path}.definition")
    default = "referral-request" if reason == "new" else "referral-cancellation"
    shape = shapes[definition] if definition else next(s for c, s in shapes.items() if c.endswith(default))
    return header, path, str(reason), shape


def _check_destination(
    header: Any, path: str, message: MessageBundle, reading: Reading, endpoint: str, our_ods: str
) -> None:
    """Ours when a destination names our endpoint and its receiver is the Organization with our ODS code."""
    for index, destination in enumerate(header.destination or ()):
        where = f"{path}.destination[{index}]"
        if normalise_endpoint(destination.endpoint or "", f"{where}.endpoint", reading.issues) != endpoint:
            continue
        receiver = message.resolve(destination.receiver.reference if destination.receiver else None)
        is_organisation = receiver is not None and receiver[0].get_resource_type() == "Organization"
        if is_organisation and ods_code(receiver[0].identifier, receiver[1], reading.issues) == our_ods:  # type: ignore[index]
            return
        reading.issues.append(
            Issue(
                "not-supported",
                f"the destination's receiver must be the Organization with ODS code {our_ods}",
                f"{where}.receiver",
            )
        )
        return
    reading.issues.append(
        Issue(
            "not-supported",
            f"this message is not addressed to this service (endpoint {endpoint})",
            f"{path}.destination",
        )
    )


def _check_cardinality(message: MessageBundle, shape: MessageShape, reading: Reading) -> None:
    counts = Counter(resource.get_resource_type() for resource, _ in message.entries[1:])
    for rule in shape.focus:
        found = counts.get(rule.resource_type, 0)
        if found < rule.min:
            reading.issues.append(
                Issue(
                    "required",
                    f"{shape.canonical} needs at least {rule.min} {rule.resource_type}; found {found}",
                    "Bundle.entry",
                )
            )
        if rule.max is not None and found > rule.max:
            reading.issues.append(
                Issue(
                    "invariant",
                    f"{shape.canonical} allows at most {rule.max} {rule.resource_type}; found {found}",
                    "Bundle.entry",
                )
            )
    for resource_type in sorted(set(counts) - shape.allowed()):
        reading.issues.append(
            Issue(
                "not-supported",
                f"{resource_type} is not part of {shape.canonical}; it was not read",
                "Bundle.entry",
                "warning",
            )
        )


def _new_referral(
    message: MessageBundle, header: Any, header_path: str, service_request: Any, sr_path: str, reading: Reading
) -> dict[str, Any]:
    categories = {(c.system, c.code) for concept in service_request.category or () for c in extract.codings(concept)}
    if BARS_REFERRAL_CATEGORY not in categories:
        reading.issues.append(
            Issue(
                "code-invalid",
                "BaRS referrals carry the category message-category-servicerequest#referral",
                f"{sr_path}.category",
                "warning",
            )
        )
    sender = message.resolve(header.sender.reference if header.sender else None)
    sender_ods = ods_code(sender[0].identifier, sender[1], reading.issues) if sender else None
    _patient, values = read_referral(
        service_request,
        sr_path,
        message.resolve,
        message.entries,
        reading,
        sender_ods=sender_ods,
        requested_fallback=_requested_by_task(message, service_request, reading),
        use_case_required=True,
    )
    return values


def _requested_by_task(message: MessageBundle, service_request: Any, reading: Reading) -> Coding | None:
    """The BaRS way: ServiceRequest.basedOn -> CarePlan, whose activity points to the Task that says
    what is requested (Task.code); else the only Task in the Bundle."""
    tasks: list[tuple[Any, str]] = []
    for based_on in service_request.basedOn or ():
        care_plan = message.resolve(based_on.reference)
        if care_plan is None or care_plan[0].get_resource_type() != "CarePlan":
            continue
        for activity in care_plan[0].activity or ():
            task = message.resolve(activity.reference.reference if activity.reference else None)
            if task is not None and task[0].get_resource_type() == "Task":
                tasks.append(task)
    if not tasks:
        tasks = message.of_type("Task")
    for task, path in tasks[:1]:
        if task.code is not None:
            return extract.requested_coding(task.code, f"{path}.code", reading.issues, strict=False)
    return None


def _cancellation(
    message: MessageBundle, service_request: Any, sr_path: str, reading: Reading, request_id: str, correlation_id: str
) -> IncomingCancellation:
    if service_request.status not in {"revoked", "entered-in-error"}:
        raise FhirError.one(
            422,
            "not-supported",
            "an update is taken as a cancellation only: status revoked or entered-in-error",
            f"{sr_path}.status",
        )
    nhs = None
    subject = message.resolve(service_request.subject.reference if service_request.subject else None)
    if subject is not None and subject[0].get_resource_type() == "Patient":
        nhs = extract.patient_details(subject[0], subject[1], reading.issues).nhs_number
    reason = next((concept.text for concept in service_request.reasonCode or () if concept.text), None)
    identifier = next(((i.system or "", i.value) for i in service_request.identifier or () if i.value), None)
    return IncomingCancellation(
        status=service_request.status,
        referral_id=service_request.id,
        identifier=identifier,
        reason=reason,
        request_id=request_id,
        correlation_id=correlation_id,
        nhs_number=nhs,
    )
