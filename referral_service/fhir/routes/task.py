"""Task: the referral's fulfilment, read and searched by its sender (the polling channel)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from referral_service.domain.clock import utcnow
from referral_service.fhir import bp, current_client, render, search
from referral_service.fhir.capabilities import supports
from referral_service.fhir.http import fhir_response, load_json_value, read_body, read_resource
from referral_service.fhir.outcomes import FhirError, Issue, operation_outcome
from referral_service.fhir.task_changes import change_from, patched_fields
from referral_service.services.access import TaskFilter
from referral_service.services.errors import NotFound
from referral_service.services.referrals import read_task, search_tasks
from referral_service.services.task_updates import update_task
from referral_service.web.context import unit_of_work
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
    criteria = TaskFilter(
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
    matches = [render.task(view) for view in tasks]
    referrals = [render.service_request(view) for view in included]
    return fhir_response(search.respond(matches, referrals, lambda task: [task.get("focus", {}).get("reference", "")]))


def _check_version(current: dict[str, Any]) -> None:
    expected = request.headers.get("If-Match")
    if expected and expected.strip().removeprefix("W/").strip('"') != current["meta"]["versionId"]:
        raise FhirError.one(412, "conflict", "the Task has changed since the version in If-Match")


def _apply(task_id: str, fields: dict[str, Any]) -> Response:
    now = utcnow()
    with unit_of_work() as uow:
        actor = current_client()
        current = render.task(read_task(uow, task_id, actor=actor, now=now, request_id=current_request_id()))
        _check_version(current)
        update_task(uow, task_id, change_from(fields, current), actor=actor, now=now)
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
    fields = patched_fields(load_json_value(read_body(array=True)))
    return _apply(task_id, fields)


@bp.put("/Task/<task_id>")
@supports("Task", "update")
def put_task(task_id: str) -> Response:
    """The whole Task back, changed only in status, businessStatus, statusReason and output."""
    _raw, document, _task = read_resource("Task")
    if document.get("id") not in (None, task_id):
        raise FhirError.one(400, "invalid", "the Task's id must match the URL", "Task.id")
    return _apply(task_id, document)
