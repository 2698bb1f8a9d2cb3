"""A provider's places and waiting lists; raising places promotes waiting patients."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.portal.blueprint import attach_error, bp, signed_in_actor
from referral_service.portal.forms import PlacesForm
from referral_service.services.errors import ServiceError
from referral_service.services.places import change_places, provider_places
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work
from referral_service.web.requests import current_request_id


def _page(form: PlacesForm | None = None, pool_id: int | None = None, status: int = 200) -> ResponseReturnValue:
    with unit_of_work() as uow:
        services = provider_places(uow, signed_in_actor(), now=utcnow(), request_id=current_request_id())
    return render_template(
        "portal/capacity.html", services=services, form=form, failed_pool=pool_id, empty_form=PlacesForm
    ), status


@bp.get("/capacity")
@require_roles(UserRole.PROVIDER)
def capacity() -> ResponseReturnValue:
    return _page()


@bp.post("/capacity/<int:pool_id>")
@require_roles(UserRole.PROVIDER)
def change_capacity(pool_id: int) -> ResponseReturnValue:
    form = PlacesForm()
    if not form.validate_on_submit():
        return _page(form, pool_id, 400)
    try:
        with unit_of_work() as uow:
            promoted = change_places(uow, pool_id, form.places.data, actor=signed_in_actor(), now=utcnow())
    except ServiceError as error:
        if error.status == 404:
            raise
        attach_error(form, error)
        return _page(form, pool_id, error.status)
    message = f"Places changed to {form.places.data}."
    if promoted:
        message += f" {len(promoted)} waiting patient{'s' * (len(promoted) != 1)} offered a place."
    flash(message)
    return redirect(url_for("portal.capacity"))
