"""The funnel stages, equity dimensions and measures the reports show, each with its definition.

The definitions are printed on the report pages and in docs/reports.md, so what a figure means
is written in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from referral_service.domain.outcomes import IMPROVEMENTS, ONS4_ITEMS


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    definition: str


# Funnel stages, in order; each is a count of referrals received in the period (the denominator).
FUNNEL: tuple[Stage, ...] = (
    Stage("referred", "Referred", "referrals received in the period (event 'received')"),
    Stage(
        "eligible",
        "Eligible",
        "triage found an eligible service: the first routing event was 'offered' or 'waitlisted'",
    ),
    Stage(
        "link_worker",
        "To link worker",
        "the first routing event was 'to-link-worker' for review (missing information, exclusions, risk)",
    ),
    Stage(
        "no_service",
        "No service",
        "sent to a link worker because no service was eligible, or every eligible one was full with no waiting list",
    ),
    Stage("offered", "Offered", "a place was offered to a provider at least once (event 'offered')"),
    Stage("accepted", "Accepted", "a provider accepted the referral (event 'accepted')"),
    Stage("declined", "Declined", "a provider declined at least one offer (event 'declined'); reasons below"),
    Stage("expired", "Expired", "at least one offer passed its answer-by date unanswered (event 'offer-expired')"),
    Stage("contacted", "Contacted", "the provider recorded contact with the patient (event 'contact')"),
    Stage("attended", "First attendance", "the patient attended a first session (event 'attend'): uptake"),
    Stage("half", "50% of sessions", "attended at least half of the service's programme sessions"),
    Stage("three_quarters", "75% of sessions", "attended at least three quarters of the programme sessions"),
    Stage("completed", "Completed", "the provider recorded the programme as completed (event 'complete')"),
)
# Counts shown beside the funnel, not stages of it.
FUNNEL_ALSO: tuple[Stage, ...] = (
    Stage("dropped_out", "Dropped out", "started but stopped before the end (event 'drop-out')"),
    Stage(
        "patient_declined",
        "Patient declined",
        "an offer was declined with reason 'patient declined', or a contact attempt ended with the patient declining",
    ),
    Stage("cancelled", "Cancelled", "cancelled by the referrer or the provider (events 'cancelled*')"),
)
ROUTING = ("eligible", "link_worker", "no_service")  # a partition of 'referred'

WAITS: tuple[Stage, ...] = (
    Stage("offer", "Referral to offer", "days from the referral being received to the first offer of a place"),
    Stage("contact", "Referral to first contact", "days from the referral being received to the provider's contact"),
    Stage("attendance", "Referral to first attendance", "days from the referral being received to the first session"),
    Stage(
        "response", "Provider response", "days from the first offer to the provider's first answer (accept or decline)"
    ),
)
PERCENTILES = (50, 90)


@dataclass(frozen=True)
class OutcomeMeasureDefinition:
    key: str  # the key into outcomes.IMPROVEMENTS
    label: str
    column: str  # the stem of the start/end columns in the summary


OUTCOME_MEASURES: tuple[OutcomeMeasureDefinition, ...] = (
    OutcomeMeasureDefinition("swemwbs", "SWEMWBS (converted score, 7-35)", "swemwbs"),
    *(
        OutcomeMeasureDefinition(f"ons4.{name}", f"ONS4 {name.replace('_', ' ')} (0-10)", f"ons4_{name}")
        for name, _ in ONS4_ITEMS
    ),
    OutcomeMeasureDefinition("activity-minutes", "Activity minutes a week", "activity"),
)
assert all(measure.key in IMPROVEMENTS for measure in OUTCOME_MEASURES)

UNKNOWN = "unknown"

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under 25", 0, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65-74", 65, 74),
    ("75+", 75, None),
)

# NHS ethnic category codes (Data Dictionary) to the ONS 2021 high-level groups.
ETHNIC_GROUPS: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys("ABC", "White"),
        **dict.fromkeys("DEFG", "Mixed or multiple"),
        **dict.fromkeys("HJKLR", "Asian or Asian British"),
        **dict.fromkeys("MNP", "Black, Black British, Caribbean or African"),
        "S": "Other ethnic group",
        "Z": "Not stated",
    }
)
ETHNIC_GROUP_ORDER: tuple[str, ...] = (*dict.fromkeys(ETHNIC_GROUPS.values()), UNKNOWN)
SEXES: tuple[str, ...] = ("female", "male", "other", UNKNOWN)
IMD_QUINTILES: tuple[str, ...] = (
    "Q1 (most deprived)",
    "Q2",
    "Q3",
    "Q4",
    "Q5 (least deprived)",
    UNKNOWN,
)


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    values: tuple[str, ...]


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("imd_quintile", "IMD quintile", IMD_QUINTILES),
    Dimension("age_band", "Age band", (*(band for band, _, _ in AGE_BANDS), UNKNOWN)),
    Dimension("sex", "Sex", SEXES),
    Dimension("ethnic_group", "Ethnic group", ETHNIC_GROUP_ORDER),
)


def imd_quintile(decile: int | None) -> str:
    """IMD decile 1-10 (1 most deprived) to the quintile label; no decile is 'unknown', visibly."""
    if decile is None or not 1 <= decile <= 10:
        return UNKNOWN
    return IMD_QUINTILES[(decile - 1) // 2]


def age_band(age: int | None) -> str:
    if age is None or age < 0:
        return UNKNOWN
    for band, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return band
    return UNKNOWN


def ethnic_group(code: str | None) -> str:
    if not code:
        return UNKNOWN
    return ETHNIC_GROUPS.get(code.strip().upper()[:1], UNKNOWN)


@dataclass(frozen=True)
class ReportFilter:
    """Which referrals a report covers: received from `start` to `end` inclusive, and optional slices."""

    start: date
    end: date
    practice: str | None = None  # ODS code
    pcn: str | None = None  # PCN code
    provider: str | None = None  # directory id (slug)
    service: str | None = None  # directory id (slug)
    pathway: str | None = None  # SNOMED CT code
    area_id: int | None = None  # the reader's area (domain.areas.report_area), never a query argument
    source: str | None = None  # referrals.source: "gp" or "self"

    def as_query(self) -> dict[str, str]:
        """The filter as URL query arguments (the same names the form and CSV links use)."""
        query = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for name in ("practice", "pcn", "provider", "service", "pathway", "source"):
            value = getattr(self, name)
            if value:
                query[name] = value
        return query


# referrals.source values in words, in the order the reports show them
REFERRAL_SOURCES: tuple[tuple[str, str], ...] = (("gp", "GP referrals"), ("self", "Self-referrals"))

# SNOMED CT referral procedures the demo directory's pathways use (domain.md §4.3); others show their code.
PATHWAY_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "390893007": "Referral to physical activity program",
        "871731000000106": "Referral to social prescribing service",
        "837111000000105": "Referral to residential weight management programme",
        "771491000000104": "Referral to local authority weight management programme",
    }
)


def pathway_label(code: str | None) -> str:
    if not code:
        return UNKNOWN
    return f"{PATHWAY_LABELS[code]} ({code})" if code in PATHWAY_LABELS else code
