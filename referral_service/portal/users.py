"""User administration for administrators: the user list, an invitation (an inactive account until
the emailed link lets its person set a password; sent again, the earlier link stops working), role
and organisation, deactivation (which ends
the person's sessions at once) and each user's sign-in history. Every route is for administrators."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from referral_service.domain.access import UserRole
from referral_service.domain.clock import UK_TIME, utcnow
from referral_service.portal.blueprint import attach_error, bp, signed_in_actor
from referral_service.portal.forms import options
from referral_service.services.account_links import latest_invitation, send_invitation
from referral_service.services.areas import area_choices
from referral_service.services.errors import ServiceError
from referral_service.services.user_admin import (
    change_user,
    invite_user,
    list_users,
    provider_choices,
    set_user_active,
    sign_in_history,
    user_for_admin,
)
from referral_service.web.auth import require_roles
from referral_service.web.context import service_context, unit_of_work

ROLE_NAMES = {
    UserRole.PROVIDER: "Provider staff",
    UserRole.LINK_WORKER: "Link worker",
    UserRole.COMMISSIONER: "Commissioner",
    UserRole.ADMIN: "Administrator",
}


@bp.app_template_filter("long_when")
def long_when(value: datetime | None) -> str:
    """'3 December 2026, 14:05' in UK time: the day written out, as people read it."""
    return "" if value is None else value.astimezone(UK_TIME).strftime("%-d %B %Y, %H:%M")


class UserRoleForm(FlaskForm):
    role = RadioField(
        "Role",
        choices=options([(role.value, name) for role, name in ROLE_NAMES.items()]),
        validators=[InputRequired("Choose the person's role")],
    )
    organisation = SelectField(
        "Provider (provider staff only)", description="Provider staff see only their own provider's patients."
    )
    area = SelectField(
        "Area (commissioners only)",
        description="A commissioner with an area sees only that area's reports and approvals.",
        validate_choice=False,  # shown only where there are areas; the service refuses an unknown one
    )


class InviteForm(UserRoleForm):
    display_name = StringField("Name", validators=[DataRequired("Enter the person's name"), Length(max=200)])
    email = EmailField("Email address", validators=[DataRequired("Enter the person's email address"), Length(max=254)])


def _with_providers(form: UserRoleForm) -> UserRoleForm:
    with unit_of_work() as uow:
        providers = provider_choices(uow, actor=signed_in_actor())
        areas = area_choices(uow)
    form.organisation.choices = options([("", "None"), *providers])
    form.area.choices = options([("", "Every area"), *areas])
    return form


@bp.get("/admin/users")
@require_roles(UserRole.ADMIN)
def users() -> ResponseReturnValue:
    with unit_of_work() as uow:
        rows = list_users(uow, actor=signed_in_actor())
    return render_template("portal/users.html", users=rows, role_names=ROLE_NAMES)


@bp.route("/admin/users/invite", methods=["GET", "POST"])
@require_roles(UserRole.ADMIN)
def invite() -> ResponseReturnValue:
    form = _with_providers(InviteForm())
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work() as uow:
                user_id = invite_user(
                    uow,
                    email=form.email.data or "",
                    display_name=form.display_name.data or "",
                    role=UserRole(form.role.data),
                    provider_slug=form.organisation.data or None,
                    hasher=service_context().hasher,
                    actor=signed_in_actor(),
                    now=utcnow(),
                    area_slug=form.area.data or None,
                )
                send_invitation(uow, user_id, actor=signed_in_actor(), now=utcnow())
        except ServiceError as error:
            if error.status == 403:
                raise
            attach_error(form, error)
            status = error.status
        else:
            flash(
                f"The invitation to {form.email.data} is queued to send: the account starts when they set a"
                " password from its link."
            )
            return redirect(url_for("portal.user", user_id=user_id))
    elif form.is_submitted():
        status = 400
    return render_template("portal/user_invite.html", form=form), status


def _user_page(user_id: int, form: UserRoleForm | None = None, status: int = 200) -> ResponseReturnValue:
    actor = signed_in_actor()
    with unit_of_work() as uow:
        row = user_for_admin(uow, user_id, actor=actor)
        history = sign_in_history(uow, user_id, actor=actor)
        invitation = latest_invitation(uow, user_id, actor=actor)
    if form is None:
        form = _with_providers(
            UserRoleForm(
                data={"role": row.role.value, "organisation": row.organisation_slug or "", "area": row.area_slug or ""}
            )
        )
    return render_template(
        "portal/user.html",
        row=row,
        form=form,
        history=history,
        invitation=invitation,
        role_names=ROLE_NAMES,
        is_self=user_id == actor.user_id,
    ), status


@bp.get("/admin/users/<int:user_id>")
@require_roles(UserRole.ADMIN)
def user(user_id: int) -> ResponseReturnValue:
    return _user_page(user_id)


@bp.post("/admin/users/<int:user_id>")
@require_roles(UserRole.ADMIN)
def change_role(user_id: int) -> ResponseReturnValue:
    form = _with_providers(UserRoleForm())
    if not form.validate_on_submit():
        return _user_page(user_id, form, 400)
    try:
        with unit_of_work() as uow:
            changed = change_user(
                uow,
                user_id,
                role=UserRole(form.role.data),
                provider_slug=form.organisation.data or None,
                actor=signed_in_actor(),
                now=utcnow(),
                area_slug=form.area.data or None,
            )
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        attach_error(form, error)
        return _user_page(user_id, form, error.status)
    flash("Role and provider saved; they sign in again to use them." if changed else "Nothing changed.")
    return redirect(url_for("portal.user", user_id=user_id))


class ConfirmForm(FlaskForm):
    """A button with a CSRF token."""


@bp.post("/admin/users/<int:user_id>/<any(deactivate, reactivate):action>")
@require_roles(UserRole.ADMIN)
def set_active(user_id: int, action: str) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        return _user_page(user_id, status=400)
    try:
        with unit_of_work() as uow:
            set_user_active(uow, user_id, active=action == "reactivate", actor=signed_in_actor(), now=utcnow())
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        flash(f"Not changed: {error.message}.")
    else:
        done = "Account deactivated: signed out everywhere." if action == "deactivate" else "Account active again."
        flash(done)
    return redirect(url_for("portal.user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/invite-again")
@require_roles(UserRole.ADMIN)
def invite_again(user_id: int) -> ResponseReturnValue:
    """A new invitation email; the earlier link stops working."""
    if not ConfirmForm().validate_on_submit():
        return _user_page(user_id, status=400)
    try:
        with unit_of_work() as uow:
            send_invitation(uow, user_id, actor=signed_in_actor(), now=utcnow())
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        flash(f"Not sent: {error.message}.")
    else:
        flash("A new invitation is queued to send; the link in the earlier one no longer works.")
    return redirect(url_for("portal.user", user_id=user_id))
