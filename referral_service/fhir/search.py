"""Search parameters: token and date values, with clear errors for what we do not support."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import request

from referral_service.domain.identifiers import ascii_whole_number
from referral_service.fhir.outcomes import FhirError

DATE_PREFIXES = ("gt", "ge", "lt", "le", "eq")
COMMON = {"_format", "_count"}


def only(allowed: set[str]) -> None:
    """Unknown search parameters are an error, not silently ignored (the results would be wrong)."""
    unknown = sorted(set(request.args) - allowed - COMMON)
    if unknown:
        raise FhirError.one(400, "not-supported", f"unsupported search parameter(s): {', '.join(unknown)}")
    for count in request.args.getlist("_count"):
        if ascii_whole_number(count) is None:
            raise FhirError.one(400, "value", "_count must be a whole number (ASCII digits)")


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


def in_utc(moment: datetime, what: str, expression: str | None = None) -> datetime:
    """`moment` in UTC (naive is UTC); a 400 when that falls outside the years 1 to 9999 (an
    instant in year 1 east of Greenwich, or 9999 west of it), which Python and the databases cannot hold."""
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        raise FhirError.one(400, "value", f"{what} is outside the years 1 to 9999 in UTC", expression) from None


def date_filters(name: str) -> dict[str, datetime]:
    """`_lastUpdated=gt2026-11-01T00:00:00Z` (repeatable) -> {'gt': instant, …}; naive times are UTC."""
    filters: dict[str, datetime] = {}
    for raw in request.args.getlist(name):
        prefix, text = (raw[:2], raw[2:]) if raw[:2] in DATE_PREFIXES else ("eq", raw)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise FhirError.one(400, "value", f"{name}: {raw!r} is not a FHIR dateTime") from None
        filters[prefix] = in_utc(moment, f"{name}: {raw!r}")
    if "eq" in filters:
        raise FhirError.one(400, "not-supported", f"{name} takes the prefixes gt, ge, lt and le")
    return filters
