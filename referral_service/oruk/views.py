"""GET /oruk/, /oruk/services, /oruk/services/{id}, /oruk/openapi.json: public, read-only, CORS *.

Only services that are listed and whose provider is accredited today appear; nothing about
lapsed services, and never patient data.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from referral_service.domain.clock import utcnow
from referral_service.domain.identifiers import ascii_whole_number
from referral_service.oruk import render
from referral_service.oruk.openapi import openapi_document
from referral_service.services.directory_search import Compare, DirectorySearch, search_directory
from referral_service.services.errors import NotFound
from referral_service.services.publication import published_service
from referral_service.web.context import unit_of_work

bp = Blueprint("oruk", __name__, url_prefix="/oruk")
PROFILE = "https://openreferraluk.org/profile/3.0"  # the ORUK profile of HSDS 3.0
MAX_PER_PAGE = 100
NUMBERS = (  # name, default, lowest, highest; -1: not asked
    ("page", 1, 1, 1_000_000),
    ("per_page", 50, 1, MAX_PER_PAGE),
    ("minimum_age", -1, 0, 130),  # the person is at least this old
    ("maximum_age", -1, 0, 130),  # the person is at most this old
)


@bp.after_request
def _public(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


@bp.get("/")
def root() -> Response:
    return jsonify(version="3.0", profile=PROFILE, openapi_url=url_for("oruk.openapi", _external=True))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(url_for("oruk.root", _external=True).rstrip("/")))


def _int(name: str, default: int, low: int, high: int) -> int | Response:
    raw = request.args.get(name)
    if raw is None:
        return default
    number = ascii_whole_number(raw)
    if number is None or not low <= number <= high:
        return _error(400, f"{name} must be a whole number from {low} to {high}")
    return number


def _search() -> DirectorySearch | Response:
    """The query as a directory search of accredited services only, or the 400 that explains it."""
    numbers: dict[str, int] = {}
    for name, default, lowest, highest in NUMBERS:
        value = _int(name, default, lowest, highest)
        if isinstance(value, Response):
            return value
        numbers[name] = value
    low, high = numbers["minimum_age"], numbers["maximum_age"]
    updated: tuple[tuple[Compare, datetime], ...] = ()
    if "modified_after" in request.args:
        try:
            after = datetime.fromisoformat(request.args["modified_after"].replace("Z", "+00:00"))
        except ValueError:
            return _error(400, "modified_after must be an ISO 8601 date-time")
        try:
            after = after.astimezone(UTC) if after.tzinfo else after.replace(tzinfo=UTC)
        except OverflowError:
            return _error(400, "modified_after must fall within the years 1 to 9999 in UTC")
        updated = ((Compare.AFTER, after),)
    return DirectorySearch(
        active=True,  # the feed's rule: accredited services only
        text=request.args.get("search") or request.args.get("text"),
        taxonomy_term_id=request.args.get("taxonomy_term_id"),
        taxonomy_id=request.args.get("taxonomy_id"),
        age_from=low if low >= 0 else None,
        age_to=high if high >= 0 else None,
        updated=updated,
        page=numbers["page"],
        per_page=numbers["per_page"],
    )


@bp.get("/services")
def services() -> Response:
    search = _search()
    if isinstance(search, Response):
        return search
    with unit_of_work() as uow:
        found = search_directory(uow, search, today=utcnow().date())
    per_page = search.per_page or MAX_PER_PAGE
    total_pages = max(1, math.ceil(found.total / per_page))
    contents = [render.summary(s) for s in found.services]
    body: dict[str, Any] = {
        "total_items": found.total,
        "total_pages": total_pages,
        "page_number": search.page,
        "size": len(contents),
        "first_page": search.page == 1,
        "last_page": search.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
    return jsonify(body)


@bp.get("/services/<service_id>")
def service(service_id: str) -> Response:
    try:
        with unit_of_work() as uow:
            published = published_service(uow, service_id, today=utcnow().date())
    except NotFound:
        published = None
    if published is None or not published.active:  # lapsed or delisted services are not in the feed
        return _error(404, f"no service {service_id}")
    return jsonify(render.full(published, url_for("oruk.service", service_id=service_id, _external=True)))
