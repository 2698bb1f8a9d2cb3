"""The portal blueprint and what every portal view shares: the signed-in worker, form errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import Field

from referral_service.domain.access import Actor
from referral_service.domain.clock import utcnow
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.caseload import open_case
from referral_service.services.errors import NotFound, ServiceError
from referral_service.services.offers import Handled
from referral_service.web.auth import current_user, home_url, require_user
from referral_service.web.context import unit_of_work
from referral_service.web.requests import current_request_id

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")


def signed_in_actor() -> Actor:
    """The signed-in person as the caller every service takes."""
    return require_user().actor


def referrer_hears(handled: Handled) -> str:
    """What became of the news for the referrer, as it really is: queued for its system, or there
    for it to read the next time it polls (a practice without an endpoint)."""
    if handled.message_queued:
        return "A message is queued for the practice's system."
    return "The practice will see it the next time its system checks."


def _field_by_id(form: FlaskForm, field_id: str) -> Field | None:
    """A field of one of the form's repeated rows (a FieldList of FormFields), by its id."""
    for field in form:
        for entry in getattr(field, "entries", []):
            for sub in entry:
                if sub.id == field_id:
                    return sub
    return None


def attach_error(form: FlaskForm, error: ServiceError, fields: dict[str, str] | None = None) -> list[str]:
    """Put a service's refusal next to the field it names, by name or by the id of a field in one of
    the form's repeated rows (so the error summary links to it); an error about no particular field
    is returned for the summary alone."""
    name = (fields or {}).get(error.where or "", error.where or "")
    field = (form._fields.get(name) or _field_by_id(form, name)) if name else None
    if field is None:
        return [error.message[:1].upper() + error.message[1:]]
    field.errors = [*field.errors, error.message[:1].upper() + error.message[1:]]
    return []


def form_page(
    referral_id: str,
    form: FlaskForm,
    template: str,
    act: Callable[[UnitOfWork], object],
    done: str | Callable[[Any], str],
    *,
    fields: Mapping[str, str] | None = None,
    redirect_to: str | None = None,
    context: Mapping[str, object] | None = None,
) -> ResponseReturnValue:
    """The shape of every action page about one referral. GET shows the form; a valid POST runs
    `act` in one unit of work and goes back to the referral (or `redirect_to`); a refused one shows
    the form again with everything typed, an error summary and the service's status code."""
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work() as uow:
                result = act(uow)
        except ServiceError as error:
            if error.status == 404:
                raise
            problems, status = attach_error(form, error, dict(fields or {})), error.status
        else:
            flash(done(result) if callable(done) else done)
            return redirect(redirect_to or url_for("portal.referral", referral_id=referral_id))
    elif form.is_submitted():
        status = 400
    with unit_of_work() as uow:
        case = open_case(uow, referral_id, signed_in_actor(), now=utcnow(), request_id=current_request_id())
    if case.casework is not None and not (case.casework.may_work or case.casework.may_casework):
        raise NotFound("nothing on this referral is yours to do")  # a reader (what it held before) sees no forms
    return render_template(template, case=case, form=form, problems=problems, **(context or {})), status


@bp.get("/")
def home() -> ResponseReturnValue:
    user = current_user()
    return redirect(home_url(user) if user else url_for("auth.login", next="/portal/"))
