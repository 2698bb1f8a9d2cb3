"""Outbound FHIR: an outbox snapshot rendered as a BaRS-style `servicerequest-response` message.

Deterministic: the same snapshot always gives the same bytes, so every retry of a message is
identical (BaRS: a retry repeats body and headers). Shaped after BaRS feedback (REFRESP01), the
Gravity Task and, on completion, the BSeR feedback document (Composition + Observations).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from referral_service.domain.events import MESSAGES, Attachment, MessageKind
from referral_service.domain.lifecycle import business_status_system

EVENTS = "https://fhir.nhs.uk/CodeSystem/message-events-bars"
REASONS = "https://fhir.nhs.uk/CodeSystem/message-reason-bars"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
ATTENDED, MISSED = "298057009", "298058004"  # Number of appointments attended / missed


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
    kind, referral, task = snapshot["kind"], snapshot["referral"], snapshot["task"]
    ids = _ids(snapshot)
    task_resource = _task(snapshot, ids)
    header: dict[str, Any] = {
        "resourceType": "MessageHeader",
        "id": ids["header"],
        "eventCoding": {"system": EVENTS, "code": "servicerequest-response"},
        "destination": [{"endpoint": referral["source_endpoint"] or "referrer"}],
        "sender": {"reference": f"urn:uuid:{ids['us']}"},
        "source": {"name": "referral_service", "software": "referral_service", "endpoint": identity.endpoint},
        "reason": {"coding": [{"system": REASONS, "code": "update"}]},
        "response": {"identifier": referral["source_bundle_id"] or referral["id"], "code": "ok"},
        "focus": [{"reference": f"urn:uuid:{task['id']}"}],
    }
    entries: list[dict[str, Any]] = [
        _entry(header),
        _entry(task_resource),
        _entry(_service_request(referral, ids)),
        _entry(_patient(referral, ids)),
        _entry(
            {
                "resourceType": "Organization",
                "id": ids["us"],
                "identifier": [{"system": ODS, "value": identity.ods_code}],
            }
        ),
    ]
    if snapshot.get("owner"):
        entries.append(_entry(_owner(snapshot["owner"], ids)))
    attachment = MESSAGES[MessageKind(kind)].attachment
    if attachment is Attachment.OUTCOME_REPORT:
        entries.append(_entry(_feedback(snapshot, ids)))
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
    return {name: f"{base[:-2]}{index:02x}" for index, name in enumerate(("us", "owner", "patient", "document"))} | {
        "header": snapshot["header_id"]
    }


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
    }
    if (business := _business(task["business_status"])) is not None:
        resource["businessStatus"] = business
    if task["status_reason"]:
        resource["statusReason"] = {"text": task["status_reason"]}
    if snapshot.get("owner"):
        resource["owner"] = {"reference": f"urn:uuid:{ids['owner']}", "display": snapshot["owner"]["name"]}
    outputs = []
    message = MESSAGES[MessageKind(kind)]
    if message.activity is not None and referral["use_case"] == "social-prescribing":
        outputs.append(_coded_output(*message.activity))
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


def _feedback(snapshot: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """The outcome report: a document Bundle (Composition + Observations), as BSeR's feedback document."""
    outcome, referral = snapshot["outcome"], snapshot["referral"]
    patient = {"reference": f"urn:uuid:{ids['patient']}"}
    observations = [
        _count(
            f"{ids['document'][:-4]}a001",
            ATTENDED,
            "Number of appointments attended",
            outcome["attended"],
            patient,
            snapshot["at"],
        ),
        _count(
            f"{ids['document'][:-4]}a002",
            MISSED,
            "Number of appointments missed",
            outcome["missed"],
            patient,
            snapshot["at"],
        ),
    ]
    for index, measure in enumerate(outcome["measures"]):
        observations.append(
            {
                "resourceType": "Observation",
                "id": f"{ids['document'][:-4]}b{index:03x}",
                "status": "final",
                "code": {"text": f"{measure['instrument']} ({measure['timepoint']})"},
                "subject": patient,
                "effectiveDateTime": measure["on"],
                **({"valueQuantity": {"value": measure["score"]}} if measure["score"] is not None else {}),
                "component": [
                    {"code": {"text": item}, "valueQuantity": {"value": value}}
                    for item, value in sorted(measure["items"].items())
                ],
            }
        )
    counts = f"Sessions attended: {outcome['attended']}; missed: {outcome['missed']}."
    narrative = f"{MESSAGES[MessageKind.COMPLETED].narrative} {counts}" + (
        f" Outcome measures recorded: {len(outcome['measures'])}." if outcome["measures"] else ""
    )
    composition = {
        "resourceType": "Composition",
        "id": f"{ids['document'][:-4]}c000",
        "status": "final",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4", "display": "Consult note"}]},
        "subject": patient,
        "date": snapshot["at"],
        "author": [{"reference": f"urn:uuid:{ids['owner']}"}]
        if snapshot.get("owner")
        else [{"display": "referral_service"}],
        "title": "Outcome of referral",
        "section": [
            {
                "title": "Feedback summary",
                "focus": {"reference": f"ServiceRequest/{referral['id']}"},
                "text": {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{narrative}</div>'},
                "entry": [{"reference": f"urn:uuid:{o['id']}"} for o in observations],
            }
        ],
    }
    return {
        "resourceType": "Bundle",
        "id": ids["document"],
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{ids['document']}"},
        "type": "document",
        "timestamp": snapshot["at"],
        "entry": [_entry(composition), *(_entry(o) for o in observations)],
    }


def _count(identifier: str, code: str, display: str, value: int, patient: dict[str, str], at: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": identifier,
        "status": "final",
        "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
        "subject": patient,
        "effectiveDateTime": at,
        "valueQuantity": {"value": value},
    }
