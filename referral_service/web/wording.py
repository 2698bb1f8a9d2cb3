"""One set of Jinja filters for words and dates, shared by every page (portal, reports, sign-in):
UK dates ("3 December 2026"), dates and times ("3 December 2026 at 10:15am"), ages ("2 days"),
and codes in words (`domain.wording`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta

from flask import Flask, g

from referral_service.domain import wording
from referral_service.domain.clock import utcnow
from referral_service.services.names import directory_names
from referral_service.web.context import unit_of_work


def _names() -> Mapping[str, str]:
    """The directory's names, read once per request and only by a page that shows a stored reason."""
    if "directory_names" not in g:
        with unit_of_work() as uow:
            g.directory_names = directory_names(uow)
    names: Mapping[str, str] = g.directory_names
    return names


def in_words(text: object) -> object:
    """A stored reason in words; numbers and other values pass through untouched."""
    return wording.reword(text, _names()) if isinstance(text, str) else text


def service_name(slug: str | None) -> str:
    return "" if slug is None else _names().get(slug, wording.reword(slug))


def equity_label(value: object) -> object:
    """A report row's label in words where the report model keeps a code ("Q1 (most deprived)")."""
    if isinstance(value, str):
        return wording.EQUITY_WORDS.get(value) or in_words(value)
    return value


def age_of(moment: datetime | None) -> str:
    return "" if moment is None else wording.how_long(utcnow() - moment)


def seconds_age(seconds: float) -> str:
    return wording.how_long(timedelta(seconds=seconds))


def date_or_moment(value: date | datetime | None) -> str:
    return wording.uk_date(value)


LOOKUPS: Mapping[str, Mapping[str, str]] = {
    "fact_words": wording.FACTS,
    "role_words": wording.ROLES,
    "verdict_words": wording.VERDICTS,
    "risk_words": wording.RISK_LEVELS,
    "priority_words": wording.PRIORITIES,
    "unmet_words": wording.UNMET,
    "decline_words": wording.DECLINES,
    "contact_method": wording.CONTACT_METHODS,
    "contact_outcome": wording.CONTACT_OUTCOMES,
    "attendance": wording.ATTENDANCE,
    "measure_name": wording.INSTRUMENTS,
    "timepoint_words": wording.TIMEPOINTS,
    "message_kind": wording.MESSAGE_KINDS,
    "equity_words": wording.EQUITY_WORDS,
    "condition_words": wording.CONDITIONS,
}


def _lookup(mapping: Mapping[str, str]) -> Callable[[object], str]:
    def words(code: object) -> str:
        value = getattr(code, "value", code)
        return wording.words_for(mapping, None if value is None else str(value))

    return words


def stage(business_status: str | None) -> str:
    """A referral with no business status yet is being triaged."""
    return wording.words_for(wording.STAGES, business_status or "triage")


def register_wording(app: Flask) -> None:
    filters = app.jinja_env.filters
    filters.update(
        uk_date=date_or_moment,
        day=date_or_moment,
        uk_day=date_or_moment,
        uk_date_and_time=wording.uk_date_and_time,
        when=wording.uk_date_and_time,
        uk_when=wording.uk_date_and_time,
        age=age_of,
        seconds_age=seconds_age,
        delivery_problem=wording.delivery_problem,
        in_words=in_words,
        service_name=service_name,
        stage=stage,
        equity_label=equity_label,
    )
    for name, mapping in LOOKUPS.items():
        filters[name] = _lookup(mapping)
