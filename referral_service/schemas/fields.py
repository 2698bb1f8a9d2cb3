"""Marshmallow fields for the values the directory files carry."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields

from referral_service.domain.identifiers import is_postcode, is_postcode_district, sctid_problem

SNOMED_SYSTEM = "http://snomed.info/sct"
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")


class StrictSchema(Schema):
    """Unknown keys are errors: a misspelt rule must never be silently ignored."""

    class Meta:
        unknown = RAISE


class YamlDate(fields.Field[date]):
    """A date as YAML gives it (already a date) or as an ISO string."""

    default_error_messages = {"invalid": "Not a valid date; write it as YYYY-MM-DD."}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> date:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.make_error("invalid")


class Slug(fields.String):
    default_error_messages = {
        "slug": "Must be 3-80 characters of lower-case letters, digits and hyphens, e.g. life-leisure-stockport."
    }

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not SLUG_PATTERN.match(text):
            raise self.make_error("slug")
        return text


class SnomedCode(fields.Field[str]):
    """A SNOMED CT concept id, written as a number or a string; checked for form and check digit."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError("A SNOMED CT code must be a number such as 38341003.")
        code = str(value).strip()
        problem = sctid_problem(code)
        if problem:
            raise ValidationError(f"{code} is not a valid SNOMED CT concept id: {problem}.")
        return code


class CodingToken(fields.String):
    """`system|code`, as FHIR search tokens write it; SNOMED CT codes are checked."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        system, sep, code = text.partition("|")
        if not sep or not system or not code:
            raise ValidationError("Write a coded value as system|code, e.g. http://snomed.info/sct|390893007.")
        if system == SNOMED_SYSTEM:
            problem = sctid_problem(code)
            if problem:
                raise ValidationError(f"{code} is not a valid SNOMED CT concept id: {problem}.")
        return f"{system}|{code}"


class PostcodeDistrict(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not is_postcode_district(text):
            raise ValidationError(f"{text!r} is not a postcode district (the first half of a postcode, e.g. SK4).")
        return text


class Postcode(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = " ".join(super()._deserialize(value, attr, data, **kwargs).upper().split())
        if not is_postcode(text):
            raise ValidationError(f"{text!r} is not a UK postcode, e.g. SK1 3TA.")
        if " " not in text:
            text = f"{text[:-3]} {text[-3:]}"
        return text
