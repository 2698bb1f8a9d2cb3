"""Places, offers and waiting lists. Reservations are guarded UPDATEs: they cannot overbook, even
when many transactions race for the last place (PostgreSQL re-checks the WHERE after the lock)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from referral_service.domain.referral import OfferStatus, WaitlistStatus
from referral_service.persistence.models import CapacityPool, Offer, Service, WaitlistEntry


class CapacityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def usable_pools(self, service_id: int, on: date) -> Sequence[CapacityPool]:
        """Open pools a new patient could join: the rolling pool, or intakes that have not started."""
        return self.session.scalars(
            select(CapacityPool)
            .where(
                CapacityPool.service_id == service_id,
                CapacityPool.is_open.is_(True),
                or_(CapacityPool.intake_on.is_(None), CapacityPool.intake_on >= on),
            )
            .order_by(CapacityPool.intake_on)
        ).all()

    def reserve(self, service_id: int, on: date) -> CapacityPool | None:
        """Take one place in the earliest usable pool with room; None when every pool is full."""
        for pool in self.usable_pools(service_id, on):
            result = self.session.execute(
                update(CapacityPool)
                .where(
                    CapacityPool.id == pool.id,
                    CapacityPool.is_open.is_(True),
                    CapacityPool.reserved < CapacityPool.places,
                )
                .values(reserved=CapacityPool.reserved + 1)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                self.session.refresh(pool)
                return pool
        return None

    def release(self, pool_id: int) -> None:
        self.session.execute(
            update(CapacityPool)
            .where(CapacityPool.id == pool_id, CapacityPool.reserved > 0)
            .values(reserved=CapacityPool.reserved - 1)
            .execution_options(synchronize_session=False)
        )

    def room_and_waiting(
        self, service_ids: Sequence[int], on: date
    ) -> tuple[dict[int, tuple[bool, int]], dict[int, int]]:
        """Per service: is there a free place now and how many places in all (for expected waits);
        and how many are waiting. One statement (triage reads both for every referral)."""
        room: dict[int, tuple[bool, int]] = {}
        waiting: dict[int, int] = {}
        for service_id, kind, first, second in self.session.execute(
            _ROOM_AND_WAITING, {"ids": list(service_ids), "on": on}
        ):
            if kind == _WAITING_ROW:
                waiting[service_id] = int(first)
            else:
                room[service_id] = ((first or 0) > 0, int(second or 0))
        return room, waiting

    def waiting_counts(self, service_ids: Sequence[int]) -> dict[int, int]:
        rows = self.session.execute(_WAITING, {"ids": list(service_ids)}).all()
        return {service_id: int(count) for service_id, count in rows}

    def add(self, row: Offer | WaitlistEntry) -> None:
        """Written with the next flush (the transition that goes with it flushes)."""
        self.session.add(row)

    def open_offer(self, referral_id: int) -> Offer | None:
        return self.session.scalar(
            select(Offer).where(Offer.referral_id == referral_id, Offer.status == OfferStatus.OFFERED)
        )

    def held_offer(self, referral_id: int) -> Offer | None:
        """The offer whose place the referral holds: offered, or accepted and not yet released."""
        return self.session.scalar(
            select(Offer).where(
                Offer.referral_id == referral_id,
                Offer.place_released_at.is_(None),
                Offer.status.in_([OfferStatus.OFFERED, OfferStatus.ACCEPTED]),
            )
        )

    def passed_over(self, referral_id: int) -> list[str]:
        """Services that declined this referral or let its offer expire: not to be chosen again."""
        return list(
            self.session.scalars(
                select(Service.slug)
                .join(Offer, Offer.service_id == Service.id)
                .where(Offer.referral_id == referral_id, Offer.status.in_([OfferStatus.DECLINED, OfferStatus.EXPIRED]))
            )
        )

    def waiting_entry(self, referral_id: int) -> WaitlistEntry | None:
        return self.session.scalar(
            select(WaitlistEntry).where(
                WaitlistEntry.referral_id == referral_id, WaitlistEntry.status == WaitlistStatus.WAITING
            )
        )

    def position(self, entry: WaitlistEntry) -> int:
        """1-based place in its queue: priority first, then arrival, then id."""
        ahead = self.session.scalar(
            select(func.count()).where(
                WaitlistEntry.service_id == entry.service_id,
                WaitlistEntry.status == WaitlistStatus.WAITING,
                _ahead_of(entry),
            )
        )
        return int(ahead or 0) + 1

    def waiting_positions(self, referral_ids: Collection[int]) -> dict[int, int]:
        """`position` of each of these referrals' waiting entries, in one statement (a page of polled
        Tasks): by referral id, only for those waiting."""
        if not referral_ids:
            return {}
        entry = aliased(WaitlistEntry)
        ahead = (
            select(func.count())
            .where(
                WaitlistEntry.service_id == entry.service_id,
                WaitlistEntry.status == WaitlistStatus.WAITING,
                _ahead_of(entry),
            )
            .correlate(entry)
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(entry.referral_id, ahead).where(
                entry.referral_id.in_(sorted(referral_ids)), entry.status == WaitlistStatus.WAITING
            )
        )
        return {referral_id: int(count or 0) + 1 for referral_id, count in rows}

    def next_waiting(self, service_id: int) -> WaitlistEntry | None:
        """The head of a queue, locked so two promotions never take the same patient (skipped if taken)."""
        return self.session.scalar(
            select(WaitlistEntry)
            .where(WaitlistEntry.service_id == service_id, WaitlistEntry.status == WaitlistStatus.WAITING)
            .order_by(WaitlistEntry.priority_rank, WaitlistEntry.joined_at, WaitlistEntry.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )

    def due_offer_ids(self, now: datetime, limit: int) -> list[int]:
        return list(
            self.session.scalars(
                select(Offer.id)
                .where(Offer.status == OfferStatus.OFFERED, Offer.respond_by <= now)
                .order_by(Offer.respond_by, Offer.id)
                .limit(limit)
            )
        )

    def open_offers_due_by(self, now: datetime, until: datetime) -> int:
        """How many offers still open must be answered between now and `until`."""
        return int(
            self.session.scalar(
                select(func.count()).where(
                    Offer.status == OfferStatus.OFFERED, Offer.respond_by > now, Offer.respond_by <= until
                )
            )
            or 0
        )

    def claim_due_offer(self, offer_id: int, now: datetime) -> Offer | None:
        """Lock one due offer for this transaction; None if another process holds or handled it."""
        return self.session.scalar(
            select(Offer)
            .where(Offer.id == offer_id, Offer.status == OfferStatus.OFFERED, Offer.respond_by <= now)
            .with_for_update(skip_locked=True)
        )

    def services_with_room_and_queue(self, on: date) -> list[int]:
        """Services whose waiting list is not empty while a usable pool has a free place."""
        has_room = (
            select(CapacityPool.service_id)
            .where(
                CapacityPool.is_open.is_(True),
                CapacityPool.reserved < CapacityPool.places,
                or_(CapacityPool.intake_on.is_(None), CapacityPool.intake_on >= on),
            )
            .distinct()
        )
        return list(
            self.session.scalars(
                select(WaitlistEntry.service_id)
                .where(WaitlistEntry.status == WaitlistStatus.WAITING, WaitlistEntry.service_id.in_(has_room))
                .distinct()
            )
        )


# Triage's capacity reads, built once with bound parameters (issue 19 part d): building the
# statement was a third of their Python time; SQLAlchemy's compiled cache does the rest.
_WAITING_IN = (
    WaitlistEntry.service_id.in_(bindparam("ids", expanding=True)),
    WaitlistEntry.status == WaitlistStatus.WAITING,
)
_WAITING = select(WaitlistEntry.service_id, func.count()).where(*_WAITING_IN).group_by(WaitlistEntry.service_id)
# Per service, one row of its room (free places in its best pool, places in all) and one of the
# people waiting, told apart by the second column: the two reads triage makes, in one statement.
_ROOM_ROW, _WAITING_ROW = 0, 1
_ROOM_AND_WAITING: CompoundSelect[Any] = union_all(
    select(
        CapacityPool.service_id,
        literal_column(str(_ROOM_ROW)),
        func.max(CapacityPool.places - CapacityPool.reserved),
        func.sum(CapacityPool.places),
    )
    .where(
        CapacityPool.service_id.in_(bindparam("ids", expanding=True)),
        CapacityPool.is_open.is_(True),
        or_(CapacityPool.intake_on.is_(None), CapacityPool.intake_on >= bindparam("on", type_=Date())),
    )
    .group_by(CapacityPool.service_id),
    select(WaitlistEntry.service_id, literal_column(str(_WAITING_ROW)), func.count(), null())
    .where(*_WAITING_IN)
    .group_by(WaitlistEntry.service_id),
)


def _ahead_of(entry: Any) -> ColumnElement[bool]:
    """Entries ahead of `entry` in its queue (an entry, or an alias of the table for a page of them):
    priority first, then arrival, then id. `position` and `waiting_positions` share this one rule."""
    return or_(
        WaitlistEntry.priority_rank < entry.priority_rank,
        and_(WaitlistEntry.priority_rank == entry.priority_rank, WaitlistEntry.joined_at < entry.joined_at),
        and_(
            WaitlistEntry.priority_rank == entry.priority_rank,
            WaitlistEntry.joined_at == entry.joined_at,
            WaitlistEntry.id < entry.id,
        ),
    )
