"""A small, standard-library-only checker for our Open Referral UK (ORUK) feed: the ORUK profile of HSDS 3.0.

Each ``problems_in_*`` function returns a list of strings of the form ``"path: what is wrong"``; an empty list
means the document passed. Paths look like ``service_at_locations[0].location.addresses[1].postal_code``.

The rules below were written by hand from the published schemas (none of them is vendored here):

OpenReferralUK/uk-profile (the ORUK 3.0 profile)
  * schema/compiled/service.json        @ bc9320469a3de489bf4b93a6d2d1236541e66016  (fully nested service:
    every nested object, its ``required`` list, types, ``status``/``freq``/``address_type`` enums)
  * schema/compiled/service.json        @ 566ddb69fcb980e5a19e948b06d58ec362bebcb0  (older build, compared)
  * schema/compiled/service_list.json   @ 6eee0e4923bea865a4d59516071c3dc5b96b6b06  (items of GET /services)
  * schema/service.json                 @ 6eee0e4923bea865a4d59516071c3dc5b96b6b06
  * schema/openapi.json                 @ 6eee0e4923bea865a4d59516071c3dc5b96b6b06  (paths, Page, GET / body,
    query parameters)
  * profile/service.json                @ 991a5a19d310d3d4721d4d915b3d7a36cd07b731  and @ 6eee0e49... (the patch
    applied to HSDS 3.0: fields set to null are REMOVED; ``required``)
  * profile/location.json               @ 822a58cdaec8c977573abf71c1bdfcb45ae6a6cd  (removed fields; required
    id, location_type)
  * schema/location.json                @ 991a5a19... and @ 566ddb69... (location_type became required)
  * profile/contact.json                @ 6eee0e49... and @ 7ccc2fc28f2a1cbcf28fdb2f901f829cffe6d097
  * profile/phone.json                  @ 991a5a19... and @ 6eee0e49...
  * profile/taxonomy_term.json          @ fe45d91719532cef4c273ddb731090853ee8e112  and @ 566ddb69...
  * schema/taxonomy_term.json           @ 566ddb69...
  * examples/service_full.json          @ 7ccc2fc2...  (the profile's own example; passes this checker)
  * docs/changelog.md                   @ 17bf42fc7c717370aa778e7b581f2caa0a3d3323  (changes vs ORUK v1, not
    vs HSDS 3.0)
openreferral/specification (HSDS 3.0 base)
  * schema/service.json                 @ 01be272d5ecfbd596ce0de19e45883fb29c779e6  (base field list, to see
    what the UK profile removes)
  * schema/location.json                @ 67e7b37a4b1e03324d6bd107c56cafd153b9d2d0  (location_type enum
    physical|postal|virtual; the UK compiled schema requires location_type but does not restate the enum)
  * schema/openapi.json                 @ be9c9f5a99ce7fdbf1c8613fcc8567bf07b7e165  (HSDS /services parameters)

Two levels:
  * default: what the published ORUK schemas actually require (``required``, JSON types, enums, date /
    date-time / time formats, RRULE ``byday`` / ``bymonthday`` syntax, fields the profile removed).
  * ``strict=True``: also what a careful publisher should do and some published builds demand: service
    ``url`` present (required by schema/service.json @6eee0e49 and by the ``allOf`` of compiled/service.json
    @bc932046, but not by profile/service.json @991a5a19), ``format: uuid`` ids, ``uri`` / ``email`` formats,
    attributes carrying ``link_id``, ``link_type`` and a ``taxonomy_term``, whole-number ages, and no keys that
    the ORUK schema does not define.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import urlsplit

# --------------------------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339 date-time (JSON Schema "date-time"): a "T", seconds, optional fraction, and a mandatory offset.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}:\d{2})$")
# schedule.opens_at / closes_at: "HH:MM" or "HH:MM:SS" (the profile's example is "10:00:00"), optional Z / offset.
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
# RFC 5545 weekdaynum: [[+/-]ordwk] weekday; schedule.byday is a comma-separated list of them.
_BYDAY_PART = re.compile(r"^(?P<ord>[+-]?\d{1,2})?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _format_problem(fmt: str, value: str, context: Mapping[str, Any]) -> str | None:
    """Why ``value`` does not match ``fmt``, or None."""
    if fmt == "uuid":
        return None if _UUID.match(value) else "not a UUID (the ORUK schema declares format uuid)"
    if fmt == "date":
        if _DATE.match(value):
            try:
                date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return None
        return "not a date in the form YYYY-MM-DD"
    if fmt == "date-time":
        if _DATE_TIME.match(value):
            try:
                datetime.fromisoformat(value.replace("z", "Z"))
            except ValueError:
                pass
            else:
                return None
        return "not an RFC 3339 date-time with a time zone offset (e.g. 2023-03-15T10:30:45.123Z)"
    if fmt == "time":
        return None if _TIME.match(value) else "not a time in the form HH:MM or HH:MM:SS (optional Z or offset)"
    if fmt == "uri":
        return None if _is_absolute_uri(value) else "not an absolute URI"
    if fmt == "email":
        return None if _EMAIL.match(value) else "not an email address"
    if fmt == "byday":
        return _byday_problem(value, context.get("freq"))
    if fmt == "bymonthday":
        return _bymonthday_problem(value)
    raise ValueError(f"unknown format {fmt!r}")


def _is_absolute_uri(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if not parts.scheme:
        return False
    return bool(parts.netloc) or parts.scheme in {"urn", "mailto", "tel"}


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _byday_problem(value: str, freq: object) -> str | None:
    """schedule.byday: "Comma separated days of the week. Where freq is MONTHLY each part can be preceded by a
    positive or negative integer ... e.g. 2MO ... -1FR" (uk-profile compiled/service.json)."""
    for part in value.split(","):
        match = _BYDAY_PART.match(part)
        if match is None:
            return f"{part!r} is not an RFC 5545 day (MO,TU,WE,TH,FR,SA,SU, optionally preceded by e.g. 2 or -1)"
        ordinal = match.group("ord")
        if ordinal is not None:
            if not 1 <= abs(int(ordinal)) <= 5:
                return f"{part!r}: the occurrence in a month must be 1..5 or -1..-5"
            if freq != "MONTHLY":
                return f"{part!r}: a numbered day (e.g. 2MO) is only allowed when freq is MONTHLY"
    return None


