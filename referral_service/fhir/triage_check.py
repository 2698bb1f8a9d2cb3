"""The answer to `POST /fhir/ServiceRequest/$triage`: a Parameters resource a GP system can show
during the consultation, in sentences, not codes (see docs/fhir.md)."""

from __future__ import annotations

from typing import Any

from referral_service.domain.choice import Route
from referral_service.domain.placement import PlacementChoice, Standing
from referral_service.services.triage_check import TriageCheck

TRIAGE_OPERATION = "https://referral-service.example.org/fhir/OperationDefinition/ServiceRequest-triage"
SERVICE_SYSTEM = "https://referral-service.example.org/fhir/Id/service"
WHAT_HAPPENS = {
    Route.OFFER: "A place would be reserved at {service} and offered to the provider now.",
    Route.WAITLIST: "{service} would take this patient, but has no free place: they would join its waiting list.",
    Route.LINK_WORKER: "No service could safely take this referral as it stands: a link worker would review it.",
}


def parameters(check: TriageCheck) -> dict[str, Any]:
    decision = check.decision
    names = {choice.slug: choice.name for choice in check.services}
    chosen = names.get(decision.service or "", decision.service or "")
    parameter: list[dict[str, Any]] = [
        {"name": "outcome", "valueCode": decision.route.value},
        {"name": "summary", "valueString": WHAT_HAPPENS[decision.route].format(service=chosen)},
        *({"name": "reason", "valueString": reason} for reason in decision.reasons),
        *({"name": "missing", "valueString": fact.replace("_", " ")} for fact in sorted(decision.missing)),
    ]
    parameter += [_service(choice, chosen=choice.slug == decision.service) for choice in check.services]
    return {"resourceType": "Parameters", "parameter": parameter}


def _service(choice: PlacementChoice, *, chosen: bool) -> dict[str, Any]:
    takes = choice.standing is Standing.ELIGIBLE and choice.in_catchment is not False
    part: list[dict[str, Any]] = [
        {"name": "name", "valueString": choice.name},
        {"name": "identifier", "valueIdentifier": {"system": SERVICE_SYSTEM, "value": choice.slug}},
        {"name": "provider", "valueString": choice.provider},
        {"name": "wouldTake", "valueBoolean": takes},
        {"name": "chosen", "valueBoolean": chosen},
        {"name": "verdict", "valueString": choice.headline},
        *({"name": "why", "valueString": finding} for finding in choice.findings),
        {"name": "freePlaces", "valueInteger": choice.places if choice.has_room else 0},
        {"name": "waiting", "valueInteger": choice.waiting},
        {"name": "expectedWait", "valueString": _wait(choice)},
    ]
    return {"name": "service", "part": part}


def _wait(choice: PlacementChoice) -> str:
    if choice.has_room:
        return "A place is free now."
    if not choice.takes_waitlist:
        return "No place is free and this service keeps no waiting list."
    ahead = choice.waiting
    return f"No place is free: {ahead} {'person is' if ahead == 1 else 'people are'} on the waiting list ahead."
