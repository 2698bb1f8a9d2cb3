"""Who is signed in to the portal and the reports, and the doors each role may use.

The cookie session (signed by Flask) carries only a random token; the session itself lives in the
database (services.sessions), so logout and expiry end it for good and login always starts anew.
Signing in again leaves the person's other sessions live (several devices are normal); the account
page's "Sign out everywhere" ends every one of them, this one included.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.services.sessions import (
    SignedInUser,
    SignInOutcome,
    session_user,
    sign_in,
    sign_out,
    sign_out_everywhere,
)
from referral_service.web.context import service_context, unit_of_work
from referral_service.web.security import csrf

bp = Blueprint("auth", __name__, template_folder="templates")
SESSION_KEY = "portal_session"
P = ParamSpec("P")
R = TypeVar("R")

HOME_BY_ROLE = {
    UserRole.PROVIDER: "portal.inbox",
    UserRole.LINK_WORKER: "portal.link_worker_queue",
    UserRole.ADMIN: "portal.administration",
    UserRole.COMMISSIONER: "reports.index",
}


NAVIGATION = {
    # Three at most: more overflow the header on a phone. The rest are linked from the first page.
    UserRole.PROVIDER: (
        ("Referrals", "/portal/referrals"),
        ("Find a person", "/portal/search"),
        ("Places and waiting list", "/portal/capacity"),
    ),
    UserRole.LINK_WORKER: (
        ("Link-worker queue", "/portal/link-worker"),
        ("My caseload", "/portal/caseload"),
        ("Find a person", "/portal/search"),
    ),
    UserRole.ADMIN: (
        ("Integration health", "/portal/admin"),
        ("Users", "/portal/admin/users"),
        ("Reports", "/reports/"),
    ),
    UserRole.COMMISSIONER: (
        ("Reports", "/reports/"),
        ("Directory approvals", "/portal/approvals"),
        ("Accreditations to review", "/portal/accreditations"),
    ),
}


def navigation_for(user: SignedInUser) -> list[dict[str, object]]:
    """The header's links for a role, with the current section marked for screen readers."""
    links = NAVIGATION[user.role]
    current = max((href for _, href in links if request.path.startswith(href)), key=len, default=None)
    return [{"text": text, "href": href, "current": href == current} for text, href in links]


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


def current_user() -> SignedInUser | None:
    user: SignedInUser | None = g.get("user")
    return user


def require_user() -> SignedInUser:
    user = current_user()
    if user is None:
        abort(401)
    return user


def require_roles(*roles: UserRole) -> Callable[[Callable[P, R]], Callable[P, R | ResponseReturnValue]]:
    """Not signed in: to the login page, then back. Signed in with another role: 403."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def home_url(user: SignedInUser) -> str:
    return url_for(HOME_BY_ROLE[user.role])


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.before_app_request
def load_signed_in_user() -> None:
    token = session.get(SESSION_KEY)
    if not token or request.blueprint == "static" or request.endpoint == "assets.static":
        return
    with unit_of_work() as uow:
        g.user = session_user(uow, token, now=utcnow())
    if g.user is None:
        session.pop(SESSION_KEY, None)


@bp.app_context_processor
def _signed_in_user() -> dict[str, object]:
    return {"signed_in_user": current_user(), "navigation_for": navigation_for}


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    refused = False
    if form.validate_on_submit():
        with unit_of_work() as uow:
            result = sign_in(
                uow, form.email.data or "", form.password.data or "", hasher=service_context().hasher, now=utcnow()
            )
        if result.outcome is SignInOutcome.SIGNED_IN and result.user is not None:
            session.clear()  # a new session at every login: nothing from before survives
            session[SESSION_KEY] = result.token
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")) or home_url(result.user))
        refused = True
    status = 401 if refused else (400 if form.errors else 200)
    return render_template("web/login.html", form=form, refused=refused), status


@bp.post("/logout")
@csrf.exempt  # the header's sign-out form has no token field; SameSite=Lax already keeps other sites' posts out
def logout() -> ResponseReturnValue:
    return _signed_out(sign_out, "You have signed out.")


def _signed_out(end: Callable[..., object], message: str) -> ResponseReturnValue:
    """End this browser's session (and, with `sign_out_everywhere`, every other one) and say so."""
    token = session.get(SESSION_KEY)
    if token:
        with unit_of_work() as uow:
            end(uow, token, now=utcnow())
    session.clear()
    flash(message)
    return redirect(url_for("auth.login"))


@bp.get("/account")
def account() -> ResponseReturnValue:
    """Who is signed in, and the way to end every session of theirs on every device."""
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login", next=request.path))
    return render_template("web/account.html", user=user)


@bp.post("/account/sign-out-everywhere")
def logout_everywhere() -> ResponseReturnValue:
    """CSRF-protected (unlike /logout): another site must not be able to end someone's sessions."""
    return _signed_out(sign_out_everywhere, "You have signed out on every device.")
