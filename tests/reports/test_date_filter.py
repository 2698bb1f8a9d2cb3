"""The report filter's dates are typed day, month, year (the NHS.UK date input) and read back in words."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.fixtures.portal import People, sign_in
from tests.portal.test_plain_words import visible_text

NOVEMBER = "from-day=1&from-month=11&from-year=2026&to-day=30&to-month=11&to-year=2026"


def test_a_typed_range_is_the_filter_and_the_page_says_it_in_words(client: FlaskClient, people: People) -> None:
    sign_in(client, people.commissioner)
    response = client.get(f"/reports/uptake?{NOVEMBER}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Referrals received 1 November 2026 to 30 November 2026" in visible_text(html)
    assert 'name="from-day"' in html and 'type="date"' not in html and "YYYY" not in html
    assert 'id="to-month" name="to-month" type="text" inputmode="numeric" value="11"' in html
    assert "from=2026-11-01" in html  # the CSV and JSON links keep their ISO contract


def test_a_date_that_does_not_exist_is_named(client: FlaskClient, people: People) -> None:
    sign_in(client, people.commissioner)
    response = client.get("/reports/uptake?from-day=31&from-month=2&from-year=2026")
    assert response.status_code == 400
    assert "The start date must be a real date" in response.get_data(as_text=True)
