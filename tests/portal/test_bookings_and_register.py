"""A provider's timetable, bookings and the register from them, through the portal's HTTP doors."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from referral_service.domain.clock import utcnow
from referral_service.portal import blueprint, bookings
from tests.fixtures.portal import People, sign_in, submit

SCHEDULE = "/portal/services/mvl-exercise-referral/schedule"
CLASS = {
    "name": "Strength and balance",
    "weekday": "1",
    "starts_at": "10:00",
    "duration_minutes": "60",
    "place": "Mersey Vale Leisure Centre",
    "size": "8",
}
SESSION_WORDS = re.compile(r"Tuesday \d{1,2} [A-Z][a-z]+ \d{4}, 10:00am")


def _accepted(client: FlaskClient, people: People, offered: Callable[..., str]) -> str:
    referral_id = offered()
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    assert submit(client, base, {}, action=f"{base}/accept").status_code == 302
    return base


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html_lib.unescape(response.get_data(as_text=True))


def test_a_timetable_form_says_one_thing_per_field_in_the_order_of_the_fields(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, people.provider)
    refused = submit(client, SCHEDULE, {"name": " ", "size": "0"}, action=f"{SCHEDULE}/classes")
    assert refused.status_code == 400
    summary = re.findall(r'<li><a href="#(\w+)">', refused.get_data(as_text=True))
    assert summary == ["name", "weekday", "starts_at", "duration_minutes", "place", "size"]
    assert submit(client, SCHEDULE, CLASS, action=f"{SCHEDULE}/classes").status_code == 302
    page = _text(client.get(SCHEDULE))
    assert "Every Tuesday, 10:00am (60 minutes)" in page
    past = submit(
        client,
        SCHEDULE,
        {"starts_on": "2026-01-05", "start_time": "18:00", "start_place": "Studio 2"},
        action=f"{SCHEDULE}/starts",
    )
    assert past.status_code == 422
    assert 'href="#starts_on-day">The start must be in the future' in past.get_data(as_text=True)


def test_another_provider_cannot_see_or_change_the_timetable(client: FlaskClient, people: People) -> None:
    sign_in(client, people.other_provider)
    assert client.get(SCHEDULE).status_code == 404


def test_book_take_the_register_and_correct_a_line(
    client: FlaskClient, people: People, offered: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = _accepted(client, people, offered)
    assert submit(client, SCHEDULE, CLASS, action=f"{SCHEDULE}/classes").status_code == 302
    page = _text(client.get(f"{base}/bookings"))
    first = re.search(r'id="session-0" name="session" required type="radio" value="([^"]+)"', page)
    assert first is not None
    assert submit(client, f"{base}/bookings", {"session": first.group(1)}).status_code == 302
    referral_page = _text(client.get(base))
    [words] = re.findall(r"Strength and balance: ([^<]+)</li>", referral_page)
    assert SESSION_WORDS.match(words) and words.endswith(", Mersey Vale Leisure Centre")

    booking_id = re.search(r"/sessions/booked/(\d+)", _text(client.get(f"{base}/sessions")))
    assert booking_id is not None
    line = f"{base}/sessions/booked/{booking_id.group(1)}"
    field = f"booking-{booking_id.group(1)}-status"
    early = submit(client, f"{base}/sessions", {field: "attended"}, action=line)
    assert early.status_code == 422
    assert "it cannot be marked before then" in _text(early)

    later = utcnow() + timedelta(days=60)  # after the session: the clock of the portal's doors moves on
    monkeypatch.setattr(bookings, "utcnow", lambda: later)
    monkeypatch.setattr(blueprint, "utcnow", lambda: later)
    assert submit(client, f"{base}/sessions", {field: "attended"}, action=line).status_code == 302
    register = _text(client.get(f"{base}/sessions"))
    assert "Attended" in register and words.rsplit(", ", 1)[0] in register

    correct = f"{base}/sessions/1/correct"
    no_reason = submit(client, correct, {"status": "dna", "reason": ""})
    assert no_reason.status_code == 400
    assert 'href="#reason">Say why the line is being corrected' in no_reason.get_data(as_text=True)
    assert submit(client, correct, {"status": "dna", "reason": "Signed in for someone else"}).status_code == 302
    register = _text(client.get(f"{base}/sessions"))
    assert "Did not attend" in register
    assert re.search(
        r"Corrected from attended to did not attend by frontdesk, [^<]+: Signed in for someone else", register
    )


def test_a_session_before_the_referral_arrived_is_refused_in_the_portal(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    base = _accepted(client, people, offered)
    refused = submit(client, f"{base}/sessions", {"session_on": "2026-11-25", "status": "attended"})
    assert refused.status_code == 422
    assert (
        'href="#session_on-day">The session cannot be before the referral was received on Thursday 26 November 2026'
        in (_text(refused))
    )


def test_a_class_taken_off_the_timetable_is_gone_and_a_forged_button_changes_nothing(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, people.provider)
    assert submit(client, SCHEDULE, CLASS, action=f"{SCHEDULE}/classes").status_code == 302
    page = client.get(SCHEDULE).get_data(as_text=True)
    retire = re.search(r'action="(/portal/services/[^"]+/classes/\d+/retire)"', page)
    assert retire
    forged = client.post(retire.group(1), data={})  # no CSRF token: refused, the class stays
    assert forged.status_code in (302, 400)
    assert "Every Tuesday, 10:00am" in _text(client.get(SCHEDULE))
    assert submit(client, SCHEDULE, {}, action=retire.group(1)).status_code == 302
    after = _text(client.get(SCHEDULE))
    assert "Class taken off the timetable" in after and "Every Tuesday, 10:00am" not in after
