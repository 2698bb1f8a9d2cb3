"""Reports split by referral source: `report_journeys.source` from each referral, the "Referral
source" filter on every page, CSV and the JSON export, and the uptake report's by-source table."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from referral_service.domain.self_referral import PAR_Q_PLUS, SelfReferral
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import ensure_referrer
from referral_service.services.reports import refresh_report_data
from referral_service.services.self_referral import submit_self_referral
from tests.fixtures.portal import People, sign_in
from tests.fixtures.referrals import NOW

NOVEMBER = "from=2026-11-01&to=2026-11-30"


def _person(number: int, service: str) -> SelfReferral:
    return SelfReferral(
        given_name="Alex",
        family_name=f"Self{number}",
        birth_date=date(1968, 3, number + 1),
        postcode="SK4 3LD",
        service_slug=service,
        practice_ods="P84002",
        tell_gp=False,
        email=f"self{number}@example.org",
        email_consent=True,
        readiness=dict.fromkeys((q.key for q in PAR_Q_PLUS), False),
    )


@pytest.fixture
def split(app: Flask, client: FlaskClient, people: People, uow: UnitOfWork, offered: Callable[..., str]) -> FlaskClient:
    """Two GP referrals and three self-referrals in November, summarised; suppression off."""
    offered()
    offered()
    with uow:
        ensure_referrer(uow, "P84002", "Reddish Family Practice")
    for number, service in enumerate(("gn-befriending", "smha-debt-housing-advice", "tmw-health-walks")):
        with uow:
            submit_self_referral(uow, _person(number, service), now=NOW)
    with uow:
        refresh_report_data(uow, now=NOW)
    context = app.extensions["referral_service"]
    app.extensions["referral_service"] = replace(context, settings=replace(context.settings, suppress_below=1))
    sign_in(client, people.commissioner)
    return client


def _rows(client: FlaskClient, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_uptake_report_splits_by_source(split: FlaskClient) -> None:
    header, *rows = _rows(split, f"/reports/by-source.csv?{NOVEMBER}")
    assert header[:3] == ["Referral source", "Referred", "Offered a place"]
    by_source = {row[0]: row for row in rows}
    assert by_source["GP referrals"][1] == "2"
    assert by_source["Self-referrals"][1] == "3"
    page = split.get(f"/reports/uptake?{NOVEMBER}").get_data(as_text=True)
    assert "Uptake by referral source" in page


@pytest.mark.parametrize(("source", "referred"), [("self", "3"), ("gp", "2")])
def test_the_source_filter_reaches_every_figure(split: FlaskClient, source: str, referred: str) -> None:
    rows = {row[0]: row[1] for row in _rows(split, f"/reports/uptake.csv?{NOVEMBER}&source={source}")[1:]}
    assert rows["Referred"] == referred
    document = split.get(f"/reports/export.json?{NOVEMBER}&source={source}").get_json()
    assert document["filter"]["source"] == source
    assert "by-source" in document["tables"]
    page = split.get(f"/reports/uptake?{NOVEMBER}&source={source}").get_data(as_text=True)
    assert f'value="{source}" selected' in page
    assert ("self-referrals only" if source == "self" else "GP referrals only") in page


def test_a_wrong_source_is_a_form_error(split: FlaskClient) -> None:
    response = split.get(f"/reports/uptake?{NOVEMBER}&source=fax")
    assert response.status_code == 400
    assert "Choose the referral source from the list" in response.get_data(as_text=True)
