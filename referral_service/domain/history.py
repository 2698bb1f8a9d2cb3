"""A referral's history in words: one sentence per event type, built from the event table.

The portal shows "Sam Patel at Mersey Vale Leisure recorded a missed session on 3 December 2026",
never an event code. `SAYS` has an entry for every `EventType` (a test walks the enum), so a new
event cannot reach the page as a code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from referral_service.domain.events import EventType
from referral_service.domain.wording import uk_date_and_time

E = EventType

# what whoever did it did, as the rest of a sentence that starts with their name
SAYS: Mapping[EventType, str] = {
    E.RECEIVED: "sent the referral",
    E.OFFERED: "offered a place",
    E.WAITLISTED: "put the patient on a waiting list",
    E.TO_LINK_WORKER: "passed the referral to a link worker, as no service could take it as sent",
    E.ACCEPTED: "accepted the referral",
    E.DECLINED: "declined the offer of a place",
    E.OFFER_EXPIRED: "withdrew the offer, as it was not answered in time",
    E.CLOSED: "closed the referral, as no service can take it",
    E.INFORMATION_REQUESTED: "asked the referrer for more information",
    E.CONTACT_ATTEMPT: "tried to contact the patient but did not reach them",
    E.CONTACT: "contacted the patient",
    E.ATTEND: "recorded a session attended",
    E.DNA: "recorded a missed session",
    E.SESSION_CANCELLED: "recorded a cancelled session",
    E.OUTCOME_MEASURED: "recorded outcome measures",
    E.COMPLETE: "recorded that the patient completed the programme",
    E.DROP_OUT: "recorded that the patient dropped out of the programme",
    E.CANCELLED: "cancelled the referral",
    E.CANCELLED_BY_REFERRER: "cancelled the referral on the referrer's behalf",
    E.CANCELLED_BY_PROVIDER: "cancelled the referral, as the provider",
    E.SESSION_BOOKED: "booked the patient into a session",
    E.BOOKING_CANCELLED: "cancelled a booked session",
    E.SESSION_CORRECTED: "corrected a line of the session register",
    E.UPDATED_BY_REFERRER: "sent new information about the patient",
    E.ANSWERED_BY_REFERRER: "answered the link worker's question",
}


def sentence(event_type: str, who: str, on: datetime) -> str:
    """One history line; an event type this code does not know says so plainly rather than show a code."""
    try:
        did = SAYS[EventType(event_type)]
    except ValueError:
        did = "recorded a step this page cannot describe"
    return f"{who} {did} on {uk_date_and_time(on)}."
