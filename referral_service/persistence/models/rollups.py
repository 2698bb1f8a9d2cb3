"""Roll-ups behind the commissioner report: the summary (`report_journeys`) pre-summed by month and key.

A full report over a million referrals would scan a million summary rows on every page view; the
roll-ups hold the same sums in a few thousand rows: `report_rollups` every count and sum per month
received x area x source x practice x provider x service x pathway (`ROLLUP_KEY`), and, by month,
area and source (`AREA_KEY`: an area's figures, or every area's added up), the equity dimensions one at
a time, day-count histograms of
the waits (so medians and percentiles stay exact; the wait to a first session also by practice and
by provider, for the comparison), and the counts by decline reason and by unmet-demand gap.
The `refresh-reports` tick rebuilds the months whose journeys changed, right after the journeys.

`ROLLUP_KEY` is the one list of key columns: each is a `report_journeys` column of the same name
and type. Those the report's filter slices by (`SLICES`) are left out of the by-month roll-ups; any
other (as the commissioner's area and the referral's source are) is one more name here, and lands in
every roll-up: one column per table in a migration, and one filter in `read_models/rollup_reads.py`
(`key_conditions`, which the summary and the roll-ups share). Area and source cost few rows: a
practice is in one area, and a month's histograms split at most (areas + 1) x 2 ways.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table

from referral_service.domain.reporting.definitions import FUNNEL_ALSO, OUTCOME_MEASURES, ROUTING
from referral_service.persistence.base import Base
from referral_service.persistence.models.reporting import ReportJourney

ROLLUP_KEY: tuple[str, ...] = (
    "received_month",
    "area_id",  # the commissioner's area (domain.areas): an area's reader is answered from the roll-ups
    "source",  # the referral's source (gp | self): the uptake split and the source filter
    "practice_id",
    "provider_id",
    "service_id",
    "pathway_code",
)
SLICES: tuple[str, ...] = ("practice_id", "provider_id", "service_id", "pathway_code")  # what the filter slices by
AREA_KEY: tuple[str, ...] = tuple(name for name in ROLLUP_KEY if name not in SLICES)
assert AREA_KEY[0] == "received_month", "a refresh rebuilds whole months (a referral's month never changes)"

# The counts the report's funnel, sessions and data quality tables sum (read_models/reports.py's cube).
COUNTS: tuple[str, ...] = (
    "referred",
    *ROUTING,
    "offered",
    "accepted",
    "declined",
    "expired",
    "contacted",
    "attended",
    "half",
    "three_quarters",
    "completed",
    *(stage.key for stage in FUNNEL_ALSO),
    "sessions_attended",
    "sessions_missed",
    "nhs_verified",
    "ethnicity_recorded",
    "outcome_returned",
)
# Per outcome instrument: people measured at both ends, how many improved, and their start and end sums.
OUTCOME_COUNTS: tuple[str, ...] = tuple(f"{m.column}_{part}" for m in OUTCOME_MEASURES for part in ("n", "improved"))
OUTCOME_SUMS: tuple[str, ...] = tuple(f"{m.column}_{part}" for m in OUTCOME_MEASURES for part in ("start", "end"))
# The equity tables' measures, by one dimension at a time.
EQUITY_MEASURES: tuple[str, ...] = (
    "referred",
    "offered",
    "attended",
    "completed",
    "sessions_attended",
    "sessions_missed",
    "swemwbs_n",
    "swemwbs_improved",
)
EQUITY_DIMENSIONS: tuple[str, ...] = ("imd_decile", "age_band", "sex", "ethnic_group")  # report_journeys columns


def _key(names: tuple[str, ...]) -> list[Column[object]]:
    journeys = ReportJourney.__table__.c
    return [
        Column("id", Integer, primary_key=True),
        *(Column(name, journeys[name].type, nullable=journeys[name].nullable) for name in names),
    ]


def _month_index(table: str) -> Index:
    return Index(f"ix_{table}_month", "received_month")


report_rollups = Table(
    "report_rollups",
    Base.metadata,
    *_key(ROLLUP_KEY),
    *(Column(name, Integer, nullable=False) for name in (*COUNTS, *OUTCOME_COUNTS)),
    *(Column(name, Float) for name in OUTCOME_SUMS),
    _month_index("report_rollups"),
)

report_equity_rollups = Table(
    "report_equity_rollups",
    Base.metadata,
    *_key(AREA_KEY),
    Column("dimension", String(20), nullable=False),  # the report_journeys column
    Column("value", String(60)),  # its value as text (the IMD decile too); NULL where the journey has none
    *(Column(name, Integer, nullable=False) for name in EQUITY_MEASURES),
    _month_index("report_equity_rollups"),
)

report_wait_rollups = Table(
    "report_wait_rollups",
    Base.metadata,
    *_key(AREA_KEY),
    Column("wait", String(12), nullable=False),  # offer | contact | attendance | response
    Column("grouped_by", String(12), nullable=False),  # all | practice | provider (attendance only)
    Column("group_id", Integer),  # the practice or provider; NULL for all (or not yet with a provider)
    Column("days", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    _month_index("report_wait_rollups"),
)

report_tally_rollups = Table(
    "report_tally_rollups",
    Base.metadata,
    *_key(AREA_KEY),
    Column("tally", String(10), nullable=False),  # decline | unmet
    Column("reason", String(40), nullable=False),
    Column("pathway_code", String(40)),  # unmet only: the referral's pathway
    Column("district", String(4)),  # unmet only: the postcode district of the gap
    Column("month", String(7)),  # unmet only: the month the gap was recorded
    Column("n", Integer, nullable=False),
    _month_index("report_tally_rollups"),
)

ROLLUP_TABLES: tuple[Table, ...] = (report_rollups, report_equity_rollups, report_wait_rollups, report_tally_rollups)
