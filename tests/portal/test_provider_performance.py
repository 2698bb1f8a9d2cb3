"""A provider sees how it is doing beside the area: its own figures only, small numbers suppressed,
and opening the page writes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from referral_service.domain.access import Actor
from referral_service.persistence.models import AuditEvent, ReportRefresh
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Forbidden
from referral_service.services.intake import ReferralReceipt
from referral_service.services.performance import first_of_month_back, provider_performance
from referral_service.services.reports import refresh_report_data
from tests.fixtures.portal import People, sign_in
from tests.fixtures.referrals import NOW
from tests.reports.history import build_history

NOVEMBER = "from=2026-11-01&to=2026-11-30"
SMALL = re.compile(r"^[1-7]%?$")


@pytest.fixture
def history(uow: UnitOfWork, refer: Callable[..., ReferralReceipt]) -> dict[str, str]:
    built = build_history(uow, refer)
    with uow:
        refresh_report_data(uow, now=NOW)
    return built


def _actor(uow: UnitOfWork, email: str) -> Actor:
    with uow:
        user = uow.access.portal_user_by_email(email)
        assert user is not None
        return Actor.portal_user(user.id, user.role, user.organisation_id)


def _rows(uow: UnitOfWork, actor: Actor) -> dict[str, tuple[object, ...]]:
    with uow:
        figures = provider_performance(
            uow, actor=actor, today=NOW.date(), threshold=0, arguments={"from": "2026-11-01", "to": "2026-11-30"}
        )
    return {str(row[0]): row[1:] for row in figures.tables[0].rows}


def test_the_figures_are_the_providers_own_beside_the_areas(
    uow: UnitOfWork, people: People, history: dict[str, str]
) -> None:
    mersey = _rows(uow, _actor(uow, people.provider))
    # A and B accepted, C declined; D was Goyt Valley's and expired unanswered
    assert mersey["Referrals offered to the provider"] == (3, 4)
    assert mersey["Accepted (% of offered)"] == (66.7, 50.0)
    assert mersey["Started (first session attended)"] == (2, 2)
    assert mersey["Missed sessions (% of booked)"] == (5.3, 5.3)  # 2 missed of 38 booked
    assert mersey["Completed (% of those who started)"] == (50.0, 50.0)
    assert mersey["Median days from referral to first session"] == (7, 7)
    goyt = _rows(uow, _actor(uow, people.other_provider))
    assert goyt["Referrals offered to the provider"] == (1, 4)
    assert goyt["Accepted (% of offered)"] == (0.0, 50.0)


def test_nobody_but_a_provider_has_own_figures(uow: UnitOfWork, people: People) -> None:
    with pytest.raises(Forbidden):
        provider_performance(uow, actor=_actor(uow, people.commissioner), today=NOW.date(), threshold=7)


def test_every_month_is_listed_and_twelve_by_default() -> None:
    assert first_of_month_back(NOW.date(), 12).isoformat() == "2025-12-01"


def test_the_page_suppresses_small_numbers_and_writes_nothing(
    client: FlaskClient, people: People, uow: UnitOfWork, history: dict[str, str]
) -> None:
    def writes() -> tuple[int, object]:
        with uow:
            return (
                uow.session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
                uow.session.scalar(select(func.max(ReportRefresh.refreshed_at))),
            )

    sign_in(client, people.provider)
    before = writes()
    page = client.get(f"/portal/performance?{NOVEMBER}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert writes() == before
    assert "How we are doing" in html and "November 2026" in html and "1 November 2026 to 30 November 2026" in html
    cells = [re.sub(r"<span[^>]*>[^<]*</span>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", html)]
    assert "*" in cells
    assert [cell for cell in cells if SMALL.match(cell)] == []
    assert not re.search(r"\d{4}-\d\d-\d\d", re.sub(r'(href|value)="[^"]*"', "", html))


@pytest.mark.parametrize("who", ["link_worker", "commissioner", "admin"])
def test_only_provider_staff_open_the_page(client: FlaskClient, people: People, who: str) -> None:
    sign_in(client, getattr(people, who))
    assert client.get("/portal/performance").status_code == 403


def test_a_bad_period_is_refused_in_words(client: FlaskClient, people: People) -> None:
    sign_in(client, people.provider)
    response = client.get("/portal/performance?from=2026-11-30&to=2026-11-01")
    assert response.status_code == 400
    assert "must not be after" in response.get_data(as_text=True)
