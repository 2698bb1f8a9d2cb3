"""Two independent FHIR client libraries (fhirpy, SMART's fhirclient) search the running service as
GP systems do: pages with `_count` and `next` links, counts, `_include`, lenient handling of
parameters we do not know, and the README's polling loop, over real HTTP."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests
from fhirclient.models.servicerequest import ServiceRequest as ClientServiceRequest
from fhirclient.models.task import Task as ClientTask
from fhirclient.server import FHIRServer
from fhirpy import SyncFHIRClient

from referral_service.fhir.ukcore import NHS_NUMBER_SYSTEM
from tests.fhir.test_fhir_client_library import (  # noqa: F401  (module fixtures, served per module)
    TIMEOUT,
    LiveService,
    PostedReferral,
    live_database_url,
    live_service,
    post_referral,
)
from tests.fixtures.fhir import VALID_NHS_NUMBER

README = Path(__file__).resolve().parents[2] / "README.md"
REFERRALS = 7


@pytest.fixture(scope="module")
def referrals(live_service: LiveService) -> list[PostedReferral]:  # noqa: F811
    return [post_referral(live_service) for _ in range(REFERRALS)]


def lenient(service: LiveService) -> SyncFHIRClient:
    """fhirpy as a GP system would configure it: it adds `_totalMethod` to counts, which we do not know."""
    return SyncFHIRClient(
        service.fhir_base,
        authorization=f"Bearer {service.token}",
        extra_headers={"Prefer": "handling=lenient"},
        requests_config={"timeout": TIMEOUT},
    )


def smart_server(service: LiveService) -> FHIRServer:
    server = FHIRServer(None, base_uri=service.fhir_base)
    server.session.headers["Authorization"] = f"Bearer {service.token}"
    return server


def test_count_pages_the_search_with_next_links_that_fetch_all_follows(
    live_service: LiveService,  # noqa: F811
    referrals: list[PostedReferral],
) -> None:
    client = lenient(live_service)

    first_page = client.resources("Task").search(_lastUpdated="gt2000-01-01T00:00:00Z").limit(3).fetch_raw()
    everything = client.resources("Task").search(_lastUpdated="gt2000-01-01T00:00:00Z").limit(3).fetch_all()

    assert len(first_page["entry"]) == 3
    relations = {link["relation"] for link in first_page["link"]}
    assert {"self", "first", "next"} <= relations and "previous" not in relations
    assert first_page["total"] >= REFERRALS
    assert len(everything) == first_page["total"]
    assert {posted.task_id for posted in referrals} <= {task.id for task in everything}
    second = requests.get(
        next(link["url"] for link in first_page["link"] if link["relation"] == "next"),
        headers={"Authorization": f"Bearer {live_service.token}"},
        timeout=TIMEOUT,
    ).json()
    assert "previous" in {link["relation"] for link in second["link"]}
    assert not {e["resource"]["id"] for e in second["entry"]} & {e["resource"]["id"] for e in first_page["entry"]}


def test_count_and_summary_count_answer_the_total_only(
    live_service: LiveService,  # noqa: F811
    referrals: list[PostedReferral],
) -> None:
    client = lenient(live_service)
    everything = client.resources("Task").search(_lastUpdated="gt2000-01-01T00:00:00Z").fetch_all()

    counted = client.resources("Task").search(_lastUpdated="gt2000-01-01T00:00:00Z").count()
    summary = client.resources("ServiceRequest").search(
        **{"patient:identifier": f"{NHS_NUMBER_SYSTEM}|{VALID_NHS_NUMBER}"}
    )
    raw = summary.clone(_summary="count").fetch_raw()
    no_total_page = (
        client.resources("Task").search(_lastUpdated="gt2000-01-01T00:00:00Z", _total="none").limit(2).fetch_raw()
    )

    assert counted == len(everything) >= REFERRALS
    assert raw["total"] >= REFERRALS and "entry" not in raw
    assert "total" not in no_total_page and len(no_total_page["entry"]) == 2


def test_an_unknown_parameter_is_refused_unless_the_client_asks_for_lenient_handling(
    live_service: LiveService,  # noqa: F811
    referrals: list[PostedReferral],
) -> None:
    url = f"{live_service.fhir_base}/Task?_lastUpdated=gt2000-01-01T00:00:00Z&colour=blue&_count=1"
    authorised = {"Authorization": f"Bearer {live_service.token}"}

    strict = requests.get(url, headers=authorised, timeout=TIMEOUT)
    relaxed = requests.get(url, headers={**authorised, "Prefer": "handling=lenient"}, timeout=TIMEOUT)

    assert strict.status_code == 400
    assert strict.json()["issue"][0]["details"]["coding"][0]["code"] == "REC_BAD_REQUEST"
    assert "colour" in strict.json()["issue"][0]["diagnostics"]
    assert relaxed.status_code == 200 and len(relaxed.json()["entry"]) == 1


def test_a_paged_search_including_the_focus_carries_each_pages_referrals(
    live_service: LiveService,  # noqa: F811
    referrals: list[PostedReferral],
) -> None:
    search = lenient(live_service).resources("Task").search(_lastUpdated="gt2000-01-01T00:00:00Z").limit(2)

    page = search.include("Task", "focus").fetch_raw()

    matches = [e["resource"] for e in page["entry"] if e["search"]["mode"] == "match"]
    included = {e["resource"]["id"] for e in page["entry"] if e["search"]["mode"] == "include"}
    assert len(matches) == 2
    assert included == {task["focus"]["reference"].removeprefix("ServiceRequest/") for task in matches}


def test_fhirclient_reads_and_pages_through_searches(
    live_service: LiveService,  # noqa: F811
    referrals: list[PostedReferral],
) -> None:
    server = smart_server(live_service)
    posted = referrals[0]

    service_request = ClientServiceRequest.read(posted.service_request_id, server)
    task = ClientTask.read(posted.task_id, server)
    pages = list(ClientTask.where({"_lastUpdated": "gt2000-01-01T00:00:00Z", "_count": "2"}).perform_iter(server))
    by_focus = list(
        ClientTask.where({"focus": f"ServiceRequest/{posted.service_request_id}"}).perform_resources_iter(server)
    )

    assert service_request.id == posted.service_request_id and service_request.status == "active"
    assert task.focus.reference == f"ServiceRequest/{posted.service_request_id}"
    assert len(pages) >= REFERRALS // 2 + 1
    assert all(len(page.entry) <= 2 for page in pages)
    assert sum(len(page.entry) for page in pages) == pages[0].total
    assert [found.id for found in by_focus] == [posted.task_id]


def readme_polling_loop() -> dict[str, Any]:
    """The README's polling block, run as written (its `__main__` loop is not entered)."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- polling loop -->\s*```python\n(.*?)```", text, re.DOTALL)
    assert block is not None, "the README has lost its polling loop"
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(block.group(1), str(README), "exec"), namespace)  # noqa: S102 - our own README
    return namespace


def test_the_readme_polling_loop_sees_each_change_once(
    live_service: LiveService,  # noqa: F811
    referrals: list[PostedReferral],
) -> None:
    poll_once = readme_polling_loop()["poll_once"]
    client = live_service.fhir_client()

    since, first = poll_once(client, "2000-01-01T00:00:00Z")
    again_since, again = poll_once(client, since)
    new = post_referral(live_service)
    _, after_new = poll_once(client, again_since)

    assert {posted.task_id for posted in referrals} <= {task.id for task in first}
    assert again == [] and again_since == since
    assert [task.id for task in after_new] == [new.task_id]
