"""Areas in the reports: a commissioner of one area sees only that area's referrals on every report
page, CSV and export; a commissioner of the other sees theirs; an administrator (and a commissioner
with no area) sees all; another area's practice is answered 404.

The demo directory's areas (providers/demo/areas.yaml) put P88001 in Stockport North and P88007 in
Stockport South. Referrals come from both, through the real intake and triage; the summary is
refreshed as the scheduler's tick would. Each area's figures must be exactly those of its practice,
which the administrator reads with the practice filter: table by table, cell by cell.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from referral_service.domain.access import Actor, UserRole
from referral_service.persistence.models import Organisation, Referral, ReferralTask, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.reports.views import PAGES
from referral_service.services.accounts import create_portal_user
from referral_service.services.intake import receive_referral
from referral_service.services.offers import accept_offer
from referral_service.services.passwords import password_hasher
from referral_service.services.reports import refresh_report_data
from tests.factories import incoming
from tests.fixtures.portal import PASSWORD, People, sign_in
from tests.fixtures.referrals import NOW, provider_of

NOVEMBER = "from=2026-11-01&to=2026-11-30"
NORTH, SOUTH = "stockport-north", "stockport-south"
NORTH_PRACTICE, SOUTH_PRACTICE, NO_AREA_PRACTICE = "P88001", "P88007", "P99001"
NORTH_READER, SOUTH_READER = "north@icb.example.org", "south@icb.example.org"
CELLS = re.compile(r"<td[^>]*>(.*?)</td>|<text[^>]*>([^<]*)</text>", re.S)


@pytest.fixture
def readers(uow: UnitOfWork, people: People) -> None:
    """A commissioner of each demo area, beside the fixture's commissioner of every area."""
    with uow:
        for email, area in ((NORTH_READER, NORTH), (SOUTH_READER, SOUTH)):
            create_portal_user(
                uow,
                email=email,
                display_name=email.split("@")[0],
                role=UserRole.COMMISSIONER,
                password=PASSWORD,
                hasher=password_hasher("fast"),
                now=NOW,
                area_slug=area,
            )


@pytest.fixture
def unsuppressed(app: Flask) -> Iterator[None]:
    """Every count shown as it is (REFERRAL_SERVICE_SUPPRESS_BELOW=1), so a wrong one cannot hide behind '*'."""
    context = app.extensions["referral_service"]
    app.extensions["referral_service"] = replace(context, settings=replace(context.settings, suppress_below=1))
    yield
    app.extensions["referral_service"] = context


@pytest.fixture
def send_from(uow: UnitOfWork, make_api_client: Callable[..., Actor], directory: None) -> Callable[..., str]:
    """Send a referral from a practice (its own GP system), received in November; its public id. With
    `told`, the GP system has a callback endpoint, so what becomes of the referral queues messages."""
    systems: dict[tuple[str, bool], Actor] = {}

    def send(practice: str, *, told: bool = False, **changes: Any) -> str:
        if (practice, told) not in systems:
            systems[(practice, told)] = make_api_client(
                f"gp-{practice.lower()}{'-told' if told else ''}",
                practices=(practice,),
                callback_url="https://gp.example.org/inbox" if told else None,
            )
        authored = NOW - timedelta(days=10)
        with uow:
            referral = incoming(sender_ods=practice, authored=authored, **changes)
            return receive_referral(uow, referral, actor=systems[(practice, told)], now=authored).referral_id

    return send


@pytest.fixture
def both_areas(uow: UnitOfWork, send_from: Callable[..., str]) -> None:
    """Three referrals from the north practice, two from the south one, of different people and pathways."""
    send_from(NORTH_PRACTICE)
    send_from(NORTH_PRACTICE, nhs_number="9434765870", sex="male")
    send_from(NORTH_PRACTICE, nhs_number="9434765862", pathway="837111000000105")
    send_from(SOUTH_PRACTICE, nhs_number="9434765919", postcode="SK7 1AA")
    send_from(SOUTH_PRACTICE, bp=None, bmi=None, activity=None)
    with uow:
        refresh_report_data(uow, now=NOW)


def _report_urls(app: Flask, client: FlaskClient, query: str) -> list[str]:
    """Every URL under /reports: each page, each table's CSV and the export. A route added later and
    not walked here fails the test, so no report can escape the area filter unnoticed."""
    tables = json.loads(client.get(f"/reports/export.json?{query}").get_data(as_text=True))["tables"]
    urls = {"/reports/": ["/reports/"], "/reports/export.json": ["/reports/export.json"]}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("reports.") and rule.rule not in urls:
            if rule.endpoint == "reports.section_page":
                urls[rule.rule] = [f"/reports/{page}" for page in PAGES]
            elif rule.endpoint == "reports.table_csv":
                urls[rule.rule] = [f"/reports/{key}.csv" for key in tables]
            else:
                pytest.fail(f"a report route the test does not walk: {rule.rule}")
    return [f"{url}?{query}" for walked in urls.values() for url in walked]


