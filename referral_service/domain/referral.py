"""The states a referral, its Task, its offers and its waiting-list places can be in."""

from __future__ import annotations

from enum import StrEnum


class ReferralStatus(StrEnum):
    """ServiceRequest.status as the referrer set it (the request, not our work on it)."""

    ACTIVE = "active"
    ON_HOLD = "on-hold"
    REVOKED = "revoked"
    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"


class ReferralSource(StrEnum):
    """Who asked for the referral: a GP practice's system, or the person themselves (the public form)."""

    GP = "gp"
    SELF = "self"


SOURCE_WORDS = {ReferralSource.GP: "GP referral", ReferralSource.SELF: "Self-referral"}


class TaskStatus(StrEnum):
    """Task.status values of the Gravity SDOH referral machine (R4 TaskStatus less ready/received)."""

    DRAFT = "draft"
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class OfferStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    PROMOTED = "promoted"
    REMOVED = "removed"


class Priority(StrEnum):
    """ServiceRequest.priority; waiting lists serve higher priority first, then arrival order."""

    ROUTINE = "routine"
    URGENT = "urgent"
    ASAP = "asap"
    STAT = "stat"


class UnmetDemandReason(StrEnum):
    NO_ELIGIBLE_SERVICE = "no-eligible-service"
    NO_CAPACITY = "no-capacity"
    EXCLUDED = "excluded"
    NEEDS_REVIEW = "needs-review"
