"""A provider's referrals: the inbox, one referral in full, accept and decline."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.notifications import KIND_WORDS, STATE_WORDS
from referral_service.portal.blueprint import bp, form_page, referrer_hears, signed_in_actor
from referral_service.portal.forms import DeclineForm
from referral_service.services.caseload import open_case, provider_caseload
from referral_service.services.errors import Conflict
from referral_service.services.offers import accept_offer, decline_offer
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work
from referral_service.web.requests import current_request_id

PROVIDER = (UserRole.PROVIDER,)
CASE_ROLES = (UserRole.PROVIDER, UserRole.LINK_WORKER)


@bp.app_template_filter("time_left")
def time_left(respond_by: datetime | None) -> str:
    """'2 days 3 hours left', or 'overdue': what the front desk needs to see at a glance."""
    if respond_by is None:
        return ""
    left = respond_by - utcnow()
    if left <= timedelta(0):
        return "overdue"
    days, hours = left.days, left.seconds // 3600
    if days:
        return f"{days} day{'s' * (days != 1)} {hours} hour{'s' * (hours != 1)} left"
    minutes = (left.seconds % 3600) // 60
    return f"{hours} hour{'s' * (hours != 1)} {minutes} min left"


@bp.app_template_filter("nhs_number")
def nhs_number(value: str | None) -> str:
    """485 777 3456: the way the NHS writes it, so it is read back without mistakes."""
    if not value or len(value) != 10:
        return value or ""
    return f"{value[:3]} {value[3:6]} {value[6:]}"


@bp.get("/referrals")
@require_roles(*PROVIDER)
def inbox() -> ResponseReturnValue:
    with unit_of_work() as uow:
        caseload = provider_caseload(uow, signed_in_actor(), now=utcnow(), request_id=current_request_id())
    return render_template("portal/inbox.html", caseload=caseload)


@bp.get("/referrals/<referral_id>")
@require_roles(*CASE_ROLES)
def referral(referral_id: str) -> ResponseReturnValue:
    with unit_of_work() as uow:
        case = open_case(uow, referral_id, signed_in_actor(), now=utcnow(), request_id=current_request_id())
    return render_template(
        "portal/referral.html",
        case=case,
        contact=case.contact,
        state_words=STATE_WORDS,
        kind_words=KIND_WORDS,
        current_role=signed_in_actor().role,
    )


@bp.post("/referrals/<referral_id>/accept")
@require_roles(*PROVIDER)
def accept(referral_id: str) -> ResponseReturnValue:
    """One button: CSRFProtect has checked its token before the view runs."""
    me = signed_in_actor()
    try:
        with unit_of_work() as uow:
            handled = accept_offer(uow, referral_id, actor=me, now=utcnow())
    except Conflict as error:
        flash(f"Not accepted: {error.message}.")
        return redirect(url_for("portal.referral", referral_id=referral_id))
    flash(f"Referral accepted. {referrer_hears(handled)} Contact the patient next.")
    return redirect(url_for("portal.referral", referral_id=referral_id))


@bp.route("/referrals/<referral_id>/decline", methods=["GET", "POST"])
@require_roles(*PROVIDER)
def decline(referral_id: str) -> ResponseReturnValue:
    form = DeclineForm()
    me = signed_in_actor()
    return form_page(
        referral_id,
        form,
        "portal/decline.html",
        lambda uow: decline_offer(
            uow,
            referral_id,
            reason_code=form.reason.data,
            reason_text=(form.reason_text.data or None),
            actor=me,
            now=utcnow(),
        ),
        "Referral declined. It has gone back to triage for another service.",
        fields={"reason": "reason_text" if form.reason.data == "other" else "reason"},
        redirect_to=url_for("portal.inbox"),
    )
