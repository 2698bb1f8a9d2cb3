"""A commissioner in a real browser: sign in, read the funnel, equity and gaps, charts beside their tables.

The reports need volume to show anything unsuppressed, so this module serves its own app over a
throwaway database holding a small synthetic history (the `demo generate` bulk path).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from referral_service.app import create_app
from referral_service.config import PROJECT_ROOT, Settings
from referral_service.domain.clock import utcnow
from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.lookups import read_lsoa_deciles, read_postcode_lsoas, read_practice_pcns
from referral_service.services.demo import seed_demo_identities
from referral_service.services.deprivation import apply_deprivation, store_deciles, store_postcodes, store_practice_pcns
from referral_service.services.directory import load_directory
from referral_service.services.passwords import password_hasher
from referral_service.services.synthetic.generate import finish_generation, generate_batch, prepare_catalogue
from tests.fixtures.browser import login, screenshot
from tests.fixtures.database import throwaway_database
from tests.fixtures.live import serving

pytestmark = pytest.mark.browser
COMMISSIONER = ("commissioner@example.org", "demo-commissioner-password")
LOOKUPS = PROJECT_ROOT / "deprivation" / "demo"


@pytest.fixture(scope="module")
def reports_root(
    database_url: str, demo_providers: tuple[ProviderDefinition, ...], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with throwaway_database(database_url, tmp_path_factory.mktemp("reports-browser")) as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine)
            factory, now = make_session_factory(engine), utcnow()
            with UnitOfWork(factory) as uow:
                load_directory(uow, demo_providers, complete=True)
                seed_demo_identities(uow, hasher=password_hasher("fast"), callback_url=None, now=now)
                store_deciles(uow, list(read_lsoa_deciles(LOOKUPS / "lsoa_imd.csv")))
                store_postcodes(uow, list(read_postcode_lsoas(LOOKUPS / "postcode_lsoa.csv")))
                store_practice_pcns(uow, list(read_practice_pcns(LOOKUPS / "practice_pcns.csv")))
            with UnitOfWork(factory) as uow:
                generate_batch(uow, prepare_catalogue(uow), seed=7, batch=0, count=3000, now=now)
            with UnitOfWork(factory) as uow:
                apply_deprivation(uow, now=now)
                finish_generation(uow, now=now)
        finally:
            engine.dispose()
        app = create_app(Settings.for_tests(url, instance_dir=tmp_path_factory.mktemp("instance")))
        with serving(app, "live-reports") as root:
            yield root


@pytest.fixture
def reports_page(browser: Browser, reports_root: str) -> Iterator[Page]:
    context = browser.new_context(base_url=reports_root, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def _chart_and_table(page: Page, heading: str) -> None:
    section = page.locator("section", has=page.get_by_role("heading", name=heading, exact=True))
    expect(section.get_by_role("img")).to_be_visible()
    expect(section.get_by_role("table")).to_be_visible()


def test_a_commissioner_reads_the_reports(reports_page: Page) -> None:
    page = reports_page
    login(page, *COMMISSIONER)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Uptake")
    _chart_and_table(page, "Uptake funnel")
    expect(page.get_by_role("row", name="First attendance")).to_be_visible()
    screenshot(page, "reports-uptake")

    page.get_by_role("link", name="Equity").click()
    _chart_and_table(page, "By IMD quintile")
    expect(page.get_by_role("rowheader", name="Most deprived fifth", exact=True)).to_be_visible()
    expect(page.get_by_role("rowheader", name="Not known").first).to_be_visible()
    screenshot(page, "reports-equity")

    page.get_by_role("link", name="Gaps in provision").click()
    _chart_and_table(page, "Unmet demand by area (postcode district)")
    page.get_by_role("link", name="Waits").click()
    _chart_and_table(page, "Waits by month of referral (median days)")

    page.get_by_text("Filter the report").click()
    page.get_by_label("Primary care network").select_option("U99001")
    page.get_by_role("button", name="Show the report").click()
    expect(page).to_have_url(re.compile(r"pcn=U99001"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table as CSV (Waits)").click()
    saved = Path(download.value.path())
    assert saved.read_text().startswith("Wait,Referrals,Median days")
