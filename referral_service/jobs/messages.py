"""Outbound FHIR: an outbox snapshot rendered as a BaRS-style `servicerequest-response` message.

Deterministic: the same snapshot always gives the same bytes, so every retry of a message is
identical (BaRS: a retry repeats body and headers). Shaped after BaRS feedback (REFRESP01), the
Gravity Task and, on completion, the BSeR feedback document (Composition + Observations).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from referral_service.domain.events import MESSAGES, SOCIAL_PRESCRIBING_REFERRAL, Attachment, MessageKind
from referral_service.domain.lifecycle import business_status_system
from referral_service.jobs.outcome_report import feedback

EVENTS = "https://fhir.nhs.uk/CodeSystem/message-events-bars"
REASONS = "https://fhir.nhs.uk/CodeSystem/message-reason-bars"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
CATEGORY = "https://fhir.nhs.uk/CodeSystem/message-category-servicerequest"
USE_CASES = "https://referral-service.example.org/fhir/CodeSystem/usecase-categories"
DEFINITION = "https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-response-referral"
HEADER_PROFILE = "https://fhir.nhs.uk/StructureDefinition/BARSMessageHeader-servicerequest-response"
ODS_URN = "urn:nhs:ods-organization-code:"  # where a referrer named no endpoint: its practice, by ODS code


@dataclass(frozen=True)
class ServiceIdentity:
    """Who we are on the wire (configuration: REFERRAL_SERVICE_ODS_CODE, REFERRAL_SERVICE_ENDPOINT)."""

    ods_code: str
    endpoint: str


class Unrenderable(ValueError):
    """A stored snapshot that cannot become a message; `reason` is a sentence for an administrator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


PARTS = {"referral": "referral", "task": "task", "kind": "message kind", "outcome": "outcome report"}


def render(snapshot: dict[str, Any], identity: ServiceIdentity) -> bytes:
    """The message's bytes; Unrenderable when the snapshot lacks what the message must say."""
    try:
        return _render(snapshot, identity)
    except Exception as error:  # any defect in one stored snapshot, which must not stop the others
        raise Unrenderable(unrenderable_reason(error)) from error


def unrenderable_reason(error: Exception) -> str:
    """Why a snapshot could not be rendered, in words (never the snapshot's content)."""
    if isinstance(error, KeyError) and error.args:
        part = str(error.args[0])
        if part in PARTS:
            return f"could not be rendered: the message has no {PARTS[part]} details"
        return f"could not be rendered: the message's details lack '{part}'"
    if isinstance(error, json.JSONDecodeError):
        return "could not be rendered: the stored message is not valid JSON"
    if isinstance(error, ValueError) and "MessageKind" in str(error):
        return "could not be rendered: the message is of a kind this service does not send"
    return f"could not be rendered: the message's details are malformed ({type(error).__name__})"


def _render(snapshot: dict[str, Any], identity: ServiceIdentity) -> bytes:
    kind, referral = snapshot["kind"], snapshot["referral"]
    ids = _ids(snapshot)
    task_resource = _task(snapshot, ids)
    header: dict[str, Any] = {
        "resourceType": "MessageHeader",
        "id": ids["header"],
        "meta": {"profile": [HEADER_PROFILE]},
        "eventCoding": {"system": EVENTS, "code": "servicerequest-response"},
        "destination": [
            {"endpoint": destination_endpoint(snapshot), "receiver": {"reference": f"urn:uuid:{ids['referrer']}"}}
        ],
        "sender": {"reference": f"urn:uuid:{ids['us']}"},
        "source": {"name": "referral_service", "software": "referral_service", "endpoint": identity.endpoint},
        "reason": {"coding": [{"system": REASONS, "code": "update"}]},
        "response": {"identifier": referral["source_bundle_id"] or referral["id"], "code": "ok"},
        "focus": [{"reference": f"urn:uuid:{referral['id']}"}],
        "definition": DEFINITION,
    }
    us = {"resourceType": "Organization", "id": ids["us"], "identifier": [{"system": ODS, "value": identity.ods_code}]}
    patient, request = _patient(referral, ids), _service_request(referral, ids)
    entries: list[dict[str, Any]] = [
        _entry(header),
        _entry(task_resource),
        _entry(request),
        _entry(patient),
        _entry(us),
        _entry(_referrer(snapshot, ids)),
    ]
    owner = _owner(snapshot["owner"], ids) if snapshot.get("owner") else None
    if owner is not None:
        entries.append(_entry(owner))
    attachment = MESSAGES[MessageKind(kind)].attachment
    if attachment is Attachment.OUTCOME_REPORT:
        document = feedback(snapshot, ids["document"], patient=patient, author=owner or us, request=request)
        entries.append(_entry(document))
    if attachment is Attachment.INFORMATION_REQUEST:
        entries.append(_entry(_information_request(snapshot, ids)))
        header["focus"].append({"reference": f"urn:uuid:{ids['document']}"})
    bundle = {
        "resourceType": "Bundle",
        "id": snapshot["bundle_id"],
        "meta": {"versionId": "1.1.0", "lastUpdated": snapshot["at"]},
        "type": "message",
        "timestamp": snapshot["at"],
        "entry": entries,
    }
    return json.dumps(bundle, sort_keys=True, separators=(",", ":")).encode()


def _ids(snapshot: dict[str, Any]) -> dict[str, str]:
    """Stable ids derived from the message's own, so re-rendering never changes the bytes."""
    base = snapshot["bundle_id"]
    names = ("us", "owner", "patient", "document", "referrer")
    return {name: f"{base[:-2]}{index:02x}" for index, name in enumerate(names)} | {"header": snapshot["header_id"]}


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _business(code: str | None) -> dict[str, Any] | None:
    if not code:
        return None
    return {"coding": [{"system": business_status_system(code), "code": code}]}


