"""The provider and link-worker portal: server-rendered pages over the same service functions as the API.

Views parse a form, call one service function inside one unit of work, and render or redirect.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from referral_service.portal import (  # noqa: F401
        accreditation,
        administration,
        approvals,
        bookings,
        capacity,
        case_notes,
        casework,
        finding,
        link_worker,
        listing,
        performance,
        referrals,
        schedule,
        users,
    )
    from referral_service.portal.blueprint import bp
    from referral_service.portal.notifications import public

    app.register_blueprint(bp)
    app.register_blueprint(public)
