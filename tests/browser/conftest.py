"""Browser tests: the real app on a loopback port, set up as `make run` sets it up (migrations, the
demo directory, demo identities and referrals), driven by Debian's Chromium through Playwright.

Nothing is downloaded at run time: Playwright launches the Chromium at CHROMIUM_PATH (default: the
`chromium` on PATH, as `.ci/run` installs it). Without it these tests skip on a workstation and
fail under CI=true, so a CI run can never pass by not running them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from referral_service.app import create_app
from referral_service.cli.demo import send_demo_referrals
from referral_service.config import Settings
from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accounts import create_portal_user
from referral_service.services.demo import seed_demo_identities
from referral_service.services.directory import load_directory
from referral_service.services.passwords import password_hasher
from tests.fixtures.browser import OTHER_PROVIDER, AccessibilityAudit, LivePortal
from tests.fixtures.database import throwaway_database
from tests.fixtures.live import serving

# Each page load is also checked by axe-core at two widths, which takes a moment on a busy machine.
expect.set_options(timeout=15_000)
REFERRER_CALLBACK = "http://127.0.0.1:9/referrer"  # nothing listens: messages stay queued, visibly


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() else None


@pytest.fixture(scope="session")
def live_portal(
    database_url: str, demo_providers: tuple[ProviderDefinition, ...], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LivePortal]:
    with throwaway_database(database_url, tmp_path_factory.mktemp("browser")) as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine)
            factory, hasher, now = make_session_factory(engine), password_hasher("fast"), utcnow()
            with UnitOfWork(factory) as uow:
                load_directory(uow, demo_providers, complete=True)
            with UnitOfWork(factory) as uow:
                seed_demo_identities(uow, hasher=hasher, callback_url=REFERRER_CALLBACK, now=now)
                email, password, slug = OTHER_PROVIDER
                create_portal_user(
                    uow,
                    email=email,
                    display_name="Goyt Valley staff",
                    role=UserRole.PROVIDER,
                    password=password,
                    hasher=hasher,
                    provider_slug=slug,
                    now=now,
                )
        finally:
            engine.dispose()
        settings = Settings.for_tests(
            url, instance_dir=tmp_path_factory.mktemp("instance"), demo=True, demo_allow_any_db=True
        )
        app = create_app(settings)
        with app.app_context():
            send_demo_referrals()  # through the real FHIR intake, as `demo seed` sends them
        with serving(app, "live-portal") as root:
            yield LivePortal(root, url)


@pytest.fixture(scope="session")
def accessibility() -> AccessibilityAudit:
    return AccessibilityAudit()


@pytest.fixture(autouse=True)
def no_accessibility_findings(accessibility: AccessibilityAudit) -> Iterator[None]:
    """Fails the test if axe-core found a violation, or a page scrolled sideways, on any page it visited."""
    accessibility.findings.clear()
    yield
    if accessibility.findings:
        pytest.fail("Accessibility problems on the pages this test visited:\n" + "\n".join(accessibility.findings))


@pytest.fixture(scope="session")
def browser(accessibility: AccessibilityAudit) -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        new_context = launched.new_context

        def audited_context(*args: Any, **kwargs: Any) -> BrowserContext:
            """Every context a test opens, its own `page` and `phone` and any other, is audited."""
            return accessibility.attach(new_context(*args, **kwargs))

        launched.new_context = audited_context  # type: ignore[method-assign]
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, live_portal: LivePortal) -> Iterator[Page]:
    context = browser.new_context(base_url=live_portal.root, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def phone(browser: Browser, live_portal: LivePortal) -> Iterator[Page]:
    """A small touch screen, as on a busy front desk."""
    context = browser.new_context(base_url=live_portal.root, viewport={"width": 390, "height": 844}, is_mobile=True)
    opened = context.new_page()
    yield opened
    context.close()
