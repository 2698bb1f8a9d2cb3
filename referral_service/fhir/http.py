"""FHIR over HTTP: request headers, bodies, and responses with the right content type."""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import datetime
from typing import Any

from flask import Response, g, request

from referral_service.fhir import resources
from referral_service.fhir.outcomes import FHIR_JSON, FhirError, Issue

MAX_BODY_BYTES = 2 * 1024 * 1024  # a referral is kilobytes; anything near this is not one
ECHO_HEADERS = ("X-Request-Id", "X-Correlation-Id")
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def as_uuid(value: str) -> str | None:
    """The canonical form of a UUID header, or None: only 36-character hyphenated UUIDs are taken."""
    if not UUID_TEXT.fullmatch(value):
        return None
    return str(uuid.UUID(value))


def _uuid_header(name: str, *, required: bool) -> str | None:
    value = request.headers.get(name)
    if not value:
        if required:
            raise FhirError.one(400, "required", f"the {name} header is required (a UUID)", f"header.{name}")
        return None
    found = as_uuid(value)
    if found is None:
        raise FhirError.one(400, "value", f"the {name} header must be a UUID", f"header.{name}")
    return found


def check_message_headers() -> None:
    """X-Request-Id and X-Correlation-Id, when sent on any call, are UUIDs (BaRS): else a 400."""
    for name in ECHO_HEADERS:
        _uuid_header(name, required=False)


def message_ids(*, required: bool) -> tuple[str, str]:
    """X-Request-Id and X-Correlation-Id; generated when optional and absent (plain REST calls)."""
    request_id = _uuid_header("X-Request-Id", required=required) or str(uuid.uuid4())
    correlation_id = _uuid_header("X-Correlation-Id", required=required) or request_id
    g.fhir_request_id, g.fhir_correlation_id = request_id, correlation_id
    return request_id, correlation_id


