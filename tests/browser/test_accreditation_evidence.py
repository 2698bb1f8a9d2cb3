"""Issue 18's accreditation browser test, in Chromium: a provider whose accreditation lapsed uploads
this year's certificate; a commissioner records the accreditation against it; with the clock moved
into its validity a new referral is offered there, and moved past its last day a new referral is
not. The accreditation is dated a year ahead, so the other browser tests (today's clock) never see it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.persistence.engine import SessionFactory, make_engine, make_session_factory
from referral_service.persistence.models import Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import create_portal_user
from referral_service.services.callers import active_client
from referral_service.services.demo import DEMO_CLIENT_ID
from referral_service.services.intake import receive_referral
from referral_service.services.passwords import password_hasher
from tests.factories import incoming
from tests.fixtures.browser import LivePortal, login

pytestmark = pytest.mark.browser
LAPSED = "hazel-grove-health-club"  # the demo provider whose only accreditation ended in March 2025
STAFF = ("desk@hazel-grove-health-club.example.org", "hazel-grove-password")
COMMISSIONER = ("commissioner@example.org", "demo-commissioner-password")
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def live_jobs(live_portal: LivePortal) -> Iterator[SessionFactory]:
    """The served portal's database, for the referrals sent with a moved clock."""
    engine = make_engine(live_portal.database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _staff_of_the_lapsed_provider(session_factory: SessionFactory) -> None:
    with UnitOfWork(session_factory) as uow:
        create_portal_user(
            uow,
            email=STAFF[0],
            display_name="Hazel Grove front desk",
            role=UserRole.PROVIDER,
            password=STAFF[1],
            hasher=password_hasher("fast"),
            provider_slug=LAPSED,
            now=utcnow(),
        )


def _referred_on(session_factory: SessionFactory, day: date) -> str | None:
    """A GP referral from SK7 sent on `day` (its measurements recent then): the service it went to."""
    moment = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    with UnitOfWork(session_factory) as uow:
        gp = active_client(uow, DEMO_CLIENT_ID)
        receipt = receive_referral(uow, incoming(postcode="SK7 1AB", authored=moment), actor=gp, now=moment)
    with UnitOfWork(session_factory) as uow:
        referral = uow.referrals.by_public_id(receipt.referral_id)
        assert referral is not None
        service = uow.session.get(Service, referral.task.service_id) if referral.task.service_id else None
        return service.slug if service is not None else None


def _fill_date(page: Page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_an_accreditation_certificate_is_uploaded_approved_and_its_lapse_stops_offers(
    page: Page, live_jobs: SessionFactory
) -> None:
    _staff_of_the_lapsed_provider(live_jobs)
    login(page, *STAFF)
    page.goto("/portal/accreditation")
    expect(page.get_by_text("No document: recorded from the directory file")).to_be_visible()
    page.get_by_label("What the accreditation is").fill("Exercise referral quality standard")
    page.get_by_label("Certificate or other evidence").set_input_files(
        {"name": "certificate-2027.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Upload evidence").click()
    expect(page.get_by_text("Evidence uploaded")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Waiting for review"))).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    starts = utcnow().date() + timedelta(days=400)
    ends = starts + timedelta(days=100)
    login(page, *COMMISSIONER)
    page.get_by_role("link", name="Accreditations to review").first.click()
    page.get_by_role("link", name="Review the evidence from Hazel Grove Health Club Ltd").click()
    expect(page.get_by_role("link", name=re.compile("Download certificate-2027.pdf"))).to_be_visible()
    page.get_by_label("Accreditation scheme").fill("Exercise referral quality standard (local)")
    page.get_by_label("Level (optional)").fill("3")
    _fill_date(page, "Valid from", starts)
    _fill_date(page, "Valid until", ends)
    page.get_by_role("button", name="Approve and record accreditation").click()
    expect(page.get_by_text("Accreditation recorded for Hazel Grove Health Club Ltd")).to_be_visible()

    assert _referred_on(live_jobs, starts + timedelta(days=10)) == "hghc-exercise-referral"  # approved: offered
    assert _referred_on(live_jobs, ends + timedelta(days=1)) != "hghc-exercise-referral"  # lapsed: at once not

    page.get_by_role("button", name="Sign out").click()
    login(page, *STAFF)
    page.goto("/portal/accreditation")
    expect(page.get_by_role("cell", name=re.compile("Approved"))).to_be_visible()
    expect(page.get_by_role("link", name="Download certificate-2027.pdf")).to_be_visible()
