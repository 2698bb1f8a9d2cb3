"""Changes to what triage reads (who a service takes, its catchment, its waiting list) are proposed by
the provider and wait for a commissioner or an administrator; approved, they apply at once.

Who may decide a proposal is one function, `_may_decide`: administrators, and commissioners who see
the service's area (domain.areas); whoever may not decide one is answered NotFound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.access import Actor, UserRole
from referral_service.domain.areas import in_area
from referral_service.domain.directory_changes import (
    STATUS_WORDS,
    ProposalStatus,
    flag_change,
    lines_change,
    set_change,
)
from referral_service.domain.identifiers import is_postcode_district
from referral_service.domain.rules import age_limits, eligibility_text
from referral_service.persistence.models import DirectoryProposal, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.rule_text import eligibility_text_form, read_eligibility_text
from referral_service.schemas.rules import eligibility_document, load_eligibility
from referral_service.services.directory import refresh_source_hash
from referral_service.services.directory_editing import own_listed_service
from referral_service.services.directory_notices import tell_deciders, tell_provider
from referral_service.services.directory_versions import record_version
from referral_service.services.errors import Conflict, Invalid, NotFound

REASON_LIMIT = 1000


def _may_decide(actor: Actor, proposal: DirectoryProposal, service: Service) -> bool:
    """The one rule for who approves or rejects a proposal (and sees it): administrators, and
    commissioners of the service's area or of every area."""
    del proposal  # the service it changes says where it is
    return actor.role in (UserRole.COMMISSIONER, UserRole.ADMIN) and in_area(actor, service.area_id)


def triage_document(service: Service) -> dict[str, object]:
    """What triage reads of a service, as a proposal stores it."""
    return {
        "eligibility": service.eligibility,
        "catchment": sorted(service.catchment_districts),
        "waitlist": service.waitlist_enabled,
    }


@dataclass(frozen=True)
class RuleEditor:
    slug: str
    name: str
    rule_text: str
    catchment_text: str
    waitlist: bool
    pending: ProposalView | None


def rule_editor(uow: UnitOfWork, actor: Actor, slug: str) -> RuleEditor:
    """The provider's page for proposing a change: the rule as it stands, and any proposal waiting."""
    service = own_listed_service(uow, actor, slug)
    pending = uow.directory_changes.pending_for(service.id)
    return RuleEditor(
        slug=service.slug,
        name=service.name,
        rule_text=eligibility_text_form(service.eligibility),
        catchment_text=" ".join(sorted(service.catchment_districts)),
        waitlist=service.waitlist_enabled,
        pending=_view(uow, pending, service, may_decide=False) if pending else None,
    )


def _districts(text: str) -> list[str]:
    districts = sorted({part.upper() for part in re.split(r"[\s,;]+", text) if part})
    wrong = [district for district in districts if not is_postcode_district(district)]
    if wrong:
        raise Invalid(
            f"{wrong[0]} is not a postcode district: give the first half of each postcode, like SK4",
            where="catchment",
        )
    if not districts:
        raise Invalid("Give at least one postcode district, like SK4", where="catchment")
    return districts


def propose(
    uow: UnitOfWork, actor: Actor, slug: str, *, rule_text: str, catchment: str, waitlist: bool, now: datetime
) -> DirectoryProposal:
    """Store a proposal (nothing of it applies yet); one may wait per service at a time."""
    service = own_listed_service(uow, actor, slug)
    if uow.directory_changes.pending_for(service.id) is not None:
        raise Conflict("A change to this service is already waiting for approval")
    eligibility, problems = read_eligibility_text(rule_text)
    if eligibility is None:
        raise Invalid(problems[0], where="rule")
    proposed = {
        "eligibility": eligibility_document(eligibility),
        "catchment": _districts(catchment),
        "waitlist": waitlist,
    }
    current = triage_document(service)
    if proposed == current:
        raise Invalid("This is how the service stands now: change something to propose it", where="rule")
    assert actor.user_id is not None  # a portal user
    proposal = DirectoryProposal(
        service_id=service.id,
        status=ProposalStatus.PENDING,
        proposed_at=now,
        proposed_by=actor.user_id,
        current=current,
        proposed=proposed,
    )
    uow.directory_changes.add(proposal)
    tell_deciders(uow, proposal, service, proposal_changes(current, proposed), now)
    return proposal


@dataclass(frozen=True)
class ProposalView:
    id: str
    service: str
    provider: str
    provider_id: str  # the organisation's public id, for the history of its listing
    proposed_by: str
    proposed_at: datetime
    status: str
    pending: bool
    reason: str | None
    changes: list[str]
    rule_before: list[str]
    rule_after: list[str]
    rule_removed: list[str]
    rule_added: list[str]
    may_decide: bool


def _age_words(document: object) -> str:
    limits = age_limits(load_eligibility(document))  # type: ignore[arg-type]
    if limits.min is None and limits.max is None:
        return "any age"
    return f"age {limits.describe('years')}"


