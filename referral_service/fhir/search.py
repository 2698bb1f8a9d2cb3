"""Search parameters: token and date values, paging and totals, with clear errors for what we do not
support (or, under `Prefer: handling=lenient`, unknown parameters ignored as FHIR allows)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import request

from referral_service.domain.identifiers import ascii_whole_number
from referral_service.fhir import render
from referral_service.fhir.outcomes import FhirError

DATE_PREFIXES = ("gt", "ge", "lt", "le", "eq")
COMMON = {"_format", "_count", "_offset", "_summary", "_total"}
PAGE_LIMIT = 100  # the most matches one page holds, whatever `_count` asks for
TOTALS = {"none", "estimate", "accurate"}


def lenient() -> bool:
    """`Prefer: handling=lenient`: the client would rather have unknown parameters ignored than refused."""
    for part in request.headers.get("Prefer", "").replace(",", ";").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "handling" and value.strip() == "lenient":
            return True
    return False


def only(allowed: set[str]) -> None:
    """Unknown search parameters are an error (the results would be wrong), unless the client asked for
    lenient handling; paging and total parameters are checked either way."""
    unknown = sorted(set(request.args) - allowed - COMMON)
    if unknown and not lenient():
        raise FhirError.one(400, "not-supported", f"unsupported search parameter(s): {', '.join(unknown)}")
    for name in ("_count", "_offset"):
        for count in request.args.getlist(name):
            if ascii_whole_number(count) is None:
                raise FhirError.one(400, "value", f"{name} must be a whole number (ASCII digits)", name)
    summary = request.args.get("_summary")
    if summary not in (None, "count", "false"):
        raise FhirError.one(400, "not-supported", "_summary takes count or false", "_summary")
    if request.args.get("_total", "accurate") not in TOTALS:
        raise FhirError.one(400, "value", "_total takes none, estimate or accurate", "_total")


def _whole(name: str, default: int) -> int:
    raw = request.args.get(name)
    number = ascii_whole_number(raw) if raw is not None else None
    return default if number is None else number


def respond(
    matches: list[dict[str, Any]],
    included: Iterable[dict[str, Any]] = (),
    references: Callable[[dict[str, Any]], Iterable[str]] = lambda _: (),
) -> dict[str, Any]:
    """The searchset for one page of `matches` (`_count` from `_offset`), with `self`, `first`,
    `previous` and `next` links; the included resources those on the page refer to; the total unless
    `_total=none`; only the total for `_summary=count` (or `_count=0`)."""
    count = min(_whole("_count", PAGE_LIMIT), PAGE_LIMIT)
    offset = _whole("_offset", 0)
    total = None if request.args.get("_total") == "none" else len(matches)
    if request.args.get("_summary") == "count" or count == 0:
        answer = render.searchset([], _link(0, count), total=len(matches))
        del answer["entry"]  # FHIR JSON has no empty arrays
        return answer
    page = matches[offset : offset + count]
    wanted = {reference for match in page for reference in references(match)}
    entries = [(match, "match") for match in page]
    entries += [(item, "include") for item in included if f"{item['resourceType']}/{item['id']}" in wanted]
    links = [("first", _link(0, count))]
    if offset > 0:
        links.append(("previous", _link(max(offset - count, 0), count)))
    if offset + count < len(matches):
        links.append(("next", _link(offset + count, count)))
    return render.searchset(entries, _link(offset, count), total=total, links=links)


def _link(offset: int, count: int) -> str:
    """This search again at another page: the client's own parameters, with our `_count` and `_offset`."""
    kept = [(name, value) for name, value in request.args.items(multi=True) if name not in {"_count", "_offset"}]
    return f"{request.base_url}?{urlencode([*kept, ('_count', str(count)), ('_offset', str(offset))])}"


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
