"""Issue 18's self-referral in Chromium: a member of the public refers themselves on the public form
(no sign-in) and is offered a place; someone who answers yes on the PAR-Q+ goes to the link worker,
who sees them in the queue with the reason. Every page is checked by the accessibility audit."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from referral_service.domain.self_referral import PAR_Q_PLUS
from tests.fixtures.browser import login

pytestmark = pytest.mark.browser
LINK_WORKER = ("linkworker@example.org", "demo-linkworker-password")
A_PERSON_S_PACE_MS = 3_100  # the form refuses a submit quicker than a person could make it


def _fill_in(page: Page, family_name: str, *, chest_pain: bool) -> None:
    page.goto("/self-referral")
    expect(page.get_by_role("heading", name="Refer yourself")).to_be_visible()
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill(family_name)
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("1972")
    page.get_by_label("Postcode").fill("SK4 3LD")
    page.get_by_label("Email address").fill(f"{family_name.lower()}@example.org")
    page.get_by_role("group", name="Can we email you about this referral?").get_by_label("Yes").check()
    page.get_by_label("Your GP practice").select_option(label="Demo Medical Practice")
    page.get_by_role("group", name="Do you want us to tell your GP practice about this referral?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Led health walks (drop-in groups)").check()
    for question in PAR_Q_PLUS:
        answer = "Yes" if chest_pain and question.key == "chest_pain" else "No"
        page.get_by_role("group", name=question.text).get_by_label(answer).check()
    page.get_by_label("Your height in centimetres (optional)").fill("168")
    page.get_by_label("Your weight in kilograms (optional)").fill("72")
    page.get_by_label("Blood pressure: the top number (optional)").fill("122")
    page.get_by_label("Blood pressure: the bottom number (optional)").fill("78")


def test_a_member_of_the_public_self_refers_and_is_offered_a_place(page: Page) -> None:
    _fill_in(page, f"Walker{uuid.uuid4().hex[:6]}", chest_pain=False)
    page.get_by_label("Postcode").fill("")  # a slip: refused, with every other answer still there
    page.get_by_role("button", name="Send my referral").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.get_by_role("link", name="Enter your postcode").click()
    expect(page.get_by_label("Postcode")).to_be_focused()
    expect(page.get_by_label("Led health walks (drop-in groups)")).to_be_checked()
    expect(page.get_by_label("Blood pressure: the top number (optional)")).to_have_value("122")
    page.get_by_label("Postcode").fill("SK4 3LD")
    page.wait_for_timeout(A_PERSON_S_PACE_MS)
    page.get_by_role("button", name="Send my referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    expect(page.get_by_text("You are offered a place at Led health walks (drop-in groups)")).to_be_visible()
    expect(page.get_by_text("We have also sent this to you by email")).to_be_visible()


def test_a_par_q_yes_goes_to_the_link_worker(page: Page) -> None:
    family_name = f"Careful{uuid.uuid4().hex[:6]}"
    _fill_in(page, family_name, chest_pain=True)
    page.wait_for_timeout(A_PERSON_S_PACE_MS)
    page.get_by_role("button", name="Send my referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    expect(page.get_by_text("A link worker will contact you within 3 working days")).to_be_visible()

    login(page, *LINK_WORKER)
    page.goto("/portal/link-worker")
    page.get_by_role("link", name=f"Sam {family_name}").click()
    expect(page.get_by_text("Self-referral (registered with Demo Medical Practice)")).to_be_visible()
    expect(page.get_by_text("chest pain").first).to_be_visible()
    expect(page.get_by_text("clearance from their GP before exercise").first).to_be_visible()
    expect(page.get_by_role("heading", name="What the person told us")).to_be_visible()
