"""Casework beside the lifecycle: case notes (append-only, corrected by a new version), the
safeguarding flag (raised and lowered, each with who, when and why) and follow-ups with a due day
and an owner. Every write reaches the referral through the access module with the CASEWORK right,
so the same rule that guards the referral page guards these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from referral_service.domain.access import Actor
from referral_service.persistence.models import CaseNote, FollowUp, PortalUser, Referral, SafeguardingFlag
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Right, referral_for
from referral_service.services.errors import Conflict, Forbidden, Invalid, NotFound

NOTE_LIMIT = 5000
REASON_LIMIT = 1000


def _text(value: str | None, *, where: str, missing: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(missing, where=where)
    if len(text) > limit:
        raise Invalid(f"keep it to {limit} characters or fewer", where=where)
    return text


def _user(uow: UnitOfWork, actor: Actor) -> PortalUser:
    user = uow.access.portal_user(actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise Forbidden("only a person signed in to the portal does casework")
    return user


def _reached(uow: UnitOfWork, referral_id: str, actor: Actor, action: str, now: datetime) -> Referral:
    return referral_for(uow, actor, referral_id, right=Right.CASEWORK, action=action, now=now)


def check_casework(uow: UnitOfWork, referral_id: str, *, actor: Actor, now: datetime) -> None:
    """NotFound unless the caller may do casework on this referral: a casework form is not even shown
    to someone who could only read the referral."""
    _reached(uow, referral_id, actor, "casework-form", now)


def write_note(uow: UnitOfWork, referral_id: str, body: str | None, *, actor: Actor, now: datetime) -> str:
    """A new case note; its id."""
    text = _text(body, where="body", missing="write the note", limit=NOTE_LIMIT)
    referral = _reached(uow, referral_id, actor, "write-note", now)
    note = CaseNote(referral_id=referral.id, author_user_id=_user(uow, actor).id, body=text, written_at=now)
    uow.casework.add(note)
    return note.public_id


def correct_note(
    uow: UnitOfWork, referral_id: str, note_id: str, body: str | None, *, actor: Actor, now: datetime
) -> str:
    """A correction is a new version of the note, by its author only; the earlier text stays."""
    text = _text(body, where="body", missing="write the corrected note", limit=NOTE_LIMIT)
    referral = _reached(uow, referral_id, actor, "correct-note", now)
    note = uow.casework.note(note_id)
    if note is None or note.referral_id != referral.id:
        raise NotFound(f"no note {note_id} on this referral")
    if note.author_user_id != actor.user_id:
        raise Forbidden("only the person who wrote a note may correct it")
    first = note.corrects_note_id or note.id
    correction = CaseNote(
        referral_id=referral.id, author_user_id=note.author_user_id, body=text, written_at=now, corrects_note_id=first
    )
    uow.casework.add(correction)
    return correction.public_id


def raise_flag(uow: UnitOfWork, referral_id: str, reason: str | None, *, actor: Actor, now: datetime) -> None:
    why = _text(
        reason, where="reason", missing="say briefly why you are raising a safeguarding concern", limit=REASON_LIMIT
    )
    referral = _reached(uow, referral_id, actor, "raise-safeguarding", now)
    if any(flag.lowered_at is None for flag in uow.casework.flags(referral.id)):
        raise Conflict("a safeguarding concern is already raised on this referral")
    uow.casework.add(
        SafeguardingFlag(referral_id=referral.id, raised_by_user_id=_user(uow, actor).id, raised_at=now, reason=why)
    )


def lower_flag(uow: UnitOfWork, referral_id: str, reason: str | None, *, actor: Actor, now: datetime) -> None:
    why = _text(reason, where="reason", missing="say why the concern can be lowered", limit=REASON_LIMIT)
    referral = _reached(uow, referral_id, actor, "lower-safeguarding", now)
    raised = [flag for flag in uow.casework.flags(referral.id) if flag.lowered_at is None]
    if not raised:
        raise Conflict("no safeguarding concern is raised on this referral")
    flag = raised[-1]
    flag.lowered_by_user_id, flag.lowered_at, flag.lowered_reason = _user(uow, actor).id, now, why
    uow.casework.add(flag)


def follow_up_owners(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str]]:
    """Who may own a follow-up the caller sets: themselves first, then their colleagues."""
    me = _user(uow, actor)
    return [(me.id, f"Me ({me.display_name})")] + [
        (user.id, user.display_name) for user in uow.casework.colleagues(me) if user.id != me.id
    ]


@dataclass(frozen=True)
class NewFollowUp:
    due_on: date | None
    note: str | None
    owner_user_id: int | None = None  # None: the caller


def set_follow_up(
    uow: UnitOfWork, referral_id: str, wanted: NewFollowUp, *, actor: Actor, today: date, now: datetime
) -> str:
    """A follow-up for a day from today on, owned by the caller or a colleague of theirs."""
    if wanted.due_on is None:
        raise Invalid("enter the date the follow-up is due", where="due_on")
    if wanted.due_on < today:
        raise Invalid("the follow-up date must be today or in the future", where="due_on")
    text = _text(wanted.note, where="note", missing="say what needs following up", limit=REASON_LIMIT)
    referral = _reached(uow, referral_id, actor, "set-follow-up", now)
    owners = dict(follow_up_owners(uow, actor))
    owner = wanted.owner_user_id if wanted.owner_user_id is not None else actor.user_id
    if owner not in owners:
        raise Invalid("choose someone from your organisation", where="owner")
    row = FollowUp(
        referral_id=referral.id,
        owner_user_id=owner,
        set_by_user_id=_user(uow, actor).id,
        due_on=wanted.due_on,
        note=text,
        set_at=now,
    )
    uow.casework.add(row)
    return row.public_id


def complete_follow_up(uow: UnitOfWork, referral_id: str, follow_up_id: str, *, actor: Actor, now: datetime) -> None:
    """Marked done by anyone who may do casework on the referral (the owner, or a colleague covering)."""
    referral = _reached(uow, referral_id, actor, "complete-follow-up", now)
    row = uow.casework.follow_up(follow_up_id)
    if row is None or row.referral_id != referral.id:
        raise NotFound(f"no follow-up {follow_up_id} on this referral")
    if row.done_at is not None:
        raise Conflict("this follow-up is already done")
    row.done_at, row.done_by_user_id = now, _user(uow, actor).id
    uow.casework.add(row)
