"""Service results to FHIR JSON, from the bytes we stored: no resource is parsed or serialised twice."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from flask import url_for

from referral_service.domain.lifecycle import business_status_system
from referral_service.domain.self_referral import PAYLOAD_FORMAT as SELF_REFERRAL_FORM
from referral_service.fhir.http import instant
from referral_service.fhir.outcomes import Issue, operation_outcome
from referral_service.fhir.readback import self_contained
from referral_service.fhir.self_referral import self_referral_request
from referral_service.fhir.ukcore import NHS_NUMBER_SYSTEM, ODS_SYSTEM
from referral_service.services.intake import ReferralReceipt
from referral_service.services.referrals import ReferralView, TaskView

TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
ENTRY_INDEX = re.compile(r"^Bundle\.entry\[(\d+)\]\.resource$")


def _business_status(code: str) -> dict[str, Any]:
    system = business_status_system(code)
    return {"coding": [{"system": system, "code": code}], "text": code}


def task(view: TaskView) -> dict[str, Any]:
    """The Task that tracks a referral (Gravity/BSeR shape): owner = the provider, once there is one."""
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": view.id,
        "meta": {"versionId": str(view.version), "lastUpdated": instant(view.last_modified)},
        "status": view.status.value,
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE, "code": "fulfill", "display": "Fulfill the focal request"}]},
        "focus": {"reference": f"ServiceRequest/{view.referral_id}"},
        "authoredOn": instant(view.authored_at),
        "lastModified": instant(view.last_modified),
    }
    if view.business_status:
        resource["businessStatus"] = _business_status(view.business_status)
    if view.status_reason:  # why it was rejected, cancelled, failed or held; or its place in the queue
        resource["statusReason"] = {"text": view.status_reason}
    if view.nhs_number:
        resource["for"] = {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": view.nhs_number}}
    if view.requester_ods:
        resource["requester"] = {"identifier": {"system": ODS_SYSTEM, "value": view.requester_ods}}
    if view.owner_ods or view.owner_name:
        owner: dict[str, Any] = {"display": view.owner_name} if view.owner_name else {}
        if view.owner_ods:
            owner["identifier"] = {"system": ODS_SYSTEM, "value": view.owner_ods}
        resource["owner"] = owner
    if view.output:  # the provider's system's own outputs, as it sent them
        resource["output"] = view.output
    if view.explanation:  # why triage put it here: rules, evidence, the service chosen, any override
        resource["note"] = [{"text": line} for line in view.explanation]
    return resource


def service_request(view: ReferralView) -> dict[str, Any]:
    """The ServiceRequest as the sender wrote it, with our id and its current status.

    From a BaRS Bundle, what it references travels as contained resources (fhir/readback.py), so
    the read stands on its own.
    """
    stored = json.loads(view.payload)
    if view.payload_format == SELF_REFERRAL_FORM:  # no FHIR was sent: the form's answers, as FHIR
        resource = self_referral_request(stored, view.task.authored_at)
    elif view.payload_format == "Bundle":
        raw = [e for e in stored.get("entry") or [] if isinstance(e, dict)]
        entries = [(e.get("resource") or {}) | {"fullUrl": e.get("fullUrl")} for e in raw]
        focus = next(iter(entries[0].get("focus") or [{}])).get("reference") if entries else None
        found = _entry(entries, focus, "ServiceRequest")
        request = next(
            (e["resource"] for e in raw if isinstance(e.get("resource"), dict) and _same(e["resource"], found)),
            found,
        )
        resource = self_contained(raw, request, fresh=True)  # parsed above for this read alone
    else:
        resource = stored
    resource["id"] = view.id
    resource["meta"] = {
        **resource.get("meta", {}),
        "versionId": str(view.task.version),
        "lastUpdated": instant(view.updated_at),
    }
    resource["status"] = view.status.value
    return resource


def _same(resource: dict[str, Any], found: dict[str, Any]) -> bool:
    return resource == found


def _entry(entries: list[dict[str, Any]], reference: str | None, resource_type: str) -> dict[str, Any]:
    """The entry a reference names, by fullUrl or as `Type/id` (both are how intake resolved it),
    as a resource of `resource_type` (without the fullUrl), or {} when none is."""
    for entry in entries:
        named = {entry.get("fullUrl"), f"{entry.get('resourceType')}/{entry.get('id')}"}
        if reference in named and entry.get("resourceType") == resource_type:
            return {key: value for key, value in entry.items() if key != "fullUrl"}
    return {"resourceType": resource_type} if resource_type == "ServiceRequest" else {}


def processed_bundle(
    document: dict[str, Any], service_request_path: str, receipt: ReferralReceipt, warnings: list[Issue]
) -> dict[str, Any]:
    """The message as received, with our ids on the ServiceRequest and Patient, the Task we opened,
    and an OperationOutcome of the warnings (what was read but not as the standard writes it)."""
    match = ENTRY_INDEX.match(service_request_path)
    entries = document.get("entry", [])
    if match:
        sr_resource = entries[int(match.group(1))]["resource"]
        sr_resource["id"] = receipt.referral_id
        sr_resource["status"] = receipt.status.value
        subject = sr_resource.get("subject", {}).get("reference")
        for entry in entries:
            if entry.get("fullUrl") == subject and entry.get("resource", {}).get("resourceType") == "Patient":
                entry["resource"]["id"] = receipt.patient_id
    task_resource = {
        "resourceType": "Task",
        "id": receipt.task_id,
        "status": receipt.task_status.value,
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE, "code": "fulfill"}]},
        "focus": {"reference": f"ServiceRequest/{receipt.referral_id}"},
        "lastModified": instant(receipt.last_modified),
    }
    if receipt.business_status:
        task_resource["businessStatus"] = _business_status(receipt.business_status)
    entries.append(
        {
            "fullUrl": url_for("fhir.read_task_resource", task_id=receipt.task_id, _external=True),
            "resource": task_resource,
        }
    )
    if warnings:
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": operation_outcome(200, warnings)})
    document["entry"] = entries
    return document


def searchset(
    entries: list[tuple[dict[str, Any], str]],
    self_link: str,
    *,
    total: int | None = -1,
    links: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """A searchset Bundle; `total` None leaves it out (`_total=none`), -1 counts the matches given."""
    matches = sum(1 for _, mode in entries if mode == "match") if total == -1 else total
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        **({"total": matches} if matches is not None else {}),
        "link": [{"relation": "self", "url": self_link}, *({"relation": r, "url": u} for r, u in links or ())],
        "entry": [
            {
                "fullUrl": url_for(
                    "fhir.read_task_resource" if resource["resourceType"] == "Task" else "fhir.read_service_request",
                    **(
                        {"task_id": resource["id"]}
                        if resource["resourceType"] == "Task"
                        else {"referral_id": resource["id"]}
                    ),
                    _external=True,
                ),
                "resource": resource,
                "search": {"mode": mode},
            }
            for resource, mode in entries
        ],
    }
    return bundle
