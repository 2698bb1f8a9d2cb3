"""The forms of a provider's own listing and of the approvals page (each FlaskForm carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from referral_service.portal.forms import options


class OrganisationForm(FlaskForm):
    description = TextAreaField("What your organisation does", validators=[Optional(), Length(max=5000)])
    email = StringField(
        "Email address for referrals", validators=[DataRequired("Enter the email address for referrals")]
    )
    phone = StringField("Phone number (optional)", validators=[Optional(), Length(max=40)])
    website = StringField("Website (optional)", validators=[Optional(), Length(max=500)])


class LocationForm(Form):
    """One place where a service runs; a row left empty is dropped."""

    name = StringField("Name of the place", validators=[Optional(), Length(max=200)])
    address = StringField("Street (optional)", validators=[Optional(), Length(max=300)])
    town = StringField("Town (optional)", validators=[Optional(), Length(max=100)])
    postcode = StringField("Postcode", validators=[Optional(), Length(max=10)])

    def is_empty(self) -> bool:
        return not any((field.data or "").strip() for field in self)


class ServiceForm(FlaskForm):
    description = TextAreaField("What the service offers", validators=[Optional(), Length(max=5000)])
    eligibility_notes = TextAreaField(
        "Who the service is for, in plain words",
        validators=[Optional(), Length(max=2000)],
        description="Shown to the public beside the rules. It does not change who can be referred.",
    )
    locations = FieldList(FormField(LocationForm), min_entries=1)


class RuleForm(FlaskForm):
    rule = TextAreaField(
        "Who can be referred (the rule)",
        validators=[
            DataRequired("Enter the rule"),
            Length(max=50_000, message="Keep the rule under 50,000 characters"),
        ],
        description="Written as in the directory file. Nothing changes until a commissioner approves it.",
    )
    catchment = StringField(
        "Postcode districts the service covers",
        validators=[DataRequired("Enter at least one postcode district"), Length(max=5000)],
        description="The first half of each postcode, separated by spaces, for example SK1 SK2 SK3.",
    )
    waitlist = BooleanField("Keep a waiting list when the service is full")


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        choices=options([("approve", "Approve the change"), ("reject", "Reject the change")]),
        validators=[InputRequired("Choose whether to approve or reject the change")],
    )
    reason = TextAreaField(
        "Reason",
        validators=[Optional(), Length(max=1000)],
        description="Needed when you reject the change. The provider reads it.",
    )
