"""Every portal page about one referral, found from the app's own URL map (so a new page cannot
escape): nobody but the provider holding the referral reaches it, and nothing of the patient shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.portal import People, sign_in, submit

NOT_HOLDERS = ("other_provider", "link_worker", "commissioner", "admin")


def referral_doors(app: Flask) -> list[tuple[str, str]]:
    """(method, URL rule) for every portal route that takes a referral id."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/portal/") and "referral_id" in rule.arguments
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    )


def test_the_url_map_has_the_referral_doors_this_test_guards(app: Flask) -> None:
    doors = referral_doors(app)
    assert ("GET", "/portal/referrals/<referral_id>") in doors
    assert ("POST", "/portal/referrals/<referral_id>/accept") in doors
    assert ("POST", "/portal/link-worker/<referral_id>/place") in doors
    assert len(doors) >= 18


@pytest.mark.parametrize("who", NOT_HOLDERS)
def test_nobody_but_the_holder_reaches_any_referral_door(
    app: Flask, client: FlaskClient, people: People, offered: Callable[..., str], who: str
) -> None:
    referral_id = offered()
    sign_in(client, getattr(people, who))
    app.config["WTF_CSRF_ENABLED"] = False  # reach each view itself, not only the CSRF check
    reached = {}
    for method, rule in referral_doors(app):
        response = client.open(rule.replace("<referral_id>", referral_id), method=method, data={"reason": "x"})
        body = response.get_data(as_text=True)
        if response.status_code not in (403, 404) or "Jones" in body:
            reached[f"{method} {rule}"] = response.status_code
    assert reached == {}


def test_the_holder_does_reach_the_referral(client: FlaskClient, people: People, offered: Callable[..., str]) -> None:
    """The same referral opens for the provider it was offered to, so the refusals above are real."""
    referral_id = offered()
    sign_in(client, people.provider)
    response = client.get(f"/portal/referrals/{referral_id}")
    assert response.status_code == 200
    assert "Jones" in response.get_data(as_text=True)


def test_a_provider_that_held_a_referral_reads_it_and_opens_no_other_door(
    app: Flask, client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    """After declining, the provider keeps READ only: the referral page opens, read-only; every other
    door (actions, forms, casework) answers as if the referral did not exist."""
    referral_id = offered()
    sign_in(client, people.provider)
    assert submit(client, f"/portal/referrals/{referral_id}/decline", {"reason": "no-capacity"}).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False
    reached = {}
    for method, rule in referral_doors(app):
        if (method, rule) == ("GET", "/portal/referrals/<referral_id>"):
            continue
        response = client.open(rule.replace("<referral_id>", referral_id), method=method, data={"reason": "x"})
        if response.status_code not in (403, 404):
            reached[f"{method} {rule}"] = response.status_code
    assert reached == {}
    page = client.get(f"/portal/referrals/{referral_id}")
    assert page.status_code == 200 and "Jones" in page.get_data(as_text=True)
