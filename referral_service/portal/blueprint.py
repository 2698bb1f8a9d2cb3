"""The portal blueprint and what every portal view shares: the signed-in worker, form errors."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from referral_service.services.casework import Worker
from referral_service.services.errors import ServiceError
from referral_service.web.auth import current_user, home_url, require_user

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")


def worker() -> Worker:
    user = require_user()
    return Worker(user.organisation_id, user.id, user.actor)


def attach_error(form: FlaskForm, error: ServiceError, fields: dict[str, str] | None = None) -> list[str]:
    """Put a service's refusal next to the field it names (so the error summary links to it); an
    error about no particular field is returned for the summary alone."""
    name = (fields or {}).get(error.where or "", error.where or "")
    field = form._fields.get(name) if name else None
    if field is None:
        return [error.message[:1].upper() + error.message[1:]]
    field.errors = [*field.errors, error.message[:1].upper() + error.message[1:]]
    return []


@bp.get("/")
def home() -> ResponseReturnValue:
    user = current_user()
    return redirect(home_url(user) if user else url_for("auth.login", next="/portal/"))
