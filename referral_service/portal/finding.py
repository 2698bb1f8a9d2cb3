"""Finding people: the search (a POST, so nothing typed lands in a URL or an access log), a link
worker's caseload, and each person's follow-ups. The clock is read as `clock.utcnow()` so a test
can move the day."""

from __future__ import annotations

from datetime import date, datetime

from flask import render_template
from flask.typing import ResponseReturnValue

from referral_service.domain import clock
from referral_service.domain.access import UserRole
from referral_service.domain.clock import UK_TIME
from referral_service.portal.blueprint import attach_error, bp, signed_in_actor
from referral_service.portal.casework_forms import SearchForm
from referral_service.services.errors import Invalid
from referral_service.services.finding import link_worker_caseload, my_follow_ups, search_people, search_terms
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work
from referral_service.web.requests import current_request_id

CASE_ROLES = (UserRole.PROVIDER, UserRole.LINK_WORKER)


def uk_today(now: datetime) -> date:
    """Today as the people in the portal count days (UK time)."""
    return now.astimezone(UK_TIME).date()


@bp.route("/search", methods=["GET", "POST"])
@require_roles(*CASE_ROLES)
def search() -> ResponseReturnValue:
    form = SearchForm()
    found, problems, status, searched = None, [], 200, False
    if form.validate_on_submit():
        try:
            terms = search_terms(form.text.data, form.dob.data)
        except Invalid as error:
            problems, status = attach_error(form, error), 400
        else:
            searched = True
            with unit_of_work() as uow:
                found = search_people(
                    uow, terms, actor=signed_in_actor(), now=clock.utcnow(), request_id=current_request_id()
                )
    elif form.is_submitted():
        status = 400
    return render_template(
        "portal/search.html", form=form, found=found or [], searched=searched, problems=problems
    ), status


@bp.get("/caseload")
@require_roles(UserRole.LINK_WORKER)
def caseload() -> ResponseReturnValue:
    with unit_of_work() as uow:
        rows = link_worker_caseload(uow, actor=signed_in_actor(), now=clock.utcnow(), request_id=current_request_id())
    return render_template("portal/caseload.html", rows=rows)


@bp.get("/follow-ups")
@require_roles(*CASE_ROLES)
def follow_ups() -> ResponseReturnValue:
    now = clock.utcnow()
    with unit_of_work() as uow:
        listed = my_follow_ups(
            uow, actor=signed_in_actor(), today=uk_today(now), now=now, request_id=current_request_id()
        )
    return render_template("portal/follow_ups.html", listed=listed, today=uk_today(now))
