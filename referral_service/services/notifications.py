"""Queueing notifications, in the caller's transaction: the public API for every part of the service.

- `queue_staff_email`: an email to an address, in the caller's words (invitations, password resets,
  accreditation warnings).
- `queue_staff_notice`: a staff member is told of a referral (the portal list, and an email unless
  they chose the digest); only a short reference and a link, never patient data.
- `queue_patient_message`: a patient message of a kind for a referral, on each channel, applying
  consent (withheld, with the reason, when there is none).
- `notify_for_event`: what `transitions` calls for every event recorded.

Each takes a `dedupe_key` (or builds one from the event): the same key never queues twice.
`{base_url}` in a body is replaced by REFERRAL_SERVICE_PUBLIC_URL when it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from referral_service.domain.events import EventType
from referral_service.domain.notification_templates import STAFF_TEMPLATES, render_patient
from referral_service.domain.notifications import (
    AUDIENCE,
    PATIENT_CHANNELS,
    Audience,
    Channel,
    Delivery,
    NotificationKind,
    NotificationState,
    withheld_reason,
)
from referral_service.persistence.models import Notification, PortalUser, Referral, ReferralEvent
from referral_service.persistence.uow import UnitOfWork

K = NotificationKind
UK = ZoneInfo("Europe/London")


def _new(kind: NotificationKind, channel: Channel, dedupe_key: str, now: datetime, **fields: object) -> Notification:
    return Notification(
        kind=kind,
        audience=AUDIENCE[kind],
        channel=channel,
        dedupe_key=dedupe_key[:200],
        state=fields.pop("state", NotificationState.QUEUED),
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
        **fields,
    )


def queue_staff_email(
    uow: UnitOfWork, *, to_address: str, subject: str, body: str, dedupe_key: str, now: datetime
) -> Notification | None:
    """An email to one address; None when `dedupe_key` was queued before (nothing is sent twice)."""
    notification = _new(
        K.STAFF_EMAIL, Channel.EMAIL, dedupe_key, now, recipient=to_address.strip(), subject=subject, body=body
    )
    return notification if uow.notifications.add_once(notification) else None


def queue_staff_notice(
    uow: UnitOfWork,
    user: PortalUser,
    kind: NotificationKind,
    values: dict[str, str],
    *,
    dedupe_key: str,
    now: datetime,
    referral_id: int | None = None,
) -> None:
    """The portal list always; an email too unless the person chose the daily digest."""
    subject, body = STAFF_TEMPLATES[kind].render(values)
    common = {"user_id": user.id, "referral_id": referral_id, "subject": subject, "body": body}
    uow.notifications.add_once(
        _new(kind, Channel.PORTAL, f"{dedupe_key}:portal", now, state=NotificationState.RECORDED, **common)
    )
    setting = uow.notifications.setting(user.id)
    if setting is None or setting.delivery is Delivery.IMMEDIATE:
        uow.notifications.add_once(
            _new(kind, Channel.EMAIL, f"{dedupe_key}:email", now, recipient=user.email, **common)
        )


def queue_patient_message(
    uow: UnitOfWork,
    referral: Referral,
    kind: NotificationKind,
    *,
    dedupe_key: str,
    now: datetime,
    details: Mapping[str, str] | None = None,
) -> list[Notification]:
    """One message per patient channel; each withheld, with the reason in words, unless the patient
    allowed that channel and has not opted out (checked again when it is sent). `details` are the
    kind's own words (a session reminder's `when` and `place`); the service's note is added."""
    if AUDIENCE[kind] is not Audience.PATIENT:
        raise ValueError(f"{kind} is not a patient notification")
    service = uow.directory.service_by_id(referral.task.service_id)
    note = service.reminder_note if service is not None else None
    values = {
        "centre": service.organisation.name if service is not None else "The service",
        "service": service.name if service is not None else "your referral",
        "note": f" {note}" if note else "",
        **(details or {}),
    }
    permissions = uow.notifications.permissions(referral.id)
    queued = []
    for channel in PATIENT_CHANNELS:
        permission = permissions.get(channel)
        values["opt_out_url"] = (
            "{base_url}/notifications/opt-out/" + permission.opt_out_token if permission is not None else ""
        )
        subject, body = render_patient(kind, channel, values)
        reason = withheld_reason(
            channel,
            permission.permission if permission else None,
            permission.address if permission else None,
            opted_out=permission is not None and permission.opted_out_at is not None,
        )
        notification = _new(
            kind,
            channel,
            f"{dedupe_key}:{channel}",
            now,
            referral_id=referral.id,
            recipient=permission.address if permission is not None and reason is None else None,
            subject=subject,
            body=body,
            state=NotificationState.WITHHELD if reason else NotificationState.QUEUED,
            state_reason=reason,
        )
        if uow.notifications.add_once(notification):
            queued.append(notification)
    return queued


