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
from referral_service.oruk import render
from referral_service.oruk.openapi import openapi_document
from referral_service.services.errors import NotFound
from referral_service.services.publication import PublishedService, published_service, published_services
from referral_service.web.context import unit_of_work

bp = Blueprint("oruk", __name__, url_prefix="/oruk")
PROFILE = "https://openreferraluk.org/profile/3.0"  # the ORUK profile of HSDS 3.0
MAX_PER_PAGE = 100


@bp.after_request
def _public(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


def _published() -> list[PublishedService]:
    with unit_of_work() as uow:
        return [s for s in published_services(uow, today=utcnow().date()) if s.active]


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
    if not raw.isdigit() or not low <= int(raw) <= high:
        return _error(400, f"{name} must be a whole number from {low} to {high}")
    return int(raw)


@bp.get("/services")
def services() -> Response:
    page = _int("page", 1, 1, 1_000_000)
    per_page = _int("per_page", 50, 1, MAX_PER_PAGE)
    if isinstance(page, Response):
        return page
    if isinstance(per_page, Response):
        return per_page
    found = _published()
    text = (request.args.get("search") or request.args.get("text") or "").strip().lower()
    if text:
        found = [s for s in found if text in f"{s.name} {s.description or ''} {s.organisation.name}".lower()]
    term = request.args.get("taxonomy_term_id")
    if term:
        found = [s for s in found if term in {t["id"] for t in render.taxonomy_terms(s)}]
    taxonomy = request.args.get("taxonomy_id")
    if taxonomy:
        found = [s for s in found if taxonomy in render.taxonomy_ids(s)]
    ages = {name: _int(name, -1, 0, 130) for name in ("minimum_age", "maximum_age")}
    for value in ages.values():
        if isinstance(value, Response):
            return value
    low, high = ages["minimum_age"], ages["maximum_age"]
    if isinstance(low, int) and low >= 0:  # the person is at least this old: the service must take them
        found = [s for s in found if s.maximum_age is None or s.maximum_age >= low]
    if isinstance(high, int) and high >= 0:  # the person is at most this old
        found = [s for s in found if s.minimum_age is None or s.minimum_age <= high]
    if "modified_after" in request.args:
        try:
            after = datetime.fromisoformat(request.args["modified_after"].replace("Z", "+00:00"))
        except ValueError:
            return _error(400, "modified_after must be an ISO 8601 date-time")
        found = [s for s in found if s.updated_at > (after if after.tzinfo else after.replace(tzinfo=UTC))]
    total_pages = max(1, math.ceil(len(found) / per_page))
    contents = [render.summary(s) for s in found[(page - 1) * per_page : page * per_page]]
    body: dict[str, Any] = {
        "total_items": len(found),
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
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
