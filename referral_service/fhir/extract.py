"""From validated FHIR models to the plain values intake stores and triage reads.

Works on fhir.resources model objects (already parsed once); every issue names the element path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from referral_service.domain.identifiers import is_postcode, sctid_problem
from referral_service.domain.intake import Coding, ConditionEvidence, Measurement, PatientDetails
from referral_service.fhir.outcomes import Issue
from referral_service.fhir.profiles import known_snomed_codes
from referral_service.fhir.ukcore import ETHNIC_CATEGORY_EXTENSION, LOINC, SNOMED, check_nhs_number, check_snomed

# Observation codes triage reads (fhir_profiles/ValueSet-observation-codes.json), by fact.
OBSERVATION_KINDS: dict[tuple[str, str], str] = {
    (LOINC, "39156-5"): "bmi",
    (SNOMED, "60621009"): "bmi",
    (LOINC, "85354-9"): "blood_pressure",
    (SNOMED, "75367002"): "blood_pressure",
    (LOINC, "8480-6"): "blood_pressure",
    (LOINC, "8462-4"): "blood_pressure",
    **dict.fromkeys([(SNOMED, "271649006"), (SNOMED, "72313002")], "blood_pressure"),
    **dict.fromkeys([(SNOMED, "271650006"), (SNOMED, "1091811000000102")], "blood_pressure"),
    (LOINC, "8867-4"): "resting_heart_rate",
    (SNOMED, "364075005"): "resting_heart_rate",
    (LOINC, "82290-8"): "activity_minutes_per_week",
}
# Component codes: LOINC, and the SNOMED CT pairs seen in UK examples (CareConnect and UK Core).
SYSTOLIC = {(LOINC, "8480-6"), (SNOMED, "271649006"), (SNOMED, "72313002")}
DIASTOLIC = {(LOINC, "8462-4"), (SNOMED, "271650006"), (SNOMED, "1091811000000102")}
ADMINISTRATIVE_GENDER = ("male", "female", "other", "unknown")
INACTIVE_CONDITION = {"inactive", "resolved", "remission"}
DOUBTFUL_CONDITION = {"refuted", "entered-in-error"}


def codings(concept: Any) -> list[Any]:
    return list(concept.coding or ()) if concept is not None else []


def fit(value: str | None, limit: int, path: str, issues: list[Issue]) -> str | None:
    """A value we store in a column of `limit` characters: longer is refused, naming the element."""
    if value is not None and len(value) > limit:
        issues.append(Issue("too-long", f"longer than the {limit} characters this service keeps", path))
        return None
    return value


def moment(value: Any, path: str, issues: list[Issue]) -> datetime | None:
    """A FHIR dateTime as the UTC instant intake keeps. R4 allows `YYYY`, `YYYY-MM` and `YYYY-MM-DD`
    (kept as the start of that period, UTC; the payload keeps what was sent) and a time with a zone;
    an instant outside the years 1 to 9999 once in UTC is refused."""
    if value is None:
        return None
    if isinstance(value, datetime):
        try:
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        except OverflowError:
            issues.append(Issue("value", "outside the years 1 to 9999 in UTC", path))
            return None
    start = start_of_period(value)
    if start is None:
        issues.append(Issue("value", "not a FHIR dateTime", path))
        return None
    return datetime(start.year, start.month, start.day, tzinfo=UTC)


def start_of_period(value: Any) -> date | None:
    """A FHIR date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) as its first day; None when it is none of these."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if len(text) == 4:
            return date(int(text), 1, 1)
        if len(text) == 7 and text[4] == "-":
            return date(int(text[:4]), int(text[5:]), 1)
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def patient_details(patient: Any, path: str, issues: list[Issue]) -> PatientDetails:
    nhs, verification, found = check_nhs_number(patient.identifier, path)
    issues += found
    name = next((n for n in patient.name or () if n.use == "official"), None) or next(iter(patient.name or ()), None)
    address = next((a for a in patient.address or () if a.use == "home"), None) or next(
        iter(patient.address or ()), None
    )
    postcode = " ".join((address.postalCode or "").upper().split()) if address is not None else ""
    if postcode and not is_postcode(postcode):
        issues.append(
            Issue("value", "not a UK postcode; catchment cannot be checked", f"{path}.address.postalCode", "warning")
        )
        postcode = ""
    return PatientDetails(
        nhs_number=nhs,
        nhs_number_verification=verification,
        given_name=fit(name.given[0] if name is not None and name.given else None, 200, f"{path}.name.given", issues),
        family_name=fit(name.family if name is not None else None, 200, f"{path}.name.family", issues),
        birth_date=_birth_date(patient.birthDate, f"{path}.birthDate", issues),
        sex=_sex(patient.gender, f"{path}.gender", issues),
        postcode=postcode or None,
        ethnicity_code=fit(_ethnicity(patient), 10, f"{path}.extension", issues),
        phone=fit(_telecom(patient, "phone"), 40, f"{path}.telecom", issues),
        email=fit(_telecom(patient, "email"), 254, f"{path}.telecom", issues),
    )


def _birth_date(value: Any, path: str, issues: list[Issue]) -> date | None:
    """Patient.birthDate at any R4 precision, kept as the first day of its period: the column holds
    a date, and the payload as received keeps the precision the sender gave."""
    if value is None:
        return None
    born = start_of_period(value)
    if born is None:
        issues.append(Issue("value", "not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)", path))
    return born


def _sex(value: Any, path: str, issues: list[Issue]) -> str | None:
    """Patient.gender is bound (required) to AdministrativeGender: another code is refused."""
    if value is not None and value not in ADMINISTRATIVE_GENDER:
        issues.append(Issue("code-invalid", f"gender must be one of {', '.join(ADMINISTRATIVE_GENDER)}", path))
        return None
    return str(value) if value is not None else None


