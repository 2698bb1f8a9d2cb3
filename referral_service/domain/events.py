"""What happens to a referral, as the entries of its history, and what each entry means.

`EVENTS` is the one table: for each event type, the message the referrer receives (when the
change is material to them) and how the reports read it. The outbox, the message renderer, the
report read model and the synthetic history all derive from it, so a new material event is one
entry here plus the service function that records it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class EventType(StrEnum):
    """An entry in a referral's history (`referral_events.event_type`)."""

    RECEIVED = "received"
    OFFERED = "offered"
    WAITLISTED = "waitlisted"
    TO_LINK_WORKER = "to-link-worker"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # a provider declined its offer: the referral is triaged again
    OFFER_EXPIRED = "offer-expired"
    CLOSED = "closed"  # a link worker closed a referral no service can take
    INFORMATION_REQUESTED = "information-requested"
    CONTACT_ATTEMPT = "contact-attempt"  # did not reach the patient: the Task stays where it is
    CONTACT = "contact"
    ATTEND = "attend"
    DNA = "dna"
    SESSION_CANCELLED = "session-cancelled"
    SESSION_BOOKED = "session-booked"  # into a class occurrence or a programme start: the referrer is not told
    BOOKING_CANCELLED = "booking-cancelled"
    SESSION_CORRECTED = "session-corrected"  # a register line changed, with a reason (detail: from, to)
    OUTCOME_MEASURED = "outcome-measured"
    COMPLETE = "complete"
    DROP_OUT = "drop-out"
    CANCELLED = "cancelled"
    CANCELLED_BY_REFERRER = "cancelled-by-referrer"
    CANCELLED_BY_PROVIDER = "cancelled-by-provider"
    UPDATED_BY_REFERRER = "updated-by-referrer"  # an `update` message with new facts
    ANSWERED_BY_REFERRER = "answered-by-referrer"  # the referrer's answer to a link worker's question


class MessageKind(StrEnum):
    """The kind of a message to the referrer (`outbox_messages.message_type`)."""

    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    # also what the referrer hears when a provider declines and no other service is eligible
    SENT_TO_LINK_WORKER = "sent-to-link-worker"
    CLOSED = "closed"  # a link worker closed the referral: no service can take it
    FIRST_ATTENDANCE = "first-attendance"
    DID_NOT_ATTEND = "did-not-attend"
    COMPLETED = "completed"
    DROPPED_OUT = "dropped-out"
    CANCELLED = "cancelled"
    INFORMATION_REQUESTED = "information-requested"


class Attachment(StrEnum):
    """A resource a message carries beside the Task."""

    OUTCOME_REPORT = "outcome-report"  # the feedback document: attendance counts and outcome measures
    INFORMATION_REQUEST = "information-request"  # the link worker's question


class Milestone(StrEnum):
    """What the reports (report_journeys) read an event as."""

    ROUTED_ELIGIBLE = "routed-eligible"  # triage found an eligible service (offered or waiting list)
    ROUTED_TO_LINK_WORKER = "routed-to-link-worker"
    OFFER = "offer"
    ACCEPTANCE = "acceptance"
    DECLINE = "decline"
    EXPIRY = "expiry"
    CONTACT = "contact"
    ATTENDANCE = "attendance"
    MISSED_SESSION = "missed-session"
    COMPLETION = "completion"
    DROP_OUT = "drop-out"
    CANCELLATION = "cancellation"


SOCIAL_PRESCRIBING_REFERRAL = ("871731000000106", "Referral to social prescribing service")
SOCIAL_PRESCRIBING_DECLINED = ("871711000000103", "Social prescribing declined")


@dataclass(frozen=True)
class Message:
    """A message to the referrer: its kind, what it says, and what it carries.

    `activity` is the SNOMED CT (code, display) put in Task.output of a social prescribing referral.
    """

    kind: MessageKind
    narrative: str
    activity: tuple[str, str] | None = None
    attachment: Attachment | None = None


@dataclass(frozen=True)
class EventMeaning:
    """What one event type means beyond the history.

    `message` is sent every time the event happens, `first_message` only the first time (the
    first session attended); `automatic` events are the scheduler's doing in a synthetic history.
    """

    message: Message | None = None
    first_message: Message | None = None
    milestones: frozenset[Milestone] = frozenset()
    automatic: bool = False

    @property
    def material(self) -> bool:
        return self.message is not None or self.first_message is not None


