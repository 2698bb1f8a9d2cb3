"""Issue 17a through the portal's own pages: find anyone you hold (finished, declined and expired
too, read-only), a link worker's caseload, case notes with corrections, the safeguarding flag,
follow-ups in the owner's list, and a history in words."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from referral_service.domain.access import UserRole
from referral_service.persistence.models import AuditEvent, CaseNote
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.demo import DEMO_PROVIDER_SLUG
from tests.factories import incoming
from tests.fixtures.portal import People, add_portal_user, csrf_token, sign_in, submit

NHS_NUMBER = "9434765919"
SPACED = "943 476 5919"
OTHER_NHS_NUMBER = "9000000009"


def _finish(client: FlaskClient, referral_id: str) -> None:
    base = f"/portal/referrals/{referral_id}"
    assert submit(client, base, {}, action=f"{base}/accept").status_code == 302
    finished = submit(client, f"{base}/finish", {"ending": "completed", "reason": ""})
    assert finished.status_code == 302, finished.get_data(as_text=True)


def _search(client: FlaskClient, **typed: str) -> tuple[int, str]:
    response = submit(client, "/portal/search", typed)
    return response.status_code, response.get_data(as_text=True)


def test_a_provider_finds_finished_and_declined_people_and_reads_them_read_only(
    client: FlaskClient,
    people: People,
    refer,
    uow: UnitOfWork,  # type: ignore[no-untyped-def]
) -> None:
    finished = refer(incoming(nhs_number=NHS_NUMBER)).referral_id
    declined = refer(incoming(nhs_number=OTHER_NHS_NUMBER)).referral_id
    sign_in(client, people.provider)
    _finish(client, finished)
    assert submit(client, f"/portal/referrals/{declined}/decline", {"reason": "no-capacity"}).status_code == 302

    status, page = _search(client, text=SPACED)
    assert status == 200
    assert "1 person found" in page and finished in page and declined not in page
    assert "3 February 1961" in page  # dates of birth in words
    status, page = _search(client, text="Sam Jones")
    assert "2 people found" in page and finished in page and declined in page

    for referral_id in (finished, declined):
        body = client.get(f"/portal/referrals/{referral_id}").get_data(as_text=True)
        assert "Sam Jones" in body
        assert "This referral is closed" in body or "You can read what was recorded while it was with you" in body
        for action in ("Accept referral", "Record a contact attempt", "Write a case note", "Set a follow-up"):
            assert action not in body
    for form in ("notes/new", "safeguarding/raise", "follow-ups/new"):
        assert client.get(f"/portal/referrals/{finished}/{form}").status_code == 404
    token = csrf_token(client.get("/portal/search").get_data(as_text=True))
    late = client.post(f"/portal/referrals/{finished}/notes/new", data={"csrf_token": token, "body": "late"})
    assert late.status_code == 404


def test_another_provider_finds_nobody_it_never_held(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered(nhs_number=NHS_NUMBER)
    sign_in(client, people.other_provider)
    status, page = _search(client, text=NHS_NUMBER)
    assert status == 200 and "0 people found" in page and referral_id not in page and "Jones" not in page
    status, page = _search(client, text="Jones")
    assert "0 people found" in page
    assert client.get(f"/portal/referrals/{referral_id}").status_code == 404


def test_search_by_name_date_of_birth_and_reference(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered(nhs_number=NHS_NUMBER)
    sign_in(client, people.provider)
    for typed in (
        {"text": "sam jon"},
        {"text": "", "dob-day": "3", "dob-month": "2", "dob-year": "1961"},
        {"text": "Jones", "dob-day": "03", "dob-month": "02", "dob-year": "1961"},
        {"text": referral_id},
    ):
        status, page = _search(client, **typed)
        assert (status, "1 person found" in page, referral_id in page) == (200, True, True), typed
    status, page = _search(client, **{"text": "Jones", "dob-day": "4", "dob-month": "2", "dob-year": "1961"})
    assert "0 people found" in page


def test_a_bad_search_is_one_error_on_its_field(client: FlaskClient, people: People) -> None:
    sign_in(client, people.provider)
    status, page = _search(client, **{"text": "", "dob-day": "31", "dob-month": "2", "dob-year": "1990"})
    assert status == 400
    assert page.count("Date of birth must be a real date") == 2  # the summary and the field
    assert 'href="#dob-day"' in page
    assert 'value="31"' in page  # nothing typed is lost
    status, page = _search(client, text="")
    assert status == 400 and "Enter a name, NHS number or referral reference" in page


def test_each_search_and_each_result_is_audited_without_what_was_typed(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    referral_id = offered(nhs_number=NHS_NUMBER)
    sign_in(client, people.provider)
    _search(client, text=SPACED)
    _search(client, text="Nobody")
    with uow:
        rows = uow.session.scalars(select(AuditEvent).where(AuditEvent.action.like("%search%"))).all()
        shown = [(row.action, row.resource_type, row.resource_id, row.detail) for row in rows]
    assert shown == [
        ("portal-search", "Referral", referral_id, None),
        ("search", "Search", None, {"by": ["nhs_number"], "found": 1}),
        ("search", "Search", None, {"by": ["name"], "found": 0}),
    ]
    assert NHS_NUMBER not in repr(shown) and "Nobody" not in repr(shown)


def test_a_link_worker_keeps_the_people_they_decided_in_my_caseload(
    client: FlaskClient,
    people: People,
    refer,  # type: ignore[no-untyped-def]
) -> None:
    closed = refer(incoming(bp=(185, 115))).referral_id  # for the GP: the link worker closes it
    sign_in(client, people.link_worker)
    assert "Sam Jones" not in client.get("/portal/caseload").get_data(as_text=True)
    assert submit(client, f"/portal/link-worker/{closed}/close", {"reason": "Needs cardiac rehab"}).status_code == 302
    caseload = client.get("/portal/caseload").get_data(as_text=True)
    assert closed in caseload and "Sam Jones" in caseload
    assert closed not in client.get("/portal/link-worker").get_data(as_text=True)
    page = _search(client, text="Jones")[1]
    assert "1 person found" in page and closed in page
    history = client.get(f"/portal/referrals/{closed}").get_data(as_text=True)
    assert "lw at" not in history and re.search(
        r"lw closed the referral, as no service can take it on \d+ \w+ 2026", history
    )


def test_notes_are_appended_and_corrected_with_the_earlier_text_kept(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    referral_id = offered()
    base = f"/portal/referrals/{referral_id}"
    sign_in(client, people.provider)
    empty = submit(client, f"{base}/notes/new", {"body": "  "})
    assert empty.status_code == 422 and "Write the note" in empty.get_data(as_text=True)
    assert submit(client, f"{base}/notes/new", {"body": "Prefers mornings"}).status_code == 302
    with uow:
        first = uow.session.scalars(select(CaseNote)).one().public_id
    assert submit(client, f"{base}/notes/{first}/correct", {"body": "Prefers afternoons"}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Prefers afternoons" in page and "Prefers mornings" in page and "(corrected on " in page
    assert not re.search(r"\d{4}-\d{2}-\d{2}", page.split('id="notes"')[1].split('id="follow-ups"')[0])
    with uow:
        assert len(uow.session.scalars(select(CaseNote)).all()) == 2  # the first version is still there

    client.post("/logout", data={"csrf_token": csrf_token(page)})
    sign_in(client, people.link_worker)  # not the author, and not someone who may reach it
    assert client.get(f"{base}/notes/new").status_code == 404


def test_only_the_author_corrects_a_note(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    referral_id = offered()
    base = f"/portal/referrals/{referral_id}"
    with uow:
        add_portal_user(uow, "colleague@mersey.example.org", UserRole.PROVIDER, provider=DEMO_PROVIDER_SLUG)
    sign_in(client, people.provider)
    submit(client, f"{base}/notes/new", {"body": "Prefers mornings"})
    with uow:
        first = uow.session.scalars(select(CaseNote)).one().public_id
    client.post("/logout", data={"csrf_token": csrf_token(client.get(base).get_data(as_text=True))})
    sign_in(client, "colleague@mersey.example.org")
    page = client.get(base).get_data(as_text=True)
    assert "Prefers mornings" in page and "Correct this note" not in page
    assert submit(client, f"{base}/notes/{first}/correct", {"body": "Changed"}).status_code == 403


def test_the_safeguarding_flag_is_raised_shown_everywhere_and_lowered(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered(nhs_number=NHS_NUMBER)
    base = f"/portal/referrals/{referral_id}"
    sign_in(client, people.provider)
    assert submit(client, f"{base}/safeguarding/raise", {"reason": ""}).status_code == 422
    assert submit(client, f"{base}/safeguarding/raise", {"reason": "Disclosed a fall at home"}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert 'id="safeguarding-flag"' in page and "Disclosed a fall at home" in page and "Raised by frontdesk at" in page
    assert "Safeguarding concern" in _search(client, text=NHS_NUMBER)[1]
    assert submit(client, f"{base}/safeguarding/raise", {"reason": "again"}).status_code == 409
    assert submit(client, f"{base}/safeguarding/lower", {"reason": "Family now visiting daily"}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert 'id="safeguarding-flag"' not in page and "lowered it on" in page and "Family now visiting daily" in page
    assert "Safeguarding concern</strong>" not in _search(client, text=NHS_NUMBER)[1]


def test_a_follow_up_shows_in_its_owners_list_until_done(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered()
    base = f"/portal/referrals/{referral_id}"
    sign_in(client, people.provider)
    refused = submit(
        client, f"{base}/follow-ups/new", {"due-day": "1", "due-month": "1", "due-year": "2020", "note": "x"}
    )
    assert refused.status_code == 422 and "today or in the future" in refused.get_data(as_text=True)
    form = client.get(f"{base}/follow-ups/new").get_data(as_text=True)
    assert "Me (frontdesk)" in form
    added = submit(
        client,
        f"{base}/follow-ups/new",
        {"due-day": "2", "due-month": "1", "due-year": "2099", "note": "Ring about the class"},
    )
    assert added.status_code == 302
    listed = client.get("/portal/follow-ups").get_data(as_text=True)
    upcoming = listed.split('id="follow-ups-upcoming"')[1]
    assert "Ring about the class" in upcoming and "2 January 2099" in upcoming and referral_id in upcoming
    page = client.get(base).get_data(as_text=True)
    done = re.search(r'action="(/portal/referrals/[^"]+/follow-ups/[^"]+/done)"', page)
    assert done
    assert client.post(done.group(1), data={"csrf_token": csrf_token(page)}).status_code == 302
    assert "Ring about the class" not in client.get("/portal/follow-ups").get_data(as_text=True)
    assert "Done by frontdesk" in client.get(base).get_data(as_text=True)


def test_the_history_says_who_did_what_in_words(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered()
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    submit(client, base, {}, action=f"{base}/accept")
    history = client.get(base).get_data(as_text=True).split('id="history"')[1]
    assert re.search(
        r"frontdesk at Mersey Vale Leisure Trust accepted the referral on \d+ \w+ 2026 at \d+:\d\d[ap]m", history
    )
    assert "The referral service offered a place" in history  # triage, not the practice
    assert re.search(r"The system of [^<]+ sent the referral", history)
    for code in ("Accepted</strong>", "Offered", "to-link-worker", "Dna", "RECEIVED"):
        assert code not in history
