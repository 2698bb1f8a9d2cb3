"""Rows for persistence tests, until intake's service functions exist to make them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from referral_service.domain.directory import OrganisationKind
from referral_service.domain.referral import ReferralStatus
from referral_service.persistence.models import Organisation, Patient, Referral


def make_referral(session: Session, *, nhs_number: str | None = None, at: datetime | None = None) -> Referral:
    when = at or datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    code = f"T{uuid.uuid4().hex[:5].upper()}"
    practice = Organisation(kind=OrganisationKind.REFERRER, name=f"Practice {code}", ods_code=code)
    patient = Patient(nhs_number=nhs_number)
    referral = Referral(
        patient=patient,
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
