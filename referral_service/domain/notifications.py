"""Notifications: who is told what, on which channel, and the rules that hold whatever the door.

`NotificationKind` is the one list of kinds; `AUDIENCE` says whom each kind is for. A patient kind is
only ever sent with the patient's permission on that channel (`withheld_reason`), checked when it
is queued and again when it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum


class NotificationKind(StrEnum):
    """What a notification is about (`notifications.kind`)."""

    NEW_OFFER = "new-offer"  # a provider's team: a referral is offered to them
    OFFER_DEADLINE = "offer-deadline"  # a provider's team: an offer's deadline is one working day away
    DAILY_DIGEST = "daily-digest"  # a staff member who chose the digest: what waits for them
    NEW_QUEUE_ITEM = "new-queue-item"  # link workers: a referral waits in the queue
    REFERRER_ANSWER = "referrer-answer"  # link workers: a referrer answered a question
    STAFF_EMAIL = "staff-email"  # an address, with the caller's own words (invitations, resets, warnings)
    FIRST_CONTACT = "first-contact"  # a patient: the provider accepted and will call
    DNA_FOLLOW_UP = "dna-follow-up"  # a patient: a session was missed
    SESSION_REMINDER = "session-reminder"  # a patient: a booked session, the day before
    ACCREDITATION_EXPIRY = "accreditation-expiry"  # a provider's team and commissioners: 30 days before it ends
    SELF_REFERRAL = "self-referral"  # a patient: their self-referral is received, and what happens next
    LISTING_PROPOSED = "listing-proposed"  # commissioners of its area: a listing change waits for approval
    LISTING_DECIDED = "listing-decided"  # the provider's team: its proposed change was approved or rejected


class Audience(StrEnum):
    STAFF_USER = "staff-user"
    STAFF_ADDRESS = "staff-address"
    PATIENT = "patient"


AUDIENCE: Mapping[NotificationKind, Audience] = {
    NotificationKind.NEW_OFFER: Audience.STAFF_USER,
    NotificationKind.OFFER_DEADLINE: Audience.STAFF_USER,
    NotificationKind.DAILY_DIGEST: Audience.STAFF_USER,
    NotificationKind.NEW_QUEUE_ITEM: Audience.STAFF_USER,
    NotificationKind.REFERRER_ANSWER: Audience.STAFF_USER,
    NotificationKind.STAFF_EMAIL: Audience.STAFF_ADDRESS,
    NotificationKind.FIRST_CONTACT: Audience.PATIENT,
    NotificationKind.DNA_FOLLOW_UP: Audience.PATIENT,
    NotificationKind.SESSION_REMINDER: Audience.PATIENT,
    NotificationKind.ACCREDITATION_EXPIRY: Audience.STAFF_USER,
    NotificationKind.SELF_REFERRAL: Audience.PATIENT,
    NotificationKind.LISTING_PROPOSED: Audience.STAFF_USER,
    NotificationKind.LISTING_DECIDED: Audience.STAFF_USER,
}


def patient_kinds() -> tuple[NotificationKind, ...]:
    """Every kind sent to patients: the consent rules apply to each."""
    return tuple(kind for kind, audience in AUDIENCE.items() if audience is Audience.PATIENT)


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PORTAL = "portal"  # the in-portal list only


class NotificationState(StrEnum):
    QUEUED = "queued"  # waiting for the sender (or for its next attempt)
    SENDING = "sending"  # claimed by a sender for one attempt
    SENT = "sent"  # handed to Notify or the mail server
    DELIVERED = "delivered"  # Notify's receipt says it arrived
    FAILED = "failed"  # Notify's receipt says it never will (a wrong number, a full inbox)
    PARKED = "parked"  # kept failing, or cannot be sent: for a person
    RECORDED = "recorded"  # no channel configured (the demo), or the portal list: kept, shown, not sent
    WITHHELD = "withheld"  # the patient has not allowed this channel: never sent


STATE_WORDS: Mapping[NotificationState, str] = {
    NotificationState.QUEUED: "Waiting to be sent",
    NotificationState.SENDING: "Being sent",
    NotificationState.SENT: "Sent",
    NotificationState.DELIVERED: "Delivered",
    NotificationState.FAILED: "Not delivered",
    NotificationState.PARKED: "Stopped: needs a person",
    NotificationState.RECORDED: "Recorded (no channel set up)",
    NotificationState.WITHHELD: "Not sent: no permission",
}


KIND_WORDS: Mapping[NotificationKind, str] = {
    NotificationKind.NEW_OFFER: "New offer",
    NotificationKind.OFFER_DEADLINE: "Offer deadline reminder",
    NotificationKind.DAILY_DIGEST: "Daily digest",
    NotificationKind.NEW_QUEUE_ITEM: "New in the link workers' queue",
    NotificationKind.REFERRER_ANSWER: "The referrer answered",
    NotificationKind.STAFF_EMAIL: "Email to staff",
    NotificationKind.FIRST_CONTACT: "First contact",
    NotificationKind.DNA_FOLLOW_UP: "Follow-up after a missed session",
    NotificationKind.SESSION_REMINDER: "Session reminder",
    NotificationKind.ACCREDITATION_EXPIRY: "Accreditation ending soon",
    NotificationKind.SELF_REFERRAL: "Self-referral received",
    NotificationKind.LISTING_PROPOSED: "Listing change to approve",
    NotificationKind.LISTING_DECIDED: "Listing change decided",
}


class Permission(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"


class Delivery(StrEnum):
    """How a staff member wants their emails: each one at once, or one digest a day."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"


PATIENT_CHANNELS = (Channel.SMS, Channel.EMAIL)
MAX_ATTEMPTS = 6
BASE_DELAY = timedelta(seconds=60)
MAX_DELAY = timedelta(hours=6)
SMS_LIMIT = 160


def withheld_reason(
    channel: Channel, permission: Permission | None, address: str | None, *, opted_out: bool
) -> str | None:
    """Why a patient message on `channel` must not be sent, in words; None when it may be."""
    name = "text messages" if channel is Channel.SMS else "email"
    if opted_out:
        return f"the patient opted out of {name}"
    if permission is None:
        return f"no permission recorded for {name}"
    if permission is Permission.REFUSED:
        return f"the patient refused {name}"
    if not address:
        return "no mobile number recorded" if channel is Channel.SMS else "no email address recorded"
    return None


def next_attempt(attempts: int, now: datetime) -> datetime:
    """Exponential back-off after the `attempts`-th failure: 1, 2, 4 … minutes, at most 6 hours."""
    return now + min(BASE_DELAY * (1 << max(attempts - 1, 0)), MAX_DELAY)


def mobile_number(phone: str | None) -> str | None:
    """A UK mobile number as Notify writes it (447700900123), or None when it is not one: a text
    cannot reach a landline. Stored that way, so an SMS reply matches it."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch in "0123456789")
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("07"):
        digits = "44" + digits[1:]
    return digits if len(digits) == 12 and digits.startswith("447") else None
