"""Search parameters: token and date values, with clear errors for what we do not support."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import request

from referral_service.fhir.outcomes import FhirError

DATE_PREFIXES = ("gt", "ge", "lt", "le", "eq")
COMMON = {"_format", "_count"}


def only(allowed: set[str]) -> None:
    """Unknown search parameters are an error, not silently ignored (the results would be wrong)."""
    unknown = sorted(set(request.args) - allowed - COMMON)
    if unknown:
        raise FhirError.one(400, "not-supported", f"unsupported search parameter(s): {', '.join(unknown)}")


def token(name: str) -> tuple[str | None, str] | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    system, sep, value = raw.partition("|")
    if not sep:
        return None, raw
    if not value:
        raise FhirError.one(400, "value", f"{name} needs a value after the '|'")
    return (system or None), value


def date_filters(name: str) -> dict[str, datetime]:
    """`_lastUpdated=gt2026-11-01T00:00:00Z` (repeatable) -> {'gt': instant, …}; naive times are UTC."""
    filters: dict[str, datetime] = {}
    for raw in request.args.getlist(name):
        prefix, text = (raw[:2], raw[2:]) if raw[:2] in DATE_PREFIXES else ("eq", raw)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise FhirError.one(400, "value", f"{name}: {raw!r} is not a FHIR dateTime") from None
        filters[prefix] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if "eq" in filters:
        raise FhirError.one(400, "not-supported", f"{name} takes the prefixes gt, ge, lt and le")
    return filters
