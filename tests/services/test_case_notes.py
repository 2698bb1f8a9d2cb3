"""Casework services: notes append and correct (and the database refuses edits), the flag, follow-ups,
who follows a referral, and what a provider held after it moved on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from referral_service.domain.access import Actor, Right, UserRole
from referral_service.persistence.models import CaseNote
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.access import referral_for, rights_on
from referral_service.services.case_notes import (
    NewFollowUp,
    correct_note,
    lower_flag,
    raise_flag,
    set_follow_up,
    write_note,
)
from referral_service.services.case_reading import case_extras
from referral_service.services.errors import Conflict, Forbidden, Invalid, NotFound
from referral_service.services.finding import search_people, search_terms
from referral_service.services.intake import ReferralReceipt
from referral_service.services.offers import decline_offer, expire_offer
from tests.factories import incoming
from tests.fixtures.portal import People
from tests.fixtures.referrals import NOW


def _user(uow: UnitOfWork, email: str) -> Actor:
    with uow:
        user = uow.access.portal_user_by_email(email)
        assert user is not None
        return Actor.portal_user(user.id, user.role, user.organisation_id)


@pytest.fixture
def referral_id(refer: Callable[..., ReferralReceipt]) -> str:
    return refer(incoming(nhs_number="9434765919")).referral_id


def test_a_correction_is_a_new_version_and_the_database_refuses_edits(
    uow: UnitOfWork, people: People, referral_id: str
) -> None:
    provider = _user(uow, people.provider)
    with uow:
        first = write_note(uow, referral_id, "Prefers mornings", actor=provider, now=NOW)
    with uow:
        second = correct_note(
            uow, referral_id, first, "Prefers afternoons", actor=provider, now=NOW + timedelta(hours=1)
        )
    with uow:  # correcting the correction keeps one chain
        correct_note(uow, referral_id, second, "Prefers evenings", actor=provider, now=NOW + timedelta(hours=2))
    with uow:
        referral = referral_for(uow, provider, referral_id, now=NOW)
        [note] = case_extras(uow, referral, provider).notes
    assert note.body == "Prefers evenings"
    assert [version.body for version in note.earlier] == ["Prefers mornings", "Prefers afternoons"]
    assert (note.written_at, note.corrected_at) == (NOW, NOW + timedelta(hours=2))
    with pytest.raises(DBAPIError, match="append-only"), uow:
        uow.session.execute(update(CaseNote).values(body="rewritten"))
    with pytest.raises(DBAPIError, match="append-only"), uow:
        uow.session.execute(delete(CaseNote))


def test_only_the_author_corrects_and_empty_notes_are_refused(
    uow: UnitOfWork, people: People, referral_id: str
) -> None:
    provider = _user(uow, people.provider)
    with pytest.raises(Invalid), uow:
        write_note(uow, referral_id, "   ", actor=provider, now=NOW)
    with uow:
        note = write_note(uow, referral_id, "Prefers mornings", actor=provider, now=NOW)
    other = _user(uow, people.other_provider)
    with pytest.raises(NotFound), uow:  # cannot even reach the referral
        correct_note(uow, referral_id, note, "x", actor=other, now=NOW)
    with uow:
        user = uow.access.portal_user_by_email(people.provider)
        assert user is not None
        colleague = Actor.portal_user(user.id + 1000, UserRole.PROVIDER, user.organisation_id)
    with pytest.raises((Forbidden, NotFound)), uow:
        correct_note(uow, referral_id, note, "x", actor=colleague, now=NOW)


def test_one_flag_raised_at_a_time_and_lowered_with_a_reason(uow: UnitOfWork, people: People, referral_id: str) -> None:
    provider = _user(uow, people.provider)
    with uow:
        raise_flag(uow, referral_id, "Disclosed a fall", actor=provider, now=NOW)
    with pytest.raises(Conflict), uow:
        raise_flag(uow, referral_id, "Again", actor=provider, now=NOW)
    with pytest.raises(Invalid), uow:
        lower_flag(uow, referral_id, "", actor=provider, now=NOW)
    with uow:
        lower_flag(uow, referral_id, "Family visiting", actor=provider, now=NOW + timedelta(days=1))
    with pytest.raises(Conflict), uow:
        lower_flag(uow, referral_id, "Again", actor=provider, now=NOW)
    with uow:
        extras = case_extras(uow, referral_for(uow, provider, referral_id, now=NOW), provider)
    assert extras.raised_flag is None
    assert [(flag.reason, flag.lowered_reason) for flag in extras.flags] == [("Disclosed a fall", "Family visiting")]


def test_a_follow_up_is_owned_within_the_organisation(uow: UnitOfWork, people: People, referral_id: str) -> None:
    provider = _user(uow, people.provider)
    other = _user(uow, people.other_provider)
    today = NOW.date()
    with pytest.raises(Invalid, match="today or in the future"), uow:
        set_follow_up(
            uow, referral_id, NewFollowUp(today - timedelta(days=1), "x"), actor=provider, today=today, now=NOW
        )
    wanted = NewFollowUp(today, "x", owner_user_id=other.user_id)
    with pytest.raises(Invalid, match="your organisation"), uow:
        set_follow_up(uow, referral_id, wanted, actor=provider, today=today, now=NOW)
    with uow:
        set_follow_up(uow, referral_id, NewFollowUp(date(2026, 12, 3), "Ring"), actor=provider, today=today, now=NOW)
        [row] = case_extras(uow, referral_for(uow, provider, referral_id, now=NOW), provider).follow_ups
    assert (row.due_on, row.note, row.owner) == (date(2026, 12, 3), "Ring", "frontdesk at Mersey Vale Leisure Trust")


def test_a_declining_provider_keeps_read_and_nothing_else(uow: UnitOfWork, people: People, referral_id: str) -> None:
    provider = _user(uow, people.provider)
    with uow:
        decline_offer(uow, referral_id, reason_code="no-capacity", reason_text=None, actor=provider, now=NOW)
    with uow:
        referral = referral_for(uow, provider, referral_id, now=NOW)
        assert rights_on(uow, provider, referral) == {Right.READ}
        assert case_extras(uow, referral, provider).closed_notice is not None
        found = search_people(uow, search_terms("9434765919", None), actor=provider, now=NOW, request_id=None)
    assert [row.row.referral_id for row in found] == [referral_id]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("943 476 5919", {"nhs_number": "9434765919"}),
        ("943-476-5919", {"nhs_number": "9434765919"}),
        ("Sam Jones", {"name": "Sam Jones"}),
        ("REF-0042", {"reference": "REF-0042"}),
    ],
)
def test_the_search_box_reads_what_was_typed(typed: str, expected: dict[str, str]) -> None:
    terms = search_terms(typed, None)
    assert {name: value for name, value in vars(terms).items() if value} == expected


def test_an_empty_search_is_refused() -> None:
    with pytest.raises(Invalid):
        search_terms("  ", None)
    assert search_terms("", date(1961, 2, 3)).birth_date == date(1961, 2, 3)


def test_a_provider_whose_offer_expired_keeps_read_only(uow: UnitOfWork, people: People, referral_id: str) -> None:
    provider = _user(uow, people.provider)
    with uow:
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None
        offer = uow.capacity.open_offer(referral.id)
        assert offer is not None
        offer_id, late = offer.id, offer.respond_by + timedelta(minutes=1)
    with uow:
        assert expire_offer(uow, offer_id, now=late) is not None
    with uow:
        referral = referral_for(uow, provider, referral_id, now=late)
        assert referral.task.owner_organisation_id != provider.organisation_id
        assert rights_on(uow, provider, referral) == {Right.READ}
    with pytest.raises(NotFound), uow:
        write_note(uow, referral_id, "too late", actor=provider, now=late)
