"""Administration: each referrer endpoint's integration health and the parked outbox messages, with
retry and resolve, and "send waiting messages now" for an endpoint that has recovered (the same
service functions as `flask outbox retry [--endpoint]|resolve`). No patient lists."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.notifications import KIND_WORDS, STATE_WORDS
from referral_service.portal.blueprint import attach_error, bp
from referral_service.portal.forms import ResolveForm
from referral_service.services.errors import Conflict, ServiceError
from referral_service.services.integration import integration_health, notification_health, parked_messages
from referral_service.services.outbox import resolve_parked, retry_parked, send_now
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work


def _page(resolve_form: ResolveForm | None = None, failed: str | None = None, status: int = 200) -> ResponseReturnValue:
    with unit_of_work() as uow:
        health = integration_health(uow, now=utcnow())
        parked = parked_messages(uow)
        notifications = notification_health(uow, now=utcnow())
    return render_template(
        "portal/administration.html",
        health=health,
        notifications=notifications,
        state_words=STATE_WORDS,
        kind_words=KIND_WORDS,
        parked=parked,
        resolve_form=resolve_form or ResolveForm(),
        failed=failed,
    ), status


@bp.get("/admin")
@require_roles(UserRole.ADMIN)
def administration() -> ResponseReturnValue:
    return _page()


@bp.post("/admin/messages/<message_id>/retry")
@require_roles(UserRole.ADMIN)
def retry(message_id: str) -> ResponseReturnValue:
    try:
        with unit_of_work() as uow:
            retry_parked(uow, message_id, now=utcnow())
    except Conflict as error:  # resolved or retried by someone else meanwhile
        flash(f"Not retried: {error.message}.")
    else:
        flash(f"Message {message_id} will be sent again at the next delivery run.")
    return redirect(url_for("portal.administration"))


@bp.post("/admin/endpoints/send-now")
@require_roles(UserRole.ADMIN)
def send_waiting_now() -> ResponseReturnValue:
    """An endpoint has recovered: its pending messages go at the next delivery run, not after their back-off."""
    destination = request.form.get("destination", "")
    try:
        with unit_of_work() as uow:
            count = send_now(uow, destination, now=utcnow())
    except ServiceError as error:
        flash(f"Nothing sent: {error.message}.")
    else:
        flash(f"{count} waiting messages to {destination} will be sent at the next delivery run.")
    return redirect(url_for("portal.administration"))


@bp.post("/admin/messages/<message_id>/resolve")
@require_roles(UserRole.ADMIN)
def resolve(message_id: str) -> ResponseReturnValue:
    form = ResolveForm()
    if not form.validate_on_submit():
        return _page(form, message_id, 400)
    try:
        with unit_of_work() as uow:
            resolve_parked(uow, message_id, reason=form.reason.data, now=utcnow())
    except ServiceError as error:
        if error.status == 404:
            raise
        attach_error(form, error)
        return _page(form, message_id, error.status)
    flash(f"Message {message_id} marked resolved.")
    return redirect(url_for("portal.administration"))
