"""Working a referral: contact attempts, the session register, outcome measures, the end of the programme."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask.typing import ResponseReturnValue

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.outcomes import ONS4_ITEMS, SWEMWBS_ANSWERS, SWEMWBS_ITEMS
from referral_service.domain.progress import (
    AttendanceStatus,
    ContactMethod,
    ContactOutcome,
    OutcomeInstrument,
    OutcomeTimepoint,
)
from referral_service.domain.schedule import uk_date
from referral_service.persistence.uow import UnitOfWork
from referral_service.portal.blueprint import bp, form_page, referrer_hears, signed_in_actor
from referral_service.portal.bookings import line_form
from referral_service.portal.forms import ContactForm, FinishForm, MeasuresForm, SessionForm
from referral_service.services.casework import (
    finish_programme,
    record_contact_attempt,
    record_outcome_measure,
    record_session,
)
from referral_service.services.errors import Invalid
from referral_service.web.auth import require_roles

MEASURE_FIELDS = (
    {name: f"ons4_{name}" for name, _ in ONS4_ITEMS}
    | {name: f"swemwbs_{name}" for name, _ in SWEMWBS_ITEMS}
    | {"measured_on": "measured_on"}
)


@bp.route("/referrals/<referral_id>/contact", methods=["GET", "POST"])
@require_roles(UserRole.PROVIDER)
def contact(referral_id: str) -> ResponseReturnValue:
    form = ContactForm()
    if not form.is_submitted():
        form.attempted_on.data = utcnow().date()

    def act(uow: UnitOfWork) -> None:
        at = datetime.combine(form.attempted_on.data, form.attempted_time.data or time(0), tzinfo=UTC)
        record_contact_attempt(
            uow,
            referral_id,
            attempted_at=at,
            method=ContactMethod(form.method.data),
            outcome=ContactOutcome(form.outcome.data),
            note=form.note.data,
            actor=signed_in_actor(),
            now=utcnow(),
        )

    return form_page(
        referral_id,
        form,
        "portal/contact.html",
        act,
        "Contact attempt recorded.",
        fields={"attempted_at": "attempted_on"},
    )


@bp.route("/referrals/<referral_id>/sessions", methods=["GET", "POST"])
@require_roles(UserRole.PROVIDER)
def session_register(referral_id: str) -> ResponseReturnValue:
    form = SessionForm()
    if not form.is_submitted():
        form.session_on.data = uk_date(utcnow())
    return form_page(
        referral_id,
        form,
        "portal/sessions.html",
        lambda uow: record_session(
            uow,
            referral_id,
            session_on=form.session_on.data,
            status=AttendanceStatus(form.status.data),
            actor=signed_in_actor(),
            now=utcnow(),
        ),
        "Session added to the register.",
        context={"line_forms": {}, "line_form": line_form, "add_form": form},
    )


def _groups(form: MeasuresForm) -> dict[OutcomeInstrument, dict[str, float | None]]:
    """The measures the user filled in, by instrument; a group left wholly blank is skipped."""

    def group(names: list[tuple[str, str]]) -> dict[str, float | None]:
        values = {item: form[field].data for item, field in names}
        if all(value in (None, "") for value in values.values()):
            return {}
        return {item: None if value in (None, "") else float(value) for item, value in values.items()}

    groups = {
        OutcomeInstrument.ONS4: group([(name, f"ons4_{name}") for name, _ in ONS4_ITEMS]),
        OutcomeInstrument.SWEMWBS: group([(name, f"swemwbs_{name}") for name, _ in SWEMWBS_ITEMS]),
        OutcomeInstrument.ACTIVITY_MINUTES: group([("minutes", "minutes")]),
        OutcomeInstrument.WEIGHT: group([("weight_kg", "weight_kg")]),
        OutcomeInstrument.BMI: group([("bmi", "bmi")]),
        OutcomeInstrument.BLOOD_PRESSURE: group([("systolic", "systolic"), ("diastolic", "diastolic")]),
    }
    return {instrument: answers for instrument, answers in groups.items() if answers}


@bp.route("/referrals/<referral_id>/measures", methods=["GET", "POST"])
@require_roles(UserRole.PROVIDER)
def measures(referral_id: str) -> ResponseReturnValue:
    form = MeasuresForm()
    if not form.is_submitted():
        form.measured_on.data = utcnow().date()

    def act(uow: UnitOfWork) -> None:
        groups = _groups(form)
        if not groups:
            raise Invalid("enter at least one measure")
        for instrument, answers in groups.items():  # one unit of work: all of the page's measures or none
            record_outcome_measure(
                uow,
                referral_id,
                instrument=instrument,
                timepoint=OutcomeTimepoint(form.timepoint.data),
                measured_on=form.measured_on.data,
                answers=answers,
                actor=signed_in_actor(),
                now=utcnow(),
            )

    return form_page(
        referral_id,
        form,
        "portal/measures.html",
        act,
        "Outcome measures recorded.",
        fields=MEASURE_FIELDS,
        context={"ons4_items": ONS4_ITEMS, "swemwbs_items": SWEMWBS_ITEMS, "swemwbs_answers": SWEMWBS_ANSWERS},
    )


@bp.route("/referrals/<referral_id>/finish", methods=["GET", "POST"])
@require_roles(UserRole.PROVIDER)
def finish(referral_id: str) -> ResponseReturnValue:
    form = FinishForm()
    return form_page(
        referral_id,
        form,
        "portal/finish.html",
        lambda uow: finish_programme(
            uow,
            referral_id,
            completed=form.ending.data == "completed",
            reason=form.reason.data,
            actor=signed_in_actor(),
            now=utcnow(),
        ),
        lambda handled: f"Programme ended. The register is final. {referrer_hears(handled)}",
    )
