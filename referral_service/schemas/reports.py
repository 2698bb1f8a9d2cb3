"""The report filter as query arguments (`from`, `to`, `practice`, `pcn`, `provider`, `service`, `pathway`,
`source`).

Absent dates mean the last twelve months up to today; every error names the argument at fault and
says what would be accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from referral_service.domain.reporting.definitions import ReportFilter

ODS = validate.Regexp(r"^[A-Z0-9]{3,10}$", error="must be an ODS code (3 to 10 capital letters and digits)")
SLUG = validate.Regexp(
    r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$", error="must be a directory id such as mvl-exercise-referral"
)
SNOMED = validate.Regexp(r"^\d{6,18}$", error="must be a SNOMED CT code (6 to 18 digits)")
LONGEST_PERIOD = timedelta(days=366 * 10)
DATE_ERRORS: dict[str, str | list[Any] | dict[Any, Any]] = {"invalid": "must be a date as YYYY-MM-DD"}
# The reports step back a year and forward a day from these: the ends of the calendar would overflow.
IN_OUR_CALENDAR = validate.Range(date(1900, 1, 1), date(2999, 12, 31), error="must be a date from 1900 to 2999")


class ReportFilterSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # other query arguments (a cache-buster, a tracking tag) are not our business

    start = fields.Date(data_key="from", format="%Y-%m-%d", error_messages=DATE_ERRORS, validate=IN_OUR_CALENDAR)
    end = fields.Date(data_key="to", format="%Y-%m-%d", error_messages=DATE_ERRORS, validate=IN_OUR_CALENDAR)
    practice = fields.String(validate=ODS)
    pcn = fields.String(validate=ODS)
    provider = fields.String(validate=SLUG)
    service = fields.String(validate=SLUG)
    pathway = fields.String(validate=SNOMED)
    source = fields.String(validate=validate.OneOf(["gp", "self"], error="must be gp or self"))

    @validates_schema
    def _period(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError("must not be after 'to'", "from")
        if start and end and end - start > LONGEST_PERIOD:
            raise ValidationError("the period can be at most ten years", "from")


def parse_report_filter(arguments: Mapping[str, str], *, today: date) -> ReportFilter:
    """The filter from query arguments, or ValidationError with a message per argument."""
    cleaned = {key: value.strip() for key, value in arguments.items() if value and value.strip()}
    for key in ("practice", "pcn"):
        if key in cleaned:
            cleaned[key] = cleaned[key].upper()
    data = ReportFilterSchema().load(cleaned)
    end = data.get("end") or today
    start = data.get("start") or min(end, today) - timedelta(days=365)
    if start > end:
        raise ValidationError({"from": ["must not be after 'to'"]})
    return ReportFilter(
        start=start,
        end=end,
        **{key: data.get(key) for key in ("practice", "pcn", "provider", "service", "pathway", "source")},
    )


def describe_errors(error: ValidationError) -> str:
    """One sentence naming each bad argument, for the 400 page."""
    messages = error.messages if isinstance(error.messages, dict) else {"filter": error.messages}
    parts = []
    for name, problems in sorted(messages.items()):
        text = "; ".join(str(p) for p in (problems if isinstance(problems, list) else [problems]))
        parts.append(f"'{name}' {text}" if not re.match(r"^'", text) else text)
    return "The report filter is not right: " + ", ".join(parts) + "."


FIELD_NAMES = {
    "from": "the start date",
    "to": "the end date",
    "practice": "the practice",
    "pcn": "the primary care network",
    "provider": "the provider",
    "service": "the service",
    "pathway": "the pathway",
    "source": "the referral source",
}


def filter_problems(error: ValidationError) -> list[tuple[str, str]]:
    """(form field id, message in words) for each bad argument, in the form's order, for an error summary."""
    messages = error.messages if isinstance(error.messages, dict) else {"from": error.messages}
    problems = []
    for name in (*FIELD_NAMES, *sorted(set(messages) - set(FIELD_NAMES))):
        if name not in messages:
            continue
        found = messages[name]
        text = str(found[0] if isinstance(found, list) and found else found)
        what = FIELD_NAMES.get(name, name)
        if "YYYY-MM-DD" in text or "1900 to 2999" in text:
            text = f"Enter a real date for {what}, for example 1 April 2026"
        elif "after 'to'" in text:
            text = "The end date must be the same as or after the start date"
        elif "ten years" in text:
            text = "The period can be at most ten years"
        else:
            text = f"Choose {what} from the list"
        problems.append((name, text))
    return problems
