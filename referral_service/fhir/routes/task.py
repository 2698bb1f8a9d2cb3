"""Task: the referral's fulfilment, read and searched by its sender (the polling channel)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from referral_service.domain.referral import TaskStatus
from referral_service.fhir import bp, current_client, render, search
from referral_service.fhir.capabilities import supports
from referral_service.fhir.http import fhir_response, load_json_value, read_body, read_resource
from referral_service.fhir.outcomes import FhirError, Issue, operation_outcome
from referral_service.services.errors import NotFound
from referral_service.services.referrals import TaskSearch, read_task, search_tasks
from referral_service.services.task_updates import TaskChange, update_task
from referral_service.web.context import unit_of_work, utcnow
from referral_service.web.requests import current_request_id


@bp.get("/Task/<task_id>")
@supports("Task", "read")
def read_task_resource(task_id: str) -> Response:
    with unit_of_work() as uow:
        view = read_task(uow, task_id, actor=current_client(), now=utcnow(), request_id=current_request_id())
    return fhir_response(render.task(view), headers={"ETag": f'W/"{view.version}"'})


@bp.get("/Task")
@supports(
    "Task",
    "search-type",
    search_params={
        "_id": ("token", "The Task's id"),
        "focus": ("reference", "The referral: ServiceRequest/{id}"),
        "_lastUpdated": ("date", "When the Task last changed; prefixes gt, ge, lt, le (poll with gt)"),
    },
    includes=("Task:focus",),
)
def search_task_resources() -> Response:
    search.only({"_id", "focus", "_lastUpdated", "_include"})
    include = request.args.getlist("_include")
    if any(value != "Task:focus" for value in include):
        raise FhirError.one(400, "not-supported", "_include supports Task:focus only")
    focus = request.args.get("focus")
    if focus is not None:
        focus = focus.removeprefix("ServiceRequest/")
        if "/" in focus:
            raise FhirError.one(400, "value", "focus must be ServiceRequest/{id}")
    dates = search.date_filters("_lastUpdated")
    criteria = TaskSearch(
        focus=focus,
        task_id=request.args.get("_id"),
        modified_after=dates.get("gt"),
        modified_from=dates.get("ge"),
        modified_before=dates.get("lt"),
        modified_until=dates.get("le"),
    )
    with unit_of_work() as uow:
        tasks, included = search_tasks(
            uow,
            criteria,
            actor=current_client(),
            include_focus=bool(include),
            now=utcnow(),
            request_id=current_request_id(),
        )
    entries = [(render.task(view), "match") for view in tasks]
    entries += [(render.service_request(view), "include") for view in included]
    return fhir_response(render.searchset(entries, request.url))


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


def _change_from(fields: dict[str, Any], current: dict[str, Any]) -> TaskChange:
    try:
        status = TaskStatus(fields.get("status", current["status"]))
    except (ValueError, TypeError):
        raise FhirError.one(400, "value", f"unknown Task.status {fields.get('status')!r}", "Task.status") from None
    business_code, _ = _concept(fields, "businessStatus")
    reason_code, reason_text = _concept(fields, "statusReason")
    output = fields.get("output")
    if output is not None and not (isinstance(output, list) and all(isinstance(item, dict) for item in output)):
        raise FhirError.one(400, "structure", "Task.output must be a list of outputs", "Task.output")
    return TaskChange(status, business_code, reason_code, reason_text, output)


def _check_version(current: dict[str, Any]) -> None:
    expected = request.headers.get("If-Match")
    if expected and expected.strip().removeprefix("W/").strip('"') != current["meta"]["versionId"]:
        raise FhirError.one(412, "conflict", "the Task has changed since the version in If-Match")


def _apply(task_id: str, fields: dict[str, Any]) -> Response:
    actor = current_client()
    now = utcnow()
    with unit_of_work() as uow:
        current = render.task(read_task(uow, task_id, actor=actor, now=now, request_id=current_request_id()))
        _check_version(current)
        for element in UNCHANGEABLE:
            if element in fields and fields[element] != current.get(element):
                raise FhirError.one(
                    400,
                    "not-supported",
                    "a provider may change only status, businessStatus, statusReason and output",
                    f"Task.{element}",
                )
        update_task(uow, task_id, _change_from(fields, current), actor=actor, now=now)
    try:
        with unit_of_work() as uow:
            view = read_task(uow, task_id, actor=actor, now=utcnow(), request_id=current_request_id())
    except NotFound:  # declined: the referral has been offered elsewhere and is no longer this provider's
        return fhir_response(
            operation_outcome(
                200, [Issue("informational", "declined; the referral is offered elsewhere", severity="information")]
            )
        )
    return fhir_response(render.task(view), headers={"ETag": f'W/"{view.version}"'})


@bp.patch("/Task/<task_id>")
@supports("Task", "patch")
def patch_task(task_id: str) -> Response:
    """JSON Patch (RFC 6902) on status, businessStatus, statusReason and output only."""
    document = load_json_value(read_body(array=True))
    if not isinstance(document, list) or not document:
        raise FhirError.one(400, "structure", "send a JSON Patch: a non-empty list of operations")
    fields: dict[str, Any] = {}
    for index, operation in enumerate(document):
        where = f"patch[{index}]"
        if not isinstance(operation, dict) or operation.get("op") not in {"replace", "add"}:
            raise FhirError.one(400, "not-supported", "only replace and add operations are taken", where)
        if operation.get("path") not in PATCHABLE:
            raise FhirError.one(
                400,
                "not-supported",
                "a provider may change only status, businessStatus, statusReason and output",
                where,
            )
        fields[str(operation["path"]).lstrip("/")] = operation.get("value")
    return _apply(task_id, fields)


@bp.put("/Task/<task_id>")
@supports("Task", "update")
def put_task(task_id: str) -> Response:
    """The whole Task back, changed only in status, businessStatus, statusReason and output."""
    _raw, document, _task = read_resource("Task")
    if document.get("id") not in (None, task_id):
        raise FhirError.one(400, "invalid", "the Task's id must match the URL", "Task.id")
    return _apply(task_id, document)
