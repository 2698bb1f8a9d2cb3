"""What each notification says, in plain English. Patient texts stay under 160 characters; staff
emails carry a short reference and a link, never anything that identifies the patient."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from referral_service.domain.notifications import SMS_LIMIT, Channel, NotificationKind

K = NotificationKind


@dataclass(frozen=True)
class Template:
    subject: str
    body: str

    def fields(self) -> set[str]:
        return {name for text in (self.subject, self.body) for _, name, _, _ in string.Formatter().parse(text) if name}

    def render(self, values: Mapping[str, str]) -> tuple[str, str]:
        return self.subject.format_map(values), self.body.format_map(values)


STOP_SMS = " Reply STOP to stop texts."

PATIENT_TEMPLATES: Mapping[tuple[NotificationKind, Channel], Template] = {
    (K.FIRST_CONTACT, Channel.SMS): Template("", "{centre} will call you about {service}." + STOP_SMS),
    (K.FIRST_CONTACT, Channel.EMAIL): Template(
        "{centre} will call you about {service}",
        "Hello,\n\n{centre} has your referral to {service} and will call you soon to arrange your first session.\n\n"
        "You do not need to do anything now.\n\n"
        "If you do not want emails about this referral: {opt_out_url}\n",
    ),
    (K.DNA_FOLLOW_UP, Channel.SMS): Template(
        "", "We missed you at {service}. {centre} will call to rebook." + STOP_SMS
    ),
    (K.DNA_FOLLOW_UP, Channel.EMAIL): Template(
        "We missed you at {service}",
        "Hello,\n\nWe missed you at your {service} session. {centre} will call you to find a time that suits you.\n\n"
        "If you do not want emails about this referral: {opt_out_url}\n",
    ),
    (K.SESSION_REMINDER, Channel.SMS): Template("", "Reminder: {service}, {when}, {place}.{note}" + STOP_SMS),
    (K.SESSION_REMINDER, Channel.EMAIL): Template(
        "Reminder: {service} on {when}",
        "Hello,\n\nThis is a reminder of your {service} session on {when} at {place}.{note}\n\n"
        "If you cannot come, please call {centre} so someone else can have the place.\n\n"
        "If you do not want emails about this referral: {opt_out_url}\n",
    ),
    (K.SELF_REFERRAL, Channel.SMS): Template(
        "", "We have your self-referral, reference {reference}. {next_short}" + STOP_SMS
    ),
    (K.SELF_REFERRAL, Channel.EMAIL): Template(
        "We have your self-referral ({reference})",
        "Hello,\n\nThank you: we have your self-referral, reference {reference}.\n\n{next}\n\n"
        "If you do not want emails about this referral: {opt_out_url}\n",
    ),
}

STAFF_TEMPLATES: Mapping[NotificationKind, Template] = {
    K.NEW_OFFER: Template(
        "New referral offered to {organisation}: {reference}",
        "A referral ({reference}) is offered to {service}. Please accept or decline it by {deadline}.\n\n{link}\n",
    ),
    K.OFFER_DEADLINE: Template(
        "Reminder: referral {reference} needs an answer by {deadline}",
        "The referral {reference}, offered to {service}, needs an answer by {deadline}. If nobody answers it "
        "goes to another provider.\n\n{link}\n",
    ),
    K.NEW_QUEUE_ITEM: Template(
        "A referral waits in the link workers' queue: {reference}",
        "The referral {reference} could not be placed and waits for a link worker.\n\n{link}\n",
    ),
    K.REFERRER_ANSWER: Template(
        "The referrer answered about {reference}",
        "The referrer answered your question about the referral {reference}.\n\n{link}\n",
    ),
    K.DAILY_DIGEST: Template("What waits for you today ({count})", "{lines}\n\n{link}\n"),
    K.ACCREDITATION_EXPIRY: Template(
        "{organisation}: accreditation ends on {valid_until}",
        "The accreditation of {organisation} ({scheme}) ends on {valid_until}. After that day no new referrals "
        "are offered to it until a renewal is approved.\n\nThe provider can upload the renewal certificate "
        "on its Accreditation page:\n\n{link}\n",
    ),
    K.LISTING_PROPOSED: Template(
        "{provider}: a change to {service} waits for approval",
        "{provider} proposes a change to {service} that triage would use:\n\n{changes}\n\n"
        "Nothing changes until it is approved. Read it and approve or reject it:\n\n{link}\n",
    ),
    K.LISTING_DECIDED: Template(
        "{service}: your proposed change was {decision}",
        "Your proposed change to {service} was {decision}.{reason}\n\nYour listing:\n\n{link}\n",
    ),
}


def patient_template(kind: NotificationKind, channel: Channel) -> Template:
    return PATIENT_TEMPLATES[(kind, channel)]


def render_patient(kind: NotificationKind, channel: Channel, values: Mapping[str, str]) -> tuple[str, str]:
    """A patient message in its template's words; a text that would run past one SMS loses the
    service's note, then has its place shortened, so it always goes as one text."""
    template = patient_template(kind, channel)
    subject, body = template.render(values)
    if channel is not Channel.SMS or len(body) <= SMS_LIMIT:
        return subject, body
    shorter = {**values, "note": ""}
    body = template.render(shorter)[1]
    over = len(body) - SMS_LIMIT
    if over > 0 and "place" in shorter:
        place = shorter["place"]
        shorter["place"] = place[: max(len(place) - over - 1, 0)] + "…"
        body = template.render(shorter)[1]
    return subject, body[:SMS_LIMIT]
