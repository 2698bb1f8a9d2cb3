"""Places and waiting lists, the link-worker queue, and the administrator's parked messages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select, update

from referral_service.domain.outbox import OutboxStatus
from referral_service.jobs.messages import ServiceIdentity, render
from referral_service.persistence.models import CapacityPool, OutboxMessage, Service
from referral_service.persistence.uow import UnitOfWork
from tests.factories import incoming
from tests.fixtures.portal import People, sign_in, submit
from tests.fixtures.referrals import task_of


def _pool(uow: UnitOfWork, slug: str = "mvl-exercise-referral") -> CapacityPool:
    with uow:
        service = uow.directory.service_by_slug(slug)
        assert isinstance(service, Service)
        pool = uow.session.scalars(select(CapacityPool).where(CapacityPool.service_id == service.id)).first()
        assert pool is not None
        return pool


def _set_places(uow: UnitOfWork, places: int) -> None:
    with uow:
        service = uow.directory.service_by_slug("mvl-exercise-referral")
        assert service is not None
        uow.session.execute(update(CapacityPool).where(CapacityPool.service_id == service.id).values(places=places))


def test_raising_places_offers_them_to_the_waiting_list_in_order(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    _set_places(uow, 1)
    holder = offered(activity=20)
    first_waiting, second_waiting = offered(activity=10), offered(activity=5)
    assert task_of(uow, first_waiting)["business"] == "waitlisted"
    sign_in(client, people.provider)
    page = client.get("/portal/capacity").get_data(as_text=True)
    assert page.index(first_waiting) < page.index(second_waiting)  # shown in queue order

    pool = _pool(uow)
    response = submit(client, "/portal/capacity", {"places": "2"}, action=f"/portal/capacity/{pool.id}")
    assert response.status_code == 302
    flashed = client.get("/portal/referrals").get_data(as_text=True)
    assert "1 waiting patient offered a place" in flashed
    assert task_of(uow, first_waiting)["business"] == "offered"
    assert task_of(uow, second_waiting)["business"] == "waitlisted"
    assert task_of(uow, holder)["business"] == "offered"


def test_places_cannot_go_below_those_taken(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    _set_places(uow, 3)
    offered(), offered()
    sign_in(client, people.provider)
    pool = _pool(uow)
    response = submit(client, "/portal/capacity", {"places": "1"}, action=f"/portal/capacity/{pool.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'href="#places-{pool.id}">2 places are taken' in html
    assert 'value="1"' in html  # what was typed stays in the box


def test_another_providers_places_are_not_found(client: FlaskClient, people: People, uow: UnitOfWork) -> None:
    pool = _pool(uow)
    sign_in(client, people.other_provider)
    page = client.get("/portal/capacity").get_data(as_text=True)
    assert f"/portal/capacity/{pool.id}" not in page
    response = submit(client, "/portal/capacity", {"places": "50"}, action=f"/portal/capacity/{pool.id}")
    assert response.status_code == 404


def test_the_link_worker_asks_the_referrer_and_the_question_goes_out_as_fhir(
    client: FlaskClient,
    people: People,
    refer,
    uow: UnitOfWork,  # type: ignore[no-untyped-def]
) -> None:
    with uow:
        gp = uow.access.api_client("gp-system")
        assert gp is not None
        gp.callback_url = "http://127.0.0.1:9/referrer"
    referral_id = refer(incoming(bp=(185, 115))).referral_id  # too high for any exercise service
    assert task_of(uow, referral_id)["business"] == "link-worker"
    sign_in(client, people.link_worker)
    queue = client.get("/portal/link-worker").get_data(as_text=True)
    assert "Sam Jones" in queue and "BP" in queue

    question = "Please send a blood pressure reading taken after the medication change."
    response = submit(client, f"/portal/link-worker/{referral_id}/ask", {"question": question})
    assert response.status_code == 302
    with uow:
        message = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_type == "information-requested")
        ).one()
        bundle = json.loads(render(json.loads(message.payload), ServiceIdentity("X99001", "endpoint")))
    request = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CommunicationRequest")
    assert request["payload"] == [{"contentString": question}]
    assert task_of(uow, referral_id)["business"] == "link-worker"  # still waiting for a person


def test_the_link_worker_places_by_hand_or_closes_with_a_reason(
    client: FlaskClient,
    people: People,
    refer,
    uow: UnitOfWork,  # type: ignore[no-untyped-def]
) -> None:
    # BP not known (not a clinical exclusion): a person may place; 185/115 is for the GP, so closed.
    placed, closed = refer(incoming(bp=None)).referral_id, refer(incoming(bp=(185, 115))).referral_id
    sign_in(client, people.link_worker)
    missing = submit(client, f"/portal/link-worker/{placed}/place", {"service": "mvl-exercise-referral"})
    assert missing.status_code == 400 and "Say why you are overriding triage" in missing.get_data(as_text=True)
    response = submit(
        client,
        f"/portal/link-worker/{placed}/place",
        {"service": "mvl-exercise-referral", "override_reason": "BP 132/84 on the phone today"},
    )
    assert response.status_code == 302
    assert task_of(uow, placed)["service"] == "mvl-exercise-referral"
    assert submit(client, f"/portal/link-worker/{closed}/close", {"reason": "Needs cardiac rehab"}).status_code == 302
    task = task_of(uow, closed)
    assert (task["status"], task["reason"]) == ("rejected", "Needs cardiac rehab")
    # no longer in the queue, but in the link worker's caseload: readable, with nothing left to decide
    page = client.get(f"/portal/referrals/{closed}")
    assert page.status_code == 200
    assert "This referral is closed" in page.get_data(as_text=True)
    assert "Place with a service" not in page.get_data(as_text=True)
    assert client.get(f"/portal/link-worker/{closed}/place").status_code == 404


def test_administrators_retry_and_resolve_parked_messages(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    with uow:
        gp = uow.access.api_client("gp-system")
        assert gp is not None
        gp.callback_url = "http://127.0.0.1:9/referrer"
    first, second = offered(), offered()
    sign_in(client, people.provider)
    for referral_id in (first, second):
        base = f"/portal/referrals/{referral_id}"
        submit(client, base, {}, action=f"{base}/accept")
    with uow:
        uow.session.execute(update(OutboxMessage).values(status=OutboxStatus.PARKED, attempts=10, last_status_code=400))
        ids = [m.public_id for m in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    client.post("/logout")
    sign_in(client, people.admin)
    page = client.get("/portal/admin").get_data(as_text=True)
    assert "Parked messages (2)" in page and "http://127.0.0.1:9/referrer" in page
    assert "Sam" not in page  # no patient data for administrators
    assert submit(client, "/portal/admin", {}, action=f"/portal/admin/messages/{ids[0]}/retry").status_code == 302
    refused = submit(client, "/portal/admin", {"reason": ""}, action=f"/portal/admin/messages/{ids[1]}/resolve")
    assert refused.status_code == 400 and "Say how the message was dealt with" in refused.get_data(as_text=True)
    done = submit(
        client, "/portal/admin", {"reason": "Sent by email"}, action=f"/portal/admin/messages/{ids[1]}/resolve"
    )
    assert done.status_code == 302
    with uow:
        statuses = [m.status for m in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.RESOLVED]
    assert re.search(r"Parked messages \(0\)", client.get("/portal/admin").get_data(as_text=True))


def test_retrying_a_message_someone_else_already_resolved_says_so(
    client: FlaskClient, people: People, offered: Callable[..., str], uow: UnitOfWork
) -> None:
    with uow:
        gp = uow.access.api_client("gp-system")
        assert gp is not None
        gp.callback_url = "http://127.0.0.1:9/referrer"
    referral_id = offered()
    sign_in(client, people.provider)
    base = f"/portal/referrals/{referral_id}"
    submit(client, base, {}, action=f"{base}/accept")
    with uow:
        uow.session.execute(update(OutboxMessage).values(status=OutboxStatus.RESOLVED, resolved_reason="phoned"))
        message_id = uow.session.scalars(select(OutboxMessage.public_id)).one()
    client.post("/logout")
    sign_in(client, people.admin)
    # a page opened before the message was resolved elsewhere: the session's CSRF token is the same
    response = submit(client, "/login", {}, action=f"/portal/admin/messages/{message_id}/retry")
    assert response.status_code == 302
    assert "Not retried: message" in client.get("/portal/admin").get_data(as_text=True)
    with uow:
        assert uow.session.scalars(select(OutboxMessage.status)).one() is OutboxStatus.RESOLVED