def _bymonthday_problem(value: str) -> str | None:
    """schedule.bymonthday: comma separated numeric days of the month, negative counts from the end."""
    for part in value.split(","):
        if not re.fullmatch(r"[+-]?\d{1,2}", part) or not 1 <= abs(int(part)) <= 31:
            return f"{part!r} is not a day of the month (1..31 or -1..-31)"
    return None


# Formats that the JSON schemas only annotate; checked in strict mode.
_STRICT_FORMATS: Final = frozenset({"uuid", "uri", "email"})

# --------------------------------------------------------------------------------------------------------------
# Object specifications (written from uk-profile schema/compiled/service.json @ bc932046 unless noted)
# --------------------------------------------------------------------------------------------------------------

CrossCheck = Callable[[Mapping[str, Any], str, bool, list[str]], None]


@dataclass(frozen=True)
class Field:
    kind: str  # "string" | "number" | "integer" | "boolean" | "object" | "array"
    fmt: str | None = None
    enum: tuple[str, ...] | None = None
    item: ObjectSpec | None = None  # the object, or the array's item object


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    fields: Mapping[str, Field]
    required: tuple[str, ...]
    strict_required: tuple[str, ...] = ()
    # Fields the UK profile patch sets to null (removes from HSDS 3.0). A Field, when given, is still checked.
    removed: Mapping[str, Field | None] = field(default_factory=dict)
    cross_check: CrossCheck | None = None


def _s(fmt: str | None = None) -> Field:
    return Field("string", fmt)


def _arr(item: ObjectSpec) -> Field:
    return Field("array", item=item)


def _obj(item: ObjectSpec) -> Field:
    return Field("object", item=item)


_NUMBER: Final = Field("number")

SERVICE_STATUS: Final = ("active", "inactive", "defunct", "temporarily closed")
SCHEDULE_FREQ: Final = ("WEEKLY", "MONTHLY")
LOCATION_TYPE: Final = ("physical", "postal", "virtual")  # HSDS 3.0 schema/location.json
ADDRESS_TYPE: Final = ("physical", "postal", "virtual")

TAXONOMY_TERM: Final = ObjectSpec(
    "taxonomy_term",
    {
        "id": _s("uuid"),
        "parent_id": _s("uuid"),
        "taxonomy": _s(),
        "taxonomy_id": _s("uuid"),
        "term_uri": _s("uri"),
        "term": _s(),  # added by the UK profile
        # profile/taxonomy_term.json nulls name and description, yet the compiled schema still lists them in
        # "required" (inherited from HSDS 3.0): a conforming term must carry them, so they are typed here.
        "name": _s(),
        "description": _s(),
        "code": _s(),
    },
    required=("id", "name", "description"),  # compiled/service.json @bc932046 (the @566ddb69 build: id, taxonomy)
)

