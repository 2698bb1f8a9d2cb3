"""Received FHIR requests read, once, into the typed values intake takes, with the bytes kept as sent.

A BaRS $process-message Bundle is checked in the receiver's order (bundle, header, event, reason,
destination, definition, focus, cardinality) and becomes an IncomingReferral or an
IncomingCancellation; a plain ServiceRequest POST becomes an IncomingReferral. Every problem found
is an Issue in the Findings: errors raise a FhirError (400 or 422) naming every one of them, and
warnings travel with the value and back to the sender.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from referral_service.domain.intake import Coding, IncomingCancellation, IncomingFacts, IncomingReferral
from referral_service.fhir import extract
from referral_service.fhir.conversation import facts_from_update
from referral_service.fhir.findings import Findings
from referral_service.fhir.outcomes import FhirError, Issue
from referral_service.fhir.profiles import MessageShape, message_shapes
from referral_service.fhir.referrals import BARS_REFERRAL_CATEGORY, ReferralContent, parse_service_request
from referral_service.fhir.ukcore import normalise_endpoint, ods_code

EVENTS = "https://fhir.nhs.uk/CodeSystem/message-events-bars"
REASONS = "https://fhir.nhs.uk/CodeSystem/message-reason-bars"
SUPPORTED_VERSION = re.compile(r"^1\.\d+\.\d+$")  # BaRS application versions 1.x

T = TypeVar("T", bound=IncomingReferral | IncomingCancellation | IncomingFacts)
CANCELLING = {"revoked", "entered-in-error"}


@dataclass(frozen=True)
class Received(Generic[T]):
    """A request read: the typed value, where its ServiceRequest sits, and the warnings to send back."""

    value: T
    focus_path: str
    warnings: tuple[Issue, ...]


@dataclass(frozen=True)
class Recipient:
    """Who a message must be addressed to: this service's endpoint and ODS code."""

    endpoint: str
    ods_code: str


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


def request_from_message(
    raw: bytes, bundle: Any, *, request_id: str, correlation_id: str, recipient: Recipient
) -> Received[IncomingReferral | IncomingCancellation | IncomingFacts]:
    """A BaRS message Bundle (already parsed from `raw`): a new referral, a cancellation, or an update
    with new facts (read against the referral's own MessageDefinition, which allows them)."""
    message = MessageBundle(bundle)
    findings = Findings()
    header, header_path, reason, shape = _check_header(bundle, message, findings, recipient)
    focus = message.resolve(header.focus[0].reference if header.focus else None)
    if focus is None or focus[0].get_resource_type() != "ServiceRequest":
        findings.issues.append(
            Issue("invalid", "focus must reference the ServiceRequest in the Bundle", f"{header_path}.focus")
        )
        raise findings.error()
    service_request, sr_path = focus
    adds_facts = reason == "update" and service_request.status not in CANCELLING
    if adds_facts and not header.definition:
        shape = next(s for c, s in message_shapes().items() if c.endswith("referral-request"))
    _check_cardinality(message, shape, findings)
    value: IncomingReferral | IncomingCancellation | IncomingFacts
    if reason == "new":
        content = _new_referral(message, header, service_request, sr_path, findings)
        source = header.source.endpoint if header.source else None
        source_endpoint = extract.fit(source, 300, f"{header_path}.source.endpoint", findings.issues)
        findings.fail_if_errors()
        value = _incoming(
            content,
            findings,
            payload=raw,
            payload_format="Bundle",
            request_id=request_id,
            correlation_id=correlation_id,
            bundle_id=bundle.id,
            source_endpoint=source_endpoint,
        )
    elif adds_facts:
        value = facts_from_update(message, bundle, service_request, sr_path, findings, request_id, correlation_id)
        findings.fail_if_errors()
    else:
        value = _cancellation(message, service_request, sr_path, findings, request_id, correlation_id)
        findings.fail_if_errors()
    return Received(value, sr_path, findings.warnings())


def referral_from_service_request(
    raw: bytes, service_request: Any, *, request_id: str, correlation_id: str
) -> Received[IncomingReferral]:
    """A plain ServiceRequest POST: its identifier is required, and only contained resources are read."""
    findings = Findings()
    if not any(identifier.value for identifier in service_request.identifier or ()):
        findings.issues.append(
            Issue(
                "required",
                "identifier is required: the referral's id in the sending system",
                "ServiceRequest.identifier",
            )
        )
    by_reference, contained = _contained(service_request)
    for index, reference in enumerate(
        [*(service_request.supportingInfo or ()), *(service_request.reasonReference or ())]
    ):
        if reference.reference and not reference.reference.startswith("#"):
            findings.issues.append(
                Issue(
                    "not-supported",
                    "only contained resources are read; this reference was not",
                    f"ServiceRequest.supportingInfo[{index}]",
                    "warning",
                )
            )
    content = parse_service_request(
        service_request,
        "ServiceRequest",
        lambda reference: by_reference.get(reference or ""),
        contained,
        findings,
        sender_ods=None,
        requested_fallback=None,
        use_case_required=False,
    )
    findings.fail_if_errors()
    value = _incoming(
        content,
        findings,
        payload=raw,
        payload_format="ServiceRequest",
        request_id=request_id,
        correlation_id=correlation_id,
    )
    return Received(value, "ServiceRequest", findings.warnings())


def _contained(service_request: Any) -> tuple[dict[str, tuple[Any, str]], list[tuple[Any, str]]]:
    by_reference: dict[str, tuple[Any, str]] = {}
    items = []
    for index, resource in enumerate(service_request.contained or ()):
        item = (resource, f"ServiceRequest.contained[{index}]")
        items.append(item)
        if resource.id:
            by_reference[f"#{resource.id}"] = item
    return by_reference, items