def _m(*milestones: Milestone) -> frozenset[Milestone]:
    return frozenset(milestones)


M, K = Milestone, MessageKind
CANCELLED_MESSAGE = Message(K.CANCELLED, "The referral was cancelled.")

EVENTS: Mapping[EventType, EventMeaning] = {
    EventType.RECEIVED: EventMeaning(),
    EventType.OFFERED: EventMeaning(milestones=_m(M.ROUTED_ELIGIBLE, M.OFFER), automatic=True),
    EventType.WAITLISTED: EventMeaning(
        Message(K.WAITLISTED, "No place is free yet: the patient is on the provider's waiting list."),
        milestones=_m(M.ROUTED_ELIGIBLE),
        automatic=True,
    ),
    EventType.TO_LINK_WORKER: EventMeaning(
        Message(K.SENT_TO_LINK_WORKER, "No service could take the referral as sent; a link worker will review it."),
        milestones=_m(M.ROUTED_TO_LINK_WORKER),
        automatic=True,
    ),
    EventType.ACCEPTED: EventMeaning(
        Message(
            K.ACCEPTED,
            "The provider accepted the referral and will contact the patient.",
            activity=SOCIAL_PRESCRIBING_REFERRAL,
        ),
        milestones=_m(M.ACCEPTANCE),
    ),
    EventType.DECLINED: EventMeaning(milestones=_m(M.DECLINE)),
    EventType.OFFER_EXPIRED: EventMeaning(milestones=_m(M.EXPIRY), automatic=True),
    EventType.CLOSED: EventMeaning(
        Message(K.CLOSED, "No service can take this referral.", activity=SOCIAL_PRESCRIBING_DECLINED)
    ),
    EventType.INFORMATION_REQUESTED: EventMeaning(
        Message(
            K.INFORMATION_REQUESTED,
            "A link worker needs more information before the referral can be placed.",
            attachment=Attachment.INFORMATION_REQUEST,
        )
    ),
    EventType.CONTACT_ATTEMPT: EventMeaning(),
    EventType.CONTACT: EventMeaning(milestones=_m(M.CONTACT)),
    EventType.ATTEND: EventMeaning(
        first_message=Message(K.FIRST_ATTENDANCE, "The patient attended their first session."),
        milestones=_m(M.ATTENDANCE),
    ),
    EventType.DNA: EventMeaning(
        Message(K.DID_NOT_ATTEND, "The patient did not attend a booked session."), milestones=_m(M.MISSED_SESSION)
    ),
    EventType.SESSION_CANCELLED: EventMeaning(),
    EventType.SESSION_BOOKED: EventMeaning(),
    EventType.BOOKING_CANCELLED: EventMeaning(),
    EventType.SESSION_CORRECTED: EventMeaning(),  # the reports re-count from its detail (read_models/journeys)
    EventType.OUTCOME_MEASURED: EventMeaning(),
    EventType.COMPLETE: EventMeaning(
        Message(K.COMPLETED, "The patient completed the programme.", attachment=Attachment.OUTCOME_REPORT),
        milestones=_m(M.COMPLETION),
    ),
    EventType.DROP_OUT: EventMeaning(
        Message(
            K.DROPPED_OUT,
            "The patient started but did not finish the programme.",
            activity=SOCIAL_PRESCRIBING_DECLINED,
        ),
        milestones=_m(M.DROP_OUT),
    ),
    EventType.CANCELLED: EventMeaning(CANCELLED_MESSAGE, milestones=_m(M.CANCELLATION)),
    EventType.CANCELLED_BY_REFERRER: EventMeaning(CANCELLED_MESSAGE, milestones=_m(M.CANCELLATION)),
    EventType.CANCELLED_BY_PROVIDER: EventMeaning(CANCELLED_MESSAGE, milestones=_m(M.CANCELLATION)),
    # The referrer sent these; what triage then does with the referral is what they hear of.
    EventType.UPDATED_BY_REFERRER: EventMeaning(),
    EventType.ANSWERED_BY_REFERRER: EventMeaning(),
}

MESSAGES: Mapping[MessageKind, Message] = {
    message.kind: message
    for meaning in EVENTS.values()
    for message in (meaning.message, meaning.first_message)
    if message is not None
}


def read_as(milestone: Milestone) -> tuple[EventType, ...]:
    """The event types the reports read as `milestone`, in the table's order."""
    return tuple(event for event, meaning in EVENTS.items() if milestone in meaning.milestones)