ATTRIBUTE: Final = ObjectSpec(
    "attribute",
    {
        "id": _s("uuid"),
        "link_id": _s("uuid"),
        "taxonomy_term_id": _s("uuid"),
        "link_type": _s(),
        "link_entity": _s(),  # HSDS 3.0; in the UK schema only "tabular_required"
        "value": _s(),
        "label": _s(),
        "taxonomy_term": _obj(TAXONOMY_TERM),
    },
    required=("id",),
    strict_required=("link_id", "link_type", "taxonomy_term"),
)
_ATTRIBUTES: Final = _arr(ATTRIBUTE)

ADDRESS: Final = ObjectSpec(
    "address",
    {
        "id": _s("uuid"),
        "location_id": _s("uuid"),
        "attention": _s(),
        "address_1": _s(),
        "address_2": _s(),  # HSDS 3.0
        "city": _s(),
        "region": _s(),
        "state_province": _s(),
        "postal_code": _s(),
        "country": _s(),
        "address_type": Field("string", enum=ADDRESS_TYPE),
        "attributes": _ATTRIBUTES,
    },
    required=("id", "address_1", "city", "state_province", "postal_code", "country", "address_type"),
)

ACCESSIBILITY: Final = ObjectSpec(
    "accessibility",
    {
        "id": _s("uuid"),
        "location_id": _s("uuid"),
        "description": _s(),
        "details": _s(),
        "url": _s("uri"),
        "attributes": _ATTRIBUTES,
    },
    required=("id",),
)

PHONE: Final = ObjectSpec(
    "phone",
    {"id": _s("uuid"), "number": _s(), "description": _s(), "contact_id": _s("uuid")},
    required=("id", "number"),  # profile/phone.json @991a5a19 (@6eee0e49 also required url)
    removed=dict.fromkeys(
        (
            "location_id",
            "service_id",
            "organization_id",
            "service_at_location_id",
            "extension",
            "type",
            "attributes",
        )
    ),
)

LOCATION: Final = ObjectSpec(
    "location",
    {
        "id": _s("uuid"),
        "location_type": Field("string", enum=LOCATION_TYPE),
        "name": _s(),
        "description": _s(),
        "latitude": _NUMBER,
        "longitude": _NUMBER,
        "external_identifier": _s(),
        "external_identifier_type": _s(),
        "addresses": _arr(ADDRESS),
        "accessibility": _arr(ACCESSIBILITY),
        "attributes": _ATTRIBUTES,
    },
    required=("id", "location_type"),  # profile/location.json @822a58cd, schema/location.json @991a5a19
    removed={
        "url": None,
        "organization_id": None,
        "alternate_name": None,
        "transportation": None,
        "phones": _arr(PHONE),
        "contacts": None,
        "schedules": None,
        "languages": None,
    },
)

SERVICE_AT_LOCATION: Final = ObjectSpec(
    "service_at_location",
    {"id": _s("uuid"), "service_id": _s("uuid"), "location_id": _s("uuid"), "location": _obj(LOCATION)},
    required=("id",),
)


def _schedule_cross_check(obj: Mapping[str, Any], path: str, strict: bool, out: list[str]) -> None:
    interval = _number(obj.get("interval"))
    if interval is not None and (interval < 1 or not interval.is_integer()):
        out.append(f"{_join(path, 'interval')}: must be a whole number of at least 1")
    if not strict:
        return
    # RFC 5545 rules the ORUK schema only describes in prose (its own example breaks the second one).
    for key in ("byday", "bymonthday", "interval"):
        if key in obj and "freq" not in obj:
            out.append(f"{_join(path, key)}: given without freq")
    if "bymonthday" in obj and obj.get("freq") == "WEEKLY":
        out.append(f"{_join(path, 'bymonthday')}: RFC 5545 forbids BYMONTHDAY when freq is WEEKLY")


SCHEDULE: Final = ObjectSpec(
    "schedule",
    {
        "id": _s("uuid"),
        "service_id": _s("uuid"),
        "service_at_location_id": _s("uuid"),
        "valid_from": _s("date"),
        "valid_to": _s("date"),
        "dtstart": _s("date"),
        "freq": Field("string", enum=SCHEDULE_FREQ),
        "interval": _NUMBER,
        "byday": _s("byday"),
        "bymonthday": _s("bymonthday"),
        "description": _s(),
        "opens_at": _s("time"),
        "closes_at": _s("time"),
        "schedule_link": _s("uri"),
        "attending_type": _s(),
        "notes": _s(),
    },
    required=("id",),
    cross_check=_schedule_cross_check,
)

SERVICE_AREA: Final = ObjectSpec(
    "service_area",
    {
        "id": _s("uuid"),
        "service_id": _s("uuid"),
        "name": _s(),
        "description": _s(),  # HSDS 3.0
        "extent": _s(),
        "extent_type": _s(),
        "uri": _s("uri"),
        "service_area": _s(),
    },
    required=("id",),
)

