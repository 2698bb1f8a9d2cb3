"""Accreditation with evidence: a provider uploads a certificate; a commissioner or administrator
records the accreditation against it (or refuses it, with the reason). Only an approved one is a
row in `accreditations`, so only it counts for triage; the YAML directory's rows keep working.

Who may decide is one function, `_may_decide`: staff who see the provider's area.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from referral_service.domain.access import Actor, UserRole
from referral_service.domain.accreditation import (
    DEFAULT_MAX_BYTES,
    TYPE_WORDS,
    EvidenceStatus,
    safe_name,
    size_words,
    sniff_type,
)
from referral_service.domain.areas import in_area
from referral_service.persistence.models import Accreditation, AccreditationEvidence, AuditEvent
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Invalid, NotFound

STAFF_ROLES = frozenset({UserRole.COMMISSIONER, UserRole.ADMIN})


@dataclass(frozen=True)
class Upload:
    """What the provider sent: the file, its own name, and what it is evidence of."""

    scheme: str
    original_name: str
    content: bytes
    renews_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """The accreditation a commissioner or administrator records against evidence."""

    scheme: str
    level: int | None
    valid_from: date | None
    valid_until: date


def _may_decide(actor: Actor, evidence: AccreditationEvidence) -> bool:
    """Whether `actor` may approve or refuse this evidence: an administrator, or a commissioner who
    sees the provider's area (domain.areas). Reading the document and the review list both ask it."""
    return actor.role in STAFF_ROLES and in_area(actor, evidence.organisation.area_id)


def _may_read(actor: Actor, evidence: AccreditationEvidence) -> bool:
    """Signed-in staff of the provider it belongs to, and those who may decide on it."""
    if actor.role is UserRole.PROVIDER:
        return actor.organisation_id == evidence.organisation_id
    return _may_decide(actor, evidence)


def upload_evidence(
    uow: UnitOfWork, actor: Actor, upload: Upload, *, now: datetime, max_bytes: int = DEFAULT_MAX_BYTES
) -> AccreditationEvidence:
    """Keep a provider's document, checked by its content (PDF, PNG or JPEG) and its size, with its
    SHA-256; it waits for a decision. A renewal names the provider's own accreditation it renews."""
    if actor.role is not UserRole.PROVIDER or actor.organisation_id is None:
        raise NotFound("only a provider's own staff upload its evidence")
    scheme = " ".join(upload.scheme.split())
    if not scheme:
        raise Invalid("Enter what the accreditation is", where="scheme")
    if not upload.content:
        raise Invalid("Choose a file to upload", where="document")
    if len(upload.content) > max_bytes:
        raise Invalid(f"The file must be smaller than {size_words(max_bytes)}", where="document")
    content_type = sniff_type(upload.content)
    if content_type is None:
        raise Invalid("The file must be a PDF, PNG or JPEG", where="document")
    if upload.renews_id is not None:
        renewed = uow.accreditation.accreditation(upload.renews_id)
        if renewed is None or renewed.organisation_id != actor.organisation_id:
            raise Invalid("Choose one of your own accreditations to renew", where="renews")
    return uow.accreditation.add_evidence(
        AccreditationEvidence(
            organisation_id=actor.organisation_id,
            scheme=scheme[:200],
            renews_id=upload.renews_id,
            original_name=safe_name(upload.original_name),
            content_type=content_type,
            size_bytes=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
            content=upload.content,
            uploaded_at=now,
            uploaded_by_user_id=actor.user_id,
            status=EvidenceStatus.PENDING,
        )
    )


def evidence_for(
    uow: UnitOfWork, actor: Actor, evidence_id: str, *, with_content: bool = False
) -> AccreditationEvidence:
    """The evidence, if `actor` may see it; anyone else is told it does not exist."""
    evidence = uow.accreditation.evidence(evidence_id, with_content=with_content)
    if evidence is None or not _may_read(actor, evidence):
        raise NotFound(f"no evidence {evidence_id} for you")
    return evidence


def download_evidence(
    uow: UnitOfWork, actor: Actor, evidence_id: str, *, now: datetime, request_id: str | None
) -> AccreditationEvidence:
    """The document itself for one who may read it, audited (who, when, which document)."""
    evidence = evidence_for(uow, actor, evidence_id, with_content=True)
    uow.accreditation.audit(
        AuditEvent(
            occurred_at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            action="download",
            resource_type="AccreditationEvidence",
            resource_id=evidence.public_id,
            request_id=request_id,
            detail={"sha256": evidence.sha256},
        )
    )
    return evidence


def decidable(uow: UnitOfWork, actor: Actor, evidence_id: str) -> AccreditationEvidence:
    """Evidence waiting for a decision that `actor` may take; anyone else gets 404."""
    evidence = uow.accreditation.evidence(evidence_id)
    if evidence is None or not _may_decide(actor, evidence):
        raise NotFound(f"no evidence {evidence_id} for you")
    return evidence


