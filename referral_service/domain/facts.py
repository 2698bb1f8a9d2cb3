"""What triage knows about a patient: each fact with the date it was true, so staleness is visible."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from referral_service.domain.directory import postcode_district
from referral_service.domain.intake import ConditionEvidence, Measurement


def age_on(born: date | None, on: date) -> int | None:
    """Whole years of age on a day (None without a birth date)."""
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Dated:
    """A measured value and the day it was measured (None: the sender did not say)."""

    value: float | None
    on: date | None
    second: float | None = None  # diastolic, for blood pressure


@dataclass(frozen=True)
class PatientFacts:
    referral_date: date
    birth_date: date | None = None
    sex: str | None = None
    postcode: str | None = None
    pathway: str | None = None  # system|code
    conditions: Mapping[str, date | None] = field(default_factory=dict)  # SNOMED code -> recorded on
    measurements: Mapping[str, Dated] = field(default_factory=dict)  # fact name -> the latest
    preferences: frozenset[str] = frozenset()  # services the referral asks for (ids or names, lower case)
    self_referred: bool = False  # the person referred themselves: only services taking self-referral may take them

    @property
    def age(self) -> int | None:
        """Whole years on the referral date."""
        return age_on(self.birth_date, self.referral_date)

    @property
    def district(self) -> str | None:
        return postcode_district(self.postcode) if self.postcode else None


def latest_measurements(measurements: Iterable[Measurement]) -> dict[str, Dated]:
    """The most recent measurement of each kind; undated ones only when nothing dated exists."""
    latest: dict[str, Dated] = {}
    for measurement in measurements:
        candidate = Dated(measurement.value, measurement.observed_on, measurement.second_value)
        current = latest.get(measurement.kind)
        if current is None or (candidate.on is not None and (current.on is None or candidate.on >= current.on)):
            latest[measurement.kind] = candidate
    return latest


def conditions_by_code(conditions: Iterable[ConditionEvidence]) -> dict[str, date | None]:
    found: dict[str, date | None] = {}
    for condition in conditions:
        known = found.get(condition.code)
        if condition.code not in found or (condition.recorded_on and (known is None or condition.recorded_on > known)):
            found[condition.code] = condition.recorded_on
    return found
