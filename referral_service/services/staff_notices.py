"""Staff notifications over time: offer deadline reminders, the daily digest, the in-portal list
and each person's choice of immediate emails or the digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from referral_service.domain.access import Actor
from referral_service.domain.notification_templates import STAFF_TEMPLATES
from referral_service.domain.notifications import Channel, Delivery, NotificationKind, NotificationState
from referral_service.persistence.models import Notification, NotificationSetting
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.calendar import bank_holidays
from referral_service.services.errors import NotFound
from referral_service.services.notifications import _new, _staff_values, queue_staff_notice

LOOK_AHEAD = timedelta(days=21)  # no reminder is set further ahead than this of its deadline


def _working_days_before(moment: datetime, days: int) -> datetime:
    holidays = bank_holidays()
    current, remaining = moment, days
    while remaining > 0:
        current -= timedelta(days=1)
        if current.weekday() < 5 and current.date() not in holidays:
            remaining -= 1
    return current


def offers_to_remind(uow: UnitOfWork, now: datetime) -> list[int]:
    """Open offers whose reminder time (the service's working days before the deadline) has come."""
    due = []
    for offer in uow.notifications.offers_due_by(now + LOOK_AHEAD, 500):
        service = uow.directory.service_by_id(offer.service_id)
        days = service.offer_reminder_days if service is not None else 1
        if offer.respond_by > now >= _working_days_before(offer.respond_by, days):
            due.append(offer.id)
    return due


def remind_offer(uow: UnitOfWork, offer_id: int, *, now: datetime) -> int:
    """Tell the offer's team, once (the dedupe key is the offer): how many people were told."""
    offer = next((o for o in uow.notifications.offers_due_by(now + LOOK_AHEAD, 500) if o.id == offer_id), None)
    if offer is None:
        return 0
    referral = uow.referrals.by_id(offer.referral_id)
    service = uow.directory.service_by_id(offer.service_id)
    if service is None:
        return 0
    values = _staff_values(uow, referral, now)
    told = 0
    for user in uow.notifications.team(service.organisation_id):
        key = f"offer:{offer.public_id}:reminder:{user.id}"
        if uow.notifications.exists(f"{key}:portal"):
            continue
        queue_staff_notice(
            uow, user, NotificationKind.OFFER_DEADLINE, values, dedupe_key=key, now=now, referral_id=referral.id
        )
        told += 1
    return told


@dataclass(frozen=True)
class PortalNotice:
    id: str
    subject: str
    body: str
    created_at: datetime
    read: bool
    referral_id: str | None


def _user_id(actor: Actor) -> int:
    if actor.user_id is None:
        raise NotFound("no such person")
    return actor.user_id


def my_notifications(uow: UnitOfWork, *, actor: Actor) -> list[PortalNotice]:
    """The signed-in person's own list, newest first (no patient data is ever in it)."""
    return [
        PortalNotice(n.public_id, n.subject, n.body, n.created_at, n.read_at is not None, None)
        for n in uow.notifications.for_user(_user_id(actor))
    ]


def mark_read(uow: UnitOfWork, notification_id: str | None, *, actor: Actor, now: datetime) -> int:
    """One of the person's notifications (or, with None, all of them) marked as read."""
    user_id = _user_id(actor)
    marked = 0
    for notification in uow.notifications.unread_for_user(user_id):
        if notification_id is None or notification.public_id == notification_id:
            notification.read_at, notification.updated_at = now, now
            marked += 1
    if (
        notification_id is not None
        and not marked
        and not any(n.public_id == notification_id for n in uow.notifications.for_user(user_id))
    ):
        raise NotFound("no such notification")
    return marked


def delivery_choice(uow: UnitOfWork, *, actor: Actor) -> Delivery:
    setting = uow.notifications.setting(_user_id(actor))
    return setting.delivery if setting is not None else Delivery.IMMEDIATE


def choose_delivery(uow: UnitOfWork, delivery: Delivery, *, actor: Actor, now: datetime) -> None:
    user_id = _user_id(actor)
    setting = uow.notifications.setting(user_id)
    if setting is None:
        uow.notifications.add_setting(NotificationSetting(user_id=user_id, delivery=delivery, updated_at=now))
    else:
        setting.delivery, setting.updated_at = delivery, now


def send_digest(uow: UnitOfWork, user_id: int, *, day: date, now: datetime) -> bool:
    """One email a day to a person who chose the digest: their unread notifications, by subject."""
    setting = uow.notifications.setting(user_id)
    user = uow.notifications.user(user_id)
    if setting is None or setting.delivery is not Delivery.DIGEST or user is None:
        return False
    unread = uow.notifications.unread_for_user(user_id)
    if not unread:
        return False
    lines = "\n".join(f"- {n.subject}" for n in unread)
    subject, body = STAFF_TEMPLATES[NotificationKind.DAILY_DIGEST].render(
        {"count": str(len(unread)), "lines": lines, "link": "{base_url}/portal/notifications"}
    )
    digest: Notification = _new(
        NotificationKind.DAILY_DIGEST,
        Channel.EMAIL,
        f"digest:{user_id}:{day.isoformat()}",
        now,
        user_id=user_id,
        recipient=user.email,
        subject=subject,
        body=body,
        state=NotificationState.QUEUED,
    )
    return uow.notifications.add_once(digest)


def digest_recipients(uow: UnitOfWork) -> list[int]:
    return uow.notifications.digest_user_ids()
