"""The referrer's side of the conversation, read into `IncomingFacts`: a BaRS `update` message that
adds facts, and a `Communication` answering our `CommunicationRequest`.

BaRS carries an update as the referral's message again (reason `update`, the ServiceRequest with our
id); the facts are its Observations and Conditions. An answer is a Communication `about` our
ServiceRequest, `basedOn` the CommunicationRequest we sent, its words in `payload.contentString` and
its facts contained and pointed to by `payload.contentReference`.
"""

from __future__ import annotations

from typing import Any

from referral_service.domain.intake import IncomingFacts
from referral_service.fhir import extract
from referral_service.fhir.findings import Findings
from referral_service.fhir.outcomes import Issue

ANSWER_LIMIT = 2000  # characters of the referrer's words kept


def facts_from_update(
    message: Any,
    bundle: Any,
    service_request: Any,
    sr_path: str,
    findings: Findings,
    request_id: str,
    correlation_id: str,
) -> IncomingFacts:
    """An update: the referral named by our id (ServiceRequest.id) or the sender's identifier, the
    facts among the Bundle's entries, made at ServiceRequest.meta.lastUpdated or else Bundle.timestamp.
    With a Communication `basedOn` our CommunicationRequest among them, it is that question's answer."""
    measurements, conditions = extract.evidence(message.entries, findings.issues)
    last_updated = service_request.meta.lastUpdated if service_request.meta else None
    sent_at = extract.moment(last_updated or bundle.timestamp, "Bundle.timestamp", findings.issues)
    question, words = _answer_in(message)
    if not (measurements or conditions or words):
        findings.issues.append(
            Issue(
                "required",
                "an update carries new facts (Observations or Conditions), an answer (a Communication based on"
                " our CommunicationRequest), or status revoked or entered-in-error",
                "Bundle.entry",
            )
        )
    answer = extract.fit(words, ANSWER_LIMIT, "Communication.payload", findings.issues)
    return IncomingFacts(
        kind="answer" if question else "update",
        answer=answer,
        question=question,
        referral_id=service_request.id,
        identifier=next(((i.system or "", i.value) for i in service_request.identifier or () if i.value), None),
        sent_at=sent_at,
        conditions=tuple(conditions),
        measurements=tuple(measurements),
        request_id=request_id,
        correlation_id=correlation_id,
        nhs_number=_nhs_number(message, service_request, findings),
    )


def _answer_in(message: Any) -> tuple[str | None, str | None]:
    """The question a Communication in the Bundle answers, and its words (BaRS carries Communications
    in the referral's message)."""
    for communication, _path in message.of_type("Communication"):
        question = _question(communication)
        if question is not None:
            words = " ".join(p.contentString.strip() for p in communication.payload or () if p.contentString)
            return question, words or None
    return None, None


def _question(communication: Any) -> str | None:
    return next(
        (b.reference for b in communication.basedOn or () if (b.reference or "").startswith("CommunicationRequest/")),
        None,
    )


def _nhs_number(message: Any, service_request: Any, findings: Findings) -> str | None:
    subject = message.resolve(service_request.subject.reference if service_request.subject else None)
    if subject is None or subject[0].get_resource_type() != "Patient":
        return None
    return extract.patient_details(subject[0], subject[1], findings.issues).nhs_number


def answer_from_communication(communication: Any, *, request_id: str, correlation_id: str) -> IncomingFacts:
    """A Communication answering our question: which referral (`about`), which question (`basedOn`),
    the words and the contained facts it points to."""
    findings = Findings()
    if communication.status not in {"completed", "in-progress"}:
        findings.issues.append(Issue("value", "an answer's status is completed", "Communication.status"))
    referral_id = None
    for index, about in enumerate(communication.about or ()):
        reference = about.reference or ""
        if reference.startswith("ServiceRequest/"):
            referral_id = reference.removeprefix("ServiceRequest/")
            break
        findings.issues.append(
            Issue("not-supported", "about names our ServiceRequest/{id}", f"Communication.about[{index}]", "warning")
        )
    if referral_id is None:
        findings.issues.append(
            Issue("required", "about must name the referral: ServiceRequest/{id}", "Communication.about")
        )
    question = _question(communication)
    if question is None:
        findings.issues.append(
            Issue(
                "required",
                "basedOn must name the CommunicationRequest this answers",
                "Communication.basedOn",
            )
        )
    contained = {f"#{r.id}": (r, f"Communication.contained[{i}]") for i, r in enumerate(communication.contained or ())}
    words: list[str] = []
    facts: list[tuple[Any, str]] = []
    for index, payload in enumerate(communication.payload or ()):
        if payload.contentString:
            words.append(payload.contentString.strip())
        elif payload.contentReference is not None:
            found = contained.get(payload.contentReference.reference or "")
            if found is None:
                findings.issues.append(
                    Issue(
                        "not-supported",
                        "only contained resources are read; this reference was not",
                        f"Communication.payload[{index}].contentReference",
                        "warning",
                    )
                )
            else:
                facts.append(found)
    measurements, conditions = extract.evidence(facts, findings.issues)
    answer = extract.fit(
        " ".join(w for w in words if w) or None, ANSWER_LIMIT, "Communication.payload", findings.issues
    )
    sent_at = extract.moment(communication.sent, "Communication.sent", findings.issues)
    findings.fail_if_errors()
    return IncomingFacts(
        kind="answer",
        referral_id=referral_id,
        identifier=None,
        sent_at=sent_at,
        conditions=tuple(conditions),
        measurements=tuple(measurements),
        request_id=request_id,
        correlation_id=correlation_id,
        answer=answer,
        question=question,
    )
