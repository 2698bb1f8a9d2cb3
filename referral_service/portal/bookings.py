"""Booking a patient into sessions, the register taken from the bookings, and correcting a line."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.progress import AttendanceStatus
from referral_service.domain.schedule import day_in_words
from referral_service.portal.blueprint import bp, form_page, referrer_hears, signed_in_actor
from referral_service.portal.forms import BookedLineForm, BookingForm, CorrectionForm, SessionForm
from referral_service.services.bookings import book_session, bookable_sessions, cancel_booking
from referral_service.services.casework import record_session
from referral_service.services.offers import Handled
from referral_service.services.register import correct_session
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work


@bp.app_template_filter("long_day")
def long_day(value: date | None) -> str:
    """Thursday 3 December 2026."""
    return "" if value is None else day_in_words(value)


def line_form(booking_id: int, formdata: bool = False) -> BookedLineForm:
    """Each booked session's radios carry its own prefix, so their ids differ on one page."""
    return BookedLineForm(prefix=f"booking-{booking_id}", **({} if formdata else {"formdata": None}))


@bp.route("/referrals/<referral_id>/bookings", methods=["GET", "POST"])
@require_roles(UserRole.PROVIDER)
def bookings(referral_id: str) -> ResponseReturnValue:
    form = BookingForm()
    with unit_of_work() as uow:
        sessions = bookable_sessions(uow, referral_id, actor=signed_in_actor(), now=utcnow())
    form.session.choices = [(s.key, f"{s.words} ({s.name})") for s in sessions]
    free = {s.key: s.free for s in sessions}
    return form_page(
        referral_id,
        form,
        "portal/bookings.html",
        lambda uow: book_session(uow, referral_id, form.session.data, actor=signed_in_actor(), now=utcnow()),
        "Session booked.",
        redirect_to=url_for("portal.bookings", referral_id=referral_id),
        context={"free": free},
    )


@bp.post("/referrals/<referral_id>/bookings/<int:booking_id>/cancel")
@require_roles(UserRole.PROVIDER)
def cancel_session_booking(referral_id: str, booking_id: int) -> ResponseReturnValue:
    if FlaskForm().validate_on_submit():
        with unit_of_work() as uow:
            cancel_booking(uow, referral_id, booking_id, actor=signed_in_actor(), now=utcnow())
        flash("Booking cancelled. The place is free for someone else.")
    return redirect(url_for("portal.bookings", referral_id=referral_id))


@bp.post("/referrals/<referral_id>/sessions/booked/<int:booking_id>")
@require_roles(UserRole.PROVIDER)
def register_booking(referral_id: str, booking_id: int) -> ResponseReturnValue:
    form = line_form(booking_id, formdata=True)

    def done(handled: Handled) -> str:
        said = "Session added to the register."
        return said if handled.outcome == "session-cancelled" else f"{said} {referrer_hears(handled)}"

    return form_page(
        referral_id,
        form,
        "portal/sessions.html",
        lambda uow: record_session(
            uow,
            referral_id,
            booking_id=booking_id,
            status=AttendanceStatus(form.status.data),
            actor=signed_in_actor(),
            now=utcnow(),
        ),
        done,
        redirect_to=url_for("portal.session_register", referral_id=referral_id),
        context={"line_forms": {booking_id: form}, "line_form": line_form, "add_form": SessionForm(formdata=None)},
    )


@bp.route("/referrals/<referral_id>/sessions/<int:number>/correct", methods=["GET", "POST"])
@require_roles(UserRole.PROVIDER)
def correct_register_line(referral_id: str, number: int) -> ResponseReturnValue:
    form = CorrectionForm()
    return form_page(
        referral_id,
        form,
        "portal/correct_session.html",
        lambda uow: correct_session(
            uow,
            referral_id,
            number,
            status=AttendanceStatus(form.status.data),
            reason=form.reason.data,
            actor=signed_in_actor(),
            now=utcnow(),
        ),
        "Register line corrected. The earlier value is kept in its history.",
        redirect_to=url_for("portal.session_register", referral_id=referral_id),
        context={"number": number},
    )
