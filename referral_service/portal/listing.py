"""A provider's own listing in the portal: what it says applies at once; rule changes are proposed."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.portal.blueprint import attach_error, bp, signed_in_actor
from referral_service.portal.listing_forms import OrganisationForm, RuleForm, ServiceForm
from referral_service.services.directory_approvals import propose, rule_editor
from referral_service.services.directory_editing import (
    LocationEntry,
    edit_organisation,
    edit_service,
    provider_listing,
)
from referral_service.services.directory_versions import listing_history
from referral_service.services.errors import NotFound, ServiceError
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work


@bp.get("/listing")
@require_roles(UserRole.PROVIDER)
def listing() -> ResponseReturnValue:
    with unit_of_work() as uow:
        found = provider_listing(uow, signed_in_actor())
    return render_template("portal/listing.html", listing=found)


@bp.route("/listing/organisation", methods=["GET", "POST"])
@require_roles(UserRole.PROVIDER)
def listing_organisation() -> ResponseReturnValue:
    form, problems, status = OrganisationForm(), [], 200
    if form.validate_on_submit():
        try:
            with unit_of_work() as uow:
                changes = edit_organisation(
                    uow,
                    signed_in_actor(),
                    description=form.description.data,
                    email=form.email.data or "",
                    phone=form.phone.data,
                    website=form.website.data,
                    now=utcnow(),
                )
        except ServiceError as error:
            if error.status == 404:
                raise
            problems, status = attach_error(form, error), error.status
        else:
            flash("Your organisation's details are saved and shown now." if changes else "Nothing was changed.")
            return redirect(url_for("portal.listing"))
    elif form.is_submitted():
        status = 400
    else:
        with unit_of_work() as uow:
            found = provider_listing(uow, signed_in_actor())
        form.description.data, form.email.data = found.description, found.email
        form.phone.data, form.website.data = found.phone, found.website
    return render_template("portal/listing_organisation.html", form=form, problems=problems), status


@bp.route("/listing/services/<slug>", methods=["GET", "POST"])
@require_roles(UserRole.PROVIDER)
def listing_service(slug: str) -> ResponseReturnValue:
    with unit_of_work() as uow:
        found = next((s for s in provider_listing(uow, signed_in_actor()).services if s.slug == slug), None)
    if found is None:
        raise NotFound("no such service")
    form, problems, status = ServiceForm(), [], 200
    if form.validate_on_submit():
        entries = [
            LocationEntry(
                row.form.name.data or "", row.form.address.data, row.form.town.data, row.form.postcode.data or ""
            )
            for row in form.locations
            if not row.form.is_empty()
        ]
        try:
            with unit_of_work() as uow:
                changes = edit_service(
                    uow,
                    signed_in_actor(),
                    slug,
                    description=form.description.data,
                    eligibility_notes=form.eligibility_notes.data,
                    locations=entries,
                    now=utcnow(),
                )
        except ServiceError as error:
            if error.status == 404:
                raise
            problems, status = attach_error(form, error), error.status
        else:
            flash(f"{found.name}: saved and shown now." if changes else "Nothing was changed.")
            return redirect(url_for("portal.listing"))
    elif form.is_submitted():
        status = 400
    else:
        form = ServiceForm(
            formdata=None, data={"description": found.description, "eligibility_notes": found.eligibility_notes}
        )
        while len(form.locations):
            form.locations.pop_entry()
        for name, address, town, postcode in [*found.locations, ("", None, None, "")]:
            form.locations.append_entry({"name": name, "address": address, "town": town, "postcode": postcode})
    return render_template(
        "portal/listing_service.html", form=form, service=found, problems=problems, status_error=status != 200
    ), status


@bp.route("/listing/services/<slug>/rule", methods=["GET", "POST"])
@require_roles(UserRole.PROVIDER)
def listing_rule(slug: str) -> ResponseReturnValue:
    with unit_of_work() as uow:
        editor = rule_editor(uow, signed_in_actor(), slug)
    form, problems, status = RuleForm(), [], 200
    if editor.pending is None and form.validate_on_submit():
        try:
            with unit_of_work() as uow:
                propose(
                    uow,
                    signed_in_actor(),
                    slug,
                    rule_text=form.rule.data or "",
                    catchment=form.catchment.data or "",
                    waitlist=bool(form.waitlist.data),
                    now=utcnow(),
                )
        except ServiceError as error:
            if error.status == 404:
                raise
            problems, status = attach_error(form, error), error.status
        else:
            flash(f"{editor.name}: your change is waiting for a commissioner's approval. Nothing changes until then.")
            return redirect(url_for("portal.listing"))
    elif form.is_submitted():
        status = 400 if editor.pending is None else 409
    else:
        form.rule.data, form.catchment.data, form.waitlist.data = (
            editor.rule_text,
            editor.catchment_text,
            editor.waitlist,
        )
    return render_template("portal/listing_rule.html", form=form, editor=editor, problems=problems), status


@bp.get("/providers/<provider_id>/history")
@require_roles(UserRole.PROVIDER, UserRole.COMMISSIONER, UserRole.ADMIN)
def listing_history_page(provider_id: str) -> ResponseReturnValue:
    with unit_of_work() as uow:
        history = listing_history(uow, provider_id, signed_in_actor())
    return render_template("portal/listing_history.html", history=history)
