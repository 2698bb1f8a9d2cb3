"""Accreditation with evidence, through the portal: a provider uploads its certificate (checked by
its content and size, kept with its SHA-256), only its own staff and commissioners or
administrators can download it, and the accreditation counts for triage only once approved."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from referral_service.domain.access import UserRole
from referral_service.domain.accreditation import EvidenceStatus
from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence.models import AccreditationEvidence, AuditEvent
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.directory import load_directory
from referral_service.services.intake import ReferralReceipt
from tests.factories import incoming
from tests.fixtures.portal import People, add_portal_user, csrf_token, sign_in, submit
from tests.fixtures.referrals import NOW, task_of

LAPSED = "hazel-grove-health-club"  # the demo provider whose only accreditation ended in March 2025
LAPSED_STAFF = "desk@hazel-grove.example.org"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64  # a Windows program


@pytest.fixture
def lapsed_staff(uow: UnitOfWork, people: People) -> str:
    with uow:
        add_portal_user(uow, LAPSED_STAFF, UserRole.PROVIDER, provider=LAPSED)
    return LAPSED_STAFF


def _upload(client: FlaskClient, content: bytes, name: str, renews: str = "") -> TestResponse:
    page = client.get("/portal/accreditation")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "scheme": "Exercise referral quality standard",
        "renews": renews,
        "document": FileStorage(io.BytesIO(content), filename=name, content_type="application/pdf"),
    }
    boundary, body = encode_multipart(data)  # in memory: a big file is not spooled to a temporary one
    return client.post("/portal/accreditation", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _evidence(uow: UnitOfWork) -> list[AccreditationEvidence]:
    with uow:
        return list(uow.session.scalars(select(AccreditationEvidence).order_by(AccreditationEvidence.id)))


def _decision(until: date, since: date | None = None) -> dict[str, str]:
    data = {"scheme": "Exercise referral quality standard (local)", "level": "3"}
    for name, day in (("valid_from", since), ("valid_until", until)):
        if day is not None:
            data |= {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}
    return data


def _approve(client: FlaskClient, evidence_id: str, until: date, since: date | None = None) -> TestResponse:
    url = f"/portal/accreditations/{evidence_id}"
    return submit(client, url, _decision(until, since), action=f"{url}/approve")


def _approve_posted(client: FlaskClient, evidence_id: str, until: date) -> TestResponse:
    """A second approval posted from a page opened before the first decision (a second tab)."""
    token = csrf_token(client.get("/account").get_data(as_text=True))  # the session's token
    return client.post(f"/portal/accreditations/{evidence_id}/approve", data={"csrf_token": token, **_decision(until)})


def test_a_pdf_png_or_jpeg_is_kept_with_its_hash_size_type_and_name(
    client: FlaskClient, lapsed_staff: str, uow: UnitOfWork
) -> None:
    sign_in(client, lapsed_staff)
    for content, name in ((PDF, "certificate 2026.pdf"), (PNG, "scan.png"), (JPEG, "photo.jpeg")):
        assert _upload(client, content, name).status_code == 302
    kept = _evidence(uow)
    assert [(e.content_type, e.size_bytes, e.original_name) for e in kept] == [
        ("application/pdf", len(PDF), "certificate 2026.pdf"),
        ("image/png", len(PNG), "scan.png"),
        ("image/jpeg", len(JPEG), "photo.jpeg"),
    ]
    assert kept[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert {e.status for e in kept} == {EvidenceStatus.PENDING}
    page = client.get("/portal/accreditation").get_data(as_text=True)
    assert "Waiting for review" in page and "certificate 2026.pdf" in page
    assert "No document: recorded from the directory file" in page  # the YAML accreditation, in words
    assert "31 March 2025" in page and "Ended" in page


def test_a_program_renamed_as_a_pdf_is_refused_in_words(
    client: FlaskClient, lapsed_staff: str, uow: UnitOfWork
) -> None:
    sign_in(client, lapsed_staff)
    response = _upload(client, EXE, "certificate.pdf")
    assert response.status_code == 422
    assert "The file must be a PDF, PNG or JPEG" in response.get_data(as_text=True)
    assert _evidence(uow) == []


def test_a_file_over_the_limit_is_refused_in_words(client: FlaskClient, lapsed_staff: str, uow: UnitOfWork) -> None:
    limit = 8 * 1024 * 1024
    sign_in(client, lapsed_staff)
    just_over = _upload(client, PDF + b"0" * (limit - len(PDF) + 1), "big.pdf")
    assert just_over.status_code == 422
    assert "The file must be smaller than 8 MB" in just_over.get_data(as_text=True)
    far_over = _upload(client, PDF + b"0" * (limit + 200 * 1024), "bigger.pdf")  # refused before it is read
    assert far_over.status_code == 413
    assert "The file must be smaller than 8 MB" in far_over.get_data(as_text=True)
    assert _evidence(uow) == []


def test_only_the_providers_staff_and_commissioners_can_download_it(
    app: Flask, client: FlaskClient, lapsed_staff: str, people: People, uow: UnitOfWork
) -> None:
    sign_in(client, lapsed_staff)
    _upload(client, PDF, "certificate.pdf")
    [evidence] = _evidence(uow)
    url = f"/portal/accreditation/evidence/{evidence.public_id}"
    own = client.get(url)
    assert own.status_code == 200 and own.data == PDF
    assert own.headers["Content-Disposition"].startswith('attachment; filename="certificate.pdf"')
    assert own.headers["X-Content-Type-Options"] == "nosniff"
    assert own.mimetype == "application/pdf"
    for email in (people.commissioner, people.admin):
        sign_in(client, email)
        assert client.get(url).data == PDF
    for email in (people.provider, people.other_provider, people.link_worker):
        sign_in(client, email)
        assert client.get(url).status_code == 404
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with uow:
        audits = uow.session.scalars(select(AuditEvent).where(AuditEvent.resource_type == "AccreditationEvidence"))
        assert len(list(audits)) == 3  # each download, by whom it was made


def test_a_commissioner_of_another_area_gets_404_for_its_evidence_and_its_review(
    client: FlaskClient, lapsed_staff: str, uow: UnitOfWork
) -> None:
    """Hazel Grove is in Stockport South: the north's commissioner neither lists, reads nor decides it."""
    with uow:
        for email, area in (("north@icb.example.org", "stockport-north"), ("south@icb.example.org", "stockport-south")):
            add_portal_user(uow, email, UserRole.COMMISSIONER, area=area)
    sign_in(client, lapsed_staff)
    _upload(client, PDF, "certificate.pdf")
    [evidence] = _evidence(uow)
    review = f"/portal/accreditations/{evidence.public_id}"
    document = f"/portal/accreditation/evidence/{evidence.public_id}"
    sign_in(client, "north@icb.example.org")
    assert "Hazel Grove" not in client.get("/portal/accreditations").get_data(as_text=True)
    assert client.get(review).status_code == 404
    assert client.get(document).status_code == 404
    token = csrf_token(client.get("/account").get_data(as_text=True))
    forged = client.post(f"{review}/approve", data={"csrf_token": token, **_decision(date(2027, 12, 31))})
    assert forged.status_code == 404
    assert _evidence(uow)[0].status is EvidenceStatus.PENDING
    sign_in(client, "south@icb.example.org")
    assert "Hazel Grove" in client.get("/portal/accreditations").get_data(as_text=True)
    assert client.get(review).status_code == 200