def read_body(*, array: bool = False) -> bytes:
    """The raw JSON body, refused early (and clearly) when it is missing, too large or not JSON.

    The bytes are what gets stored; they are parsed once, by fhir.resources, after this check.
    """
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise FhirError.one(413, "too-costly", f"the body is larger than {MAX_BODY_BYTES} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise FhirError.one(413, "too-costly", f"the body is larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        raise FhirError.one(400, "required", "the request has no body; send a FHIR resource as JSON")
    if raw.lstrip()[:1] not in ((b"{", b"[") if array else (b"{",)):
        raise FhirError.one(400, "structure", "the body is not a JSON object")
    return raw


MAX_DEPTH = 64  # FHIR documents nest a dozen levels; far deeper is an attack or a bug
MAX_STRING = 1024 * 1024  # FHIR R4: strings SHALL NOT exceed 1 MB
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def load_json_value(raw: bytes) -> Any:
    """The body as JSON: UTF-8 only, parsed once here, then validated as FHIR from the result.

    Refused before any FHIR validation: other encodings, nesting deeper than FHIR ever needs
    (validators recurse per level), strings over FHIR's 1 MB limit, and control characters FHIR
    strings must not carry (PostgreSQL text cannot even store NUL).
    """
    infinite: list[str] = []  # number literals too large for a float: JSON has no infinity

    def number(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            infinite.append(literal)
        return value

    try:
        text = raw.decode("utf-8")
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=number)
    except UnicodeDecodeError:
        raise FhirError.one(400, "structure", "the body is not UTF-8 encoded") from None
    except (ValueError, RecursionError):
        raise FhirError.one(400, "structure", "the body is not valid JSON") from None
    # strict JSON refuses raw control characters, and valid UTF-8 holds no lone surrogate, so only a
    # \u escape can bring either in; and no string is over FHIR's limit in a shorter text: without
    # either, strings need no checks at all
    strings = "\\u" in text or len(text) > MAX_STRING
    if infinite or not _plainly_sound(document, strings=strings):
        _check_values(document)
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python reads them, JSON (and PostgreSQL) does not


def load_json(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object (a FHIR resource)."""
    document = load_json_value(raw)
    if not isinstance(document, dict):
        raise FhirError.one(400, "structure", "the body is not a JSON object")
    return document


def _plainly_sound(document: Any, *, strings: bool) -> bool:
    """The quick walk every body gets: containers only (numbers were checked as they were parsed),
    no element paths built, strings searched only when `strings` says they could be at fault. False
    sends the document to `_check_values`, which finds and names the fault."""
    if type(document) is not dict and type(document) is not list:  # a bare scalar (Task's JSON Patch door)
        return not (strings and type(document) is str and not _sound_string(document))
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if type(value) is dict:
            if "resourceType" in value and type(value["resourceType"]) is not str:
                return False
            if strings and not all(_storable(key) for key in value):
                return False
            children: Any = value.values()
        else:
            children = value
        if children and depth + 1 >= MAX_DEPTH:
            return False
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif strings and kind is str and not _sound_string(child):
                return False
    return True


def _sound_string(value: str) -> bool:
    """Within FHIR's length, free of control characters, and storable: what `_check_values` asks of a string."""
    return len(value) <= MAX_STRING and not CONTROL_CHARACTERS.search(value) and _storable(value)


def _check_values(document: Any) -> None:
    """One iterative walk (no recursion, so no depth can crash it) over every value; the element
    path is spelt out only for the value at fault."""
    root = document.get("resourceType") if isinstance(document, dict) else None
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if len(path) >= MAX_DEPTH:
            raise FhirError.one(
                400, "structure", f"the document nests deeper than {MAX_DEPTH} levels", _path(root, path)
            )
        if isinstance(value, dict):
            if "resourceType" in value and not isinstance(value["resourceType"], str):
                raise FhirError.one(
                    400, "structure", "resourceType must be a string", _path(root, (*path, "resourceType"))
                )
            for key in value:
                if not _storable(key):
                    raise FhirError.one(400, "structure", "an element name is not valid text", _path(root, path))
            stack.extend((child, (*path, key)) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(value))
        elif isinstance(value, str):
            if len(value) > MAX_STRING:
                raise FhirError.one(400, "too-long", "a string longer than FHIR's 1 MB limit", _path(root, path))
            if CONTROL_CHARACTERS.search(value):
                raise FhirError.one(
                    400, "value", "a string holds control characters FHIR does not allow", _path(root, path)
                )
            if not _storable(value):
                raise FhirError.one(
                    400, "value", "a string holds a lone surrogate, not Unicode text", _path(root, path)
                )
        elif isinstance(value, float) and not math.isfinite(value):
            raise FhirError.one(400, "value", "a number too large for a decimal", _path(root, path))


def _storable(text: str) -> bool:
    """Encodable as UTF-8: JSON's \\ud800 escapes decode to lone surrogates, which no database stores."""
    return not LONE_SURROGATE.search(text)


def _path(root: str | None, parts: tuple[str | int, ...]) -> str:
    text = str(root or "$")
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def require_resource_type(document: dict[str, Any], expected: str, *or_else: str) -> None:
    found = document.get("resourceType")
    if found not in (expected, *or_else):
        wanted = " or ".join((expected, *or_else))
        raise FhirError.one(
            400,
            "structure",
            f"expected a {wanted}, got {found!r}" if found else "resourceType is missing",
            "resourceType",
        )


def fhir_response(body: dict[str, Any] | str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    response = Response(text, status=status, content_type=FHIR_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def echo_message_headers(response: Response) -> Response:
    """Echo X-Request-Id and X-Correlation-Id on every /fhir response, errors included (BaRS):
    only a UUID is echoed, so no byte a client sent that failed the check reaches a response."""
    for name in ECHO_HEADERS:
        value = request.headers.get(name)
        if value and as_uuid(value) is not None:
            response.headers[name] = value
    return response


def instant(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace(
        "+00:00", "Z"
    )  # exact, so polling with gt misses nothing and repeats nothing


def prefer_return() -> str:
    """The `Prefer: return=…` the client asked for: representation (default), minimal or OperationOutcome."""
    for part in request.headers.get("Prefer", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "return" and value in {"minimal", "representation", "OperationOutcome"}:
            return value
    return "representation"


def read_resource(resource_type: str, *or_else: str) -> tuple[bytes, dict[str, Any], Any]:
    """The request's resource (of the type, or one of the others, named): the bytes received, the JSON
    object, and the one FHIR parse of it."""
    raw = read_body()
    document = load_json(raw)
    require_resource_type(document, resource_type, *or_else)
    try:
        model = resources.parse(document)
    except resources.InvalidStructure as error:
        raise FhirError(400, [Issue("structure", p.message, p.path) for p in error.problems]) from None
    return raw, document, model
