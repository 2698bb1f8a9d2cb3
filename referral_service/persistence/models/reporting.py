"""The reports' read side: one summary row per referral, its refresh mark, and the practice-to-PCN lookup.

Reports over a million referrals cannot replay eight million events per page view. The summary
(`report_journeys`) holds what the history says about each referral (milestones, counts, outcome
scores, equity dimensions); it is rebuilt set-wise in SQL for the referrals whose history grew
since the last refresh, so the report queries scan one narrow table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.persistence.base import Base


class ReportJourney(Base):
    __tablename__ = "report_journeys"
    __table_args__ = (
        Index("ix_report_journeys_received_at", "received_at"),
        Index("ix_report_journeys_practice", "practice_id", "received_at"),
        Index("ix_report_journeys_provider", "provider_id", "received_at"),
        Index("ix_report_journeys_service", "service_id", "received_at"),
        Index("ix_report_journeys_pathway", "pathway_code", "received_at"),
        Index("ix_report_journeys_area", "area_id", "received_at"),
        # the few referrals with a gap or a decline, read without scanning the rest
        Index(
            "ix_report_journeys_unmet",
            "received_at",
            sqlite_where=text("unmet_reason IS NOT NULL"),
            postgresql_where=text("unmet_reason IS NOT NULL"),
        ),
        Index(
            "ix_report_journeys_measured",
            "received_at",
            sqlite_where=text("measured"),
            postgresql_where=text("measured"),
        ),
        Index(
            "ix_report_journeys_declined",
            "received_at",
            sqlite_where=text("decline_reason IS NOT NULL"),
            postgresql_where=text("decline_reason IS NOT NULL"),
        ),
    )

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), primary_key=True, autoincrement=False)
    received_at: Mapped[datetime]
    received_month: Mapped[str] = mapped_column(String(7))
    practice_id: Mapped[int]
    provider_id: Mapped[int | None]
    service_id: Mapped[int | None]
    pathway_code: Mapped[str | None] = mapped_column(String(40))
    imd_decile: Mapped[int | None]
    age_band: Mapped[str] = mapped_column(String(12))
    sex: Mapped[str] = mapped_column(String(10))
    ethnic_group: Mapped[str] = mapped_column(String(60))
    route: Mapped[str | None] = mapped_column(String(20))  # eligible | link_worker | no_service
    unmet_reason: Mapped[str | None] = mapped_column(String(20))  # the first gap triage recorded
    unmet_month: Mapped[str | None] = mapped_column(String(7))
    unmet_district: Mapped[str | None] = mapped_column(String(4))
    decline_reason: Mapped[str | None] = mapped_column(String(40))  # the first provider decline's coded reason
    offered: Mapped[bool]
    accepted: Mapped[bool]
    declined: Mapped[bool]
    expired: Mapped[bool]
    patient_declined: Mapped[bool]
    contacted: Mapped[bool]
    attended: Mapped[bool]
    completed: Mapped[bool]
    dropped_out: Mapped[bool]
    cancelled: Mapped[bool]
    sessions_attended: Mapped[int]
    sessions_missed: Mapped[int]
    programme_sessions: Mapped[int | None]
    offer_days: Mapped[int | None]
    contact_days: Mapped[int | None]
    attendance_days: Mapped[int | None]
    response_days: Mapped[int | None]
    swemwbs_start: Mapped[float | None] = mapped_column(Float)
    swemwbs_end: Mapped[float | None] = mapped_column(Float)
    ons4_life_satisfaction_start: Mapped[float | None] = mapped_column(Float)
    ons4_life_satisfaction_end: Mapped[float | None] = mapped_column(Float)
    ons4_worthwhile_start: Mapped[float | None] = mapped_column(Float)
    ons4_worthwhile_end: Mapped[float | None] = mapped_column(Float)
    ons4_happiness_start: Mapped[float | None] = mapped_column(Float)
    ons4_happiness_end: Mapped[float | None] = mapped_column(Float)
    ons4_anxiety_start: Mapped[float | None] = mapped_column(Float)
    ons4_anxiety_end: Mapped[float | None] = mapped_column(Float)
    activity_start: Mapped[float | None] = mapped_column(Float)
    activity_end: Mapped[float | None] = mapped_column(Float)
    measured: Mapped[bool]  # has an end-of-programme outcome measure
    nhs_verified: Mapped[bool]
    ethnicity_recorded: Mapped[bool]
    outcome_returned: Mapped[bool]  # the completion message was delivered to the referrer's system
    area_id: Mapped[int | None]  # the referring practice's area, else the service's (domain.areas)
    source: Mapped[str] = mapped_column(String(4), default="gp", server_default="gp")  # referrals.source: gp | self


class ReportRefresh(Base):
    """How far the summary has read each source table (by id), so a refresh reads only what is new."""

    __tablename__ = "report_refresh"

    id: Mapped[int] = mapped_column(primary_key=True)
    events_through: Mapped[int] = mapped_column(default=0)
    measures_through: Mapped[int] = mapped_column(default=0)
    attempts_through: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime | None]


class PracticePcn(Base):
    """Which Primary Care Network a practice belongs to (NHS Digital ePCN file), for the PCN filter."""

    __tablename__ = "practice_pcns"

    practice_ods: Mapped[str] = mapped_column(String(10), primary_key=True)
    pcn_code: Mapped[str] = mapped_column(String(10), index=True)
    pcn_name: Mapped[str] = mapped_column(String(200))


class PracticeListSize(Base):
    """How many patients are registered with a practice (NHS Digital's list size file), so the
    reports can give referrals per 1,000 registered patients."""

    __tablename__ = "practice_list_sizes"
    __table_args__ = (CheckConstraint("list_size >= 0", name="list_size_not_negative"),)

    practice_ods: Mapped[str] = mapped_column(String(10), primary_key=True)
    list_size: Mapped[int]
