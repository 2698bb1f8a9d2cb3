"""GET /: what the service is and where to go next, for a newcomer who has just run `make run`."""

from __future__ import annotations

from flask import Blueprint, render_template

from referral_service.web.context import service_context

bp = Blueprint("landing", __name__, template_folder="templates")


@bp.get("/")
def landing() -> str:
    return render_template("web/landing.html", demo=service_context().settings.demo)
