"""The demo referrals as a GP system would send them: real FHIR R4 ServiceRequests with the patient,
observations and conditions contained, for `demo seed` to post through the real FHIR intake."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from referral_service.fhir.profiles import USE_CASE_SYSTEM
from referral_service.fhir.ukcore import ETHNIC_CATEGORY_EXTENSION, LOINC, NHS_NUMBER_SYSTEM, SNOMED
from referral_service.services.demo_referrals import EXERCISE, DemoPatient

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
ETHNIC_CATEGORY_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
DEMO_IDENTIFIER_SYSTEM = "https://demo-practice.example.org/referrals"
PATHWAY_NAMES = {EXERCISE: "Referral to physical activity program"}


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}


def _observation(ident: str, code: str, measured: date, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": "#patient"},
        "effectiveDateTime": measured.isoformat(),
        **value,
    }


def _observations(person: DemoPatient, measured: date) -> list[dict[str, Any]]:
    found = []
    if person.bp:
        systolic, diastolic = person.bp
        component = [
            {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]}, "valueQuantity": _quantity(systolic, "mm[Hg]")},
            {
                "code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                "valueQuantity": _quantity(diastolic, "mm[Hg]"),
            },
        ]
        found.append(_observation("bp", "85354-9", measured, component=component))
    if person.bmi:
        found.append(_observation("bmi", "39156-5", measured, valueQuantity=_quantity(person.bmi, "kg/m2")))
    if person.activity is not None:
        found.append(_observation("activity", "82290-8", measured, valueQuantity=_quantity(person.activity, "min/wk")))
    return found


def _patient(person: DemoPatient, nhs_number: str, phone: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "patient",
        "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": nhs_number}],
        "name": [{"use": "official", "family": person.family, "given": [person.given]}],
        "gender": person.sex,
        "birthDate": person.born.isoformat(),
        "telecom": [{"system": "phone", "value": phone, "use": "mobile"}],
        "address": [{"use": "home", "postalCode": person.postcode}],
        "extension": [
            {
                "url": ETHNIC_CATEGORY_EXTENSION,
                "valueCodeableConcept": {"coding": [{"system": ETHNIC_CATEGORY_SYSTEM, "code": person.ethnicity}]},
            }
        ],
    }


def demo_service_request(
    person: DemoPatient, *, number: int, nhs_number: str, phone: str, authored: datetime, measured: date
) -> dict[str, Any]:
    """Demo referral `number` (from 1) as a plain ServiceRequest from the demo practice."""
    conditions = [
        {
            "resourceType": "Condition",
            "id": f"condition-{index}",
            "clinicalStatus": {
                "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
            },
            "code": {"coding": [{"system": SNOMED, "code": code}]},
            "subject": {"reference": "#patient"},
            "onsetDateTime": "2022-01-01",
        }
        for index, code in enumerate(person.conditions)
    ]
    observations = _observations(person, measured)
    use_case = "active-pathway" if person.pathway == EXERCISE else "social-prescribing"
    return {
        "resourceType": "ServiceRequest",
        "contained": [_patient(person, nhs_number, phone), *observations, *conditions],
        "identifier": [{"system": DEMO_IDENTIFIER_SYSTEM, "value": f"demo-{number}"}],
        "status": "active",
        "intent": "order",
        "priority": "routine",
        "category": [{"coding": [{"system": USE_CASE_SYSTEM, "code": use_case}]}],
        "code": {"coding": [{"system": SNOMED, "code": person.pathway}]},
        "subject": {"reference": "#patient"},
        "authoredOn": authored.isoformat(),
        "requester": {"identifier": {"system": ODS_SYSTEM, "value": "P88001"}},
        "reasonReference": [{"reference": f"#{c['id']}"} for c in conditions],
        "supportingInfo": [{"reference": f"#{o['id']}"} for o in observations],
    }
