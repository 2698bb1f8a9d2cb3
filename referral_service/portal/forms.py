"""The portal's forms (Flask-WTF: every one carries a CSRF token). Choices come from the domain and
the service layer, so a form cannot offer what the service would refuse."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, RadioField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from referral_service.domain.outcomes import ONS4_ITEMS, SWEMWBS_ANSWERS, SWEMWBS_ITEMS
from referral_service.domain.progress import AttendanceStatus, ContactMethod, ContactOutcome, OutcomeTimepoint
from referral_service.domain.schedule import Weekday
from referral_service.domain.wording import CONTACT_METHODS, CONTACT_OUTCOMES
from referral_service.services.offers import DECLINE_REASONS
from referral_service.web.date_input import DateInputField

REASON_TEXT_LIMIT = 1000


def _label(value: str) -> str:
    return value.replace("-", " ").capitalize()


def options(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class DeclineForm(FlaskForm):
    reason = RadioField(
        "Why are you declining this referral?",
        choices=options([(code, _label(text)) for code, text in DECLINE_REASONS.items()]),
        validators=[InputRequired("Choose why you are declining the referral")],
    )
    reason_text = TextAreaField(
        "Give more detail",
        validators=[Optional(), Length(max=REASON_TEXT_LIMIT)],
        description="Needed when the reason is 'Other'. The referrer will see it.",
    )


class ContactForm(FlaskForm):
    attempted_on = DateInputField("Date of the attempt", validators=[InputRequired("Enter the date of the attempt")])
    attempted_time = TimeField("Time (optional)", validators=[Optional()])
    method = RadioField(
        "How did you try to contact the patient?",
        choices=options([(m.value, CONTACT_METHODS[m]) for m in ContactMethod]),
        validators=[InputRequired("Choose how you tried to make contact")],
    )
    outcome = RadioField(
        "What happened?",
        choices=options([(o.value, CONTACT_OUTCOMES[o]) for o in ContactOutcome]),
        validators=[InputRequired("Choose what happened")],
    )
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])


class SessionForm(FlaskForm):
    session_on = DateInputField("Date of the session", validators=[InputRequired("Enter the date of the session")])
    status = RadioField(
        "Attendance",
        choices=options(
            [
                (AttendanceStatus.ATTENDED.value, "Attended"),
                (AttendanceStatus.DNA.value, "Did not attend (DNA)"),
                (AttendanceStatus.CANCELLED.value, "Session cancelled by us"),
            ]
        ),
        validators=[InputRequired("Choose whether the patient attended")],
    )


def _score_field(label: str, low: int, high: int) -> IntegerField:
    return IntegerField(
        label, validators=[Optional(), NumberRange(low, high, f"Enter a whole number from {low} to {high}")]
    )


class MeasuresForm(FlaskForm):
    """All of a timepoint's measures on one page; a group left blank is not recorded."""

    timepoint = RadioField(
        "When were these measured?",
        choices=options(
            [
                (OutcomeTimepoint.START.value, "At the start of the programme"),
                (OutcomeTimepoint.END.value, "At the end of the programme"),
                (OutcomeTimepoint.FOLLOW_UP.value, "At a follow-up appointment"),
            ]
        ),
        validators=[InputRequired("Choose when these were measured")],
    )
    measured_on = DateInputField("Date measured", validators=[InputRequired("Enter the date of the measures")])


# Made in the order the page shows them, so the error summary lists problems in that order too.
for _name, _question in ONS4_ITEMS:
    setattr(MeasuresForm, f"ons4_{_name}", _score_field(_question, 0, 10))
for _name, _statement in SWEMWBS_ITEMS:
    setattr(
        MeasuresForm,
        f"swemwbs_{_name}",
        RadioField(
            _statement, choices=options([(str(v), text) for v, text in SWEMWBS_ANSWERS]), validators=[Optional()]
        ),
    )
MeasuresForm.minutes = _score_field("Minutes of moderate activity in a usual week", 0, 10080)
MeasuresForm.weight_kg = DecimalField(
    "Weight (kg)", places=1, validators=[Optional(), NumberRange(20, 400, "Enter a weight from 20 to 400 kg")]
)
MeasuresForm.bmi = DecimalField(
    "BMI", places=1, validators=[Optional(), NumberRange(10, 100, "Enter a BMI from 10 to 100")]
)
MeasuresForm.systolic = _score_field("Systolic (mmHg)", 50, 300)
MeasuresForm.diastolic = _score_field("Diastolic (mmHg)", 30, 200)