LANGUAGE: Final = ObjectSpec(
    "language",
    {"id": _s("uuid"), "service_id": _s("uuid"), "phone_id": _s("uuid"), "name": _s(), "code": _s(), "note": _s()},
    required=("id",),
)

ORGANIZATION_IDENTIFIER: Final = ObjectSpec(
    "organization_identifier",
    {
        "id": _s("uuid"),
        "organization_id": _s("uuid"),
        "identifier_scheme": _s(),
        "identifier_type": _s(),
        "identifier": _s(),
        "attributes": _ATTRIBUTES,
    },
    required=("id", "identifier_type", "identifier"),
)

_ORGANIZATION_BASIC_FIELDS: Final = {
    "id": _s("uuid"),
    "name": _s(),
    "description": _s(),
    "email": _s("email"),
    "website": _s("uri"),
    "logo": _s(),
    "uri": _s("uri"),
    "parent_organization_id": _s("uuid"),
}

ORGANIZATION: Final = ObjectSpec(
    "organization",
    {
        **_ORGANIZATION_BASIC_FIELDS,
        "organization_identifiers": _arr(ORGANIZATION_IDENTIFIER),
        "attributes": _ATTRIBUTES,
    },
    required=("id", "name", "description"),
)

# compiled/service_list.json: the organization inside a list item carries one-to-one fields only.
ORGANIZATION_BASIC: Final = ObjectSpec(
    "organization", _ORGANIZATION_BASIC_FIELDS, required=("id", "name", "description")
)

FUNDING: Final = ObjectSpec("funding", {"id": _s("uuid"), "service_id": _s("uuid"), "source": _s()}, required=("id",))

COST_OPTION: Final = ObjectSpec(
    "cost_option",
    {
        "id": _s("uuid"),
        "service_id": _s("uuid"),
        "valid_from": _s("date"),
        "valid_to": _s("date"),
        "option": _s(),
        "amount": _NUMBER,
        "amount_description": _s(),
    },
    required=("id",),
)

CONTACT: Final = ObjectSpec(
    "contact",
    {"id": _s("uuid"), "service_id": _s("uuid"), "name": _s(), "title": _s(), "attributes": _ATTRIBUTES},
    required=("id",),  # profile/contact.json (@6eee0e49 also required url; @7ccc2fc2 had allOf required url)
    removed={
        "organization_id": None,
        "service_at_location_id": None,
        "location_id": None,
        "department": None,
        "email": None,
        "phones": _arr(PHONE),
    },
)

# profile/service.json (@991a5a19 and @6eee0e49 agree): HSDS 3.0 service fields set to null by the UK profile.
SERVICE_REMOVED_FIELDS: Final = (
    "program_id",
    "alternate_name",
    "fees_description",
    "interpretation_services",
    "application_process",
    "wait_time",
    "eligibility_description",
    "licenses",
    "phones",
)


def _service_cross_check(obj: Mapping[str, Any], path: str, strict: bool, out: list[str]) -> None:
    low, high = _number(obj.get("minimum_age")), _number(obj.get("maximum_age"))
    for key, value in (("minimum_age", low), ("maximum_age", high)):
        if value is None:
            continue
        if value < 0:
            out.append(f"{_join(path, key)}: must not be negative")
        if strict and not value.is_integer():
            out.append(f"{_join(path, key)}: expected a whole number of years")
    if low is not None and high is not None and low > high:
        out.append(f"{_join(path, 'minimum_age')}: greater than maximum_age ({low} > {high})")


_SERVICE_ONE_TO_ONE: Final = {
    "id": _s("uuid"),
    "organization_id": _s("uuid"),
    "name": _s(),
    "description": _s(),
    "url": _s("uri"),
    "email": _s("email"),
    "status": Field("string", enum=SERVICE_STATUS),
    "fees": _s(),
    "accreditations": _s(),
    "minimum_age": _NUMBER,
    "maximum_age": _NUMBER,
    "assured_date": _s("date"),
    "assurer_email": _s("email"),
    "alert": _s(),
    "last_modified": _s("date-time"),
}

SERVICE: Final = ObjectSpec(
    "service",
    {
        **_SERVICE_ONE_TO_ONE,
        "schedules": _arr(SCHEDULE),
        "service_areas": _arr(SERVICE_AREA),
        "service_at_locations": _arr(SERVICE_AT_LOCATION),
        "languages": _arr(LANGUAGE),
        "organization": _obj(ORGANIZATION),
        "funding": _arr(FUNDING),
        "cost_options": _arr(COST_OPTION),
        "contacts": _arr(CONTACT),
        "attributes": _ATTRIBUTES,
    },
    required=("id", "name", "status"),
    strict_required=("url",),
    removed={key: (_arr(PHONE) if key == "phones" else None) for key in SERVICE_REMOVED_FIELDS},
    cross_check=_service_cross_check,
)

