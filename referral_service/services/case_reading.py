"""What the referral page shows beside the lifecycle: its history in words, the case notes with
their corrections, the safeguarding flag, follow-ups, and whether the caller may still act.

Called by `caseload.open_case` after the referral was reached (and audited) for the caller, so it
reads nothing the caller could not already see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from referral_service.domain.access import SELF_REFERRER, Actor, ActorKind
from referral_service.domain.clock import UK_TIME
from referral_service.domain.events import EVENTS, EventType
from referral_service.domain.history import sentence
from referral_service.domain.lifecycle import TERMINAL
from referral_service.persistence.models import CaseNote, Referral, ReferralEvent
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Right, rights_on


@dataclass(frozen=True)
class NoteVersion:
    body: str
    written_at: datetime


@dataclass(frozen=True)
class NoteView:
    """A case note as it reads now, with every earlier version kept beside it (oldest first)."""

    id: str  # the latest version's id: a correction corrects the note as it reads now
    author: str
    mine: bool
    body: str
    written_at: datetime  # first written
    corrected_at: datetime | None
    earlier: list[NoteVersion] = field(default_factory=list)


@dataclass(frozen=True)
class FlagView:
    raised_by: str
    raised_at: datetime
    reason: str
    lowered_by: str | None
    lowered_at: datetime | None
    lowered_reason: str | None


@dataclass(frozen=True)
class FollowUpView:
    id: str
    due_on: date
    owner: str
    set_by: str
    note: str
    done_at: datetime | None
    done_by: str | None


@dataclass(frozen=True)
class Casework:
    history: list[tuple[datetime, str, str | None]]  # when, the sentence, the reason given
    notes: list[NoteView]
    flags: list[FlagView]
    follow_ups: list[FollowUpView]
    may_work: bool
    may_casework: bool
    closed_notice: str | None  # why this referral is read-only for the caller, in words

    @property
    def raised_flag(self) -> FlagView | None:
        return next((flag for flag in reversed(self.flags) if flag.lowered_at is None), None)


class Names:
    """Who did something, in words: 'Sam Patel at Mersey Vale Leisure', 'the referrer's system'."""

    def __init__(self, uow: UnitOfWork, referral: Referral) -> None:
        self.uow, self.referral = uow, referral
        self.known: dict[str, str] = {}

    def of_user(self, user_id: int | None) -> str:
        return self.of(ActorKind.PORTAL_USER, f"user:{user_id}") if user_id is not None else "Someone"

    def of(self, kind: ActorKind, actor_id: str | None) -> str:
        key = f"{kind.value}/{actor_id}"
        if key not in self.known:
            self.known[key] = self._lookup(kind, actor_id)
        return self.known[key]

    def _lookup(self, kind: ActorKind, actor_id: str | None) -> str:
        directory = self.uow.directory
        if kind is ActorKind.SCHEDULER:
            return "The patient themselves" if actor_id == SELF_REFERRER.id else "The referral service"
        if kind is ActorKind.OPERATOR:
            return "An operator of the referral service"
        if kind is ActorKind.PORTAL_USER and actor_id and actor_id.removeprefix("user:").isdigit():
            user = self.uow.access.portal_user(int(actor_id.removeprefix("user:")))
            if user is None:
                return "A portal user"
            organisation = directory.organisation_by_id(user.organisation_id)
            return f"{user.display_name} at {organisation.name}" if organisation else user.display_name
        client = self.uow.access.api_client(actor_id) if kind is ActorKind.API_CLIENT and actor_id else None
        if client is None:
            return "Someone"
        organisation = directory.organisation_by_id(client.organisation_id or self.referral.sender_organisation_id)
        return f"The system of {organisation.name}" if organisation else "The referrer's system"


def _notes(notes: list[CaseNote], names: Names, actor: Actor) -> list[NoteView]:
    versions: dict[int, list[CaseNote]] = {}
    for note in notes:
        versions.setdefault(note.corrects_note_id or note.id, []).append(note)
    shown = []
    for chain in versions.values():
        first, latest = chain[0], chain[-1]
        shown.append(
            NoteView(
                id=latest.public_id,
                author=names.of_user(first.author_user_id),
                mine=first.author_user_id == actor.user_id,
                body=latest.body,
                written_at=first.written_at,
                corrected_at=latest.written_at if len(chain) > 1 else None,
                earlier=[NoteVersion(note.body, note.written_at) for note in chain[:-1]],
            )
        )
    return sorted(shown, key=lambda note: note.written_at, reverse=True)


def _closed_notice(uow: UnitOfWork, referral: Referral, rights: frozenset[Right]) -> str | None:
    task = referral.task
    if task.status in TERMINAL:
        if Right.CASEWORK in rights:
            return "This referral is closed. You can still add case notes and follow-ups."
        return "This referral is closed. You can read it, but nothing more can be recorded on it."
    if Right.WORK not in rights and Right.DECIDE not in rights:
        owner = uow.directory.organisation_by_id(task.owner_organisation_id)
        where = f"with {owner.name}" if owner else "with another service"
        return f"This referral is now {where}. You can read what was recorded while it was with you."
    return None


def _automatic(event_type: str) -> bool:
    try:
        return EVENTS[EventType(event_type)].automatic
    except (ValueError, KeyError):
        return False


def history_in_words(events: list[ReferralEvent], names: Names) -> list[tuple[datetime, str, str | None]]:
    """One sentence per event, its time in UK time (GMT or BST), with the reason given beside it."""
    said = []
    for event in events:
        who = names.of(event.actor_kind, event.actor_id)
        on_behalf = event.actor_kind is ActorKind.API_CLIENT or event.actor_id == SELF_REFERRER.id
        if on_behalf and _automatic(event.event_type):
            who = names.of(ActorKind.SCHEDULER, None)  # triage ran on the sender's request: the service decided
        said.append(
            (event.occurred_at, sentence(event.event_type, who, event.occurred_at.astimezone(UK_TIME)), event.reason)
        )
    return said


def case_extras(uow: UnitOfWork, referral: Referral, actor: Actor) -> Casework:
    names = Names(uow, referral)
    rights = rights_on(uow, actor, referral)
    return Casework(
        history=history_in_words(list(uow.referrals.events(referral)), names),
        notes=_notes(list(uow.casework.notes(referral.id)), names, actor),
        flags=[
            FlagView(
                names.of_user(flag.raised_by_user_id),
                flag.raised_at,
                flag.reason,
                names.of_user(flag.lowered_by_user_id) if flag.lowered_at else None,
                flag.lowered_at,
                flag.lowered_reason,
            )
            for flag in uow.casework.flags(referral.id)
        ],
        follow_ups=[
            FollowUpView(
                row.public_id,
                row.due_on,
                names.of_user(row.owner_user_id),
                names.of_user(row.set_by_user_id),
                row.note,
                row.done_at,
                names.of_user(row.done_by_user_id) if row.done_at else None,
            )
            for row in uow.casework.follow_ups(referral.id)
        ],
        may_work=Right.WORK in rights or Right.DECIDE in rights,
        may_casework=Right.CASEWORK in rights,
        closed_notice=_closed_notice(uow, referral, rights),
    )