def _task(snapshot: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    task, referral, kind = snapshot["task"], snapshot["referral"], snapshot["kind"]
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": task["id"],
        "meta": {"versionId": str(task["version"]), "lastUpdated": task["last_modified"]},
        "status": task["status"],
        "intent": "order",
        "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]},
        "focus": {"reference": f"urn:uuid:{referral['id']}"},
        "for": {"reference": f"urn:uuid:{ids['patient']}"},
        "lastModified": task["last_modified"],
        "requester": {"reference": f"urn:uuid:{ids['referrer']}"},
    }
    if (business := _business(task["business_status"])) is not None:
        resource["businessStatus"] = business
    if task["status_reason"]:
        resource["statusReason"] = {"text": task["status_reason"]}
    if snapshot.get("owner"):
        resource["owner"] = {"reference": f"urn:uuid:{ids['owner']}", "display": snapshot["owner"]["name"]}
    outputs = []
    message = MESSAGES[MessageKind(kind)]
    if (stage := stage_code(MessageKind(kind), referral)) is not None:
        outputs.append(_coded_output(*stage))
    if message.attachment is Attachment.OUTCOME_REPORT:
        outputs.append(
            {"type": {"text": "outcome report"}, "valueReference": {"reference": f"urn:uuid:{ids['document']}"}}
        )
    outputs += task.get("output") or []  # the provider system's own, beside ours (older snapshots have none)
    if outputs:
        resource["output"] = outputs
    return resource


def _information_request(snapshot: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """A link worker's question to the referrer, as a FHIR CommunicationRequest about the referral."""
    request = snapshot["request"]
    return {
        "resourceType": "CommunicationRequest",
        "id": ids["document"],
        "status": "active",
        "category": [{"text": "request for information"}],
        "subject": {"reference": f"urn:uuid:{ids['patient']}"},
        "about": [{"reference": f"urn:uuid:{snapshot['referral']['id']}"}],
        "authoredOn": request["at"],
        "requester": {"reference": f"urn:uuid:{ids['us']}"},
        "payload": [{"contentString": request["question"]}],
    }


def _coded_output(code: str, display: str) -> dict[str, Any]:
    concept = {"coding": [{"system": SNOMED, "code": code, "display": display}]}
    return {"type": {"text": "activity"}, "valueCodeableConcept": concept}


def _service_request(referral: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": referral["id"],
        "status": referral["status"],
        "intent": "order",
        "subject": {"reference": f"urn:uuid:{ids['patient']}"},
    }
    if referral["identifier"]:
        resource["identifier"] = [{"system": referral["identifier"][0], "value": referral["identifier"][1]}]
    category = [{"system": CATEGORY, "code": "referral", "display": "Transfer of Care"}]
    if referral["use_case"]:
        category.append({"system": USE_CASES, "code": referral["use_case"]})
    resource["category"] = [{"coding": category}]
    if referral["pathway"]:
        resource["code"] = {"coding": [{"system": referral["pathway"][0], "code": referral["pathway"][1]}]}
    return resource


def _patient(referral: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": ids["patient"]}
    if referral["nhs_number"]:
        resource["identifier"] = [{"system": NHS_NUMBER, "value": referral["nhs_number"]}]
    return resource


def _owner(owner: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Organization", "id": ids["owner"], "name": owner["name"]}
    if owner.get("ods"):
        resource["identifier"] = [{"system": ODS, "value": owner["ods"]}]
    return resource


def destination_endpoint(snapshot: dict[str, Any]) -> str:
    """Where the referrer said replies go (BaRS `source.endpoint`), else its registered callback, else
    its practice as a URN by ODS code: never a made-up word."""
    referral, referrer = snapshot["referral"], snapshot.get("referrer") or {}
    if referral.get("source_endpoint"):
        return str(referral["source_endpoint"])
    if referrer.get("endpoint"):
        return str(referrer["endpoint"])
    return f"{ODS_URN}{referrer.get('ods') or 'unknown'}"


def _referrer(snapshot: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """The referring practice: MessageHeader.destination.receiver (older snapshots name none)."""
    referrer = snapshot.get("referrer") or {}
    resource: dict[str, Any] = {"resourceType": "Organization", "id": ids["referrer"]}
    if referrer.get("ods"):
        resource["identifier"] = [{"system": ODS, "value": referrer["ods"]}]
    if referrer.get("name"):
        resource["name"] = referrer["name"]
    return resource


def stage_code(kind: MessageKind, referral: dict[str, Any]) -> tuple[str, str] | None:
    """The SNOMED CT code a practice records for this stage, whichever door the referral came in by:
    social prescribing by its use case or its requested code; an active pathway's own referral code
    when the provider accepts it."""
    pathway = referral.get("pathway") or [None, None]
    social = referral.get("use_case") == "social-prescribing" or pathway[1] == SOCIAL_PRESCRIBING_REFERRAL[0]
    activity = MESSAGES[kind].activity
    if social:
        return activity
    if kind is MessageKind.ACCEPTED and pathway[0] == SNOMED and pathway[1]:
        return (pathway[1], PATHWAYS.get(pathway[1], "Referral"))
    return None


PATHWAYS = {
    "390893007": "Referral to physical activity program",
    "771491000000104": "Referral to local authority weight management programme",
    "837111000000105": "Referral to residential weight management programme",
}