def _figures(client: FlaskClient, url: str) -> object:
    """What a URL says in figures: a CSV's rows, the export's tables, a page's table cells and chart labels."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    text = response.get_data(as_text=True)
    if ".csv" in url:
        return list(csv.reader(io.StringIO(text)))
    if "export.json" in url:
        return json.loads(text)["tables"]
    return [re.sub(r"<[^>]+>|\s+", " ", td or label).strip() for td, label in CELLS.findall(text)]


def test_a_commissioner_of_an_area_sees_only_that_area_in_every_report_url(
    app: Flask, client: FlaskClient, people: People, readers: None, both_areas: None, unsuppressed: None
) -> None:
    sign_in(client, people.admin)
    urls = _report_urls(app, client, NOVEMBER)
    assert len(urls) >= 9 + 20  # 8 pages and the export, and a CSV per table
    everything = {url: _figures(client, url) for url in urls}
    by_practice = {
        practice: {url: _figures(client, f"{url}&practice={practice}") for url in urls}
        for practice in (NORTH_PRACTICE, SOUTH_PRACTICE)
    }
    for reader, practice in ((NORTH_READER, NORTH_PRACTICE), (SOUTH_READER, SOUTH_PRACTICE)):
        sign_in(client, reader)
        for url in urls:
            assert _figures(client, url) == by_practice[practice][url], (reader, url)
    assert (
        everything["/reports/uptake.csv?" + NOVEMBER] != by_practice[NORTH_PRACTICE]["/reports/uptake.csv?" + NOVEMBER]
    )
    sign_in(client, people.commissioner)  # a commissioner with no area: every area, as the administrator
    for url in urls:
        assert _figures(client, url) == everything[url], url


def _referred(client: FlaskClient) -> int:
    rows = {
        row[0]: row[1]
        for row in list(csv.reader(io.StringIO(client.get(f"/reports/uptake.csv?{NOVEMBER}").get_data(as_text=True))))[
            1:
        ]
    }
    return int(rows["Referred"])


def _direct_count(uow: UnitOfWork, area: str | None) -> int:
    """Referrals counted straight from the referrals and the directory, not the report summary."""
    practice, service = aliased(Organisation), aliased(Service)
    with uow:
        area_id = None if area is None else uow.areas.by_slug(area).id  # type: ignore[union-attr]
        query = (
            select(func.count())
            .select_from(Referral)
            .join(practice, practice.id == Referral.sender_organisation_id)
            .join(ReferralTask, ReferralTask.referral_id == Referral.id)
            .outerjoin(service, service.id == ReferralTask.service_id)
        )
        if area_id is not None:
            query = query.where(func.coalesce(practice.area_id, service.area_id) == area_id)
        return int(uow.session.scalar(query) or 0)


def test_each_area_counts_what_a_direct_count_finds_and_the_areas_add_up(
    uow: UnitOfWork, client: FlaskClient, people: People, readers: None, both_areas: None, unsuppressed: None
) -> None:
    totals = {}
    for reader, area in ((NORTH_READER, NORTH), (SOUTH_READER, SOUTH), (people.admin, None)):
        sign_in(client, reader)
        totals[area] = _referred(client)
        assert totals[area] == _direct_count(uow, area), reader
    assert (totals[NORTH], totals[SOUTH], totals[None]) == (3, 2, 5)


def test_a_practice_in_no_area_counts_in_its_services_area(
    uow: UnitOfWork,
    client: FlaskClient,
    readers: None,
    send_from: Callable[..., str],
    unsuppressed: None,
) -> None:
    referral_id = send_from(NO_AREA_PRACTICE, postcode="SK4 1AA")  # offered to Mersey Vale (Stockport North)
    with uow:
        refresh_report_data(uow, now=NOW)
        referral = uow.referrals.by_public_id(referral_id)
        assert referral is not None and referral.task.service_id is not None
        service = uow.directory.service_by_id(referral.task.service_id)
        assert service is not None and service.area_id == uow.areas.by_slug(NORTH).id  # type: ignore[union-attr]
    sign_in(client, NORTH_READER)
    assert _referred(client) == 1
    sign_in(client, SOUTH_READER)
    assert _referred(client) == 0


def test_the_integration_backlog_counts_only_the_areas_messages(
    uow: UnitOfWork, client: FlaskClient, readers: None, send_from: Callable[..., str], unsuppressed: None
) -> None:
    south = send_from(SOUTH_PRACTICE, told=True, postcode="SK7 1AA")
    send_from(NORTH_PRACTICE, told=True)
    with uow:
        referral = uow.referrals.by_public_id(south)
        assert referral is not None and referral.task.service_id is not None
        slug = uow.directory.service_by_id(referral.task.service_id).slug  # type: ignore[union-attr]
    holder = provider_of(uow, slug)
    with uow:
        accept_offer(uow, south, actor=holder, now=NOW)  # the referrer is told: a message waits to go
        refresh_report_data(uow, now=NOW)
    pending = {}
    for reader in (NORTH_READER, SOUTH_READER):
        sign_in(client, reader)
        rows = list(
            csv.reader(io.StringIO(client.get(f"/reports/integration-backlog.csv?{NOVEMBER}").get_data(as_text=True)))
        )
        pending[reader] = {row[0]: row[1] for row in rows[1:]}
    assert pending[SOUTH_READER]["pending"] == "1"
    assert pending[NORTH_READER]["pending"] == "0"


def test_another_areas_practice_is_not_found_on_every_report_url(
    app: Flask, client: FlaskClient, readers: None, both_areas: None
) -> None:
    sign_in(client, NORTH_READER)
    urls = _report_urls(app, client, NOVEMBER)
    for url in urls:
        assert client.get(f"{url}&practice={SOUTH_PRACTICE}").status_code == 404, url
        assert client.get(f"{url}&practice={NORTH_PRACTICE}").status_code == 200, url
    page = client.get(f"/reports/compare?{NOVEMBER}").get_data(as_text=True)
    assert "all practices in Stockport North" in page
    assert f'value="{NORTH_PRACTICE}"' in page and f'value="{SOUTH_PRACTICE}"' not in page  # the filter offers its own
