"""In Chromium: an administrator changes a user's role and deactivates them (they are signed out at
once, and cannot sign in again); a provider opens how it is doing beside the area."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import create_portal_user
from referral_service.services.passwords import password_hasher
from tests.fixtures.browser import LivePortal, login, screenshot

ADMIN = ("admin@example.org", "demo-admin-password")
PROVIDER = ("provider@example.org", "demo-provider-password")
PASSWORD = "a-long-enough-password"


def _new_provider_user(live_portal: LivePortal) -> tuple[str, str]:
    """A provider user of the first demo provider, for this test alone (the live portal is shared)."""
    name = f"Sam {uuid.uuid4().hex[:6]}"
    email = f"{name.replace(' ', '.').lower()}@mersey.example.org"
    engine = make_engine(live_portal.database_url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            create_portal_user(
                uow,
                email=email,
                display_name=name,
                role=UserRole.PROVIDER,
                password=PASSWORD,
                hasher=password_hasher("fast"),
                provider_slug="mersey-vale-leisure",
                now=utcnow(),
            )
    finally:
        engine.dispose()
    return name, email


def _signed_out(page: Page) -> None:
    page.goto("/portal/referrals")
    expect(page.get_by_label("Password")).to_be_visible()


def test_an_administrator_changes_a_role_and_deactivates_the_user(
    page: Page, browser: Browser, live_portal: LivePortal
) -> None:
    name, email = _new_provider_user(live_portal)
    theirs = browser.new_context(base_url=live_portal.root).new_page()
    login(theirs, email, PASSWORD)
    expect(theirs.get_by_role("heading", name="Referrals", exact=True)).to_be_visible()

    login(page, *ADMIN)
    page.get_by_role("link", name="Users").click()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("Provider staff")
    expect(row).to_contain_text("Active")
    row.get_by_role("link", name=name).click()
    page.get_by_label("Link worker").check()
    page.get_by_label("Provider (provider staff only)").select_option(label="None")
    page.get_by_role("button", name="Save role and provider").click()
    expect(page.get_by_text("Role and provider saved")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="Link worker")).to_be_visible()

    _signed_out(theirs)  # the new role takes effect at once: they sign in again
    login(theirs, email, PASSWORD)
    theirs.goto("/portal/link-worker")
    expect(theirs.get_by_role("heading", name="Link-worker queue")).to_be_visible()

    page.get_by_role("button", name=f"Deactivate {name}").click()
    expect(page.get_by_text("Account deactivated")).to_be_visible()
    expect(page.locator("#account-status")).to_have_text("Inactive")
    screenshot(page, "user-administration")

    _signed_out(theirs)
    theirs.get_by_label("Email address").fill(email)
    theirs.get_by_label("Password").fill(PASSWORD)
    theirs.get_by_role("button", name="Sign in").click()
    expect(theirs.get_by_role("button", name="Sign out")).to_have_count(0)

    page.reload()
    history = page.get_by_role("table").filter(has_text="Result")
    expect(history).to_contain_text("Refused: account deactivated")
    expect(history.get_by_role("row").filter(has_text="Signed in")).to_have_count(2)
    theirs.context.close()


def test_a_provider_sees_how_it_is_doing_beside_the_area(page: Page) -> None:
    login(page, *PROVIDER)
    page.get_by_role("link", name="How we are doing").click()
    expect(page.get_by_role("heading", name="How we are doing", level=1)).to_be_visible()
    summary = page.get_by_role("table").first
    expect(summary.get_by_role("columnheader", name="Your organisation")).to_be_visible()
    expect(summary.get_by_role("columnheader", name="All providers in the area")).to_be_visible()
    expect(summary).to_contain_text("Accepted (% of offered)")
    expect(page.get_by_role("heading", name="Your organisation by month")).to_be_visible()
    expect(page.get_by_role("table").nth(1).get_by_role("row")).to_have_count(13)  # a header and twelve months
    screenshot(page, "provider-performance")
