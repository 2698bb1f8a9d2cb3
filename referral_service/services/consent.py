"""Patients' contact permissions per channel: from the referral, recorded by the provider, and
withdrawn by the patient (a reply STOP, the link in an email), honoured at once."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.access import Actor
from referral_service.domain.notifications import (
    PATIENT_CHANNELS,
    Channel,
    NotificationState,
    Permission,
    mobile_number,
)
from referral_service.persistence.models import ContactPermission, Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Right, referral_for
from referral_service.services.errors import Invalid, NotFound

FROM_REFERRAL = "from the referral"


def _address(channel: Channel, phone: str | None, email: str | None) -> str | None:
    if channel is Channel.SMS:
        return mobile_number(phone)
    return email.strip().lower() if email and "@" in email else None


def _set(
    uow: UnitOfWork,
    referral: Referral,
    channel: Channel,
    permission: Permission,
    address: str | None,
    source: str,
    now: datetime,
    *,
    new: bool = False,
) -> ContactPermission:
    row = None if new else uow.notifications.permissions(referral.id).get(channel)
    if row is None:
        row = ContactPermission(
            referral=referral,  # a new referral's row and this one go in the same flush
            channel=channel,
            opt_out_token=secrets.token_urlsafe(32),
            permission=permission,
            address=address,
            source=source,
            recorded_at=now,
        )
        uow.notifications.add_permission(row)
        return row
    row.permission, row.address, row.source, row.recorded_at = permission, address, source, now
    if permission is Permission.ALLOWED:
        row.opted_out_at, row.opted_out_by = None, None  # the patient has said yes again, to the provider
    return row


def store_from_referral(
    uow: UnitOfWork, referral: Referral, consent: bool | None, *, now: datetime, new: bool = False
) -> None:
    """The referral's Consent and Patient.telecom as permissions: none when there is no Consent.
    `new`: the referral was created in this unit of work, so it has no permissions yet to read."""
    if consent is None:
        return
    details = referral.patient_details
    for channel in PATIENT_CHANNELS:
        address = _address(channel, details.phone, details.email)
        permission = Permission.ALLOWED if consent and address else Permission.REFUSED
        if consent and not address:
            continue  # allowed, but nowhere to send: recorded as absent
        _set(uow, referral, channel, permission, address, FROM_REFERRAL, now, new=new)


def store_per_channel(
    uow: UnitOfWork, referral: Referral, allowed: Mapping[Channel, bool], *, source: str, now: datetime
) -> None:
    """The person's own answer for each channel (the self-referral form): allowed only where they
    said yes and gave an address it can reach; a no is recorded as refused."""
    details = referral.patient_details
    for channel, said_yes in allowed.items():
        address = _address(channel, details.phone, details.email)
        permission = Permission.ALLOWED if said_yes and address else Permission.REFUSED
        _set(uow, referral, channel, permission, address if said_yes else None, source, now)


def record_permission(
    uow: UnitOfWork,
    referral_id: str,
    channel_value: str,
    permission_value: str,
    address: str | None,
    *,
    actor: Actor,
    actor_name: str,
    now: datetime,
) -> None:
    """The provider records what the patient said about one channel (and where to reach them)."""
    referral = referral_for(uow, actor, referral_id, right=Right.WORK, action="record-contact-permission", now=now)
    channels = {channel.value: channel for channel in PATIENT_CHANNELS}
    if channel_value not in channels:
        raise Invalid("choose text messages or email", where="channel")
    if permission_value not in {p.value for p in Permission}:
        raise Invalid("say whether the patient agrees", where="permission")
    channel, permission = channels[channel_value], Permission(permission_value)
    normalised = _address(channel, address, address)
    if permission is Permission.ALLOWED and normalised is None:
        raise Invalid(
            "enter a UK mobile number" if channel is Channel.SMS else "enter an email address", where="address"
        )
    _set(uow, referral, channel, permission, normalised, f"recorded by {actor_name}", now)


def _withdraw(uow: UnitOfWork, row: ContactPermission, by: str, now: datetime) -> None:
    row.opted_out_at, row.opted_out_by = now, by
    for notification in uow.notifications.for_referral(row.referral_id):
        if notification.channel is row.channel and notification.state is NotificationState.QUEUED:
            notification.state, notification.updated_at = NotificationState.WITHHELD, now
            notification.state_reason = f"the patient opted out ({by})"


@dataclass(frozen=True)
class OptedOut:
    channel: Channel
    already: bool


def opt_out_by_token(uow: UnitOfWork, token: str, *, now: datetime) -> OptedOut:
    """The one-click link in a patient email: no sign-in, the token is the proof."""
    row = uow.notifications.permission_by_token(token) if token else None
    if row is None:
        raise NotFound("this link is not recognised")
    if row.opted_out_at is not None:
        return OptedOut(row.channel, already=True)
    _withdraw(uow, row, "the link in an email", now)
    return OptedOut(row.channel, already=False)


def opt_out_by_sms(uow: UnitOfWork, phone: str, *, sent_at: datetime, now: datetime) -> int:
    """A reply STOP: every permission for that number recorded before the reply is withdrawn (a
    permission the patient gave again afterwards stands). How many."""
    number = mobile_number(phone)
    rows = [row for row in uow.notifications.sms_permissions_for(number) if row.recorded_at < sent_at] if number else []
    for row in rows:
        _withdraw(uow, row, "a reply STOP", now)
    return len(rows)


@dataclass(frozen=True)
class ChannelPermission:
    channel: Channel
    permission: Permission | None
    has_address: bool
    source: str | None
    recorded_at: datetime | None
    opted_out_at: datetime | None
    opted_out_by: str | None


@dataclass(frozen=True)
class NotificationLine:
    kind: str
    channel: Channel
    state: NotificationState
    reason: str | None
    queued: datetime
    attempts: int


@dataclass(frozen=True)
class ReferralContact:
    permissions: list[ChannelPermission]
    notifications: list[NotificationLine]


def contact_of(uow: UnitOfWork, referral: Referral) -> ReferralContact:
    """What the referral page shows (the caller has reached the referral): each channel's permission
    (and any opt-out), and every message to the patient, with its delivery state (never the address)."""
    rows = uow.notifications.permissions(referral.id)
    permissions = [
        ChannelPermission(
            channel,
            rows[channel].permission if channel in rows else None,
            bool(rows[channel].address) if channel in rows else False,
            rows[channel].source if channel in rows else None,
            rows[channel].recorded_at if channel in rows else None,
            rows[channel].opted_out_at if channel in rows else None,
            rows[channel].opted_out_by if channel in rows else None,
        )
        for channel in PATIENT_CHANNELS
    ]
    lines = [
        NotificationLine(n.kind.value, n.channel, n.state, n.state_reason or n.last_error, n.created_at, n.attempts)
        for n in uow.notifications.for_referral(referral.id)
    ]
    return ReferralContact(permissions, lines)
