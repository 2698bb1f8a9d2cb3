"""Queries for casework: who held or follows a referral, the portal's search, case notes, the
safeguarding flag and follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from referral_service.domain.events import EventType
from referral_service.domain.lifecycle import BusinessStatus
from referral_service.domain.referral import TaskStatus
from referral_service.persistence.models import (
    CaseNote,
    FollowUp,
    Offer,
    PortalUser,
    Referral,
    ReferralEvent,
    ReferralPatientDetails,
    ReferralTask,
    SafeguardingFlag,
    Service,
    WaitlistEntry,
)

# what only a link worker does: deciding a queued referral makes it theirs to follow
DECISIONS = (EventType.OFFERED.value, EventType.CLOSED.value, EventType.INFORMATION_REQUESTED.value)
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class SearchTerms:
    """What a person typed into the portal's search; every given term must match (AND)."""

    name: str | None = None
    nhs_number: str | None = None
    birth_date: date | None = None
    reference: str | None = None


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching(terms: SearchTerms) -> list[ColumnElement[bool]]:
    details = ReferralPatientDetails
    where: list[ColumnElement[bool]] = []
    for word in (terms.name or "").split():
        pattern = _like(word)
        where.append(
            or_(
                func.lower(details.given_name).like(pattern, escape="\\"),
                func.lower(details.family_name).like(pattern, escape="\\"),
            )
        )
    if terms.nhs_number:
        where.append(details.nhs_number == terms.nhs_number)
    if terms.birth_date:
        where.append(details.birth_date == terms.birth_date)
    if terms.reference:
        where.append(or_(Referral.public_id == terms.reference, Referral.identifier_value == terms.reference))
    return where


class CaseworkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: CaseNote | SafeguardingFlag | FollowUp) -> None:
        self.session.add(row)
        self.session.flush()

    # -- who held a referral, who follows it ---------------------------------------------------

    def _held_by(self, organisation_id: int) -> ColumnElement[bool]:
        offered = select(Offer.referral_id).join(Service, Offer.service_id == Service.id)
        waited = select(WaitlistEntry.referral_id).join(Service, WaitlistEntry.service_id == Service.id)
        return or_(
            ReferralTask.owner_organisation_id == organisation_id,
            Referral.id.in_(offered.where(Service.organisation_id == organisation_id)),
            Referral.id.in_(waited.where(Service.organisation_id == organisation_id)),
        )

    def holders(self, referral_id: int) -> frozenset[int]:
        """Every provider the referral was offered to or waited with (past or present)."""
        offered = select(Service.organisation_id).join(Offer, Offer.service_id == Service.id)
        waited = select(Service.organisation_id).join(WaitlistEntry, WaitlistEntry.service_id == Service.id)
        either = offered.where(Offer.referral_id == referral_id).union(
            waited.where(WaitlistEntry.referral_id == referral_id)
        )
        rows = self.session.scalars(either).all()
        return frozenset(rows)

    def _followed_by(self, user_id: int) -> ColumnElement[bool]:
        decided = select(ReferralEvent.referral_id).where(
            ReferralEvent.actor_id == f"user:{user_id}", ReferralEvent.event_type.in_(DECISIONS)
        )
        owned = select(FollowUp.referral_id).where(FollowUp.owner_user_id == user_id)
        return or_(Referral.id.in_(decided), Referral.id.in_(owned))

    def followers(self, referral_id: int) -> frozenset[int]:
        """The people who decided the referral in the queue, and the owners of its follow-ups."""
        actors = self.session.scalars(
            select(ReferralEvent.actor_id).where(
                ReferralEvent.referral_id == referral_id, ReferralEvent.event_type.in_(DECISIONS)
            )
        ).all()
        owners = self.session.scalars(select(FollowUp.owner_user_id).where(FollowUp.referral_id == referral_id)).all()
        decided = {int(actor[5:]) for actor in actors if actor and actor.startswith("user:") and actor[5:].isdigit()}
        return frozenset(decided | set(owners))

    def _search(self, scope: ColumnElement[bool], terms: SearchTerms | None) -> Sequence[Referral]:
        query = (
            select(Referral)
            .join(ReferralTask, ReferralTask.referral_id == Referral.id)
            .join(ReferralPatientDetails, ReferralPatientDetails.referral_id == Referral.id)
            .where(scope, *(_matching(terms) if terms else []))
        )
        return self.session.scalars(query.order_by(Referral.received_at.desc(), Referral.id).limit(SEARCH_LIMIT)).all()

    def search_held(self, organisation_id: int, terms: SearchTerms) -> Sequence[Referral]:
        """A provider's search: the referrals it holds or held, finished, declined and expired too."""
        return self._search(self._held_by(organisation_id), terms)

    def search_for_link_worker(self, user_id: int, terms: SearchTerms) -> Sequence[Referral]:
        """A link worker's search: the queue and the people they decided or follow."""
        queued = and_(
            ReferralTask.status == TaskStatus.REQUESTED,
            ReferralTask.business_status == BusinessStatus.LINK_WORKER.value,
        )
        return self._search(or_(queued, self._followed_by(user_id)), terms)

    def followed_by(self, user_id: int) -> Sequence[Referral]:
        """A link worker's caseload: the people they placed, closed, asked about, or follow up."""
        return self._search(self._followed_by(user_id), None)

    # -- notes, flags, follow-ups --------------------------------------------------------------

    def notes(self, referral_id: int) -> Sequence[CaseNote]:
        return self.session.scalars(
            select(CaseNote).where(CaseNote.referral_id == referral_id).order_by(CaseNote.written_at, CaseNote.id)
        ).all()

    def note(self, public_id: str) -> CaseNote | None:
        return self.session.scalar(select(CaseNote).where(CaseNote.public_id == public_id))

    def flags(self, referral_id: int) -> Sequence[SafeguardingFlag]:
        return self.session.scalars(
            select(SafeguardingFlag)
            .where(SafeguardingFlag.referral_id == referral_id)
            .order_by(SafeguardingFlag.raised_at, SafeguardingFlag.id)
        ).all()

    def raised_flags(self, referral_ids: Sequence[int]) -> set[int]:
        """Which of these referrals have a safeguarding flag raised now."""
        if not referral_ids:
            return set()
        return set(
            self.session.scalars(
                select(SafeguardingFlag.referral_id).where(
                    SafeguardingFlag.referral_id.in_(referral_ids), SafeguardingFlag.lowered_at.is_(None)
                )
            ).all()
        )

    def follow_ups(self, referral_id: int) -> Sequence[FollowUp]:
        return self.session.scalars(
            select(FollowUp).where(FollowUp.referral_id == referral_id).order_by(FollowUp.due_on, FollowUp.id)
        ).all()

    def follow_up(self, public_id: str) -> FollowUp | None:
        return self.session.scalar(select(FollowUp).where(FollowUp.public_id == public_id))

    def with_follow_ups_of(self, user_id: int) -> Sequence[Referral]:
        """The referrals with a follow-up this person owns and has not done."""
        owned = select(FollowUp.referral_id).where(FollowUp.owner_user_id == user_id, FollowUp.done_at.is_(None))
        return self._search(Referral.id.in_(owned), None)

    def open_follow_ups_of(self, user_id: int) -> Sequence[FollowUp]:
        return self.session.scalars(
            select(FollowUp)
            .where(FollowUp.owner_user_id == user_id, FollowUp.done_at.is_(None))
            .order_by(FollowUp.due_on, FollowUp.id)
        ).all()

    def colleagues(self, user: PortalUser) -> Sequence[PortalUser]:
        """The people who may own a follow-up this user sets: active users of the same organisation
        (for a provider) or the other link workers (link workers have none)."""
        same = (
            PortalUser.organisation_id == user.organisation_id
            if user.organisation_id is not None
            else and_(PortalUser.organisation_id.is_(None), PortalUser.role == user.role)
        )
        return self.session.scalars(
            select(PortalUser).where(same, PortalUser.is_active.is_(true())).order_by(PortalUser.display_name)
        ).all()


__all__ = ["DECISIONS", "CaseworkRepository", "SearchTerms"]
