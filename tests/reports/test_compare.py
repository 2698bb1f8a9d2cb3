"""Commissioners compare practices and providers; the filter in force is stated on every page, the
waits show every month, and a bad period is a form error on the page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from referral_service.persistence.uow import UnitOfWork
from referral_service.services.intake import ReferralReceipt
from tests.fixtures.portal import People, sign_in
from tests.reports.history import build_history
from tests.reports.test_figures import NOVEMBER, report, rows
from tests.reports.test_views import PAGES

QUERY = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def history(uow: UnitOfWork, refer: Callable[..., ReferralReceipt]) -> dict[str, str]:
    return build_history(uow, refer)


@pytest.fixture
def commissioner(client: FlaskClient, people: People) -> FlaskClient:
    sign_in(client, people.commissioner)
    return client


def _load_sizes(runner: FlaskCliRunner, tmp_path: Path, text: str) -> str:
    path = tmp_path / "list_sizes.csv"
    path.write_text(text)
    result = runner.invoke(args=["practices", "load-list-sizes", str(path)])
    return str(result.output) + ("" if result.exit_code == 0 else f" (exit {result.exit_code})")


def test_practices_and_providers_side_by_side_with_rates_per_thousand(
    uow: UnitOfWork, history: dict[str, str], runner: FlaskCliRunner, tmp_path: Path
) -> None:
    before = report(uow)
    (practice,) = [name for name in rows(before, "compare-practices") if name != "All practices"]
    assert rows(before, "compare-practices")[practice][1] is None  # no list sizes loaded: no rate
    assert "list sizes are loaded" in before.table("compare-practices").note

    assert "1 practice list sizes loaded" in _load_sizes(runner, tmp_path, "ORG_CODE,NUMBER_OF_PATIENTS\nP88001,4000\n")
    figures = report(uow)
    practices = rows(figures, "compare-practices")
    # six referrals; A and B started (2 of 6); 2 missed of 38 booked; A completed of the 2; first sessions days 10 and 7
    assert practices[practice] == (6, 1.5, 33.3, 5.3, 50.0, 7)
    assert practices["All practices"] == (6, 1.5, 33.3, 5.3, 50.0, 7)
    providers = rows(figures, "compare-providers")
    assert providers["Mersey Vale Leisure Trust"][:3] == (3, 66.7, 5.3)
    assert providers["All providers"][0] == 6
    assert [c.label for c in figures.table("compare-providers").columns][1:3] == ["Referrals", "Uptake %"]


def test_a_bad_list_size_file_is_refused_by_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    output = _load_sizes(runner, tmp_path, "ORG_CODE,NUMBER_OF_PATIENTS\nP88001,4000\nP88002,lots\n")
    assert "line 3" in output and "whole number" in output and "(exit 1)" in output


def test_small_numbers_are_suppressed_in_the_comparison(uow: UnitOfWork, history: dict[str, str]) -> None:
    practices = rows(report(uow, NOVEMBER, threshold=7), "compare-practices")
    # six referrals: the count and every rate and wait worked out from it are hidden; no list size, no rate
    assert practices["All practices"] == ("*", None, "*", "*", "*", "*")


def test_every_page_states_the_filter_in_force(commissioner: FlaskClient, history: dict[str, str]) -> None:
    for url in PAGES:
        html = commissioner.get(f"{url}?{QUERY}").get_data(as_text=True)
        assert "Referrals received 1 November 2026 to 30 November 2026, all practices" in html, url
    html = commissioner.get(f"/reports/compare?{QUERY}&practice=P88001&provider=mersey-vale-leisure").get_data(
        as_text=True
    )
    assert re.search(r"Referrals received 1 November 2026 to 30 November 2026, [^,<]+, Mersey Vale Leisure Trust", html)


def test_the_waits_show_every_month_empty_ones_included(commissioner: FlaskClient, history: dict[str, str]) -> None:
    text = commissioner.get("/reports/waits-by-month.csv?from=2026-08-15&to=2026-11-30").get_data(as_text=True)
    months = [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]
    assert months == ["2026-08", "2026-09", "2026-10", "2026-11"]
    html = commissioner.get("/reports/waits?from=2026-08-15&to=2026-11-30").get_data(as_text=True)
    assert html.count("2026-09") >= 2  # in the chart and in the table


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-11-30&to=2026-11-01", "from", "The end date must be the same as or after the start date"),
        ("from=2026-02-30&to=2026-11-01", "from", "Enter a real date for the start date, for example 1 April 2026"),
        ("from=2026-02-01&to=2026-13-01", "to", "Enter a real date for the end date, for example 1 April 2026"),
    ],
)
def test_a_bad_period_is_a_form_error_on_the_page(
    commissioner: FlaskClient, query: str, field: str, message: str
) -> None:
    response = commissioner.get(f"/reports/compare?{query}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "nhsuk-error-summary" in html and f'<a href="#{field}">{message}</a>' in html
    assert f'id="{field}-error"' in html and "<title>Error: " in html
    assert 'name="from-day"' in html and "Show the report" in html  # the form is there to correct it
    assert "<table" not in html


def test_the_comparison_downloads_as_csv_and_is_in_the_export(
    commissioner: FlaskClient, history: dict[str, str]
) -> None:
    for key in ("compare-practices", "compare-providers"):
        response = commissioner.get(f"/reports/{key}.csv?{QUERY}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert table[0][:2] == ["Practice" if "practices" in key else "Provider", "Referrals"]
        assert table[-1][0] in ("All practices", "All providers")
    document = commissioner.get(f"/reports/export.json?{QUERY}").get_json()
    assert {"compare-practices", "compare-providers"} <= set(document["tables"])
