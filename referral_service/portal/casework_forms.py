"""Forms for finding people and for casework: search, case notes, the safeguarding flag and
follow-ups. Dates are three boxes (day, month, year), the NHS.UK design-system date input, so
nothing turns them into US order."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import Field, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from referral_service.domain.identifiers import ascii_whole_number
from referral_service.services.errors import Invalid


def date_parts(form: FlaskForm, prefix: str, label: str, *, required: bool) -> date | None:
    """The date in the day, month and year boxes `prefix_day`, `prefix_month`, `prefix_year`; a
    mistake is one Invalid about the day box (where the error summary links)."""
    fields: list[Field] = [form[f"{prefix}_{part}"] for part in ("day", "month", "year")]
    typed = [(field.data or "").strip() for field in fields]
    where = f"{prefix}_day"
    if not any(typed):
        if required:
            raise Invalid(f"enter the {label}", where=where)
        return None
    numbers = [ascii_whole_number(part) for part in typed]
    day, month, year = numbers
    if day is None or month is None or year is None or year < 1000:
        missing = [name for name, number in zip(("day", "month", "year"), numbers, strict=True) if number is None]
        what = " and ".join(missing) if missing else "year with four digits"
        raise Invalid(f"the {label} must include a {what}", where=where)
    try:
        return date(year, month, day)
    except ValueError:
        raise Invalid(f"the {label} must be a real date", where=where) from None


def _parts() -> tuple[StringField, StringField, StringField]:
    return (
        StringField("Day", validators=[Optional(), Length(max=2)]),
        StringField("Month", validators=[Optional(), Length(max=2)]),
        StringField("Year", validators=[Optional(), Length(max=4)]),
    )


class SearchForm(FlaskForm):
    text = StringField(
        "Name, NHS number or referral reference",
        validators=[Optional(), Length(max=200)],
        description="For example, Alex Morgan or 485 777 3456",
    )
    dob_day, dob_month, dob_year = _parts()

    def birth_date(self) -> date | None:
        return date_parts(self, "dob", "date of birth", required=False)


class NoteForm(FlaskForm):
    body = TextAreaField("Note", validators=[Optional(), Length(max=5000)])


class FlagForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=1000)])


class FollowUpForm(FlaskForm):
    due_day, due_month, due_year = _parts()
    owner = SelectField("Who will follow it up", validators=[Optional()])
    note = TextAreaField("What needs following up", validators=[Optional(), Length(max=1000)])

    def due_on(self) -> date | None:
        return date_parts(self, "due", "date the follow-up is due", required=True)