class FinishForm(FlaskForm):
    ending = RadioField(
        "How did the programme end?",
        choices=options(
            [("completed", "Completed the programme"), ("dropped-out", "Stopped before the end (dropped out)")]
        ),
        validators=[InputRequired("Choose how the programme ended")],
    )
    reason = TextAreaField(
        "Reason or note",
        validators=[Optional(), Length(max=REASON_TEXT_LIMIT)],
        description="Needed when the patient stopped before the end. The referrer will see it.",
    )


class PlacesForm(FlaskForm):
    places = IntegerField(
        "Places", validators=[InputRequired("Enter the number of places"), NumberRange(0, 10000, "Enter 0 to 10,000")]
    )


class PlaceByHandForm(FlaskForm):
    service = RadioField("Which service?", validators=[InputRequired("Choose a service")], validate_choice=False)
    override_reason = TextAreaField(
        "Why is this the right service?",
        validators=[DataRequired("Say why you are overriding triage"), Length(max=REASON_TEXT_LIMIT)],
        description="The provider and the referrer are shown it, with any rule you are overriding.",
    )


class AskReferrerForm(FlaskForm):
    question = TextAreaField(
        "What do you need from the referrer?",
        validators=[DataRequired("Say what information you need"), Length(max=REASON_TEXT_LIMIT)],
        description="Sent to the referring practice's system. Do not include anything they did not send.",
    )


class CloseForm(FlaskForm):
    reason = TextAreaField(
        "Why can no service take this referral?",
        validators=[DataRequired("Give the reason for closing"), Length(max=REASON_TEXT_LIMIT)],
        description="The referrer will be told.",
    )


class ResolveForm(FlaskForm):
    reason = TextAreaField(
        "How was this resolved?", validators=[DataRequired("Say how the message was dealt with"), Length(max=500)]
    )


WEEKDAYS = options([(str(int(day)), day.label) for day in Weekday])
ATTENDANCE = options(
    [
        (AttendanceStatus.ATTENDED.value, "Attended"),
        (AttendanceStatus.DNA.value, "Did not attend (DNA)"),
        (AttendanceStatus.CANCELLED.value, "Session cancelled by us"),
    ]
)


class ClassForm(FlaskForm):
    """A weekly group class; the fields in the order the service checks them."""

    name = StringField("Name of the class", validators=[DataRequired("Enter the name of the class"), Length(max=120)])
    weekday = RadioField("Day of the week", choices=WEEKDAYS, validators=[InputRequired("Choose the day of the class")])
    starts_at = TimeField(
        "Time the class starts", validators=[InputRequired("Enter the start time, for example 10:00 or 14:30")]
    )
    duration_minutes = IntegerField(
        "Length in minutes",
        validators=[InputRequired("Enter how long the class lasts"), NumberRange(5, 480, "Enter 5 to 480 minutes")],
    )
    place = StringField("Where it is held", validators=[DataRequired("Enter where the class is held"), Length(max=200)])
    size = IntegerField(
        "Places in each class",
        validators=[InputRequired("Enter how many people the class takes"), NumberRange(1, 200, "Enter 1 to 200")],
    )


class ReminderNoteForm(FlaskForm):
    """A service's own words, added to each session reminder its patients get."""

    note = StringField(
        "Your words in session reminders (optional)",
        validators=[Length(max=80, message="Use 80 characters or fewer")],
    )


class ProgrammeStartForm(FlaskForm):
    starts_on = DateInputField(
        "Date of the first session", validators=[InputRequired("Enter the date the programme starts")]
    )
    start_time = TimeField(
        "Time of the first session", validators=[InputRequired("Enter the start time, for example 10:00")]
    )
    start_place = StringField(
        "Where it starts", validators=[DataRequired("Enter where the programme starts"), Length(max=200)]
    )


class BookingForm(FlaskForm):
    session = RadioField("Which session?", validators=[InputRequired("Choose a session")], validate_choice=False)


class BookedLineForm(FlaskForm):
    """One booked session's line of the register (prefixed per booking: several on one page)."""

    status = RadioField(
        "Attendance", choices=ATTENDANCE, validators=[InputRequired("Choose whether the patient attended")]
    )


class CorrectionForm(FlaskForm):
    status = RadioField(
        "What should the register say?", choices=ATTENDANCE, validators=[InputRequired("Choose the correct attendance")]
    )
    reason = TextAreaField(
        "Why is it being corrected?",
        validators=[DataRequired("Say why the line is being corrected"), Length(max=500)],
        description="Kept with the line's history, with your name and the time.",
    )
