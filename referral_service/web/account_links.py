"""The pages behind the emailed links, and "Forgotten your password?".

The token travels in the query string (`?token=…`), which the log redaction already strips, so no
log line ever holds a working link. A wrong, used, replaced or expired link gets one answer.
"""

from __future__ import annotations

import math
import time

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from referral_service.domain.account_links import LinkPurpose
from referral_service.domain.clock import utcnow
from referral_service.services.account_links import (
    ResetAnswer,
    link_holder,
    request_password_reset,
    set_password_with_link,
)
from referral_service.services.accounts import MIN_PASSWORD_LENGTH
from referral_service.services.errors import Invalid, NotFound
from referral_service.web.auth import bp
from referral_service.web.context import service_context, unit_of_work

ANSWER_FLOOR_SECONDS = 0.2  # every answer to "forgotten password" takes this long, emailed or not

DONE = {
    LinkPurpose.INVITATION: "Your password is set and your account is ready: sign in with your new password.",
    LinkPurpose.RESET: "Your password has been changed and you are signed out everywhere: sign in with the new one.",
}


class ForgottenPasswordForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few words you will remember make a good one.",
        validators=[
            DataRequired("Enter a new password"),
            Length(min=MIN_PASSWORD_LENGTH, message=f"Your password needs at least {MIN_PASSWORD_LENGTH} characters"),
        ],
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[
            DataRequired("Type the new password again"),
            EqualTo("password", "The two passwords are not the same"),
        ],
    )


@bp.route("/forgotten-password", methods=["GET", "POST"])
def forgotten_password() -> ResponseReturnValue:
    """The same answer whether or not the address has an account, after the same time: queueing the
    email adds a few milliseconds of writes that a stopwatch could otherwise see."""
    form = ForgottenPasswordForm()
    if not form.validate_on_submit():
        return render_template("web/forgotten_password.html", form=form), 400 if form.is_submitted() else 200
    started = time.monotonic()
    with unit_of_work() as uow:
        result = request_password_reset(uow, form.email.data or "", remote_address=request.remote_addr, now=utcnow())
    time.sleep(max(0.0, ANSWER_FLOOR_SECONDS - (time.monotonic() - started)))
    if result.answer is ResetAnswer.THROTTLED:
        minutes = math.ceil(result.retry_after_seconds / 60)
        page = render_template("web/forgotten_password.html", form=form, wait_minutes=minutes)
        return page, 429, {"Retry-After": str(result.retry_after_seconds)}
    return render_template("web/reset_requested.html", email=form.email.data)


def _link_page(purpose: LinkPurpose) -> ResponseReturnValue:
    token = request.args.get("token", "")
    form = NewPasswordForm()
    try:
        if form.validate_on_submit():
            with unit_of_work() as uow:
                set_password_with_link(
                    uow, token, purpose, form.password.data or "", hasher=service_context().hasher, now=utcnow()
                )
            session.clear()  # whoever was signed in on this browser is not any more
            flash(DONE[purpose])
            return redirect(url_for("auth.login"))
        with unit_of_work() as uow:
            holder = link_holder(uow, token, purpose, now=utcnow())
    except NotFound:
        return render_template("web/link_unusable.html", purpose=purpose.value), 404
    except Invalid as error:
        form.password.errors = [error.message[0].upper() + error.message[1:]]
        return render_template("web/set_password.html", form=form, purpose=purpose.value, holder=None), 400
    status = 400 if form.is_submitted() else 200
    return render_template("web/set_password.html", form=form, purpose=purpose.value, holder=holder), status


@bp.route("/account/set-password", methods=["GET", "POST"])
def set_password() -> ResponseReturnValue:
    """An invitation's link: the first password, which starts the account."""
    return _link_page(LinkPurpose.INVITATION)


@bp.route("/account/reset-password", methods=["GET", "POST"])
def reset_password() -> ResponseReturnValue:
    """A reset's link: a new password, and every other session of the person's ends."""
    return _link_page(LinkPurpose.RESET)
