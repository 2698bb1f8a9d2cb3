"""The report pages, CSVs and JSON export over HTTP: who may see them, filters, errors, and that no
small number ever leaves the service."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from referral_service.persistence.uow import UnitOfWork
from referral_service.services.intake import ReferralReceipt
from referral_service.services.reports import refresh_report_data
from tests.fixtures.portal import People, sign_in
from tests.fixtures.referrals import NOW
from tests.reports.history import build_history

NOVEMBER = "from=2026-11-01&to=2026-11-30"
PAGES = (
    "/reports/",
    "/reports/uptake",
    "/reports/waits",
    "/reports/outcomes",
    "/reports/equity",
    "/reports/gaps",
    "/reports/quality",
    "/reports/compare",
)
SMALL = re.compile(r"^[1-7]$")


@pytest.fixture
def history(uow: UnitOfWork, refer: Callable[..., ReferralReceipt]) -> dict[str, str]:
    """The history, summarised as the scheduler's refresh-reports tick would (pages never refresh)."""
    built = build_history(uow, refer)
    with uow:
        refresh_report_data(uow, now=NOW)
    return built


@pytest.fixture
def commissioner(client: FlaskClient, people: People) -> FlaskClient:
    sign_in(client, people.commissioner)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get(f"/reports/uptake?{NOVEMBER}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/reports/uptake")


@pytest.mark.parametrize("who", ["provider", "link_worker"])
def test_providers_and_link_workers_may_not_see_reports(client: FlaskClient, people: People, who: str) -> None:
    sign_in(client, getattr(people, who))
    for url in (f"/reports/?{NOVEMBER}", f"/reports/uptake.csv?{NOVEMBER}", f"/reports/export.json?{NOVEMBER}"):
        assert client.get(url).status_code == 403, url


def test_every_page_has_charts_beside_tables(commissioner: FlaskClient, history: dict[str, str]) -> None:
    for url in PAGES:
        response = commissioner.get(f"{url}?{NOVEMBER}")
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<table" in html
        if not url.endswith("quality"):
            assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html and "<title id=" in html, url


def test_administrators_may_read_reports(client: FlaskClient, people: People, history: dict[str, str]) -> None:
    sign_in(client, people.admin)
    assert client.get(f"/reports/uptake?{NOVEMBER}").status_code == 200


def test_filters_reach_the_figures(app: Flask, client: FlaskClient, people: People, history: dict[str, str]) -> None:
    context = app.extensions["referral_service"]
    app.extensions["referral_service"] = replace(context, settings=replace(context.settings, suppress_below=1))
    sign_in(client, people.commissioner)
    rows = _csv(client.get(f"/reports/uptake.csv?{NOVEMBER}").get_data(as_text=True))
    assert rows["Referred"] == "6"  # suppression off (REFERRAL_SERVICE_SUPPRESS_BELOW=1)
    rows = _csv(client.get("/reports/uptake.csv?from=2026-10-01&to=2026-10-31").get_data(as_text=True))
    assert rows["Referred"] == "0"
    rows = _csv(client.get(f"/reports/uptake.csv?{NOVEMBER}&pathway=837111000000105").get_data(as_text=True))
    assert rows["Referred"] == "1"
    page = client.get(f"/reports/uptake?{NOVEMBER}&provider=mersey-vale-leisure").get_data(as_text=True)
    assert 'value="mersey-vale-leisure" selected' in page


def _csv(text: str) -> dict[str, str]:
    return {row[0]: row[1] for row in list(csv.reader(io.StringIO(text)))[1:]}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "Enter a real date for the start date"),
        ("from=2026-11-30&to=2026-11-01", "The end date must be the same as or after the start date"),
        ("practice=not%20a%20code", "Choose the practice from the list"),
        (f"{NOVEMBER}&provider=no-such-provider", "there is no provider"),
    ],
)
def test_a_bad_filter_is_a_400_page_saying_what_is_wrong(commissioner: FlaskClient, query: str, message: str) -> None:
    response = commissioner.get(f"/reports/uptake?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


def test_csv_downloads_are_csv_with_small_numbers_suppressed(
    commissioner: FlaskClient, history: dict[str, str]
) -> None:
    response = commissioner.get(f"/reports/uptake.csv?{NOVEMBER}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response.get_data(as_text=True))
    assert rows["Referred"] == "*" and rows["Cancelled"] == "0"
    assert commissioner.get(f"/reports/no-such-table.csv?{NOVEMBER}").status_code == 404


def test_no_count_from_one_to_seven_reaches_a_page_a_csv_or_the_export(
    commissioner: FlaskClient, history: dict[str, str]
) -> None:
    document = json.loads(commissioner.get(f"/reports/export.json?{NOVEMBER}").get_data(as_text=True))
    assert (document["schema"], document["version"]) == ("referral-service-report", "1.3")
    assert document["suppression"]["threshold"] == 7
    cells = [str(value) for table in document["tables"].values() for row in table["rows"] for value in row.values()]
    for key in document["tables"]:
        text = commissioner.get(f"/reports/{key}.csv?{NOVEMBER}").get_data(as_text=True)
        cells += [value for row in list(csv.reader(io.StringIO(text)))[1:] for value in row]
    for url in PAGES:
        html = commissioner.get(f"{url}?{NOVEMBER}").get_data(as_text=True)
        cells += [value.strip() for value in re.findall(r"<td[^>]*>([^<]*)</td>", html)]
        cells += [value.strip() for value in re.findall(r"<text[^>]*>([^<]*)</text>", html)]
    assert len(cells) > 300
    assert "*" in cells
    assert [cell for cell in cells if SMALL.match(cell)] == []
