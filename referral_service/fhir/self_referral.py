"""A self-referral read back as FHIR: nobody sent a ServiceRequest, so the form's answers (kept as
the payload) are written as one, the person as its contained Patient and as its requester, so a
provider's system reads a self-referral as it reads any referral."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referral_service.domain.self_referral import PAR_Q_PLUS
from referral_service.fhir.http import instant
from referral_service.fhir.ukcore import ETHNIC_CATEGORY_EXTENSION, NHS_NUMBER_SYSTEM

ETHNIC_CATEGORY_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategory"


def _patient(form: dict[str, Any]) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "patient",
        "name": [{"family": form.get("family_name"), "given": [form.get("given_name")]}],
        "birthDate": form.get("birth_date"),
        "address": [{"postalCode": form.get("postcode")}],
    }
    if form.get("nhs_number"):
        patient["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": "".join(str(form["nhs_number"]).split())}]
    if form.get("sex"):
        patient["gender"] = form["sex"]
    telecom = [
        {"system": system, "value": form[key]}
        for key, system in (("mobile", "phone"), ("email", "email"))
        if form.get(key)
    ]
    if telecom:
        patient["telecom"] = telecom
    if form.get("ethnicity_code"):
        concept = {"coding": [{"system": ETHNIC_CATEGORY_SYSTEM, "code": form["ethnicity_code"]}]}
        patient["extension"] = [{"url": ETHNIC_CATEGORY_EXTENSION, "valueCodeableConcept": concept}]
    return patient


def self_referral_request(form: dict[str, Any], authored_at: datetime) -> dict[str, Any]:
    """The ServiceRequest the form amounts to (status, id and meta are set by the caller)."""
    system, _, code = str(form.get("requested") or "").partition("|")
    readiness = form.get("readiness") or {}
    answered = [f"{q.text} {'Yes' if readiness[q.key] else 'No'}" for q in PAR_Q_PLUS if q.key in readiness]
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "contained": [_patient(form)],
        "intent": "order",
        "category": [{"text": "Self-referral"}],
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "#patient"},
        "requester": {"reference": "#patient"},
        "authoredOn": instant(authored_at),
    }
    notes = [*answered, "Tell their GP practice: " + ("yes" if form.get("tell_gp") else "no")]
    resource["note"] = [{"text": text} for text in notes]
    return resource
