"""Forms for accreditation evidence: the provider's upload, and the commissioner's decision on it.
Dates use the one NHS.UK date input (`web.date_input`)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from referral_service.portal.forms import options
from referral_service.web.date_input import DateInputField


class EvidenceUploadForm(FlaskForm):
    scheme = StringField(
        "What the accreditation is",
        validators=[InputRequired("Enter what the accreditation is"), Length(max=200)],
        description="For example, Exercise referral quality standard",
    )
    renews = SelectField(
        "Is it a renewal?",
        validators=[Optional()],
        choices=options([("", "No, it is a new accreditation")]),
        validate_choice=False,
    )
    document = FileField("Certificate or other evidence", description="A PDF, PNG or JPEG file")


class DecisionForm(FlaskForm):
    scheme = StringField(
        "Accreditation scheme", validators=[InputRequired("Enter the accreditation scheme"), Length(max=200)]
    )
    level = IntegerField(
        "Level (optional)",
        validators=[Optional(), NumberRange(1, 7, "The level must be a whole number from 1 to 7")],
        description="A whole number from 1 to 7, if the scheme has levels",
    )
    valid_from = DateInputField("Valid from", validators=[Optional()], description="For example, 1 4 2026")
    valid_until = DateInputField(
        "Valid until",
        validators=[InputRequired("Enter the date it is valid until")],
        description="The last day it is valid. For example, 31 3 2027",
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Why it is not accepted",
        validators=[InputRequired("Enter the reason the evidence is not accepted"), Length(max=2000)],
        description="The provider reads this",
    )