def proposal_changes(current: dict[str, object], proposed: dict[str, object]) -> list[str]:
    """What approving would change, in sentences: "Catchment: adds SK9", "Age limits: …"."""
    changes = set_change("Catchment", list(current["catchment"]), list(proposed["catchment"]))  # type: ignore[call-overload]
    changes += flag_change("Waiting list when full", current, proposed, "waitlist")
    if current["eligibility"] != proposed["eligibility"]:
        before, after = _age_words(current["eligibility"]), _age_words(proposed["eligibility"])
        if before != after:
            changes.append(f"Age limits: {before} becomes {after}")
        changes.append("Who can be referred: the rule changes as shown below")
    return changes


def _rule_lines(document: object) -> list[str]:
    return eligibility_text(load_eligibility(document)).splitlines()  # type: ignore[arg-type]


def _view(uow: UnitOfWork, proposal: DirectoryProposal, service: Service, *, may_decide: bool) -> ProposalView:
    before, after = _rule_lines(proposal.current["eligibility"]), _rule_lines(proposal.proposed["eligibility"])
    removed, added = lines_change(before, after)
    return ProposalView(
        id=proposal.public_id,
        service=service.name,
        provider=service.organisation.name,
        provider_id=service.organisation.public_id,
        proposed_by=uow.directory_changes.user_name(proposal.proposed_by),
        proposed_at=proposal.proposed_at,
        status=STATUS_WORDS[proposal.status],
        pending=proposal.status is ProposalStatus.PENDING,
        reason=proposal.reason,
        changes=proposal_changes(proposal.current, proposal.proposed),
        rule_before=before,
        rule_after=after,
        rule_removed=removed,
        rule_added=added,
        may_decide=may_decide and proposal.status is ProposalStatus.PENDING,
    )


def pending_approvals(uow: UnitOfWork, actor: Actor) -> list[ProposalView]:
    """The proposals waiting that this person may decide, oldest first."""
    views = []
    for proposal in uow.directory_changes.pending():
        service = uow.directory_changes.service_of(proposal)
        if _may_decide(actor, proposal, service):
            views.append(_view(uow, proposal, service, may_decide=True))
    return views


def _decidable(uow: UnitOfWork, actor: Actor, proposal_id: str) -> tuple[DirectoryProposal, Service]:
    proposal = uow.directory_changes.proposal(proposal_id)
    if proposal is None:
        raise NotFound("no such proposal")
    service = uow.directory_changes.service_of(proposal)
    if not _may_decide(actor, proposal, service):
        raise NotFound("no such proposal")
    return proposal, service


def approval(uow: UnitOfWork, actor: Actor, proposal_id: str) -> ProposalView:
    proposal, service = _decidable(uow, actor, proposal_id)
    return _view(uow, proposal, service, may_decide=True)


def decide(
    uow: UnitOfWork, actor: Actor, proposal_id: str, *, approve: bool, reason: str | None, now: datetime
) -> ProposalView:
    """Approve (the service changes now, and triage uses it from the next referral) or reject (with a
    reason the provider reads). A listing changed since the proposal was made cannot be approved."""
    proposal, service = _decidable(uow, actor, proposal_id)
    if proposal.status is not ProposalStatus.PENDING:
        raise Conflict("This proposal has already been decided")
    reason = (reason or "").strip() or None
    if not approve and reason is None:
        raise Invalid("Say why you are rejecting the change: the provider reads it", where="reason")
    if reason and len(reason) > REASON_LIMIT:
        raise Invalid(f"Keep the reason to {REASON_LIMIT} characters", where="reason")
    if approve and triage_document(service) != proposal.current:
        raise Conflict("The service has changed since this was proposed: reject it and ask for a new proposal")
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    proposal.decided_at, proposal.decided_by, proposal.reason = now, actor.user_id, reason
    if approve:
        _apply(uow, service, proposal.proposed)
        changes = [*proposal_changes(proposal.current, proposal.proposed), f"Proposed by {_proposer(uow, proposal)}"]
        record_version(uow, service.organisation, actor, [f"{service.name}: {c}" for c in changes], now=now)
    uow.directory.flush()
    tell_provider(uow, proposal, service, now)
    return _view(uow, proposal, service, may_decide=False)


def _proposer(uow: UnitOfWork, proposal: DirectoryProposal) -> str:
    return uow.directory_changes.user_name(proposal.proposed_by)


def _apply(uow: UnitOfWork, service: Service, proposed: dict[str, object]) -> None:
    eligibility = load_eligibility(proposed["eligibility"])  # type: ignore[arg-type]
    ages = age_limits(eligibility)
    service.eligibility = eligibility_document(eligibility)
    service.risk_levels = sorted(level.value for level in eligibility.risk_levels)
    service.min_age, service.max_age = ages.min, ages.max
    service.catchment_districts = list(proposed["catchment"])  # type: ignore[call-overload]
    service.waitlist_enabled = bool(proposed["waitlist"])
    uow.directory.set_districts(service.id, service.catchment_districts)
    refresh_source_hash(uow, service)
