"""Issue 17's administration journey in Chromium, with real email: an administrator invites a user,
who sets a password from the emailed link (the sender job over SMTP to aiosmtpd on loopback) and
signs in; and someone who forgot their password resets it from an emailed link, which signs out
the session they left open elsewhere."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from referral_service.domain.clock import utcnow
from referral_service.jobs.channels import Channels
from referral_service.jobs.notifications import send_notifications
from referral_service.persistence.engine import make_engine, make_session_factory
from tests.fixtures.browser import LivePortal, login
from tests.fixtures.smtp import Mailbox

pytestmark = pytest.mark.browser
ADMIN = ("admin@example.org", "demo-admin-password")
FIRST_PASSWORD = "a walk by the canal at dusk"
SECOND_PASSWORD = "porridge with honey on tuesdays"


def _emailed_link(live_portal: LivePortal, smtp_server: Mailbox, to: str) -> str:
    """Run the notification sender as the scheduler does, over SMTP; the newest link emailed to `to`."""
    channels = Channels(
        public_url=live_portal.root, smtp_url=smtp_server.url, mail_from="referrals@example.org", timeout=5
    )
    engine = make_engine(live_portal.database_url)
    try:
        send_notifications(make_session_factory(engine), channels, now=utcnow)
    finally:
        engine.dispose()
    bodies = [m.get_payload(decode=True).decode() for m in smtp_server.messages if m["To"] == to]
    links = re.findall(re.escape(live_portal.root) + r"/account/[a-z-]+\?token=[\w-]+", "\n".join(bodies))
    assert links, f"no link was emailed to {to}"
    return str(links[-1])


def test_an_invited_user_sets_a_password_from_the_email_and_then_resets_it(
    page: Page, browser: Browser, live_portal: LivePortal, smtp_server: Mailbox
) -> None:
    name = f"Robin {uuid.uuid4().hex[:6]}"
    email = f"{name.replace(' ', '.').lower()}@example.org"

    login(page, *ADMIN)
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Invite a user").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Commissioner", exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text(f"The invitation to {email} is queued to send")).to_be_visible()
    expect(page.locator("#account-status")).to_have_text("Inactive")
    expect(page.locator("#invitation")).to_contain_text("the link works until")

    theirs = browser.new_context(base_url=live_portal.root).new_page()
    theirs.goto(_emailed_link(live_portal, smtp_server, email))
    expect(theirs.get_by_role("heading", name="Set your password")).to_be_visible()
    theirs.get_by_label("New password", exact=True).fill(FIRST_PASSWORD)
    theirs.get_by_label("Type the new password again").fill(FIRST_PASSWORD)
    theirs.get_by_role("button", name="Set my password").click()
    expect(theirs.get_by_text("Your password is set")).to_be_visible()
    login(theirs, email, FIRST_PASSWORD)
    expect(theirs.get_by_role("heading", level=1)).to_contain_text("Commissioner reports")

    page.reload()
    expect(page.locator("#account-status")).to_have_text("Active")
    expect(page.locator("#invitation")).to_have_text("Accepted")

    # Later, on another computer, they have forgotten the password.
    other = browser.new_context(base_url=live_portal.root).new_page()
    other.goto("/login")
    other.get_by_role("link", name="Forgotten your password?").click()
    other.get_by_label("Email address").fill(email)
    other.get_by_role("button", name="Email me a link").click()
    expect(other.get_by_role("heading", name="Check your email")).to_be_visible()
    other.goto(_emailed_link(live_portal, smtp_server, email))
    expect(other.get_by_role("heading", name="Choose a new password")).to_be_visible()
    other.get_by_label("New password", exact=True).fill(SECOND_PASSWORD)
    other.get_by_label("Type the new password again").fill(SECOND_PASSWORD)
    other.get_by_role("button", name="Change my password").click()
    expect(other.get_by_text("Your password has been changed")).to_be_visible()
    login(other, email, SECOND_PASSWORD)

    theirs.goto("/reports/")  # the session left open on the first computer has ended
    expect(theirs.get_by_label("Password")).to_be_visible()
    theirs.context.close()
    other.context.close()