def _reference(referral: Referral) -> str:
    return referral.public_id[:8].upper()


def _staff_values(uow: UnitOfWork, referral: Referral, now: datetime) -> dict[str, str]:
    service = uow.directory.service_by_id(referral.task.service_id)
    offer = uow.capacity.open_offer(referral.id)
    return {
        "reference": _reference(referral),
        "service": service.name if service is not None else "",
        "organisation": service.organisation.name if service is not None else "",
        "deadline": uk_date_time(offer.respond_by) if offer is not None else "",
        "link": "{base_url}/portal/referrals/" + referral.public_id,
    }


def uk_date_time(moment: datetime) -> str:
    """Like "3 December 2026 at 5pm", in UK time (a summer deadline at 16:00 UTC is 5pm)."""
    moment = moment.astimezone(UK)
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{moment.day} {moment:%B %Y} at {hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def notify_for_event(uow: UnitOfWork, referral: Referral, event: ReferralEvent, *, now: datetime) -> None:
    """Who hears of this event: the provider's team of an offer, link workers of the queue, the
    patient (with consent) of acceptance and of a missed session."""
    key = f"event:{event.id}"
    # The message's values are read only when someone is there to be told (most intakes: nobody).
    if event.event_type == EventType.OFFERED and referral.task.owner_organisation_id is not None:
        team = uow.notifications.team(referral.task.owner_organisation_id)
        values = _staff_values(uow, referral, now) if team else {}
        for user in team:
            queue_staff_notice(
                uow, user, K.NEW_OFFER, values, dedupe_key=f"{key}:{user.id}", now=now, referral_id=referral.id
            )
    elif event.event_type == EventType.TO_LINK_WORKER:
        link_workers = uow.notifications.link_workers()
        values = _staff_values(uow, referral, now) if link_workers else {}
        for user in link_workers:
            queue_staff_notice(
                uow, user, K.NEW_QUEUE_ITEM, values, dedupe_key=f"{key}:{user.id}", now=now, referral_id=referral.id
            )
    elif event.event_type == EventType.ACCEPTED:
        queue_patient_message(uow, referral, K.FIRST_CONTACT, dedupe_key=key, now=now)
    elif event.event_type == EventType.DNA:
        queue_patient_message(uow, referral, K.DNA_FOLLOW_UP, dedupe_key=key, now=now)


def notify_referrer_answer(uow: UnitOfWork, referral: Referral, *, answer_key: str, now: datetime) -> None:
    """For the FHIR side: a referrer answered a link worker's question (`answer_key` names the answer,
    e.g. the inbound message id, so the same answer never notifies twice)."""
    values = _staff_values(uow, referral, now)
    for user in uow.notifications.link_workers():
        queue_staff_notice(
            uow,
            user,
            K.REFERRER_ANSWER,
            values,
            dedupe_key=f"answer:{answer_key}:{user.id}",
            now=now,
            referral_id=referral.id,
        )
