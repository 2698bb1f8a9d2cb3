"""How we are doing: a provider's own reply time, acceptance, DNA and completion rates and waits by
month, beside the area's (every provider together), small numbers suppressed as in the reports."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.portal.blueprint import bp, signed_in_actor
from referral_service.services.errors import Invalid
from referral_service.services.performance import provider_performance
from referral_service.web.auth import require_roles
from referral_service.web.context import service_context, unit_of_work


@bp.get("/performance")
@require_roles(UserRole.PROVIDER)
def performance() -> ResponseReturnValue:
    try:
        with unit_of_work() as uow:
            figures = provider_performance(
                uow,
                actor=signed_in_actor(),
                today=utcnow().date(),
                threshold=service_context().settings.suppression_threshold,
                arguments=request.args.to_dict(),
            )
    except Invalid as error:
        abort(400, error.message)
    return render_template("portal/performance.html", figures=figures)
