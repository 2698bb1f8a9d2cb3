"""Queries over notifications: adding once per dedupe key, what is due, claims, receipts, health,
contact permissions, and who on a team is told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral_service.domain.access import UserRole
from referral_service.domain.notifications import Audience, Channel, Delivery, NotificationState
from referral_service.domain.referral import OfferStatus
from referral_service.persistence.models import (
    ContactPermission,
    Notification,
    NotificationSetting,
    Offer,
    PortalUser,
)


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    return or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now)


_LINK_WORKERS = (
    select(PortalUser)
    .where(PortalUser.role == UserRole.LINK_WORKER, PortalUser.is_active.is_(True))
    .order_by(PortalUser.id)
)  # read for every referral triage sends to them: built once


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_once(self, notification: Notification) -> bool:
        """Insert unless one with the same dedupe key exists (checked, then held by the unique key in
        a savepoint, so two transactions racing for one event still make one row)."""
        if self.session.scalar(select(Notification.id).where(Notification.dedupe_key == notification.dedupe_key)):
            return False
        try:
            with self.session.begin_nested():
                self.session.add(notification)
        except IntegrityError:
            return False
        return True

    def exists(self, dedupe_key: str) -> bool:
        return self.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)) is not None

    def by_dedupe_key(self, dedupe_key: str) -> Notification | None:
        return self.session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))

    def by_public_id(self, public_id: str) -> Notification | None:
        return self.session.scalar(select(Notification).where(Notification.public_id == public_id))

    def due_ids(self, now: datetime, limit: int) -> list[int]:
        return list(
            self.session.scalars(
                select(Notification.id)
                .where(
                    Notification.state.in_((NotificationState.QUEUED, NotificationState.SENDING)),
                    Notification.next_attempt_at <= now,
                    _unclaimed(now),
                )
                .order_by(Notification.next_attempt_at, Notification.id)
                .limit(limit)
            )
        )

    def claim(self, notification_id: int, now: datetime) -> Notification | None:
        """Lock one due, unclaimed notification; None when another sender holds or sent it."""
        return self.session.scalar(
            select(Notification)
            .where(
                Notification.id == notification_id,
                Notification.state.in_((NotificationState.QUEUED, NotificationState.SENDING)),
                Notification.next_attempt_at <= now,
                _unclaimed(now),
            )
            .with_for_update(skip_locked=True)
        )

    def for_update(self, notification_id: int) -> Notification | None:
        return self.session.scalar(select(Notification).where(Notification.id == notification_id).with_for_update())

    def awaiting_receipt(self, limit: int) -> list[int]:
        """Sent through Notify and not yet known to be delivered or failed."""
        return list(
            self.session.scalars(
                select(Notification.id)
                .where(Notification.state == NotificationState.SENT, Notification.provider_reference.is_not(None))
                .order_by(Notification.sent_at, Notification.id)
                .limit(limit)
            )
        )

    def for_referral(self, referral_id: int) -> Sequence[Notification]:
        """The messages to this referral's patient (staff notices about it are not among them)."""
        return self.session.scalars(
            select(Notification)
            .where(Notification.referral_id == referral_id, Notification.audience == Audience.PATIENT)
            .order_by(Notification.id)
        ).all()

    def for_user(self, user_id: int, limit: int = 100) -> Sequence[Notification]:
        return self.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.channel == Channel.PORTAL)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        ).all()

    def unread_for_user(self, user_id: int) -> Sequence[Notification]:
        return self.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.channel == Channel.PORTAL,
                Notification.read_at.is_(None),
            )
            .order_by(Notification.created_at, Notification.id)
        ).all()

    def health(self) -> dict[str, Any]:
        counts = {
            str(state): int(count)
            for state, count in self.session.execute(
                select(Notification.state, func.count())
                .where(Notification.channel != Channel.PORTAL)
                .group_by(Notification.state)
            )
        }
        oldest = self.session.scalar(
            select(func.min(Notification.created_at)).where(Notification.state == NotificationState.QUEUED)
        )
        parked = self.session.scalars(
            select(Notification).where(Notification.state == NotificationState.PARKED).order_by(Notification.id)
        ).all()
        return {"counts": counts, "oldest_queued": oldest, "parked": parked}

    def backlog(self) -> tuple[int, datetime | None, int]:
        """Emails and texts waiting (queued or being sent), the oldest of them, and how many are parked."""
        waiting = (NotificationState.QUEUED, NotificationState.SENDING)
        sent_by_a_channel = Notification.channel != Channel.PORTAL
        count, oldest = self.session.execute(
            select(func.count(), func.min(Notification.created_at)).where(
                sent_by_a_channel, Notification.state.in_(waiting)
            )
        ).one()
        parked = self.session.scalar(
            select(func.count()).where(sent_by_a_channel, Notification.state == NotificationState.PARKED)
        )
        return int(count), oldest, int(parked or 0)

    # contact permissions

    def permissions(self, referral_id: int) -> dict[Channel, ContactPermission]:
        rows = self.session.scalars(select(ContactPermission).where(ContactPermission.referral_id == referral_id))
        return {row.channel: row for row in rows}

    def add_permission(self, row: ContactPermission) -> None:
        """Written with the unit of work's next flush (a read of permissions flushes it first)."""
        self.session.add(row)

    def permission_by_token(self, token: str) -> ContactPermission | None:
        return self.session.scalar(select(ContactPermission).where(ContactPermission.opt_out_token == token))

    def sms_permissions_for(self, phone: str) -> Sequence[ContactPermission]:
        return self.session.scalars(
            select(ContactPermission).where(
                ContactPermission.channel == Channel.SMS,
                ContactPermission.address == phone,
                ContactPermission.opted_out_at.is_(None),
            )
        ).all()

    # staff

    def commissioners(self, area_id: int | None) -> Sequence[PortalUser]:
        """The active commissioners who see `area_id` (domain.areas): its own, and those of every area."""
        in_area = or_(PortalUser.area_id.is_(None), PortalUser.area_id == area_id)
        return self.session.scalars(
            select(PortalUser)
            .where(PortalUser.role == UserRole.COMMISSIONER, PortalUser.is_active.is_(True), in_area)
            .order_by(PortalUser.id)
        ).all()

    def team(self, organisation_id: int) -> Sequence[PortalUser]:
        return self.session.scalars(
            select(PortalUser)
            .where(
                PortalUser.organisation_id == organisation_id,
                PortalUser.role == UserRole.PROVIDER,
                PortalUser.is_active.is_(True),
            )
            .order_by(PortalUser.id)
        ).all()

    def link_workers(self) -> Sequence[PortalUser]:
        return self.session.scalars(_LINK_WORKERS).all()

    def user(self, user_id: int) -> PortalUser | None:
        return self.session.get(PortalUser, user_id)

    def setting(self, user_id: int) -> NotificationSetting | None:
        return self.session.get(NotificationSetting, user_id)

    def digest_user_ids(self) -> list[int]:
        return list(
            self.session.scalars(
                select(NotificationSetting.user_id).where(NotificationSetting.delivery == Delivery.DIGEST)
            )
        )

    def add_setting(self, setting: NotificationSetting) -> None:
        self.session.add(setting)

    def offers_due_by(self, before: datetime, limit: int) -> list[Offer]:
        """Open offers whose deadline falls before `before`: the reminder job's candidates."""
        return list(
            self.session.scalars(
                select(Offer)
                .where(Offer.status == OfferStatus.OFFERED, Offer.respond_by <= before)
                .order_by(Offer.respond_by, Offer.id)
                .limit(limit)
            )
        )
