"""A provider's change to a Task, read from a JSON Patch or a whole Task: only status, businessStatus,
statusReason and output may change; anything else, or a wrong shape, is a 400 naming the element."""

from __future__ import annotations

from typing import Any

from referral_service.domain.referral import TaskStatus
from referral_service.fhir import resources
from referral_service.fhir.outcomes import FhirError, Issue
from referral_service.services.task_updates import TaskChange

CHANGEABLE_ONLY = "a provider may change only status, businessStatus, statusReason and output"

PATCHABLE = {"/status", "/businessStatus", "/statusReason", "/output"}
UNCHANGEABLE = ("intent", "code", "focus", "for", "requester", "owner", "authoredOn")


def _concept(fields: dict[str, Any], name: str) -> tuple[str | None, str | None]:
    """(first coding's code, text) of a CodeableConcept a patch sets; a wrong shape is a 400, not a crash."""
    value = fields.get(name)
    if value is None:
        return None, None
    coding = value.get("coding") if isinstance(value, dict) else None
    text = value.get("text") if isinstance(value, dict) else None
    first = coding[0] if isinstance(coding, list) and coding else {}
    code = first.get("code") if isinstance(first, dict) else None
    if not isinstance(value, dict) or not isinstance(first, dict) or not isinstance(code, str | None):
        raise FhirError.one(400, "structure", f"Task.{name} must be a CodeableConcept", f"Task.{name}")
    if not isinstance(text, str | None):
        raise FhirError.one(400, "structure", f"Task.{name}.text must be a string", f"Task.{name}.text")
    return code, text


def change_from(fields: dict[str, Any], current: dict[str, Any]) -> TaskChange:
    """The change `fields` ask of the `current` Task (as rendered); an element that may not change
    is refused only when it differs, so a whole Task sent back as read is fine."""
    for element in UNCHANGEABLE:
        if element in fields and fields[element] != current.get(element):
            raise FhirError.one(400, "not-supported", CHANGEABLE_ONLY, f"Task.{element}")
    try:
        status = TaskStatus(fields.get("status", current["status"]))
    except (ValueError, TypeError):
        raise FhirError.one(400, "value", f"unknown Task.status {fields.get('status')!r}", "Task.status") from None
    # an update of the output alone is no step (in-progress without a businessStatus would be a contact)
    business_code, _ = _concept(current if fields.keys() == {"output"} else fields, "businessStatus")
    reason_code, reason_text = _concept(fields, "statusReason")
    return TaskChange(status, business_code, reason_code, reason_text, _outputs(fields.get("output")))


def _outputs(value: Any) -> list[dict[str, Any]] | None:
    """Task.output as FHIR R4 TaskOutput: each a `type` (CodeableConcept) and exactly one value[x]."""
    if value is None:
        return None
    if not (isinstance(value, list) and all(isinstance(item, dict) for item in value)):
        raise FhirError.one(400, "structure", "Task.output must be a list of outputs", "Task.output")
    for index, item in enumerate(value):
        where = f"Task.output[{index}]"
        if "type" not in item:
            raise FhirError.one(400, "required", f"{where}.type is required", f"{where}.type")
        if not isinstance(item["type"], dict):
            raise FhirError.one(400, "structure", f"{where}.type must be a CodeableConcept", f"{where}.type")
        values = sorted(key for key in item if key.startswith("value"))
        if len(values) != 1:
            found = " and ".join(values) if values else "none"
            raise FhirError.one(
                400,
                "required" if not values else "structure",
                f"{where} needs exactly one value[x] (valueString, valueInteger, valueCodeableConcept, "
                f"valueReference, …); found {found}",
                where,
            )
        try:
            resources.check_element("TaskOutput", item, where)
        except resources.InvalidStructure as error:
            raise FhirError(400, [Issue("structure", p.message, p.path) for p in error.problems]) from None
    return value


def patched_fields(document: Any) -> dict[str, Any]:
    """The elements a JSON Patch (RFC 6902) sets, by name: replace and add on the patchable paths only."""
    if not isinstance(document, list) or not document:
        raise FhirError.one(400, "structure", "send a JSON Patch: a non-empty list of operations")
    fields: dict[str, Any] = {}
    for index, operation in enumerate(document):
        where = f"patch[{index}]"
        if not isinstance(operation, dict) or not isinstance(operation.get("op"), str):
            raise FhirError.one(400, "structure", "each operation is an object whose op is a string", where)
        if not isinstance(operation.get("path"), str):
            raise FhirError.one(400, "structure", "each operation's path is a string (a JSON Pointer)", where)
        if operation["op"] not in {"replace", "add"}:
            raise FhirError.one(400, "not-supported", "only replace and add operations are taken", where)
        if operation["path"] not in PATCHABLE:
            raise FhirError.one(400, "not-supported", CHANGEABLE_ONLY, where)
        fields[str(operation["path"]).lstrip("/")] = operation.get("value")
    return fields
