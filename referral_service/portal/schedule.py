"""A service's timetable in the portal: weekly classes and programme start dates."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.schedule import Weekday
from referral_service.persistence.uow import UnitOfWork
from referral_service.portal.blueprint import attach_error, bp, signed_in_actor
from referral_service.portal.forms import ClassForm, ProgrammeStartForm, ReminderNoteForm
from referral_service.services.errors import ServiceError
from referral_service.services.schedules import (
    add_class,
    add_programme_start,
    retire_class,
    retire_programme_start,
    service_schedule,
    set_reminder_note,
)
from referral_service.web.auth import require_roles
from referral_service.web.context import unit_of_work

START_FIELDS = {"starts_on": "starts_on", "place": "start_place"}


def _page(
    slug: str, class_form: ClassForm, start_form: ProgrammeStartForm, failed: FlaskForm | None, status: int
) -> ResponseReturnValue:
    with unit_of_work() as uow:
        schedule = service_schedule(uow, slug, actor=signed_in_actor(), now=utcnow())
    note_form = failed if isinstance(failed, ReminderNoteForm) else ReminderNoteForm(formdata=None)
    if not isinstance(failed, ReminderNoteForm):
        note_form.note.data = schedule.reminder_note
    return render_template(
        "portal/schedule.html",
        schedule=schedule,
        class_form=class_form,
        start_form=start_form,
        note_form=note_form,
        form=failed or class_form,
        problems=[],
    ), status


def _post(
    slug: str, form: FlaskForm, act: Callable[[UnitOfWork], object], done: str, fields: dict[str, str]
) -> ResponseReturnValue:
    class_form = form if isinstance(form, ClassForm) else ClassForm(formdata=None)
    start_form = form if isinstance(form, ProgrammeStartForm) else ProgrammeStartForm(formdata=None)
    if not form.validate_on_submit():
        return _page(slug, class_form, start_form, form, 400)
    try:
        with unit_of_work() as uow:
            act(uow)
    except ServiceError as error:
        if error.status == 404:
            raise
        attach_error(form, error, fields)
        return _page(slug, class_form, start_form, form, error.status)
    flash(done)
    return redirect(url_for("portal.schedule", slug=slug))


@bp.get("/services/<slug>/schedule")
@require_roles(UserRole.PROVIDER)
def schedule(slug: str) -> ResponseReturnValue:
    return _page(slug, ClassForm(formdata=None), ProgrammeStartForm(formdata=None), None, 200)


@bp.post("/services/<slug>/schedule/classes")
@require_roles(UserRole.PROVIDER)
def add_schedule_class(slug: str) -> ResponseReturnValue:
    form = ClassForm()
    return _post(
        slug,
        form,
        lambda uow: add_class(
            uow,
            slug,
            name=form.name.data,
            weekday=Weekday(int(form.weekday.data)),
            starts_at=form.starts_at.data,
            duration_minutes=form.duration_minutes.data,
            place=form.place.data,
            size=form.size.data,
            actor=signed_in_actor(),
            now=utcnow(),
        ),
        "Class added to the timetable.",
        {},
    )


@bp.post("/services/<slug>/schedule/starts")
@require_roles(UserRole.PROVIDER)
def add_schedule_start(slug: str) -> ResponseReturnValue:
    form = ProgrammeStartForm()
    return _post(
        slug,
        form,
        lambda uow: add_programme_start(
            uow,
            slug,
            starts_on=form.starts_on.data,
            starts_at=form.start_time.data,
            place=form.start_place.data,
            actor=signed_in_actor(),
            now=utcnow(),
        ),
        "Programme start added.",
        START_FIELDS,
    )


@bp.post("/services/<slug>/schedule/reminder-note")
@require_roles(UserRole.PROVIDER)
def save_reminder_note(slug: str) -> ResponseReturnValue:
    form = ReminderNoteForm()
    return _post(
        slug,
        form,
        lambda uow: set_reminder_note(uow, slug, form.note.data, actor=signed_in_actor(), now=utcnow()),
        "Reminder wording saved.",
        {},
    )


@bp.post("/services/<slug>/schedule/classes/<int:class_id>/retire")
@require_roles(UserRole.PROVIDER)
def retire_schedule_class(slug: str, class_id: int) -> ResponseReturnValue:
    return _retire(
        slug,
        lambda uow: retire_class(uow, slug, class_id, actor=signed_in_actor(), now=utcnow()),
        "Class taken off the timetable. Sessions already booked stand.",
    )


@bp.post("/services/<slug>/schedule/starts/<int:start_id>/retire")
@require_roles(UserRole.PROVIDER)
def retire_schedule_start(slug: str, start_id: int) -> ResponseReturnValue:
    return _retire(
        slug,
        lambda uow: retire_programme_start(uow, slug, start_id, actor=signed_in_actor(), now=utcnow()),
        "Programme start taken off the timetable. Bookings already made stand.",
    )


def _retire(slug: str, retire: Callable[[UnitOfWork], object], said: str) -> ResponseReturnValue:
    """One button (its CSRF token checked here), one service call, back to the timetable."""
    if FlaskForm().validate_on_submit():
        with unit_of_work() as uow:
            retire(uow)
        flash(said)
    return redirect(url_for("portal.schedule", slug=slug))
