"""The link-worker queue: referrals triage could not place safely, and what a person can do with them."""

from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.portal.blueprint import bp, form_page, referrer_hears, signed_in_actor
from referral_service.portal.forms import AskReferrerForm, CloseForm, PlaceByHandForm, options
from referral_service.services.caseload import link_worker_queue as queue_of
from referral_service.services.link_worker import ask_referrer, close_referral, place_by_hand, placement_choices_for
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work
from referral_service.web.requests import current_request_id

LINK_WORKER = UserRole.LINK_WORKER


@bp.get("/link-worker")
@require_roles(LINK_WORKER)
def link_worker_queue() -> ResponseReturnValue:
    with unit_of_work() as uow:
        rows = queue_of(uow, signed_in_actor(), now=utcnow(), request_id=current_request_id())
    return render_template("portal/link_worker_queue.html", rows=rows)


@bp.route("/link-worker/<referral_id>/place", methods=["GET", "POST"])
@require_roles(LINK_WORKER)
def place(referral_id: str) -> ResponseReturnValue:
    """The choice of service, each judged for this patient; the service refuses what may not be chosen."""
    form = PlaceByHandForm()
    me = signed_in_actor()
    with unit_of_work() as uow:
        choices = placement_choices_for(uow, referral_id, actor=me, now=utcnow())
    form.service.choices = options([(choice.slug, choice.name) for choice in choices if choice.choosable])
    return form_page(
        referral_id,
        form,
        "portal/place.html",
        lambda uow: place_by_hand(
            uow,
            referral_id,
            form.service.data,
            override_reason=form.override_reason.data,
            actor=me,
            now=utcnow(),
        ),
        "Place offered. The provider will see the referral in its inbox.",
        redirect_to=url_for("portal.link_worker_queue"),
        context={"choices": choices},
    )


@bp.route("/link-worker/<referral_id>/ask", methods=["GET", "POST"])
@require_roles(LINK_WORKER)
def ask(referral_id: str) -> ResponseReturnValue:
    form = AskReferrerForm()
    me = signed_in_actor()
    return form_page(
        referral_id,
        form,
        "portal/ask.html",
        lambda uow: ask_referrer(uow, referral_id, question=form.question.data, actor=me, now=utcnow()),
        lambda handled: (
            f"Question recorded. {referrer_hears(handled)} The referral stays in the queue until you place or close it."
        ),
    )


@bp.route("/link-worker/<referral_id>/close", methods=["GET", "POST"])
@require_roles(LINK_WORKER)
def close(referral_id: str) -> ResponseReturnValue:
    form = CloseForm()
    me = signed_in_actor()
    return form_page(
        referral_id,
        form,
        "portal/close.html",
        lambda uow: close_referral(uow, referral_id, reason=form.reason.data, actor=me, now=utcnow()),
        lambda handled: f"Referral closed, with your reason. {referrer_hears(handled)}",
        redirect_to=url_for("portal.link_worker_queue"),
    )