def test_a_pending_accreditation_does_not_count_an_approved_one_does(
    client: FlaskClient,
    lapsed_staff: str,
    people: People,
    uow: UnitOfWork,
    refer: Callable[..., ReferralReceipt],
    set_places: Callable[[str, int], None],
) -> None:
    set_places("gva-exercise-referral", 0)  # Hazel Grove's neighbour in SK7 has no room: it would win on room
    sign_in(client, lapsed_staff)
    _upload(client, PDF, "certificate.pdf")
    [evidence] = _evidence(uow)
    pending = refer(incoming(postcode="SK7 1AB")).referral_id
    assert task_of(uow, pending)["service"] != "hghc-exercise-referral"

    sign_in(client, people.provider)  # another provider cannot decide
    assert client.get(f"/portal/accreditations/{evidence.public_id}").status_code == 403
    sign_in(client, people.commissioner)
    review = client.get("/portal/accreditations").get_data(as_text=True)
    assert "Hazel Grove Health Club Ltd" in review
    response = _approve(client, evidence.public_id, until=NOW.date() + timedelta(days=365), since=NOW.date())
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Nothing waits for review" in client.get("/portal/accreditations").get_data(as_text=True)

    approved = refer(incoming(postcode="SK7 1AB")).referral_id
    assert task_of(uow, approved)["service"] == "hghc-exercise-referral"
    sign_in(client, lapsed_staff)
    page = client.get("/portal/accreditation").get_data(as_text=True)
    assert "Approved" in page and re.search(r"Download certificate\.pdf", page)


