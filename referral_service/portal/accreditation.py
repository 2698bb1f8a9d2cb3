"""Accreditation pages: a provider's own accreditations and its evidence upload; the commissioners'
and administrators' list of evidence to review and the decision on each; the document itself,
downloaded only by the provider's staff and those who decide (anyone else: 404)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

from referral_service.domain.access import UserRole
from referral_service.domain.accreditation import EXTENSIONS, STATUS_WORDS, TYPE_WORDS, size_words
from referral_service.domain.clock import utcnow
from referral_service.portal.accreditation_forms import DecisionForm, EvidenceUploadForm, RejectForm
from referral_service.portal.blueprint import attach_error, bp, signed_in_actor
from referral_service.portal.forms import options
from referral_service.services import accreditation as accreditations
from referral_service.services.errors import Invalid, ServiceError
from referral_service.web.auth import require_roles
from referral_service.web.context import service_context, unit_of_work
from referral_service.web.requests import current_request_id

FORM_OVERHEAD = 64 * 1024  # the form's other fields and the multipart boundaries around the file
WORDS = {"status_words": STATUS_WORDS, "type_words": TYPE_WORDS, "size_words": size_words}


def _provider_page(
    form: EvidenceUploadForm | None = None, problems: list[str] | None = None, status: int = 200
) -> ResponseReturnValue:
    with unit_of_work() as uow:
        overview = accreditations.provider_overview(uow, signed_in_actor(), today=utcnow().date())
        form = form or EvidenceUploadForm()
        form.renews.choices = options(
            [("", "No, it is a new accreditation"), *((str(i), w) for i, w in overview.renewable)]
        )
        page = render_template(
            "portal/accreditation.html",
            overview=overview,
            form=form,
            problems=problems or [],
            max_size=size_words(service_context().settings.evidence_max_bytes),
            **WORDS,
        )
    return page, status


@bp.get("/accreditation")
@require_roles(UserRole.PROVIDER)
def accreditation() -> ResponseReturnValue:
    return _provider_page()


@bp.post("/accreditation")
@require_roles(UserRole.PROVIDER)
def upload_evidence() -> ResponseReturnValue:
    limit = service_context().settings.evidence_max_bytes
    if (request.content_length or 0) > limit + FORM_OVERHEAD:  # refused before reading it, in words
        too_big = f"The file must be smaller than {size_words(limit)}"
        return _provider_page(EvidenceUploadForm(formdata=None), [too_big], 413)
    request.max_content_length = limit + FORM_OVERHEAD  # this route's own limit, not the app's 10 MB
    form = EvidenceUploadForm()
    if not form.validate_on_submit():
        return _provider_page(form, status=400)
    file = form.document.data
    content = b""
    if isinstance(file, FileStorage):
        with file.stream:  # a large part is spooled to a temporary file: closed once read
            content = file.read(limit + 1)
    renews = form.renews.data or ""
    upload = accreditations.Upload(
        form.scheme.data or "",
        (file.filename or "") if isinstance(file, FileStorage) else "",
        content,
        int(renews) if renews.isdigit() else None,
    )
    try:
        with unit_of_work() as uow:
            accreditations.upload_evidence(uow, signed_in_actor(), upload, now=utcnow(), max_bytes=limit)
    except Invalid as error:
        return _provider_page(form, attach_error(form, error), error.status)
    flash("Evidence uploaded. A commissioner will review it; until then it does not count.")
    return redirect(url_for("portal.accreditation"))


@bp.get("/accreditation/evidence/<evidence_id>")
@require_roles(*UserRole)  # every signed-in role reaches the service, which answers 404 to all it does not allow
def evidence_document(evidence_id: str) -> ResponseReturnValue:
    """The document as an attachment, never rendered here (nosniff), and audited."""
    with unit_of_work() as uow:
        evidence = accreditations.download_evidence(
            uow, signed_in_actor(), evidence_id, now=utcnow(), request_id=current_request_id()
        )
        content, content_type, name = evidence.content, evidence.content_type, evidence.original_name
    ascii_name = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._- ")) or "evidence"
    if not ascii_name.lower().endswith(EXTENSIONS[content_type]):
        ascii_name += EXTENSIONS[content_type]
    response = Response(content, mimetype=content_type)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/accreditations")
@require_roles(UserRole.COMMISSIONER, UserRole.ADMIN)
def accreditations_to_review() -> ResponseReturnValue:
    with unit_of_work() as uow:
        waiting = accreditations.waiting_for(uow, signed_in_actor())
        return render_template("portal/accreditations_review.html", waiting=waiting, **WORDS)


def _decision_page(
    evidence_id: str,
    form: DecisionForm | None = None,
    reject_form: RejectForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    with unit_of_work() as uow:
        evidence = accreditations.decidable(uow, signed_in_actor(), evidence_id)
        renews = accreditations.renewed_by(uow, evidence)
        page = render_template(
            "portal/accreditation_decision.html",
            evidence=evidence,
            renews=renews,
            organisation=evidence.organisation.name,
            form=form or DecisionForm(scheme=evidence.scheme, level=renews.level if renews else None),
            reject_form=reject_form or RejectForm(),
            problems=problems or [],
            **WORDS,
        )
    return page, status


@bp.get("/accreditations/<evidence_id>")
@require_roles(UserRole.COMMISSIONER, UserRole.ADMIN)
def accreditation_decision(evidence_id: str) -> ResponseReturnValue:
    return _decision_page(evidence_id)


@bp.post("/accreditations/<evidence_id>/approve")
@require_roles(UserRole.COMMISSIONER, UserRole.ADMIN)
def approve_accreditation(evidence_id: str) -> ResponseReturnValue:
    form = DecisionForm()
    if not form.validate_on_submit():
        return _decision_page(evidence_id, form, status=400)
    decision = accreditations.Decision(
        form.scheme.data or "", form.level.data, form.valid_from.data, form.valid_until.data
    )
    try:
        with unit_of_work() as uow:
            evidence = accreditations.approve(uow, signed_in_actor(), evidence_id, decision, now=utcnow())
            name = evidence.organisation.name
    except ServiceError as error:
        if error.status == 404:
            raise
        return _decision_page(evidence_id, form, problems=attach_error(form, error), status=error.status)
    flash(f"Accreditation recorded for {name}. It counts from its first valid day.")
    return redirect(url_for("portal.accreditations_to_review"))


@bp.post("/accreditations/<evidence_id>/reject")
@require_roles(UserRole.COMMISSIONER, UserRole.ADMIN)
def reject_accreditation(evidence_id: str) -> ResponseReturnValue:
    form = RejectForm()
    if not form.validate_on_submit():
        return _decision_page(evidence_id, reject_form=form, status=400)
    try:
        with unit_of_work() as uow:
            evidence = accreditations.reject(uow, signed_in_actor(), evidence_id, form.reason.data or "", now=utcnow())
            name = evidence.organisation.name
    except ServiceError as error:
        if error.status == 404:
            raise
        return _decision_page(evidence_id, reject_form=form, problems=attach_error(form, error), status=error.status)
    flash(f"Evidence from {name} not accepted. The provider can see your reason.")
    return redirect(url_for("portal.accreditations_to_review"))
