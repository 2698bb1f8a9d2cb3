"""Finding people: the portal's search, a link worker's caseload, and each person's follow-ups.

Every list goes through `referrals_for` (so the rule is applied again to each row and each row is
audited; a search is audited even when it finds nobody)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from referral_service.domain.identifiers import ascii_whole_number
from referral_service.persistence.models import Referral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import Actor, Following, MyFollowUps, PortalSearch, SearchTerms, referrals_for
from referral_service.services.caseload import CaseRow, row_for
from referral_service.services.errors import Invalid

SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class FoundRow:
    row: CaseRow
    flagged: bool  # a safeguarding concern is raised
    owner: str | None  # the provider holding it now, in words


def search_terms(text: str | None, birth_date: date | None) -> SearchTerms:
    """Read the one search box: ten digits (spaces or dashes allowed) are an NHS number, anything
    else with a digit in it a referral reference, words a name; a date of birth narrows any of them."""
    typed = (text or "").strip()
    if not typed and birth_date is None:
        raise Invalid("enter a name, NHS number or referral reference, or a date of birth", where="text")
    compact = SEPARATORS.sub("", typed)
    if len(compact) == 10 and ascii_whole_number(compact) is not None:
        return SearchTerms(nhs_number=compact, birth_date=birth_date)
    if any(character.isdigit() for character in typed):
        return SearchTerms(reference=typed, birth_date=birth_date)
    return SearchTerms(name=typed or None, birth_date=birth_date)


def _found(uow: UnitOfWork, referrals: list[Referral], now: datetime) -> list[FoundRow]:
    flagged = uow.casework.raised_flags([referral.id for referral in referrals])
    rows = []
    for referral in referrals:
        owner = uow.directory.organisation_by_id(referral.task.owner_organisation_id)
        rows.append(FoundRow(row_for(uow, referral, now), referral.id in flagged, owner.name if owner else None))
    return rows


def search_people(
    uow: UnitOfWork, terms: SearchTerms, *, actor: Actor, now: datetime, request_id: str | None
) -> list[FoundRow]:
    found = referrals_for(uow, actor, PortalSearch(terms), action="portal-search", now=now, request_id=request_id)
    return _found(uow, found, now)


def link_worker_caseload(uow: UnitOfWork, *, actor: Actor, now: datetime, request_id: str | None) -> list[FoundRow]:
    """The people a link worker placed, closed or asked about, or owns a follow-up for, newest first:
    they stay here after leaving the queue."""
    found = referrals_for(uow, actor, Following(), action="portal-list", now=now, request_id=request_id)
    return _found(uow, found, now)


@dataclass(frozen=True)
class DueRow:
    follow_up_id: str
    due_on: date
    note: str
    found: FoundRow


@dataclass(frozen=True)
class FollowUpList:
    overdue: list[DueRow]
    today: list[DueRow]
    upcoming: list[DueRow]


def my_follow_ups(uow: UnitOfWork, *, actor: Actor, today: date, now: datetime, request_id: str | None) -> FollowUpList:
    """The caller's open follow-ups, overdue first, then due today, then upcoming (each by due day)."""
    referrals = referrals_for(uow, actor, MyFollowUps(), action="portal-list", now=now, request_id=request_id)
    by_id = {found.row.referral_id: found for found in _found(uow, referrals, now)}
    reachable = {referral.id: referral.public_id for referral in referrals}
    listed = FollowUpList([], [], [])
    for row in uow.casework.open_follow_ups_of(actor.user_id) if actor.user_id is not None else []:
        public_id = reachable.get(row.referral_id)
        if public_id is None:
            continue
        due = DueRow(row.public_id, row.due_on, row.note, by_id[public_id])
        (listed.overdue if row.due_on < today else listed.today if row.due_on == today else listed.upcoming).append(due)
    return listed