def test_a_lapsed_portal_accreditation_stops_new_offers_at_once(
    client: FlaskClient,
    lapsed_staff: str,
    people: People,
    uow: UnitOfWork,
    refer: Callable[..., ReferralReceipt],
    set_places: Callable[[str, int], None],
) -> None:
    set_places("gva-exercise-referral", 0)
    sign_in(client, lapsed_staff)
    _upload(client, PDF, "certificate.pdf")
    [evidence] = _evidence(uow)
    sign_in(client, people.admin)
    until = NOW.date() + timedelta(days=10)
    assert _approve(client, evidence.public_id, until=until).status_code == 302
    last_day = NOW.replace(year=until.year, month=until.month, day=until.day)
    assert (
        task_of(uow, refer(incoming(postcode="SK7 1AB"), now=last_day).referral_id)["service"]
        == "hghc-exercise-referral"
    )
    day_after = last_day + timedelta(days=1)
    assert (
        task_of(uow, refer(incoming(postcode="SK7 1AB"), now=day_after).referral_id)["service"]
        != "hghc-exercise-referral"
    )


def test_rejected_evidence_counts_for_nothing_and_the_provider_reads_why(
    client: FlaskClient, lapsed_staff: str, people: People, uow: UnitOfWork
) -> None:
    sign_in(client, lapsed_staff)
    _upload(client, PDF, "certificate.pdf")
    [evidence] = _evidence(uow)
    sign_in(client, people.commissioner)
    url = f"/portal/accreditations/{evidence.public_id}"
    assert submit(client, url, {"reason": ""}, action=f"{url}/reject").status_code == 400
    assert (
        submit(client, url, {"reason": "The certificate is for another company."}, action=f"{url}/reject").status_code
        == 302
    )
    decided = client.get(url).get_data(as_text=True)
    assert "already been decided: Not accepted" in decided and "Approve and record" not in decided
    again = _approve_posted(client, evidence.public_id, until=NOW.date() + timedelta(days=30))
    assert again.status_code == 422 and "already been decided" in again.get_data(as_text=True)
    sign_in(client, lapsed_staff)
    page = client.get("/portal/accreditation").get_data(as_text=True)
    assert "Not accepted: The certificate is for another company." in page
    with uow:
        assert len(uow.accreditation.accreditations_of(evidence.organisation_id)) == 1  # only the lapsed YAML one


def test_a_directory_reload_keeps_an_accreditation_approved_in_the_portal(
    client: FlaskClient,
    lapsed_staff: str,
    people: People,
    uow: UnitOfWork,
    demo_providers: tuple[ProviderDefinition, ...],
) -> None:
    sign_in(client, lapsed_staff)
    _upload(client, PDF, "certificate.pdf")
    [evidence] = _evidence(uow)
    sign_in(client, people.commissioner)
    _approve(client, evidence.public_id, until=NOW.date() + timedelta(days=100))
    with uow:
        load_directory(uow, demo_providers, complete=True)
    with uow:
        assert len(uow.accreditation.accreditations_of(evidence.organisation_id)) == 2


def _accreditation_ids(uow: UnitOfWork, slug: str) -> list[int]:
    with uow:
        organisation = uow.directory.organisation_by_slug(slug)
        assert organisation is not None
        return [a.id for a in uow.accreditation.accreditations_of(organisation.id)]


def test_a_renewal_names_one_of_the_providers_own_accreditations(
    client: FlaskClient, lapsed_staff: str, people: People, uow: UnitOfWork
) -> None:
    [own] = _accreditation_ids(uow, LAPSED)
    [theirs] = _accreditation_ids(uow, "mersey-vale-leisure")
    sign_in(client, lapsed_staff)
    page = client.get("/portal/accreditation").get_data(as_text=True)
    assert f'<option value="{own}">Exercise referral quality standard (local), level 3</option>' in page
    refused = _upload(client, PDF, "certificate.pdf", renews=str(theirs))
    assert refused.status_code == 422
    assert "Choose one of your own accreditations to renew" in refused.get_data(as_text=True)
    assert _upload(client, PDF, "certificate.pdf", renews=str(own)).status_code == 302
    [evidence] = _evidence(uow)
    assert evidence.renews_id == own

    sign_in(client, people.commissioner)
    assert "(a renewal)" in client.get("/portal/accreditations").get_data(as_text=True)
    decision = client.get(f"/portal/accreditations/{evidence.public_id}").get_data(as_text=True)
    assert "valid until 31 March 2025" in decision  # what it renews, in words
    backwards = _approve(client, evidence.public_id, until=NOW.date(), since=NOW.date() + timedelta(days=1))
    assert backwards.status_code == 422
    assert "must be on or after the date it is valid from" in backwards.get_data(as_text=True)
    assert _evidence(uow)[0].status is EvidenceStatus.PENDING
