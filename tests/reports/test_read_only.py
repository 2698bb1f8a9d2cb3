"""Opening a report never writes: every report page, CSV and the export, over HTTP, issue only reads.

The summary the pages read is brought up to date by the scheduler's refresh-reports tick; before
issue 19 each page refreshed it itself (DELETE, INSERT … SELECT, an UPDATE of the mark row under
FOR UPDATE), so two commissioners opening pages queued on one lock and a read-only role could not serve them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from referral_service.config import Settings
from referral_service.jobs.tasks import refresh_reports
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.intake import ReferralReceipt
from tests.fixtures.portal import People, sign_in
from tests.reports.history import build_history

NOVEMBER = "from=2026-11-01&to=2026-11-30"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|CREATE|DROP|ALTER)\b|\bFOR UPDATE\b", re.IGNORECASE)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """No suppression, so the counts of the small history can be read."""
    return Settings.for_tests(database_url, instance_dir=tmp_path / "instance", suppress_below=1)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement the database is sent while the test runs."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _report_links(html: str) -> set[str]:
    return {link.replace("&amp;", "&") for link in re.findall(r'href="(/reports/[^"]*)"', html)}


def test_opening_every_report_page_csv_and_export_writes_nothing(
    client: FlaskClient,
    people: People,
    uow: UnitOfWork,
    refer: Callable[..., ReferralReceipt],
    statements: list[str],
) -> None:
    build_history(uow, refer)  # history the summary has not caught up with: a page used to catch it up
    sign_in(client, people.commissioner)
    statements.clear()
    to_open, opened = {f"/reports/?{NOVEMBER}"}, set()
    while to_open:
        url = to_open.pop()
        opened.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            to_open |= _report_links(response.get_data(as_text=True)) - opened
    assert {"/reports/uptake", "/reports/quality", "/reports/export.json", "/reports/uptake.csv"} <= {
        url.split("?")[0] for url in opened
    }
    assert len(statements) > len(opened)  # the listener saw the pages' reads
    writes = [statement for statement in statements if WRITES.search(statement)]
    assert writes == [], f"{len(opened)} report URLs opened, writes: {writes[:5]}"


def _referred(client: FlaskClient) -> str:
    rows = csv.reader(io.StringIO(client.get(f"/reports/uptake.csv?{NOVEMBER}").get_data(as_text=True)))
    return {row[0]: row[1] for row in rows}["Referred"]


def test_the_scheduler_tick_keeps_the_pages_current(
    client: FlaskClient,
    people: People,
    uow: UnitOfWork,
    session_factory: SessionFactory,
    refer: Callable[..., ReferralReceipt],
) -> None:
    sign_in(client, people.commissioner)
    build_history(uow, refer)
    assert _referred(client) == "0"  # the page shows the summary as it stands: it does not refresh it
    report = refresh_reports(session_factory)
    assert (report.name, report.failed) == ("refresh-reports", 0)
    assert _referred(client) == "6"
