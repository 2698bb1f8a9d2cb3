"""Triage's findings in words a clinician reads: the Task's statusReason and its notes.

Triage keeps its reasons terse (`mvl-exercise-referral: cannot tell without: blood_pressure, bmi`);
a GP reading a Task should see service names and plain words, not slugs and field names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FACTS = {
    "blood_pressure": "a blood pressure reading",
    "bmi": "a BMI",
    "resting_heart_rate": "a resting heart rate",
    "activity_minutes_per_week": "the minutes of activity a week",
}  # only field names: ordinary words ("postcode", "pathway") read well as they are
VERDICTS = {
    "eligible": "can take the patient",
    "unknown": "cannot tell yet",
    "ineligible": "cannot take the patient",
    "excluded": "excluded on clinical grounds",
}
ROUTES = {
    "offer": "A place was offered at {service}.",
    "waitlist": "The patient is on the waiting list at {service}.",
    "link-worker": "No service could safely take the referral as sent, so a link worker reviews it.",
}
_CODE_SET = re.compile(r" \(code set [^)]*\)")  # which file a code list came from: not for the reader
_FACT = re.compile(r"\b(" + "|".join(FACTS) + r")\b")


def _words(part: str, names: Mapping[str, str]) -> str:
    slug, colon, rest = part.partition(": ")
    if colon and slug in names:
        part = f"At {names[slug]}: {rest}"
    part = _FACT.sub(lambda match: FACTS[match.group(1)], part)
    part = _CODE_SET.sub("", part).replace("does not meet: all of", "does not meet every rule")
    part = part.replace("cannot tell without:", "needs").replace("without recent:", "without a recent")
    part = part.strip()
    return (part[:1].upper() + part[1:]).rstrip(".") + "."


def sentence(text: str | None, names: Mapping[str, str]) -> str | None:
    """A stored reason as sentences; text that names no service or fact is left as it was written."""
    if not text or not (_FACT.search(text) or any(f"{slug}: " in text for slug in names)):
        return text
    return " ".join(_words(part, names) for part in text.split("; ") if part.strip())


def explain(triage: Mapping[str, Any] | None, names: Mapping[str, str], override: str | None = None) -> list[str]:
    """Why the referral is where it is: the route, each service's verdict with its evidence, any override."""
    if not triage:
        return [override] if override else []
    service = names.get(str(triage.get("service")), str(triage.get("service") or "the service"))
    lines = [ROUTES.get(str(triage.get("route")), "Triaged.").format(service=service)]
    for assessment in triage.get("assessments") or []:
        name = names.get(assessment.get("service"), "a service")
        verdict = VERDICTS.get(assessment.get("verdict"), "was considered")
        reasons = " ".join(_words(r, names) for r in assessment.get("reasons") or [])
        evidence = "; ".join(_evidence(assessment.get("include")))
        line = f"{name} {verdict}. {reasons}".strip()
        lines.append(f"{line} Evidence: {evidence}." if evidence else line)
    if override:
        lines.append(override)
    return lines


def _evidence(result: Mapping[str, Any] | None) -> list[str]:
    """The passed rules and what they were decided on (the include rule's tree, flattened)."""
    if not result:
        return []
    found = [f"{result['rule']} ({result['evidence']})"] if result.get("evidence") else []
    for child in result.get("children") or []:
        found += _evidence(child)
    return [_FACT.sub(lambda match: FACTS[match.group(1)], _CODE_SET.sub("", item)) for item in found]
