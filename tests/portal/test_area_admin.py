"""An administrator gives a commissioner an area in user administration; from their next sign-in
their reports cover that area only. Nobody else has an area."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.portal import People, sign_in, submit


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _ids(uow: UnitOfWork, email: str, area: str | None = None) -> tuple[int, int | None, int | None]:
    with uow:
        user = uow.access.portal_user_by_email(email)
        assert user is not None
        wanted = uow.areas.by_slug(area) if area else None
        return user.id, user.area_id, wanted.id if wanted else None


def test_an_administrator_sets_a_commissioners_area_and_their_reports_follow(
    client: FlaskClient, app: Flask, people: People, uow: UnitOfWork
) -> None:
    theirs = app.test_client()
    sign_in(theirs, people.commissioner)
    assert "all practices in" not in theirs.get("/reports/").get_data(as_text=True)
    target, before, south = _ids(uow, people.commissioner, "stockport-south")
    assert before is None
    sign_in(client, people.admin)
    url = f"/portal/admin/users/{target}"
    page = _text(client.get(url).get_data(as_text=True))
    assert "Area Every area" in page  # the summary, in words
    assert "Area (commissioners only)" in page and "Stockport North" in page and "Stockport South" in page

    saved = submit(client, url, {"role": "commissioner", "organisation": "", "area": "stockport-south"})

    assert saved.status_code == 302
    assert _ids(uow, people.commissioner)[1] == south
    assert "Area Stockport South" in _text(client.get(url).get_data(as_text=True))
    assert theirs.get("/reports/").status_code == 302  # signed out: the old session saw every area
    sign_in(theirs, people.commissioner)
    assert "all practices in Stockport South" in theirs.get("/reports/").get_data(as_text=True)


def test_only_a_commissioner_has_an_area(client: FlaskClient, people: People, uow: UnitOfWork) -> None:
    target = _ids(uow, people.link_worker)[0]
    sign_in(client, people.admin)
    url = f"/portal/admin/users/{target}"

    refused = submit(client, url, {"role": "link-worker", "organisation": "", "area": "stockport-north"})
    assert refused.status_code == 422
    assert "Only a commissioner has an area" in refused.get_data(as_text=True)
    unknown = submit(client, url, {"role": "commissioner", "organisation": "", "area": "nowhere-at-all"})
    assert unknown.status_code == 422
    assert "Choose an area from the list" in unknown.get_data(as_text=True)
    assert _ids(uow, people.link_worker)[1] is None


def test_an_invitation_can_give_the_new_commissioner_an_area(
    client: FlaskClient, people: People, uow: UnitOfWork
) -> None:
    sign_in(client, people.admin)
    invited = submit(
        client,
        "/portal/admin/users/invite",
        {
            "display_name": "Nat North",
            "email": "nat@icb.example.org",
            "role": "commissioner",
            "organisation": "",
            "area": "stockport-north",
        },
    )
    assert invited.status_code == 302
    _, area_id, north = _ids(uow, "nat@icb.example.org", "stockport-north")
    assert area_id == north is not None
