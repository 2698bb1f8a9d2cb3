"""The self-referral form's fields (NHS.UK question-page wording), and the checks a field alone
cannot make: an address to reach the person on, consent per channel given, the PAR-Q+ answered
when the chosen service gets people moving."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from referral_service.domain.facts import age_on
from referral_service.domain.identifiers import is_postcode
from referral_service.domain.notifications import mobile_number
from referral_service.domain.self_referral import PAR_Q_PLUS, SelfReferral, nhs_number_problem
from referral_service.services.self_referral import Choices
from referral_service.web.date_input import DateInputField


def options(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


YES_NO = options([("yes", "Yes"), ("no", "No")])
SEXES = options(
    [("female", "Female"), ("male", "Male"), ("other", "Another way"), ("unknown", "I would rather not say")]
)
# NHS ethnic categories (Data Dictionary), in its words and order
ETHNICITIES = options(
    [
        ("", "Choose one (optional)"),
        ("A", "White: British"),
        ("B", "White: Irish"),
        ("C", "White: any other White background"),
        ("D", "Mixed: White and Black Caribbean"),
        ("E", "Mixed: White and Black African"),
        ("F", "Mixed: White and Asian"),
        ("G", "Mixed: any other mixed background"),
        ("H", "Asian or Asian British: Indian"),
        ("J", "Asian or Asian British: Pakistani"),
        ("K", "Asian or Asian British: Bangladeshi"),
        ("L", "Asian or Asian British: any other Asian background"),
        ("M", "Black or Black British: Caribbean"),
        ("N", "Black or Black British: African"),
        ("P", "Black or Black British: any other Black background"),
        ("R", "Other ethnic group: Chinese"),
        ("S", "Other ethnic group: any other ethnic group"),
        ("Z", "I would rather not say"),
    ]
)
FIGURE = re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?")
HONEYPOT = "website"  # hidden by CSS: a person never sees it, a form-filling script fills it


class SelfReferralForm(FlaskForm):
    given_name = StringField(
        "First name", validators=[InputRequired("Enter your first name"), Length(max=200, message="Shorten it")]
    )
    family_name = StringField(
        "Last name", validators=[InputRequired("Enter your last name"), Length(max=200, message="Shorten it")]
    )
    birth_date = DateInputField(
        "Date of birth", description="For example, 31 3 1980", validators=[InputRequired("Enter your date of birth")]
    )
    nhs_number = StringField(
        "NHS number (optional)",
        description="A 10 digit number, like 485 777 3457. It is on letters from your GP and in the NHS App.",
        validators=[Optional(), Length(max=12, message="Enter your NHS number as 10 digits")],
    )
    postcode = StringField(
        "Postcode", validators=[InputRequired("Enter your postcode"), Length(max=10, message="Enter a real postcode")]
    )
    sex = RadioField("Your sex (optional)", choices=SEXES, validators=[Optional()])
    ethnicity = SelectField("Your ethnic group (optional)", choices=ETHNICITIES, validators=[Optional()])
    email = EmailField("Email address", validators=[Optional(), Length(max=254, message="Shorten it")])
    email_consent = RadioField("Can we email you about this referral?", choices=YES_NO, validators=[Optional()])
    mobile = TelField("Mobile phone number", validators=[Optional(), Length(max=20, message="Shorten it")])
    sms_consent = RadioField("Can we text you about this referral?", choices=YES_NO, validators=[Optional()])
    practice = SelectField("Your GP practice", validators=[InputRequired("Choose your GP practice")])
    tell_gp = RadioField(
        "Do you want us to tell your GP practice about this referral?",
        choices=YES_NO,
        validators=[InputRequired("Say whether we should tell your GP practice")],
    )
    service = RadioField("What would you like help with?", validators=[InputRequired("Choose what you would like")])
    height_cm = StringField("Your height in centimetres (optional)", validators=[Optional(), Length(max=6)])
    weight_kg = StringField("Your weight in kilograms (optional)", validators=[Optional(), Length(max=6)])
    systolic = StringField("Blood pressure: the top number (optional)", validators=[Optional(), Length(max=3)])
    diastolic = StringField("Blood pressure: the bottom number (optional)", validators=[Optional(), Length(max=3)])
    website = StringField("Leave this blank", validators=[Optional()])
    started = HiddenField()

    def offer(self, choices: Choices) -> None:
        """The services and practices to choose from, as the directory has them now."""
        self.service.choices = options([(s.slug, s.name) for s in choices.services])
        self.practice.choices = options(
            [("", "Choose your practice"), *((p.ods_code, p.name) for p in choices.practices)]
        )


for _question in PAR_Q_PLUS:
    setattr(
        SelfReferralForm, f"parq_{_question.key}", RadioField(_question.text, choices=YES_NO, validators=[Optional()])
    )


def readiness_fields(form: SelfReferralForm) -> list[RadioField]:
    return [getattr(form, f"parq_{question.key}") for question in PAR_Q_PLUS]


def _number(text: str | None, low: float, high: float) -> float | None:
    """A figure a person typed, within what a person can be; None when blank or not one."""
    cleaned = (text or "").strip().replace(",", ".")
    if not FIGURE.fullmatch(cleaned):  # ASCII digits only: float() reads other scripts' digits too
        return None
    value = float(cleaned)
    return value if low <= value <= high else None


FIGURES = {  # field: (lowest, highest, what to say)
    "height_cm": (100, 250, "Enter your height in centimetres, like 170"),
    "weight_kg": (25, 350, "Enter your weight in kilograms, like 70"),
    "systolic": (70, 250, "Enter the top number of your blood pressure, like 125"),
    "diastolic": (40, 150, "Enter the bottom number of your blood pressure, like 80"),
}


def _check_figures(form: SelfReferralForm, refuse: Callable[[object, str], None]) -> None:
    for name, (low, high, message) in FIGURES.items():
        field = getattr(form, name)
        if (field.data or "").strip() and _number(field.data, low, high) is None:
            refuse(field, message)
    if bool((form.systolic.data or "").strip()) != bool((form.diastolic.data or "").strip()):
        refuse(form.diastolic, "Enter both numbers of your blood pressure, or neither")


def check_answers(form: SelfReferralForm, choices: Choices, today: date) -> bool:
    """The checks across fields; each problem is put on the field it is about. True when none."""
    ok = True

    def refuse(field: object, message: str) -> None:
        nonlocal ok
        field.errors = [*field.errors, message]  # type: ignore[attr-defined]
        ok = False

    born = form.birth_date.data
    if isinstance(born, date) and (born > today or (age_on(born, today) or 0) > 120):
        refuse(form.birth_date, "Date of birth must be in the past")
    if form.nhs_number.data and (problem := nhs_number_problem(form.nhs_number.data)):
        refuse(form.nhs_number, problem)
    if form.postcode.data and not is_postcode(form.postcode.data):
        refuse(form.postcode, "Enter a real postcode, like SK1 3TA")
    email, mobile = (form.email.data or "").strip(), (form.mobile.data or "").strip()
    if not email and not mobile:
        refuse(form.email, "Enter an email address or a mobile phone number, so we can contact you")
    if email and "@" not in email:
        refuse(form.email, "Enter an email address like name@example.com")
    if mobile and mobile_number(mobile) is None:
        refuse(form.mobile, "Enter a UK mobile number, like 07700 900 982")
    if email and not form.email_consent.data:
        refuse(form.email_consent, "Say whether we can email you")
    if mobile and not form.sms_consent.data:
        refuse(form.sms_consent, "Say whether we can text you")
    _check_figures(form, refuse)
    chosen = choices.service(form.service.data)
    if chosen is not None and chosen.asks_readiness:
        for field in readiness_fields(form):
            if field.data not in ("yes", "no"):
                refuse(field, "Answer yes or no")
    return ok


def answers_of(form: SelfReferralForm, choices: Choices) -> SelfReferral:
    systolic = _number(form.systolic.data, *FIGURES["systolic"][:2])
    diastolic = _number(form.diastolic.data, *FIGURES["diastolic"][:2])
    chosen = choices.service(form.service.data)
    asked = chosen is not None and chosen.asks_readiness
    email, mobile = (form.email.data or "").strip() or None, (form.mobile.data or "").strip() or None
    return SelfReferral(
        given_name=(form.given_name.data or "").strip(),
        family_name=(form.family_name.data or "").strip(),
        birth_date=form.birth_date.data,
        postcode=(form.postcode.data or "").strip().upper(),
        service_slug=form.service.data or "",
        practice_ods=form.practice.data or "",
        tell_gp=form.tell_gp.data == "yes",
        email=email,
        mobile=mobile,
        email_consent=bool(email) and form.email_consent.data == "yes",
        sms_consent=bool(mobile) and form.sms_consent.data == "yes",
        nhs_number=(form.nhs_number.data or "").strip() or None,
        sex=form.sex.data if form.sex.data in ("female", "male", "other", "unknown") else None,
        ethnicity_code=form.ethnicity.data or None,
        readiness={q.key: getattr(form, f"parq_{q.key}").data == "yes" for q in PAR_Q_PLUS} if asked else {},
        height_cm=_number(form.height_cm.data, *FIGURES["height_cm"][:2]),
        weight_kg=_number(form.weight_kg.data, *FIGURES["weight_kg"][:2]),
        blood_pressure=(int(systolic), int(diastolic)) if systolic and diastolic else None,
    )