# compiled/service_list.json: "services that only have one-to-one fields in them" plus the basic organization.
SERVICE_SUMMARY: Final = ObjectSpec(
    "service (list item)",
    {**_SERVICE_ONE_TO_ONE, "organization": _obj(ORGANIZATION_BASIC)},
    required=("id", "name", "status"),
    strict_required=("url",),
    removed=dict.fromkeys(SERVICE_REMOVED_FIELDS),
    cross_check=_service_cross_check,
)

# --------------------------------------------------------------------------------------------------------------
# The generic walker
# --------------------------------------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _number(value: object) -> float | None:
    """The value as a float when it is a JSON number (not a boolean), else None."""
    return float(value) if _is_kind(value, "number") else None  # type: ignore[arg-type]


def _is_kind(value: object, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "number":
        return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    raise ValueError(f"unknown kind {kind!r}")


def _check_value(
    value: object, spec: Field, path: str, strict: bool, parent: Mapping[str, Any], out: list[str]
) -> None:
    if not _is_kind(value, spec.kind):
        out.append(f"{path}: expected {spec.kind}, got {_json_type(value)}")
        return
    if spec.kind == "array":
        assert isinstance(value, list)
        if spec.item is not None:
            for index, item in enumerate(value):
                _check_object(item, spec.item, f"{path}[{index}]", strict, out)
        return
    if spec.kind == "object":
        if spec.item is not None:
            _check_object(value, spec.item, path, strict, out)
        return
    if spec.enum is not None and value not in spec.enum:
        out.append(f"{path}: {value!r} is not one of {', '.join(repr(e) for e in spec.enum)}")
    if spec.fmt is not None and isinstance(value, str) and (strict or spec.fmt not in _STRICT_FORMATS):
        problem = _format_problem(spec.fmt, value, parent)
        if problem:
            out.append(f"{path}: {problem}")


def _check_object(obj: object, spec: ObjectSpec, path: str, strict: bool, out: list[str]) -> None:
    if not isinstance(obj, dict):
        out.append(f"{path or '$'}: expected {spec.name} object, got {_json_type(obj)}")
        return
    for key in spec.required + (spec.strict_required if strict else ()):
        if key not in obj:
            out.append(f"{_join(path, key)}: missing required field of {spec.name}")
    for key, value in obj.items():
        where = _join(path, key)
        if key in spec.removed:
            out.append(f"{where}: removed from {spec.name} by the ORUK profile (HSDS 3.0 field, not in ORUK 3.0)")
            removed_spec = spec.removed[key]
            if removed_spec is not None:
                _check_value(value, removed_spec, where, strict, obj, out)
            continue
        field_spec = spec.fields.get(key)
        if field_spec is None:
            if strict:
                out.append(f"{where}: not a field of the ORUK {spec.name} schema")
            continue
        _check_value(value, field_spec, where, strict, obj, out)
    if spec.cross_check is not None:
        spec.cross_check(obj, path, strict, out)


# --------------------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------------------


def problems_in_service(service: dict[str, Any], *, strict: bool = False) -> list[str]:
    """Check a fully nested ORUK 3.0 service, as returned by ``GET /services/{id}``."""
    out: list[str] = []
    _check_object(service, SERVICE, "", strict, out)
    return out


def problems_in_service_summary(service: dict[str, Any], *, strict: bool = False) -> list[str]:
    """Check one item of ``GET /services``: the UK openapi.json points the Page ``contents`` at
    compiled/service_list.json, a "basic" service with one-to-one fields only (plus its organization's one-to-one
    fields), required id, name, status. A full service passes too; in strict mode its arrays are reported."""
    out: list[str] = []
    _check_object(service, SERVICE_SUMMARY, "", strict, out)
    return out


PAGE_INTEGERS: Final = ("total_items", "total_pages", "page_number", "size")
PAGE_BOOLEANS: Final = ("first_page", "last_page", "empty")


def _prefixed(prefix: str, problem: str) -> str:
    if problem.startswith("$:"):
        return prefix + problem[1:]
    return f"{prefix}.{problem}"


def problems_in_page(
    page: dict[str, Any],
    item_check: Callable[[dict[str, Any]], list[str]] = problems_in_service_summary,
) -> list[str]:
    """Check the HSDS/ORUK ``Page`` wrapper (uk-profile schema/openapi.json ``components.schemas.Page`` plus the
    ``contents`` array each list endpoint adds), its internal consistency, and every item with ``item_check``."""
    out: list[str] = []
    if not isinstance(page, dict):
        return [f"$: expected Page object, got {_json_type(page)}"]
    for key in (*PAGE_INTEGERS, *PAGE_BOOLEANS, "contents"):
        if key not in page:
            out.append(f"{key}: missing from the Page wrapper")
    for key in PAGE_INTEGERS:
        if key in page:
            value = page[key]
            if not isinstance(value, int) or isinstance(value, bool):
                out.append(f"{key}: expected integer, got {_json_type(value)}")
            elif value < 0:
                out.append(f"{key}: must not be negative")
    for key in PAGE_BOOLEANS:
        if key in page and not isinstance(page[key], bool):
            out.append(f"{key}: expected boolean, got {_json_type(page[key])}")
    contents = page.get("contents")
    if "contents" in page and not isinstance(contents, list):
        out.append(f"contents: expected array, got {_json_type(contents)}")
        contents = None

    def integer(key: str) -> int | None:
        value = page.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def boolean(key: str) -> bool | None:
        value = page.get(key)
        return value if isinstance(value, bool) else None

    total_items, total_pages, page_number, size = (integer(key) for key in PAGE_INTEGERS)
    if page_number is not None and page_number < 1:
        out.append(f"page_number: pages are numbered from 1, got {page_number}")
    if contents is not None:
        count = len(contents)
        if boolean("empty") is not None and boolean("empty") != (count == 0):
            out.append(f"empty: is {boolean('empty')} but contents has {count} item(s)")
        if size is not None and size != count:
            out.append(
                f"size: is {size} but contents has {count} item(s) (Page.size is 'the number of entities in "
                "the current page')"
            )
        if total_items is not None and count > total_items:
            out.append(f"total_items: is {total_items} but this page alone has {count} item(s)")
    if page_number is not None:
        if boolean("first_page") is not None and boolean("first_page") != (page_number == 1):
            out.append(f"first_page: is {boolean('first_page')} but page_number is {page_number}")
        last_page = boolean("last_page")
        if total_pages is not None and last_page is not None and last_page != (page_number >= total_pages):
            out.append(f"last_page: is {boolean('last_page')} but page_number is {page_number} of {total_pages}")
    if total_items is not None and total_pages is not None and total_items > 0 and total_pages < 1:
        out.append(f"total_pages: is {total_pages} but total_items is {total_items}")
    if contents is not None:
        for index, item in enumerate(contents):
            if not isinstance(item, dict):
                out.append(f"contents[{index}]: expected object, got {_json_type(item)}")
                continue
            out.extend(_prefixed(f"contents[{index}]", problem) for problem in item_check(item))
    return out


def problems_in_root(root: dict[str, Any]) -> list[str]:
    """Check ``GET /``: uk-profile schema/openapi.json (operationId getAPIMetaInformation) returns an object with
    ``version`` ("HSDS version of this API", string), ``profile`` ("URL of the information on the HSDS profile of
    this API", string, format uri) and ``openapi_url`` ("URL of the openapi JSON file which defines this API",
    string, format uri). The schema lists no ``required``; the HSDS API reference says GET / returns all three."""
    if not isinstance(root, dict):
        return [f"$: expected object, got {_json_type(root)}"]
    out: list[str] = []
    for key in ("version", "profile", "openapi_url"):
        if key not in root:
            out.append(f"{key}: missing from the GET / response")
            continue
        value = root[key]
        if not isinstance(value, str):
            out.append(f"{key}: expected string, got {_json_type(value)}")
        elif not value.strip():
            out.append(f"{key}: is empty")
        elif key != "version" and not _is_http_url(value):
            out.append(f"{key}: {value!r} is not an absolute http(s) URL")
    return out


# uk-profile schema/openapi.json, GET /services "parameters", in order. (HSDS 3.0 base instead lists search, page,
# per_page, format, taxonomy_term_id, taxonomy_id, organization_id, modified_after, minimal, full.)
ORUK_SERVICES_QUERY_PARAMETERS: Final = (
    "search",
    "page",
    "per_page",
    "taxonomy_term_id",
    "taxonomy_id",
    "minimum_age",
    "maximum_age",
    "start_time",
    "end_time",
    "day",
)
REQUIRED_PATHS: Final = ("/", "/services", "/services/{id}")


def _resolve(document: Mapping[str, Any], node: object) -> object:
    """Follow local ``$ref`` pointers ("#/components/parameters/page"); None when one cannot be followed."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#") or ref in seen:
            return None
        seen.add(ref)
        target: object = document
        for token in ref[1:].lstrip("/").split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or token not in target:
                return None
            target = target[token]
        node = target
    return node


def _parameters(
    document: Mapping[str, Any], path_item: Mapping[str, Any], where: str, out: list[str]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    operation = path_item.get("get")
    sources: Iterable[object] = [*(path_item.get("parameters") or []), *((operation or {}).get("parameters") or [])]
    for index, raw in enumerate(sources):
        parameter = _resolve(document, raw)
        if not isinstance(parameter, dict):
            out.append(f"{where}.parameters[{index}]: cannot resolve {raw!r}")
            continue
        found.append(parameter)
    return found


def problems_in_openapi(
    document: dict[str, Any], required_parameters: Iterable[str] = ORUK_SERVICES_QUERY_PARAMETERS
) -> list[str]:
    """Minimal check of our OpenAPI 3.x document: GET on ``/``, ``/services`` and ``/services/{id}``, the ORUK
    query parameters on ``/services`` and the ``id`` path parameter on ``/services/{id}``."""
    if not isinstance(document, dict):
        return [f"$: expected object, got {_json_type(document)}"]
    out: list[str] = []
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        out.append(f"openapi: expected an OpenAPI 3.x version string, got {version!r}")
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return [*out, f"paths: expected object, got {_json_type(paths)}"]
    for path in REQUIRED_PATHS:
        item = paths.get(path)
        if not isinstance(item, dict):
            out.append(f"paths.{path}: missing")
        elif not isinstance(item.get("get"), dict):
            out.append(f"paths.{path}.get: missing")
    services = paths.get("/services")
    if isinstance(services, dict) and isinstance(services.get("get"), dict):
        declared = {
            p.get("name") for p in _parameters(document, services, "paths./services", out) if p.get("in") == "query"
        }
        for name in required_parameters:
            if name not in declared:
                out.append(f"paths./services.get.parameters: query parameter {name!r} not declared")
        if "text" in declared:
            out.append("paths./services.get.parameters: 'text' is not an ORUK parameter; full-text search is 'search'")
    by_id = paths.get("/services/{id}")
    if isinstance(by_id, dict) and isinstance(by_id.get("get"), dict):
        path_parameters = [
            p for p in _parameters(document, by_id, "paths./services/{id}", out) if p.get("in") == "path"
        ]
        if not any(p.get("name") == "id" and p.get("required") is True for p in path_parameters):
            out.append("paths./services/{id}: no required path parameter 'id' declared")
    return out


# --------------------------------------------------------------------------------------------------------------
# Self-test: python tests/directory/oruk_schema.py
# --------------------------------------------------------------------------------------------------------------


def _example_service() -> dict[str, Any]:
    org_id = "0b9c2f0e-6a55-4c5e-9a0f-2f4f7d1f9c11"
    service_id = "5d2f7a52-3f0e-4a8a-9d8e-0c6a1f2b3c4d"
    location_id = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    term_id = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
    return {
        "id": service_id,
        "organization_id": org_id,
        "name": "Walk and Talk Group",
        "description": "A weekly guided walk for adults feeling isolated.",
        "url": "https://directory.example.org/services/walk-and-talk",
        "email": "walks@example.org",
        "status": "temporarily closed",
        "alert": "No places at present; new cohort from 2 June.",
        "minimum_age": 18,
        "maximum_age": 99,
        "assured_date": "2024-05-01",
        "last_modified": "2024-05-01T09:30:00.000Z",
        "organization": {
            "id": org_id,
            "name": "Greenway Community Trust",
            "description": "A local charity running outdoor activity groups.",
            "website": "https://greenway.example.org",
            "organization_identifiers": [
                {
                    "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                    "identifier_scheme": "GB-CHC",
                    "identifier_type": "Charity number",
                    "identifier": "1234567",
                }
            ],
        },
        "service_at_locations": [
            {
                "id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
                "service_id": service_id,
                "location_id": location_id,
                "location": {
                    "id": location_id,
                    "location_type": "physical",
                    "name": "Riverside Park gates",
                    "latitude": 52.6309,
                    "longitude": 1.2974,
                    "external_identifier": "100091234567",
                    "external_identifier_type": "UPRN",
                    "addresses": [
                        {
                            "id": "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f",
                            "location_id": location_id,
                            "address_1": "Riverside Road",
                            "city": "Norwich",
                            "state_province": "Norfolk",
                            "postal_code": "NR1 1AA",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "contacts": [{"id": "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a", "service_id": service_id, "name": "Referrals"}],
        "schedules": [
            {
                "id": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
                "service_id": service_id,
                "dtstart": "2024-06-02",
                "freq": "WEEKLY",
                "interval": 1,
                "byday": "TU,TH",
                "opens_at": "10:00",
                "closes_at": "11:30:00Z",
            },
            {"id": "6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c", "freq": "MONTHLY", "byday": "-1FR,2MO"},
        ],
        "attributes": [
            {
                "id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
                "link_id": service_id,
                "link_type": "service",
                "link_entity": "service",
                "taxonomy_term_id": term_id,
                "taxonomy_term": {
                    "id": term_id,
                    "name": "Physical activity",
                    "description": "Social prescribing category: physical activity",
                    "taxonomy": "https://referral-service.example.org/fhir/CodeSystem/service-categories",
                },
            }
        ],
    }


def _broken_service() -> dict[str, Any]:
    service = _example_service()
    del service["name"]
    service["status"] = "open"
    service["minimum_age"] = "18"
    service["last_modified"] = "2024-05-01T09:30:00"  # no offset
    service["eligibility_description"] = "Adults"  # removed by the UK profile
    service["organization"].pop("description")
    location = service["service_at_locations"][0]["location"]
    location["location_type"] = "building"
    location["addresses"][0].pop("postal_code")
    service["schedules"][0]["freq"] = "DAILY"
    service["schedules"][1]["byday"] = "1MON"
    service["contacts"][0]["phones"] = [{"id": "8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e"}]
    service["attributes"][0]["taxonomy_term"].pop("name")
    service["alert"] = None
    return service


def _self_test() -> int:
    failures: list[str] = []

    def expect(label: str, problems: list[str], expected: Iterable[str] = ()) -> None:
        wanted = list(expected)
        if not wanted and problems:
            failures.append(f"{label}: expected no problems, got {problems}")
        for prefix in wanted:
            if not any(p.startswith(prefix) for p in problems):
                failures.append(f"{label}: expected a problem starting {prefix!r}, got {problems}")

    good = _example_service()
    expect("valid service", problems_in_service(good))
    expect("valid service (strict)", problems_in_service(good, strict=True))
    expect("valid service as list item", problems_in_service_summary(good))
    expect(
        "broken service",
        problems_in_service(_broken_service()),
        [
            "name: missing required field",
            "status: 'open' is not one of",
            "minimum_age: expected number, got string",
            "last_modified: not an RFC 3339 date-time",
            "eligibility_description: removed from service",
            "organization.description: missing required field",
            "service_at_locations[0].location.location_type: 'building' is not one of",
            "service_at_locations[0].location.addresses[0].postal_code: missing required field",
            "schedules[0].freq: 'DAILY' is not one of",
            "schedules[1].byday: '1MON' is not an RFC 5545 day",
            "contacts[0].phones: removed from contact",
            "contacts[0].phones[0].number: missing required field",
            "attributes[0].taxonomy_term.name: missing required field",
            "alert: expected string, got null",
        ],
    )
    summary = {k: v for k, v in good.items() if not isinstance(v, list)}
    summary["organization"] = {k: v for k, v in good["organization"].items() if not isinstance(v, list)}
    page = {
        "total_items": 3,
        "total_pages": 2,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
        "contents": [summary, summary],
    }
    expect("valid page", problems_in_page(page))
    expect("valid page (strict items)", problems_in_page(page, lambda s: problems_in_service_summary(s, strict=True)))
    bad_page = {**page, "empty": True, "last_page": True, "size": "2", "contents": [{"id": 1}]}
    expect(
        "broken page",
        problems_in_page(bad_page),
        ["empty: is True", "last_page: is True", "size: expected integer", "contents[0].id: expected string"],
    )
    root = {
        "version": "3.0",
        "profile": "https://openreferraluk.org",
        "openapi_url": "https://directory.example.org/oruk/openapi.json",
    }
    expect("valid root", problems_in_root(root))
    expect("broken root", problems_in_root({"version": 3, "profile": "uk"}), ["version:", "profile:", "openapi_url:"])
    params = {
        name: {"name": name, "in": "query", "schema": {"type": "string"}} for name in ORUK_SERVICES_QUERY_PARAMETERS
    }
    openapi = {
        "openapi": "3.0.3",
        "paths": {
            "/": {"get": {}},
            "/services": {"get": {"parameters": [{"$ref": f"#/components/parameters/{n}"} for n in params]}},
            "/services/{id}": {
                "parameters": [{"in": "path", "name": "id", "required": True, "schema": {"type": "string"}}],
                "get": {},
            },
        },
        "components": {"parameters": params},
    }
    expect("valid openapi", problems_in_openapi(openapi))
    broken_openapi = {
        "openapi": "3.0.3",
        "paths": {"/services": {"get": {"parameters": [{"name": "text", "in": "query"}]}}},
    }
    expect(
        "broken openapi",
        problems_in_openapi(broken_openapi),
        [
            "paths./: missing",
            "paths./services/{id}: missing",
            "paths./services.get.parameters: query parameter 'search'",
        ],
    )

    for failure in failures:
        sys.stderr.write(f"FAIL {failure}\n")
    if not failures:
        sys.stdout.write("oruk_schema self-test: ok\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(_self_test())