def renewed_by(uow: UnitOfWork, evidence: AccreditationEvidence) -> Accreditation | None:
    """The accreditation this evidence renews, when the provider said it renews one."""
    return uow.accreditation.accreditation(evidence.renews_id) if evidence.renews_id is not None else None


def _still_waiting(evidence: AccreditationEvidence) -> None:
    if evidence.status is not EvidenceStatus.PENDING:
        raise Invalid("This evidence has already been decided")


def approve(
    uow: UnitOfWork, actor: Actor, evidence_id: str, decision: Decision, *, now: datetime
) -> AccreditationEvidence:
    """Record the accreditation against the evidence: from now on it counts for triage."""
    evidence = decidable(uow, actor, evidence_id)
    _still_waiting(evidence)
    scheme = " ".join(decision.scheme.split())
    if not scheme:
        raise Invalid("Enter the accreditation scheme", where="scheme")
    if decision.level is not None and not 1 <= decision.level <= 7:
        raise Invalid("The level must be a whole number from 1 to 7", where="level")
    if decision.valid_from is not None and decision.valid_from > decision.valid_until:
        raise Invalid("The date it is valid until must be on or after the date it is valid from", where="valid_until")
    accreditation = uow.accreditation.add_accreditation(
        Accreditation(
            organisation_id=evidence.organisation_id,
            scheme=scheme[:200],
            level=decision.level,
            valid_from=decision.valid_from,
            valid_until=decision.valid_until,
        )
    )
    evidence.accreditation_id = accreditation.id
    evidence.status, evidence.decided_at, evidence.decided_by_user_id = EvidenceStatus.APPROVED, now, actor.user_id
    return evidence


def reject(uow: UnitOfWork, actor: Actor, evidence_id: str, reason: str, *, now: datetime) -> AccreditationEvidence:
    """Refuse the evidence with the reason the provider will read; nothing counts from it."""
    evidence = decidable(uow, actor, evidence_id)
    _still_waiting(evidence)
    said = reason.strip()
    if not said:
        raise Invalid("Enter the reason the evidence is not accepted", where="reason")
    evidence.status, evidence.decided_at, evidence.decided_by_user_id = EvidenceStatus.REJECTED, now, actor.user_id
    evidence.rejection_reason = said[:2000]
    return evidence


def type_words(evidence: AccreditationEvidence) -> str:
    return TYPE_WORDS.get(evidence.content_type, "Document")


@dataclass(frozen=True)
class Held:
    """One accreditation as its provider's page shows it."""

    scheme: str
    level: int | None
    valid_from: date | None
    valid_until: date
    standing: str  # "Valid", "Ended", "Not yet valid"
    evidence_id: str | None  # None: loaded from the directory file, with no document behind it
    evidence_name: str | None


@dataclass(frozen=True)
class Overview:
    organisation: str
    held: tuple[Held, ...]
    submitted: tuple[AccreditationEvidence, ...]
    renewable: tuple[tuple[int, str], ...]  # (accreditation id, its words) for "this renews"


def _standing(accreditation: Accreditation, today: date) -> str:
    if accreditation.valid_until < today:
        return "Ended"
    if accreditation.valid_from is not None and accreditation.valid_from > today:
        return "Not yet valid"
    return "Valid"


def provider_overview(uow: UnitOfWork, actor: Actor, *, today: date) -> Overview:
    """A provider's accreditations (and what backs each), and the evidence it has sent."""
    if actor.role is not UserRole.PROVIDER or actor.organisation_id is None:
        raise NotFound("only a provider has accreditations")
    organisation = uow.accreditation.organisation(actor.organisation_id)
    rows = uow.accreditation.accreditations_of(actor.organisation_id)
    held = tuple(
        Held(
            a.scheme,
            a.level,
            a.valid_from,
            a.valid_until,
            _standing(a, today),
            a.evidence.public_id if a.evidence is not None else None,
            a.evidence.original_name if a.evidence is not None else None,
        )
        for a in rows
    )
    renewable = tuple((a.id, a.scheme + (f", level {a.level}" if a.level else "")) for a in rows)
    submitted = tuple(uow.accreditation.evidence_of(actor.organisation_id))
    return Overview(organisation.name if organisation else "", held, submitted, renewable)


def waiting_for(uow: UnitOfWork, actor: Actor) -> list[AccreditationEvidence]:
    """The evidence `actor` may decide on that waits for a decision."""
    if actor.role not in STAFF_ROLES:
        raise NotFound("only commissioners and administrators review accreditation")
    return [evidence for evidence in uow.accreditation.waiting() if _may_decide(actor, evidence)]
