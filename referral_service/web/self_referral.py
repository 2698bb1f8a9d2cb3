"""GET/POST /self-referral: a person refers themselves, with no sign-in, to a service that takes
self-referrals, and is told what happens next.

Bot protection needs no third-party script: a field hidden by CSS that people leave blank, a
signed time the form was shown (a submit within `SELF_REFERRAL_MIN_SECONDS`, 3 by default, is a
script's), and a limit per client address (`services.self_referral.SUBMITS_PER_HOUR`). Every
refused submit shows the form again with everything typed, and stores nothing.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeSerializer

from referral_service.domain.clock import utcnow
from referral_service.domain.self_referral import MIN_SECONDS, PAR_Q_PLUS
from referral_service.services.errors import Invalid
from referral_service.services.self_referral import Choices, choices, submit_self_referral, throttled
from referral_service.web.context import unit_of_work
from referral_service.web.self_referral_form import (
    HONEYPOT,
    SelfReferralForm,
    answers_of,
    check_answers,
    readiness_fields,
)

bp = Blueprint("self_referral", __name__, template_folder="templates")

TOO_FAST = "That was quicker than a person can fill the form in. Check your answers, then send the form again."
HONEYPOT_FILLED = "Leave the box marked 'Leave this blank' empty, then send the form again."
DONE_KEY = "self_referral_done"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="self-referral-form-shown")


def _shown_at(token: str | None) -> float | None:
    try:
        value = _signer().loads(token or "")
    except BadSignature:
        return None
    return float(value) if isinstance(value, int | float) else None


def _page(
    form: SelfReferralForm,
    offered: Choices,
    status: int = 200,
    problem: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[str, int, dict[str, str]]:
    return (
        render_template(
            "web/self_referral.html",
            form=form,
            choices=offered,
            readiness=readiness_fields(form),
            asking=[s.slug for s in offered.services if s.asks_readiness],
            problem=problem,
            honeypot=HONEYPOT,
        ),
        status,
        headers or {},
    )


@bp.route("/self-referral", methods=["GET", "POST"])
def self_referral() -> ResponseReturnValue:
    with unit_of_work() as uow:
        offered = choices(uow)
    form = SelfReferralForm()
    form.offer(offered)
    if not form.is_submitted():
        form.started.data = _signer().dumps(time.time())
        return _page(form, offered)
    shown_at = _shown_at(form.started.data)
    if shown_at is None:  # no token or a forged one: a fresh one, and the person's answers kept
        form.started.data = _signer().dumps(time.time())
        return _page(form, offered, 400, TOO_FAST)
    valid = form.validate()
    valid = check_answers(form, offered, utcnow().date()) and valid
    if not valid:
        return _page(form, offered, 400)
    if form.website.data:
        return _page(form, offered, 400, HONEYPOT_FILLED)
    if time.time() - shown_at < current_app.config.get("SELF_REFERRAL_MIN_SECONDS", MIN_SECONDS):
        return _page(form, offered, 400, TOO_FAST)
    with unit_of_work() as uow:
        wait = throttled(uow, request.remote_addr, now=utcnow())
    if wait:
        minutes = math.ceil(wait / 60)
        message = (
            f"Too many referrals have been sent from here. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
        return _page(form, offered, 429, message, {"Retry-After": str(wait)})
    try:
        with unit_of_work() as uow:
            receipt = submit_self_referral(uow, answers_of(form, offered), now=utcnow())
    except Invalid as error:
        return _page(form, offered, 400, error.message[0].upper() + error.message[1:])
    session[DONE_KEY] = {
        "reference": receipt.reference,
        "next_step": receipt.next_step,
        "offered_at": receipt.offered_at,
        "messages": [channel.value for channel in receipt.messages_queued],
        "tell_gp": receipt.tell_gp,
    }
    return redirect(url_for("self_referral.confirmation"))


@bp.get("/self-referral/confirmation")
def confirmation() -> ResponseReturnValue:
    """Read once: a second look (or another person at this browser later) goes back to the form."""
    done = session.pop(DONE_KEY, None)
    if not isinstance(done, dict):
        return redirect(url_for("self_referral.self_referral"))
    return render_template("web/self_referral_done.html", done=done, questions=len(PAR_Q_PLUS))
