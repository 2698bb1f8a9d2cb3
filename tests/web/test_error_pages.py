"""Browser routes answer errors with an NHS.UK page (the base template, a title in words, a way back);
the FHIR API keeps OperationOutcomes and the open directory keeps JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

import referral_service.portal.referrals as referral_pages
from tests.fixtures.portal import People, sign_in
from tests.portal.test_plain_words import visible_text


def assert_error_page(response, status: int, title: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'class="nhsuk-header' in html and 'class="nhsuk-footer' in html  # the base template
    text = visible_text(html)
    assert title in text
    assert 'href="/"' in html and "Go to the start page" in text  # a way back
    assert "Traceback" not in html
    return text


@pytest.mark.parametrize("url", ["/portal/no-such-page", "/reports/no-such-page", "/login/no-such-page"])
def test_an_unknown_page_is_an_html_not_found_page(client: FlaskClient, people: People, url: str) -> None:
    sign_in(client, people.provider)
    assert_error_page(client.get(url), 404, "Page not found")


def test_another_providers_referral_is_a_not_found_page(
    client: FlaskClient, people: People, offered: Callable[..., str]
) -> None:
    referral_id = offered()
    sign_in(client, people.other_provider)
    text = assert_error_page(client.get(f"/portal/referrals/{referral_id}"), 404, "Page not found")
    assert referral_id not in text


def test_a_page_for_another_role_is_an_html_forbidden_page(client: FlaskClient, people: People) -> None:
    sign_in(client, people.provider)
    assert_error_page(client.get("/reports/"), 403, "You do not have access to this page")


def test_the_wrong_method_is_an_html_page(client: FlaskClient, people: People, offered: Callable[..., str]) -> None:
    sign_in(client, people.provider)
    response = client.get(f"/portal/referrals/{offered()}/accept")  # a button's address, typed in
    assert_error_page(response, 405, "That cannot be done here")


def test_an_unexpected_failure_is_an_html_page_with_the_request_id(
    client: FlaskClient, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Sam Jones 9434765919")  # what an error message might carry

    monkeypatch.setattr(referral_pages, "provider_caseload", broken)
    sign_in(client, people.provider)
    response = client.get("/portal/referrals", headers={"X-Request-Id": "req-500-page"})
    text = assert_error_page(response, 500, "Sorry, there is a problem with the service")
    assert "Sam Jones" not in text and "9434765919" not in text
    assert "req-500-page" in text or response.headers.get("X-Request-Id", "") in text


def test_the_fhir_api_keeps_operation_outcomes(client: FlaskClient) -> None:
    response = client.get("/fhir/NoSuchResource")
    assert response.status_code == 404
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_the_open_directory_keeps_json(client: FlaskClient) -> None:
    response = client.get("/oruk/services/no-such-service")
    assert response.status_code == 404
    assert response.is_json and "<html" not in response.get_data(as_text=True)
