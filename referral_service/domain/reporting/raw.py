"""Raw aggregates as the read side hands them to the domain: counts and histograms, never people."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CubeRow:
    """Sums over the referrals sharing one combination of equity dimensions."""

    imd_decile: int | None
    age_band: str
    sex: str
    ethnic_group: str
    sums: Mapping[str, float]

    def get(self, measure: str) -> float:
        return self.sums.get(measure) or 0


@dataclass(frozen=True)
class EquityRow:
    """Sums over the referrals sharing one value of one equity dimension (the roll-ups keep them apart)."""

    dimension: str  # a CubeRow field: imd_decile, age_band, sex or ethnic_group
    value: int | str | None
    sums: Mapping[str, float]


@dataclass(frozen=True)
class UnmetRow:
    reason: str
    pathway: str | None
    district: str | None
    month: str
    n: int


@dataclass(frozen=True)
class GroupRow:
    """Counts for one referring practice or one provider, for the comparison tables."""

    name: str
    code: str | None  # the practice's ODS code
    list_size: int | None  # registered patients, where the deployment loaded list sizes
    counts: Mapping[str, int]  # referred, attended, completed, sessions_attended, sessions_missed
    attendance_days: Mapping[int, int]  # days from referral to first session -> referrals


@dataclass(frozen=True)
class RawFigures:
    # by the four equity dimensions jointly; or, when `equity` is given, one row of totals only
    cube: tuple[CubeRow, ...] = ()
    equity: tuple[EquityRow, ...] = ()  # by one equity dimension at a time (the roll-ups)
    # wait key -> {(month received, whole days): referrals}
    waits: Mapping[str, Mapping[tuple[str, int], int]] = field(default_factory=dict)
    declines: Mapping[str, int] = field(default_factory=dict)  # decline reason code -> offers declined
    waiting: Mapping[tuple[str, int], int] = field(default_factory=dict)  # (service, days waiting) -> referrals
    unmet: tuple[UnmetRow, ...] = ()
    backlog: Mapping[str, int] = field(default_factory=dict)  # outbox status -> messages
    outcome_returned: int = 0  # completions whose outcome message the referrer's system has received
    by_practice: tuple[GroupRow, ...] = ()
    by_provider: tuple[GroupRow, ...] = ()
    # ("reminded" | "not-reminded", "attended" | "missed") -> booked sessions on the register
    reminder_effect: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # referral source ("gp" | "self") -> referred, offered, attended, completed
    by_source: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class MonthlyFigures:
    """One provider's (or the area's) counts and wait histograms by month referred ('YYYY-MM')."""

    counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # month -> measure -> count
    waits: Mapping[str, Mapping[tuple[str, int], int]] = field(default_factory=dict)  # as RawFigures.waits
