"""UK Core rules the FHIR models do not check: NHS numbers, verification status, ODS and SNOMED CT codes.

Each check returns Issues (errors and warnings) naming the element path, never the patient's data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nhs_number import is_valid as nhs_number_is_valid  # type: ignore[attr-defined]

from referral_service.domain.identifiers import is_ascii_digits, is_ods_code, sctid_problem
from referral_service.fhir.outcomes import Issue

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
DOS_SYSTEM = "https://fhir.nhs.uk/Id/dos-service-id"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
VERIFICATION_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
ETHNIC_CATEGORY_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"

# Both generations of the verification status codes are in circulation (interop.md §2); we store
# the England (STU2) code. Only 01/02 allow an NHS number to be sent at all.
VERIFICATION_SYSTEMS = {
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus": {
        "number-present-and-verified": "01",
        "number-present-but-not-traced": "02",
        "trace-required": "03",
        "trace-attempted": "04",
        "trace-needs-to-be-resolved": "05",
        "trace-in-progress": "06",
        "number-not-present-and-trace-not-required": "07",
        "trace-postponed": "08",
    },
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland": {
        f"0{n}": f"0{n}" for n in range(1, 9)
    },
}
VERIFIED_OR_NOT_TRACED = {"01", "02"}

# Variants seen in official examples (interop.md §1.7): read them, say so, store the canonical form.
ODS_VARIANTS = {
    "https://fhir.nhs.uk/id/ods-organization-code",
    "http://fhir.nhs.uk/Id/ods-organization-code",
    "http://fhir.nhs.uk/id/ods-organization-code",
}
DOS_VARIANTS = {"http://fhir.nhs.uk/Id/dos-service-id", "https://fhir.nhs.uk/id/dos-service-id"}


def check_nhs_number(identifiers: Iterable[Any], path: str) -> tuple[str | None, str | None, list[Issue]]:
    """The NHS number and its verification status (England code) from Patient.identifier."""
    issues: list[Issue] = []
    for index, identifier in enumerate(identifiers or ()):
        if identifier.system != NHS_NUMBER_SYSTEM:
            continue
        where = f"{path}.identifier[{index}]"
        value = (identifier.value or "").replace(" ", "")
        if len(value) != 10 or not is_ascii_digits(value):
            issues.append(Issue("value", "an NHS number is 10 digits", f"{where}.value"))
            return None, None, issues
        if not nhs_number_is_valid(value):
            issues.append(Issue("value", "the NHS number fails the Modulus 11 check digit", f"{where}.value"))
            return None, None, issues
        verification, more = _verification(identifier, where)
        issues += more
        return value, verification, issues
    return None, None, issues


def _verification(identifier: Any, where: str) -> tuple[str | None, list[Issue]]:
    for index, extension in enumerate(identifier.extension or ()):
        if extension.url != VERIFICATION_EXTENSION:
            continue
        concept = extension.valueCodeableConcept
        for coding in (concept.coding if concept else None) or ():
            codes = VERIFICATION_SYSTEMS.get(coding.system or "")
            if codes is None or coding.code not in codes:
                continue
            england = codes[coding.code]
            if england not in VERIFIED_OR_NOT_TRACED:
                return england, [
                    Issue(
                        "business-rule",
                        f"NHS number sent with verification status {england}: only 01 (verified) or 02 "
                        "(not traced) should accompany a number; it will be checked before use",
                        f"{where}.extension[{index}]",
                        severity="warning",
                    )
                ]
            return england, []
        return None, [
            Issue(
                "code-invalid",
                "unknown NHS number verification status code (expected UK Core STU1 or England 01-08)",
                f"{where}.extension[{index}].valueCodeableConcept",
            )
        ]
    return None, []


def ods_code(identifiers: Iterable[Any], path: str, issues: list[Issue]) -> str | None:
    """The ODS code among identifiers, accepting the known system variants with a warning."""
    for index, identifier in enumerate(identifiers or ()):
        system = identifier.system or ""
        if system != ODS_SYSTEM and system not in ODS_VARIANTS:
            continue
        where = f"{path}.identifier[{index}]"
        if system in ODS_VARIANTS:
            issues.append(
                Issue(
                    "code-invalid",
                    f"ODS system written as {system}; read as {ODS_SYSTEM}",
                    f"{where}.system",
                    "warning",
                )
            )
        code = (identifier.value or "").strip().upper()
        if not is_ods_code(code):
            issues.append(Issue("value", "an ODS code is 3-10 letters and digits", f"{where}.value"))
            return None
        return code
    return None


def normalise_endpoint(endpoint: str, path: str, issues: list[Issue]) -> str:
    system, sep, value = endpoint.partition("|")
    if sep and system in DOS_VARIANTS:
        issues.append(
            Issue("code-invalid", f"directory system written as {system}; read as {DOS_SYSTEM}", path, "warning")
        )
        return f"{DOS_SYSTEM}|{value}"
    return endpoint


def check_snomed(codings: Iterable[Any], path: str, known: frozenset[str], issues: list[Issue]) -> list[str]:
    """Well-formed SNOMED CT codes from codings; malformed is an error, well-formed but unknown a warning."""
    codes = []
    for index, coding in enumerate(codings or ()):
        if coding.system != SNOMED or coding.code is None:
            continue
        where = f"{path}.coding[{index}].code"
        problem = sctid_problem(coding.code)
        if problem:
            issues.append(Issue("code-invalid", f"not a SNOMED CT concept id: {problem}", where))
            continue
        if coding.code not in known:
            issues.append(Issue("code-unknown", "a SNOMED CT code this service's rules do not use", where, "warning"))
        codes.append(coding.code)
    return codes
