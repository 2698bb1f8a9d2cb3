"""Why a service on the pathway was not assessed for a patient: the first reason that applies, in
the order `choice.assess` finds them (accreditation, then catchment, then age), counted for the
explanation's `left_out` when there were more than it can name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NOT_ACCREDITED = "not accredited"
OUTSIDE_CATCHMENT = "outside the catchment"
OUTSIDE_AGE = "outside the age range"


@dataclass(frozen=True)
class Standing:
    """What those reasons test of one service on one day: the same for every patient, so it can be
    read once per pathway and day, not per referral."""

    service_id: int
    accredited: bool  # its provider is listed and holds an accreditation valid on the day
    districts: frozenset[str]  # the postcode districts its catchment covers
    min_age: float | None
    max_age: float | None


def reason_left_out(service: Standing, *, district: str | None, age: float | None) -> str | None:
    """The first reason the service cannot take the patient (each test only when the patient's
    district or age is known), or None when it could."""
    if not service.accredited:
        return NOT_ACCREDITED
    if district is not None and district not in service.districts:
        return OUTSIDE_CATCHMENT
    if age is not None and (
        (service.min_age is not None and service.min_age > age)
        or (service.max_age is not None and service.max_age < age)
    ):
        return OUTSIDE_AGE
    return None


def left_out_by_reason(
    standing: Iterable[Standing], *, district: str | None, age: float | None, shown: Sequence[int]
) -> dict[str, int]:
    """The services that cannot take the patient, other than those `shown`, counted by reason."""
    hidden = set(shown)
    reasons = (
        reason_left_out(service, district=district, age=age) for service in standing if service.service_id not in hidden
    )
    return dict(Counter(reason for reason in reasons if reason is not None))
