"""Forms for finding people and for casework: search, case notes, the safeguarding flag and
follow-ups. Dates use the one NHS.UK date input (`web.date_input`), read by
`domain.dates`, so nothing turns them into US order."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from referral_service.web.date_input import DateInputField


class SearchForm(FlaskForm):
    text = StringField(
        "Name, NHS number or referral reference",
        validators=[Optional(), Length(max=200)],
        description="For example, Alex Morgan or 485 777 3456",
    )
    dob = DateInputField("Date of birth", validators=[Optional()], description="Optional. For example, 15 3 1984")


class NoteForm(FlaskForm):
    body = TextAreaField("Note", validators=[Optional(), Length(max=5000)])


class FlagForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=1000)])


class FollowUpForm(FlaskForm):
    due = DateInputField(
        "Date it is due",
        validators=[InputRequired("Enter the date it is due")],
        description="For example, 3 12 2026",
    )
    owner = SelectField("Who will follow it up", validators=[Optional()])
    note = TextAreaField("What needs following up", validators=[Optional(), Length(max=1000)])
