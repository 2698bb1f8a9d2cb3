"""The completion document: a FHIR document Bundle a GP system can file on its own.

Every reference in it (the Composition's subject, author and section focus and entries) resolves
to an entry inside the Bundle, so it stands without the message around it. Outcome measures go out
as coded Observations with UCUM units, at the start and at the end of the programme; the codes and
their sources are listed in fhir_profiles/README.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from referral_service.domain.events import MESSAGES, MessageKind
from referral_service.domain.outcomes import ONS4_ITEMS, SWEMWBS_ITEMS

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# No national SWEMWBS or ONS4 code could be verified against a citable source: ours, with the words.
MEASURES = "https://referral-service.example.org/fhir/CodeSystem/outcome-measures"
ATTENDED, MISSED = "298057009", "298058004"  # Number of appointments attended / missed
TIMEPOINTS = {"start": "At the start of the programme", "end": "At the end of the programme"}

Coding = dict[str, str]


def _concept(*codings: Coding, text: str) -> dict[str, Any]:
    return {"coding": list(codings), "text": text}


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code}]}]


def _observation(
    oid: str, category: str, code: dict[str, Any], measure: dict[str, Any], **value: Any
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": _category(category),
        "code": code,
        "effectiveDateTime": measure["on"],
        **value,
    }


def _swemwbs(oid: str, measure: dict[str, Any]) -> list[dict[str, Any]]:
    code = _concept(
        {"system": MEASURES, "code": "swemwbs-metric", "display": "SWEMWBS metric score"},
        text="Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) metric score",
    )
    items = measure["items"]
    components = [
        {
            "code": _concept({"system": MEASURES, "code": f"swemwbs-{name}", "display": words}, text=words),
            "valueInteger": int(items[name]),
        }
        for name, words in SWEMWBS_ITEMS
        if name in items
    ]
    value = {"valueQuantity": _quantity(measure["score"], "score", "{score}")} if measure["score"] is not None else {}
    return [_observation(oid, "survey", code, measure, **value, component=components)]


def _ons4(oid: str, measure: dict[str, Any]) -> list[dict[str, Any]]:
    """Four Observations: ONS4 items are reported one by one, never summed."""
    return [
        _observation(
            f"{oid[:-1]}{index}",
            "survey",
            _concept({"system": MEASURES, "code": f"ons4-{name}", "display": words}, text=f"ONS4: {words}"),
            measure,
            valueInteger=int(measure["items"][name]),
        )
        for index, (name, words) in enumerate(ONS4_ITEMS)
        if name in measure["items"]
    ]


def _activity(oid: str, measure: dict[str, Any]) -> list[dict[str, Any]]:
    code = _concept(
        {"system": LOINC, "code": "82290-8", "display": "Frequency of moderate to vigorous aerobic physical activity"},
        text="Minutes of moderate or vigorous activity a week",
    )
    minutes = measure["items"].get("minutes", measure["score"])
    return [_observation(oid, "activity", code, measure, valueQuantity=_quantity(minutes, "min/wk", "min/wk"))]


def _weight(oid: str, measure: dict[str, Any]) -> list[dict[str, Any]]:
    code = _concept({"system": LOINC, "code": "29463-7", "display": "Body weight"}, text="Body weight")
    kilograms = measure["items"]["weight_kg"]
    return [_observation(oid, "vital-signs", code, measure, valueQuantity=_quantity(kilograms, "kg", "kg"))]


def _bmi(oid: str, measure: dict[str, Any]) -> list[dict[str, Any]]:
    code = _concept(
        {"system": LOINC, "code": "39156-5", "display": "Body mass index (BMI) [Ratio]"},
        {"system": SNOMED, "code": "60621009", "display": "Body mass index"},
        text="Body mass index",
    )
    bmi = measure["items"]["bmi"]
    return [_observation(oid, "vital-signs", code, measure, valueQuantity=_quantity(bmi, "kg/m2", "kg/m2"))]


def _blood_pressure(oid: str, measure: dict[str, Any]) -> list[dict[str, Any]]:
    code = _concept(
        {"system": LOINC, "code": "85354-9", "display": "Blood pressure panel with all children optional"},
        {"system": SNOMED, "code": "75367002", "display": "Blood pressure"},
        text="Blood pressure",
    )
    parts = (("systolic", "8480-6", "Systolic blood pressure"), ("diastolic", "8462-4", "Diastolic blood pressure"))
    components = [
        {
            "code": _concept({"system": LOINC, "code": loinc, "display": words}, text=words),
            "valueQuantity": _quantity(measure["items"][name], "mmHg", "mm[Hg]"),
        }
        for name, loinc, words in parts
    ]
    return [_observation(oid, "vital-signs", code, measure, component=components)]


CODERS: dict[str, Callable[[str, dict[str, Any]], list[dict[str, Any]]]] = {
    "swemwbs": _swemwbs,
    "ons4": _ons4,
    "activity-minutes": _activity,
    "weight": _weight,
    "bmi": _bmi,
    "blood-pressure": _blood_pressure,
}


def _count(oid: str, code: str, display: str, value: int, at: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": _concept({"system": SNOMED, "code": code, "display": display}, text=display),
        "effectiveDateTime": at,
        "valueQuantity": _quantity(value, "appointments", "{appointments}"),
    }


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _about_the_patient(resource: dict[str, Any], patient: dict[str, str]) -> dict[str, Any]:
    return {**resource, "subject": patient}


def feedback(
    snapshot: dict[str, Any],
    document_id: str,
    *,
    patient: dict[str, Any],
    author: dict[str, Any],
    request: dict[str, Any],
) -> dict[str, Any]:
    """The document Bundle: Composition, Patient, author Organization, ServiceRequest, Observations."""
    outcome, at = snapshot["outcome"], snapshot["at"]
    base = document_id[:-4]
    to_patient = {"reference": f"urn:uuid:{patient['id']}"}
    counts = [
        _count(f"{base}a001", ATTENDED, "Number of appointments attended", outcome["attended"], at),
        _count(f"{base}a002", MISSED, "Number of appointments missed", outcome["missed"], at),
    ]
    by_timepoint: dict[str, list[dict[str, Any]]] = {}
    for index, measure in enumerate(outcome["measures"]):
        coder = CODERS.get(measure["instrument"])
        if coder is not None:
            by_timepoint.setdefault(measure["timepoint"], []).extend(coder(f"{base}b{index:02x}0", measure))
    observations = [_about_the_patient(o, to_patient) for o in counts]
    sections = [_section("Attendance", observations, request, _narrative(outcome))]
    for timepoint in sorted(by_timepoint, key=lambda name: (name not in TIMEPOINTS, name != "start")):
        measured = [_about_the_patient(o, to_patient) for o in by_timepoint[timepoint]]
        observations += measured
        title = TIMEPOINTS.get(timepoint, "At follow-up")
        sections.append(_section(f"Outcome measures: {title.lower()}", measured, request, f"{title}."))
    composition = {
        "resourceType": "Composition",
        "id": f"{base}c000",
        "status": "final",
        "type": _concept({"system": LOINC, "code": "11488-4", "display": "Consult note"}, text="Outcome of referral"),
        "subject": to_patient,
        "date": at,
        "author": [{"reference": f"urn:uuid:{author['id']}"}],
        "title": "Outcome of referral",
        "section": sections,
    }
    return {
        "resourceType": "Bundle",
        "id": document_id,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{document_id}"},
        "type": "document",
        "timestamp": at,
        "entry": [_entry(composition), _entry(patient), _entry(author), _entry(request), *map(_entry, observations)],
    }


def _narrative(outcome: dict[str, Any]) -> str:
    counts = f"Sessions attended: {outcome['attended']}; missed: {outcome['missed']}."
    return f"{MESSAGES[MessageKind.COMPLETED].narrative} {counts}" + (
        f" Outcome measures recorded: {len(outcome['measures'])}." if outcome["measures"] else ""
    )


def _section(title: str, entries: list[dict[str, Any]], request: dict[str, Any], words: str) -> dict[str, Any]:
    return {
        "title": title,
        "focus": {"reference": f"urn:uuid:{request['id']}"},
        "text": {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{words}</div>'},
        "entry": [{"reference": f"urn:uuid:{o['id']}"} for o in entries],
    }
