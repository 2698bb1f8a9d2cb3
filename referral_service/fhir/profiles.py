"""Our conformance resources in fhir_profiles/: value sets triage reads, our MessageDefinitions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from referral_service.config import PROJECT_ROOT

PROFILES_DIR = PROJECT_ROOT / "fhir_profiles"
CANONICAL_BASE = "https://referral-service.example.org/fhir"
USE_CASE_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/usecase-categories"
BARS_USE_CASE_SYSTEM = "https://fhir.nhs.uk/CodeSystem/usecases-categories-bars"
BARS_REFERRAL_DEFINITION = "https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-request-referral"
BARS_CANCELLED_DEFINITION = "https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-request-cancelled"


@cache
def resource(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((PROFILES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return document


def value_set_codes(name: str) -> frozenset[str]:
    """Every code a ValueSet of ours lists (they enumerate concepts; no filters)."""
    return frozenset(
        concept["code"] for include in resource(name)["compose"]["include"] for concept in include.get("concept", ())
    )


@cache
def known_snomed_codes() -> frozenset[str]:
    return (
        value_set_codes("ValueSet-pathways")
        | value_set_codes("ValueSet-conditions")
        | value_set_codes("ValueSet-observation-codes")
    )


@cache
def use_case_codes() -> frozenset[str]:
    return frozenset(concept["code"] for concept in resource("CodeSystem-usecase-categories")["concept"])


@dataclass(frozen=True)
class Cardinality:
    resource_type: str
    min: int
    max: int | None  # None: unbounded


@dataclass(frozen=True)
class MessageShape:
    """The resources (and how many of each) a message of one MessageDefinition must carry."""

    canonical: str
    focus: tuple[Cardinality, ...]

    def allowed(self) -> frozenset[str]:
        return frozenset(item.resource_type for item in self.focus) | {"MessageHeader"}


def _shape(name: str, *aliases: str) -> dict[str, MessageShape]:
    document = resource(name)
    focus = tuple(
        Cardinality(item["code"], int(item.get("min", 0)), None if item.get("max", "*") == "*" else int(item["max"]))
        for item in document.get("focus", ())
    )
    return {canonical: MessageShape(canonical, focus) for canonical in (document["url"], *aliases)}


@cache
def message_shapes() -> dict[str, MessageShape]:
    """Our MessageDefinitions, and the BaRS ones we accept as their equivalents."""
    return {
        **_shape("MessageDefinition-referral-request", BARS_REFERRAL_DEFINITION),
        **_shape("MessageDefinition-referral-cancellation", BARS_CANCELLED_DEFINITION),
    }


def message_definitions() -> list[dict[str, Any]]:
    return [resource("MessageDefinition-referral-request"), resource("MessageDefinition-referral-cancellation")]
