"""Test data: raw rows for persistence tests, and referrals as intake hands them to the services."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from referral_service.domain.directory import OrganisationKind
from referral_service.domain.intake import Coding, ConditionEvidence, IncomingReferral, Measurement, PatientDetails
from referral_service.domain.referral import Priority, ReferralStatus
from referral_service.persistence.models import Organisation, Patient, Referral, ReferralPatientDetails


def make_referral(session: Session, *, nhs_number: str | None = None, at: datetime | None = None) -> Referral:
    when = at or datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    code = f"T{uuid.uuid4().hex[:5].upper()}"
    practice = Organisation(kind=OrganisationKind.REFERRER, name=f"Practice {code}", ods_code=code)
    patient = Patient(nhs_number=nhs_number)
    referral = Referral(
        patient=patient,
        patient_details=ReferralPatientDetails(nhs_number=nhs_number),
        sender_organisation_id=0,
        request_id=str(uuid.uuid4()),
        correlation_id=str(uuid.uuid4()),
        status=ReferralStatus.ACTIVE,
        authored_at=when,
        received_at=when,
        payload=b'{"resourceType": "ServiceRequest"}',
        payload_format="application/fhir+json",
    )
    session.add_all([practice, patient])
    session.flush()
    referral.sender_organisation_id = practice.id
    session.add(referral)
    session.flush()
    return referral


def incoming(
    *,
    nhs_number: str | None = None,
    postcode: str = "SK4 1AA",
    birth_date: date = date(1961, 2, 3),
    sex: str = "female",
    conditions: tuple[str, ...] = ("38341003",),
    bp: tuple[float, float] | None = (145, 88),
    bmi: float | None = 31.0,
    activity: float | None = 20,
    heart_rate: float | None = None,
    pathway: str = "390893007",
    priority: Priority = Priority.ROUTINE,
    authored: datetime = datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    sender_ods: str = "P88001",
) -> IncomingReferral:
    """A referral as intake hands it to the service layer: by default, eligible for exercise referral
    in SK4 (hypertension, BMI 31, inactive, recent BP)."""
    measured = authored.date() - timedelta(days=14)
    measurements = []
    if bp is not None:
        measurements.append(Measurement("blood_pressure", bp[0], measured, bp[1]))
    if bmi is not None:
        measurements.append(Measurement("bmi", bmi, measured))
    if activity is not None:
        measurements.append(Measurement("activity_minutes_per_week", activity, measured))
    if heart_rate is not None:
        measurements.append(Measurement("resting_heart_rate", heart_rate, measured))
    request_id = str(uuid.uuid4())
    return IncomingReferral(
        patient=PatientDetails(
            nhs_number=nhs_number,
            nhs_number_verification="01" if nhs_number else None,
            given_name="Sam",
            family_name="Jones",
            birth_date=birth_date,
            sex=sex,
            postcode=postcode,
            ethnicity_code="A",
            phone="0161 000 0000",
            email=None,
        ),
        sender_ods=sender_ods,
        authored_at=authored,
        priority=priority,
        pathway=Coding("http://snomed.info/sct", pathway),
        use_case="active-pathway",
        identifier=("https://gp.example.org/referrals", request_id),
        conditions=tuple(ConditionEvidence(code, date(2020, 1, 1)) for code in conditions),
        measurements=tuple(measurements),
        payload=b'{"resourceType": "ServiceRequest"}',
        payload_format="ServiceRequest",
        request_id=request_id,
        correlation_id=request_id,
    )