def _ethnicity(patient: Any) -> str | None:
    for extension in patient.extension or ():
        if extension.url == ETHNIC_CATEGORY_EXTENSION:
            for coding in codings(extension.valueCodeableConcept):
                if coding.code:
                    return str(coding.code)
    return None


def _telecom(patient: Any, system: str) -> str | None:
    sources = [patient.telecom or ()] + [contact.telecom or () for contact in patient.contact or ()]
    for telecoms in sources:
        for telecom in telecoms:
            if telecom.system == system and telecom.value:
                return str(telecom.value)
    return None


def observation(resource: Any, path: str, issues: list[Issue]) -> Measurement | None:
    if resource.status in {"entered-in-error", "cancelled"}:
        return None
    keys = [(c.system, c.code) for c in codings(resource.code)]
    check_snomed(codings(resource.code), f"{path}.code", known_snomed_codes(), issues)
    kind = next((OBSERVATION_KINDS[key] for key in keys if key in OBSERVATION_KINDS), None)
    if kind is None:
        return None
    observed_on = _observed_on(resource)
    if kind == "blood_pressure":
        systolic = _component(resource, SYSTOLIC)
        diastolic = _component(resource, DIASTOLIC)
        if set(keys) & SYSTOLIC:
            systolic = _quantity(resource)
        if set(keys) & DIASTOLIC:
            diastolic = _quantity(resource)
        if systolic is None and diastolic is None:
            issues.append(Issue("value", "a blood pressure without a value", path, "warning"))
            return None
        return Measurement(kind, systolic, observed_on, diastolic)
    value = _quantity(resource)
    if value is None:
        issues.append(Issue("value", f"a {kind.replace('_', ' ')} observation without a value", path, "warning"))
        return None
    return Measurement(kind, value, observed_on)


def _quantity(resource: Any) -> float | None:
    quantity = getattr(resource, "valueQuantity", None)
    if quantity is None or quantity.value is None:
        return None
    return float(quantity.value)


def _component(resource: Any, codes: set[tuple[str, str]]) -> float | None:
    for component in resource.component or ():
        if {(c.system, c.code) for c in codings(component.code)} & codes:
            return _quantity(component)
    return None


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:  # partial dates (YYYY, YYYY-MM) carry no day
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _observed_on(resource: Any) -> date | None:
    period = resource.effectivePeriod
    for candidate in (
        resource.effectiveDateTime,
        resource.effectiveInstant,
        period.end if period else None,
        period.start if period else None,
        resource.issued,
    ):
        if (day := _day(candidate)) is not None:
            return day
    return None


def condition(resource: Any, path: str, issues: list[Issue]) -> list[ConditionEvidence]:
    clinical = {c.code for c in codings(resource.clinicalStatus)}
    verification = {c.code for c in codings(resource.verificationStatus)}
    codes = check_snomed(codings(resource.code), f"{path}.code", known_snomed_codes(), issues)
    if clinical & INACTIVE_CONDITION or verification & DOUBTFUL_CONDITION:
        return []
    recorded = _day(resource.onsetDateTime) or _day(resource.recordedDate)
    return [ConditionEvidence(code, recorded) for code in codes]


def reason_codes(service_request: Any, path: str, issues: list[Issue], authored: date) -> list[ConditionEvidence]:
    found = []
    for index, concept in enumerate(service_request.reasonCode or ()):
        for code in check_snomed(codings(concept), f"{path}.reasonCode[{index}]", known_snomed_codes(), issues):
            found.append(ConditionEvidence(code, authored))
    return found


def requested_coding(concept: Any, path: str, issues: list[Issue], *, strict: bool = True) -> Coding | None:
    """What is requested, preferring SNOMED CT; its code is checked for form and known pathways.

    Not strict (BaRS Task.code, a fallback): a malformed code becomes a warning and is not used, so
    the referral goes on with what is requested unknown (triage then asks a person) instead of
    being refused for a code the sender's tooling damaged (real BaRS examples carry 16-digit ids
    whose check digit was lost to spreadsheet rounding).
    """
    options = codings(concept)
    found: list[Issue] = []
    check_snomed(options, path, known_snomed_codes(), found)
    if not strict:
        found = [
            Issue(i.code, f"{i.diagnostics}; ignored, so what is requested is unknown", i.expression, "warning")
            if i.severity == "error"
            else i
            for i in found
        ]
    issues.extend(found)
    usable = [c for c in options if c.system != SNOMED or (c.code and sctid_problem(c.code) is None)]
    chosen = next((c for c in usable if c.system == SNOMED), None) or next(iter(usable), None)
    if chosen is None or not chosen.code:
        return None
    if fit(chosen.system, 200, path, issues) is None or fit(chosen.code, 40, path, issues) is None:
        return None
    return Coding(chosen.system or "", chosen.code, chosen.display)


def evidence(
    resources: Iterable[tuple[Any, str]], issues: list[Issue]
) -> tuple[list[Measurement], list[ConditionEvidence]]:
    """Observations and Conditions among (resource, path) pairs."""
    handlers: dict[str, Callable[[Any, str, list[Issue]], Any]] = {"Observation": observation, "Condition": condition}
    measurements: list[Measurement] = []
    conditions: list[ConditionEvidence] = []
    for resource, path in resources:
        handler = handlers.get(resource.get_resource_type())
        if handler is None:
            continue
        result = handler(resource, path, issues)
        if isinstance(result, Measurement):
            measurements.append(result)
        elif isinstance(result, list):
            conditions.extend(result)
    return measurements, conditions