def _incoming(
    content: ReferralContent,
    findings: Findings,
    *,
    payload: bytes,
    payload_format: str,
    request_id: str,
    correlation_id: str,
    bundle_id: str | None = None,
    source_endpoint: str | None = None,
) -> IncomingReferral:
    if content.authored_at is None:  # parse_service_request found it missing, an error raised before here
        raise findings.error()
    return IncomingReferral(
        patient=content.patient,
        sender_ods=content.sender_ods,
        authored_at=content.authored_at,
        priority=content.priority,
        pathway=content.pathway,
        use_case=content.use_case,
        identifier=content.identifier,
        conditions=content.conditions,
        measurements=content.measurements,
        preferences=content.preferences,
        contact_consent=content.contact_consent,
        warnings=findings.warning_texts(),
        payload=payload,
        payload_format=payload_format,
        request_id=request_id,
        correlation_id=correlation_id,
        bundle_id=bundle_id,
        source_endpoint=source_endpoint,
    )


def _check_header(
    bundle: Any, message: MessageBundle, findings: Findings, recipient: Recipient
) -> tuple[Any, str, str, MessageShape]:
    """BaRS receiver order: bundle type and version, header, event, reason, destination, definition."""
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
        findings.issues.append(Issue("required", "Bundle.timestamp is required", "Bundle.timestamp"))
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
    _check_destination(header, path, message, findings, recipient)
    definition = header.definition or None
    shapes = message_shapes()
    if definition is not None and definition not in shapes:
        raise FhirError.one(422, "not-supported", f"unknown MessageDefinition {definition}", f"{path}.definition")
    default = "referral-request" if reason == "new" else "referral-cancellation"
    shape = shapes[definition] if definition else next(s for c, s in shapes.items() if c.endswith(default))
    return header, path, str(reason), shape


def _check_destination(
    header: Any, path: str, message: MessageBundle, findings: Findings, recipient: Recipient
) -> None:
    """Ours when a destination names our endpoint and its receiver is the Organization with our ODS code."""
    for index, destination in enumerate(header.destination or ()):
        where = f"{path}.destination[{index}]"
        if normalise_endpoint(destination.endpoint or "", f"{where}.endpoint", findings.issues) != recipient.endpoint:
            continue
        receiver = message.resolve(destination.receiver.reference if destination.receiver else None)
        is_organisation = receiver is not None and receiver[0].get_resource_type() == "Organization"
        if is_organisation and ods_code(receiver[0].identifier, receiver[1], findings.issues) == recipient.ods_code:  # type: ignore[index]
            return
        findings.issues.append(
            Issue(
                "not-supported",
                f"the destination's receiver must be the Organization with ODS code {recipient.ods_code}",
                f"{where}.receiver",
            )
        )
        return
    findings.issues.append(
        Issue(
            "not-supported",
            f"this message is not addressed to this service (endpoint {recipient.endpoint})",
            f"{path}.destination",
        )
    )


def _check_cardinality(message: MessageBundle, shape: MessageShape, findings: Findings) -> None:
    """The entries the MessageDefinition allows, as many as it allows; others are warned of, not read."""
    counts = Counter(resource.get_resource_type() for resource, _ in message.entries[1:])
    for rule in shape.focus:
        found = counts.get(rule.resource_type, 0)
        if found < rule.min:
            findings.issues.append(
                Issue(
                    "required",
                    f"{shape.canonical} needs at least {rule.min} {rule.resource_type}; found {found}",
                    "Bundle.entry",
                )
            )
        if rule.max is not None and found > rule.max:
            findings.issues.append(
                Issue(
                    "invariant",
                    f"{shape.canonical} allows at most {rule.max} {rule.resource_type}; found {found}",
                    "Bundle.entry",
                )
            )
    for resource_type in sorted(set(counts) - shape.allowed()):
        findings.issues.append(
            Issue(
                "not-supported",
                f"{resource_type} is not part of {shape.canonical}; it was not read",
                "Bundle.entry",
                "warning",
            )
        )


def _new_referral(
    message: MessageBundle, header: Any, service_request: Any, sr_path: str, findings: Findings
) -> ReferralContent:
    categories = {(c.system, c.code) for concept in service_request.category or () for c in extract.codings(concept)}
    if BARS_REFERRAL_CATEGORY not in categories:
        findings.issues.append(
            Issue(
                "code-invalid",
                "BaRS referrals carry the category message-category-servicerequest#referral",
                f"{sr_path}.category",
                "warning",
            )
        )
    sender = message.resolve(header.sender.reference if header.sender else None)
    sender_ods = ods_code(sender[0].identifier, sender[1], findings.issues) if sender else None
    return parse_service_request(
        service_request,
        sr_path,
        message.resolve,
        message.entries,
        findings,
        sender_ods=sender_ods,
        requested_fallback=_requested_by_task(message, service_request, findings),
        use_case_required=True,
    )


def _requested_by_task(message: MessageBundle, service_request: Any, findings: Findings) -> Coding | None:
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
            return extract.requested_coding(task.code, f"{path}.code", findings.issues, strict=False)
    return None


def _cancellation(
    message: MessageBundle, service_request: Any, sr_path: str, findings: Findings, request_id: str, correlation_id: str
) -> IncomingCancellation:
    nhs = None
    subject = message.resolve(service_request.subject.reference if service_request.subject else None)
    if subject is not None and subject[0].get_resource_type() == "Patient":
        nhs = extract.patient_details(subject[0], subject[1], findings.issues).nhs_number
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
