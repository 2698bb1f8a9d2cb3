"""A refused form lists one problem per field, in the order the fields stand on the page, each linking
to its field (the NHS.UK error summary)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from tests.fixtures.portal import People, sign_in, submit

SUMMARY = re.compile(r'<div class="nhsuk-error-summary".*?</ul>', re.S)
LINK = re.compile(r'<li><a href="#([^"]+)">')


def test_the_measures_summary_follows_the_page_one_error_per_field(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered()
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    assert submit(client, base, {}, action=f"{base}/accept").status_code == 302
    response = submit(
        client,
        f"{base}/measures",
        {"ons4_worthwhile": "11", "minutes": "-5", "bmi": "5", "systolic": "400", "measured_on": "not a date"},
    )
    html = response.get_data(as_text=True)
    summary = SUMMARY.search(html)
    assert summary, "no error summary"
    linked = LINK.findall(summary.group(0))
    assert len(linked) == len(set(linked)), f"a field is listed twice: {linked}"
    on_page = [field for field in re.findall(r'id="([a-z0-9_-]+)"', html) if field in linked]
    assert linked == list(dict.fromkeys(on_page)), "the summary is not in the order of the page"
    assert linked[:2] == ["timepoint", "measured_on-day"] and linked.index("ons4_worthwhile") < linked.index("minutes")
    assert {"bmi", "systolic"} <= set(linked)
    assert "Date measured must be a real date" in html


def test_a_date_is_typed_day_month_year_and_a_wrong_one_is_named(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered()
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    assert submit(client, base, {}, action=f"{base}/accept").status_code == 302
    page = client.get(f"{base}/sessions").get_data(as_text=True)
    for part in ("day", "month", "year"):
        assert f'name="session_on-{part}"' in page
    assert 'type="date"' not in page
    refused = submit(
        client,
        f"{base}/sessions",
        {"session_on-day": "31", "session_on-month": "2", "session_on-year": "2026", "status": "attended"},
    )
    assert refused.status_code in (400, 422)
    assert "Date of the session must be a real date" in refused.get_data(as_text=True)
    missing = submit(
        client,
        f"{base}/sessions",
        {"session_on-day": "3", "session_on-month": "", "session_on-year": "2026", "status": "attended"},
    )
    assert "Date of the session must include a month" in missing.get_data(as_text=True)
