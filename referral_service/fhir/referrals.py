"""A ServiceRequest and the resources around it, read into the content of an IncomingReferral.

Shared by the BaRS message (resources are Bundle entries) and the plain POST (resources are
contained), which differ only in how a reference is resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from referral_service.domain.intake import Coding, ConditionEvidence, Measurement, PatientDetails
from referral_service.domain.referral import Priority
from referral_service.fhir import extract
from referral_service.fhir.findings import Findings
from referral_service.fhir.outcomes import Issue
from referral_service.fhir.profiles import BARS_USE_CASE_SYSTEM, USE_CASE_SYSTEM, use_case_codes
from referral_service.fhir.ukcore import ods_code

Resolver = Callable[[str | None], tuple[Any, str] | None]  # reference -> (resource, element path)

BARS_REFERRAL_CATEGORY = ("https://fhir.nhs.uk/CodeSystem/message-category-servicerequest", "referral")


@dataclass(frozen=True)
class ReferralContent:
    """What a ServiceRequest and the resources around it say, before the envelope (bytes, ids) is added."""

    patient: PatientDetails
    sender_ods: str | None
    authored_at: datetime | None  # None only alongside the error that says so
    priority: Priority
    pathway: Coding | None
    use_case: str | None
    identifier: tuple[str, str] | None
    conditions: tuple[ConditionEvidence, ...]
    measurements: tuple[Measurement, ...]
    preferences: tuple[str, ...]
    contact_consent: bool | None = None


def use_case(service_request: Any, path: str, findings: Findings, *, required: bool) -> str | None:
    """Our use-case category; a BaRS use case (pharmacy, UEC, …) is one we do not serve: 422."""
    others = []
    for index, concept in enumerate(service_request.category or ()):
        for position, coding in enumerate(extract.codings(concept)):
            where = f"{path}.category[{index}].coding[{position}]"
            if coding.system == USE_CASE_SYSTEM:
                if coding.code in use_case_codes():
                    return str(coding.code)
                findings.issues.append(Issue("not-supported", f"unknown use case {coding.code!r}", where))
                return None
            if coding.system == BARS_USE_CASE_SYSTEM:
                others.append((coding.code, coding.display, where))
    served = " or ".join(sorted(use_case_codes()))
    if others:
        code, display, where = others[0]
        label = f"{code} ({display})" if display else str(code)
        findings.issues.append(
            Issue(
                "not-supported",
                f"use case {label} is not one this service serves; it takes {served} ({USE_CASE_SYSTEM})",
                where,
            )
        )
    elif required:
        findings.issues.append(
            Issue(
                "not-supported",
                f"no use-case category: this service takes {served} ({USE_CASE_SYSTEM})",
                f"{path}.category",
            )
        )
    return None


def parse_service_request(
    service_request: Any,
    path: str,
    resolve: Resolver,
    everything: list[tuple[Any, str]],
    findings: Findings,
    *,
    sender_ods: str | None,
    requested_fallback: Coding | None,
    use_case_required: bool,
) -> ReferralContent:
    """Check the ServiceRequest and gather what intake stores; a subject that is not a carried
    Patient stops here (nothing else can be read without it)."""
    if service_request.status != "active":
        findings.issues.append(Issue("value", "a new referral's status must be active", f"{path}.status"))
    if service_request.authoredOn is None:
        findings.issues.append(
            Issue("required", "authoredOn is required: when the referral was made", f"{path}.authoredOn")
        )
    subject = resolve(service_request.subject.reference if service_request.subject else None)
    if subject is None or subject[0].get_resource_type() != "Patient":
        findings.issues.append(
            Issue("invalid", "subject must reference the Patient carried with the referral", f"{path}.subject")
        )
        raise findings.error()
    patient = extract.patient_details(subject[0], subject[1], findings.issues)
    the_use_case = use_case(service_request, path, findings, required=use_case_required)
    pathway = (
        extract.requested_coding(service_request.code, f"{path}.code", findings.issues)
        if service_request.code
        else None
    )
    measurements, conditions = extract.evidence(everything, findings.issues)
    authored = extract.moment(service_request.authoredOn, f"{path}.authoredOn", findings.issues)
    if authored is not None:
        conditions = extract.reason_codes(service_request, path, findings.issues, authored.date()) + conditions
    identifier = next(((i.system or "", i.value) for i in service_request.identifier or () if i.value), None)
    if identifier is not None and "|" in identifier[0]:
        findings.issues.append(
            Issue(
                "value",
                "an identifier system cannot contain '|': a search (system|value) could never find it",
                f"{path}.identifier.system",
            )
        )
        identifier = None
    if identifier is not None:
        system = extract.fit(identifier[0], 200, f"{path}.identifier.system", findings.issues)
        value = extract.fit(identifier[1], 100, f"{path}.identifier.value", findings.issues)
        identifier = (system, value) if system is not None and value is not None else None
    return ReferralContent(
        patient=patient,
        sender_ods=sender_ods or _requester_ods(service_request, path, resolve, findings),
        authored_at=authored,
        priority=Priority(service_request.priority or "routine"),
        pathway=pathway or requested_fallback,
        use_case=the_use_case,
        identifier=identifier,
        conditions=tuple(conditions),
        measurements=tuple(measurements),
        preferences=_performer_preferences(service_request, resolve),
        contact_consent=contact_consent(everything),
    )


def contact_consent(everything: list[tuple[Any, str]]) -> bool | None:
    """The BaRS Consent carried with the referral, read as permission to contact the patient about
    it: True when one is active and permits (no `provision.type` of deny), False when one is
    rejected, inactive or denies, None when there is none. A refusal wins over a permission."""
    found: bool | None = None
    for resource, _ in everything:
        if resource.get_resource_type() != "Consent":
            continue
        provision = getattr(resource, "provision", None)
        denies = provision is not None and provision.type == "deny"
        if resource.status in ("rejected", "inactive") or denies:
            return False
        if resource.status == "active":
            found = True
    return found


def _performer_preferences(service_request: Any, resolve: Resolver) -> tuple[str, ...]:
    """The services the referral asks for (ServiceRequest.performer): their identifiers and names."""
    found: list[str] = []
    for performer in service_request.performer or ():
        if performer.identifier is not None and performer.identifier.value:
            found.append(performer.identifier.value)
        if performer.display:
            found.append(performer.display)
        target = resolve(performer.reference)
        if target is not None and target[0].get_resource_type() == "HealthcareService":
            found += [i.value for i in target[0].identifier or () if i.value]
            if target[0].name:
                found.append(target[0].name)
    return tuple(dict.fromkeys(value[:200] for value in found))


def _requester_ods(service_request: Any, path: str, resolve: Resolver, findings: Findings) -> str | None:
    requester = service_request.requester
    if requester is None:
        return None
    if requester.identifier is not None:
        return ods_code([requester.identifier], f"{path}.requester", findings.issues)
    target = resolve(requester.reference)
    if target is None:
        return None
    resource, where = target
    if resource.get_resource_type() == "Organization":
        return ods_code(resource.identifier, where, findings.issues)
    if resource.get_resource_type() == "PractitionerRole" and resource.organization is not None:
        organisation = resolve(resource.organization.reference)
        if organisation is not None and organisation[0].get_resource_type() == "Organization":
            return ods_code(organisation[0].identifier, organisation[1], findings.issues)
    return None
