"""The directory's areas file (`areas.yaml` beside the provider files) and the `area:` key that names one.

    areas:
      - id: stockport-north
        name: Stockport North
        practices: [P88001, P88002]   # the practices (ODS codes) in the area

A provider file's `area:` must name an area the file defines; while a directory is read the areas
are set in `area_definitions`, so an unknown area is a problem on the line that names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from referral_service.domain.areas import AreaDefinition
from referral_service.domain.identifiers import is_ods_code
from referral_service.schemas.fields import SLUG_PATTERN, Slug, StrictSchema

AREAS_FILE = "areas.yaml"

# The areas of the directory being read, by id; None when it has no areas file.
area_definitions: ContextVar[Mapping[str, AreaDefinition] | None] = ContextVar("area_definitions", default=None)


class OdsCode(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not is_ods_code(text):
            raise ValidationError(f"{text!r} is not an ODS code (3 to 10 letters and digits, e.g. P88001).")
        return text


class AreaSchema(StrictSchema):
    id = Slug(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    practices = fields.List(OdsCode())

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> AreaDefinition:
        return AreaDefinition(data["id"], data["name"], tuple(dict.fromkeys(data.get("practices") or ())))


class AreasFileSchema(StrictSchema):
    areas = fields.List(fields.Nested(AreaSchema), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _each_once(self, data: Mapping[str, Any], **_: Any) -> None:
        seen: dict[str, str] = {}
        practices: dict[str, str] = {}
        for index, area in enumerate(data.get("areas") or ()):
            if area.slug in seen:
                raise ValidationError({"areas": {index: {"id": [f"{area.slug!r} is defined twice."]}}})
            seen[area.slug] = area.slug
            for code in area.practices:
                if code in practices:
                    message = f"{code} is also in {practices[code]!r}: a practice is in one area."
                    raise ValidationError({"areas": {index: {"practices": [message]}}})
                practices[code] = area.slug

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> tuple[AreaDefinition, ...]:
        return tuple(data["areas"])


class AreaField(fields.Field[AreaDefinition]):
    """`area: <id>`: one of the areas the directory's areas file defines."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> AreaDefinition:
        if not isinstance(value, str) or not SLUG_PATTERN.match(value):
            raise ValidationError("Name an area by its id in areas.yaml, e.g. stockport-north.")
        slug = value
        known = area_definitions.get()
        if not known:
            raise ValidationError(f"There are no areas: define {slug!r} in {AREAS_FILE} beside the provider files.")
        if slug not in known:
            raise ValidationError(f"{slug!r} is not an area in {AREAS_FILE}; it defines {', '.join(sorted(known))}.")
        return known[slug]
