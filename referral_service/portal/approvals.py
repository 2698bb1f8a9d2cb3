"""Commissioners and administrators approve or reject the changes providers propose to what triage reads."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.portal.blueprint import attach_error, bp, signed_in_actor
from referral_service.portal.listing_forms import DecisionForm
from referral_service.services.directory_approvals import approval, decide, pending_approvals
from referral_service.services.errors import ServiceError
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work


@bp.get("/approvals")
@require_roles(UserRole.COMMISSIONER, UserRole.ADMIN)
def approvals() -> ResponseReturnValue:
    with unit_of_work() as uow:
        waiting = pending_approvals(uow, signed_in_actor())
    return render_template("portal/approvals.html", proposals=waiting)


@bp.route("/approvals/<proposal_id>", methods=["GET", "POST"])
@require_roles(UserRole.COMMISSIONER, UserRole.ADMIN)
def approval_page(proposal_id: str) -> ResponseReturnValue:
    with unit_of_work() as uow:
        proposal = approval(uow, signed_in_actor(), proposal_id)
    form, problems, status = DecisionForm(), [], 200
    if proposal.pending and form.validate_on_submit():
        approve = form.decision.data == "approve"
        try:
            with unit_of_work() as uow:
                decide(uow, signed_in_actor(), proposal_id, approve=approve, reason=form.reason.data, now=utcnow())
        except ServiceError as error:
            if error.status == 404:
                raise
            problems, status = attach_error(form, error), error.status
        else:
            if approve:
                flash(f"{proposal.service}: the change is approved and triage uses it now.")
            else:
                flash(f"{proposal.service}: the change is rejected; the provider can read your reason.")
            return redirect(url_for("portal.approvals"))
    elif form.is_submitted():
        status = 400 if proposal.pending else 409
    return render_template("portal/approval.html", proposal=proposal, form=form, problems=problems), status
