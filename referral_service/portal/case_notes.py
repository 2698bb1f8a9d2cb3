"""Casework pages on one referral: write or correct a case note, raise or lower the safeguarding
flag, set a follow-up and mark it done. Each is a form page (`form_page`) over one service call."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from referral_service.domain import clock
from referral_service.domain.access import UserRole
from referral_service.persistence.uow import UnitOfWork
from referral_service.portal.blueprint import bp, form_page, signed_in_actor
from referral_service.portal.casework_forms import FlagForm, FollowUpForm, NoteForm
from referral_service.portal.finding import uk_today
from referral_service.portal.forms import options
from referral_service.services.case_notes import (
    NewFollowUp,
    check_casework,
    complete_follow_up,
    correct_note,
    follow_up_owners,
    lower_flag,
    raise_flag,
    set_follow_up,
    write_note,
)
from referral_service.services.errors import ServiceError
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work

CASE_ROLES = (UserRole.PROVIDER, UserRole.LINK_WORKER)


def _may_casework(referral_id: str) -> None:
    if request.method == "GET":  # a POST is checked by the service it calls
        with unit_of_work() as uow:
            check_casework(uow, referral_id, actor=signed_in_actor(), now=clock.utcnow())


@bp.route("/referrals/<referral_id>/notes/new", methods=["GET", "POST"])
@require_roles(*CASE_ROLES)
def write_case_note(referral_id: str) -> ResponseReturnValue:
    form, me = NoteForm(), signed_in_actor()
    _may_casework(referral_id)
    return form_page(
        referral_id,
        form,
        "portal/note.html",
        lambda uow: write_note(uow, referral_id, form.body.data, actor=me, now=clock.utcnow()),
        "Case note saved.",
        context={"correcting": None},
    )


@bp.route("/referrals/<referral_id>/notes/<note_id>/correct", methods=["GET", "POST"])
@require_roles(*CASE_ROLES)
def correct_case_note(referral_id: str, note_id: str) -> ResponseReturnValue:
    form, me = NoteForm(), signed_in_actor()
    _may_casework(referral_id)
    return form_page(
        referral_id,
        form,
        "portal/note.html",
        lambda uow: correct_note(uow, referral_id, note_id, form.body.data, actor=me, now=clock.utcnow()),
        "Correction saved. The earlier text stays visible under the note.",
        context={"correcting": note_id},
    )


@bp.route("/referrals/<referral_id>/safeguarding/raise", methods=["GET", "POST"])
@require_roles(*CASE_ROLES)
def raise_safeguarding(referral_id: str) -> ResponseReturnValue:
    form, me = FlagForm(), signed_in_actor()
    _may_casework(referral_id)
    return form_page(
        referral_id,
        form,
        "portal/safeguarding.html",
        lambda uow: raise_flag(uow, referral_id, form.reason.data, actor=me, now=clock.utcnow()),
        "Safeguarding concern raised. Everyone who opens this referral will see it.",
        context={"raising": True},
    )


@bp.route("/referrals/<referral_id>/safeguarding/lower", methods=["GET", "POST"])
@require_roles(*CASE_ROLES)
def lower_safeguarding(referral_id: str) -> ResponseReturnValue:
    form, me = FlagForm(), signed_in_actor()
    _may_casework(referral_id)
    return form_page(
        referral_id,
        form,
        "portal/safeguarding.html",
        lambda uow: lower_flag(uow, referral_id, form.reason.data, actor=me, now=clock.utcnow()),
        "Safeguarding concern lowered, with your reason.",
        context={"raising": False},
    )


@bp.route("/referrals/<referral_id>/follow-ups/new", methods=["GET", "POST"])
@require_roles(*CASE_ROLES)
def new_follow_up(referral_id: str) -> ResponseReturnValue:
    form, me = FollowUpForm(), signed_in_actor()
    _may_casework(referral_id)
    with unit_of_work() as uow:
        form.owner.choices = options([(str(user_id), name) for user_id, name in follow_up_owners(uow, me)])

    def act(uow: UnitOfWork) -> str:
        now = clock.utcnow()
        owner = form.owner.data
        wanted = NewFollowUp(form.due.data, form.note.data, int(owner) if owner and owner.isdigit() else None)
        return set_follow_up(uow, referral_id, wanted, actor=me, today=uk_today(now), now=now)

    return form_page(
        referral_id,
        form,
        "portal/follow_up.html",
        act,
        "Follow-up set. It is in the owner's list of follow-ups.",
        fields={"due_on": "due"},
    )


@bp.post("/referrals/<referral_id>/follow-ups/<follow_up_id>/done")
@require_roles(*CASE_ROLES)
def follow_up_done(referral_id: str, follow_up_id: str) -> ResponseReturnValue:
    """One button: CSRFProtect has checked its token before the view runs."""
    try:
        with unit_of_work() as uow:
            complete_follow_up(uow, referral_id, follow_up_id, actor=signed_in_actor(), now=clock.utcnow())
    except ServiceError as error:
        if error.status == 404:
            raise
        flash(f"Not marked done: {error.message}.")
    else:
        flash("Follow-up marked as done.")
    return redirect(url_for("portal.referral", referral_id=referral_id))
