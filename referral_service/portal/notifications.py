"""Notifications in the portal: each person's list (read or unread), their choice of immediate
emails or a daily digest, the patient's contact permissions on the referral page, and the public
opt-out link in patient emails."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.notifications import Delivery
from referral_service.portal.blueprint import bp, signed_in_actor
from referral_service.services.consent import opt_out_by_token, record_permission
from referral_service.services.errors import Invalid, NotFound
from referral_service.services.staff_notices import choose_delivery, delivery_choice, mark_read, my_notifications
from referral_service.web.auth import require_roles, require_user
from referral_service.web.context import unit_of_work

public = Blueprint("notifications_public", __name__, template_folder="templates")
STAFF = (UserRole.PROVIDER, UserRole.LINK_WORKER, UserRole.ADMIN, UserRole.COMMISSIONER)


@bp.get("/notifications")
@require_roles(*STAFF)
def notifications() -> ResponseReturnValue:
    me = signed_in_actor()
    with unit_of_work() as uow:
        notices = my_notifications(uow, actor=me)
        choice = delivery_choice(uow, actor=me)
    return render_template("portal/notifications.html", notices=notices, choice=choice)


@bp.post("/notifications/read")
@require_roles(*STAFF)
def read() -> ResponseReturnValue:
    """One notification (its id in the form) or, without one, all of them."""
    try:
        with unit_of_work() as uow:
            mark_read(uow, request.form.get("notification") or None, actor=signed_in_actor(), now=utcnow())
    except NotFound:
        abort(404)
    return redirect(url_for("portal.notifications"))


@bp.post("/notifications/delivery")
@require_roles(*STAFF)
def delivery() -> ResponseReturnValue:
    try:
        chosen = Delivery(request.form.get("delivery", ""))
    except ValueError:
        flash("Choose each email at once, or one a day.")
        return redirect(url_for("portal.notifications"))
    with unit_of_work() as uow:
        choose_delivery(uow, chosen, actor=signed_in_actor(), now=utcnow())
    flash("Emails: " + ("each one as it happens." if chosen is Delivery.IMMEDIATE else "one digest a day."))
    return redirect(url_for("portal.notifications"))


@bp.post("/referrals/<referral_id>/contact-permissions")
@require_roles(UserRole.PROVIDER)
def contact_permissions(referral_id: str) -> ResponseReturnValue:
    """The provider records what the patient said about texts or email."""
    user = require_user()
    try:
        with unit_of_work() as uow:
            record_permission(
                uow,
                referral_id,
                request.form.get("channel", ""),
                request.form.get("permission", ""),
                request.form.get("address", "").strip() or None,
                actor=signed_in_actor(),
                actor_name=user.display_name,
                now=utcnow(),
            )
    except Invalid as error:
        flash(f"Not saved: {error.message}.")
    else:
        flash("Contact permission saved.")
    return redirect(url_for("portal.referral", referral_id=referral_id) + "#contacting")


@public.get("/notifications/opt-out/<token>")
def opt_out(token: str) -> ResponseReturnValue:
    """The link in every patient email: one click, no sign-in; honoured at once."""
    try:
        with unit_of_work() as uow:
            done = opt_out_by_token(uow, token, now=utcnow())
    except NotFound:
        return render_template("portal/opt_out.html", done=None), 404
    return render_template("portal/opt_out.html", done=done)
