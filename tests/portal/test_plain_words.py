"""Every portal and report page, for a seeded history and signed in as each role, speaks in words:
no slug, no SNOMED code, no field name and no ISO date in the text a person reads.

The pages come from the app's own URL map (so a page added later is checked from the day it is
added); the slugs and codes come from the directory, the rules and the domain's enums rather than
a guess at what a slug looks like.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from enum import StrEnum
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import BuildError

import referral_service.domain
from referral_service.domain.access import Actor, UserRole
from referral_service.domain.directory import ProviderDefinition
from referral_service.domain.risk import CARDIOVASCULAR_DISEASE, LONG_TERM_CONDITIONS
from referral_service.domain.rules import AllOf, AnyOf, ConditionRule, Eligibility, Not
from referral_service.persistence.models import (
    AccreditationEvidence,
    CapacityPool,
    CaseNote,
    DirectoryProposal,
    FollowUp,
    Organisation,
    OutboxMessage,
    PortalUser,
    ProgrammeStart,
    Service,
    ServiceClass,
    SessionBooking,
)
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.accreditation import Decision, Upload, approve, upload_evidence
from referral_service.services.directory_approvals import propose, rule_editor
from referral_service.services.intake import ReferralReceipt
from referral_service.services.offers import DECLINE_REASONS
from tests.fixtures.portal import People, sign_in
from tests.fixtures.referrals import NOW
from tests.reports.history import build_history

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9]")
ROLES = ("provider", "other_provider", "link_worker", "admin", "commissioner")
# Codes of ours that are also ordinary English, spelt the same: "at follow-up".
ENGLISH = {"follow-up", "self-referral"}
PREFIXES = ("/portal", "/reports", "/account", "/integration-health", "/self-referral")


class VisibleText(HTMLParser):
    """The text a sighted reader sees, plus what a screen reader reads out (alt, aria-label, title)."""

    # A textarea's content is the field's value (what the person typed or will edit, like an input's
    # value attribute), not words the page says: the rule editor holds the rule as the files write it.
    HIDDEN = {"script", "style", "template", "head", "textarea"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        for name, value in attrs:
            if name in {"alt", "aria-label", "title", "placeholder"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _domain_enums() -> Iterator[type[StrEnum]]:
    package = referral_service.domain
    for module_info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
                yield value


def _condition_codes(rule: object) -> Iterator[str]:
    if isinstance(rule, ConditionRule):
        yield from rule.codes
    elif isinstance(rule, AllOf | AnyOf):
        for child in rule.rules:
            yield from _condition_codes(child)
    elif isinstance(rule, Not):
        yield from _condition_codes(rule.rule)


def known_slugs(providers: tuple[ProviderDefinition, ...]) -> set[str]:
    """Machine names a page must never show: directory ids and every coded enum value with a joiner."""
    slugs = {provider.slug for provider in providers} | {s.slug for p in providers for s in p.services}
    slugs |= set(DECLINE_REASONS)
    slugs |= {member.value for enum in _domain_enums() for member in enum if re.search(r"[-_]", member.value)}
    return {slug for slug in slugs if re.search(r"[-_]", slug)} - ENGLISH


def known_codes(providers: tuple[ProviderDefinition, ...]) -> set[str]:
    codes: set[str] = set()
    for service in (s for p in providers for s in p.services):
        codes.add(service.pathway.code)
        eligibility: Eligibility = service.eligibility
        for rule in (eligibility.include, *eligibility.exclude):
            codes.update(_condition_codes(rule))
    codes |= CARDIOVASCULAR_DISEASE | LONG_TERM_CONDITIONS
    return {code for code in codes if code.isdigit() and len(code) >= 6}


def get_routes(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIXES)
        and "GET" in (rule.methods or set())
        and not rule.rule.endswith((".csv", ".json"))
    )


def fill(rule: str, app: Flask, values: dict[str, list[object]]) -> Iterator[str]:
    """Each route once for every combination of the values its parameters take in the seeded history."""
    adapter = app.url_map.bind("localhost")
    for url_rule in app.url_map.iter_rules(None):
        if url_rule.rule != rule:
            continue
        arguments = sorted(url_rule.arguments)
        unknown = [name for name in arguments if name not in values]
        if unknown:
            pytest.fail(f"{rule}: the plain-words test does not know how to fill {unknown}; teach it")
        for combination in itertools.product(*(values[name] for name in arguments)):
            try:
                yield adapter.build(url_rule.endpoint, dict(zip(arguments, combination, strict=True)))
            except BuildError:  # a value its converter refuses (a page name another rule takes)
                continue
        return


def parameter_values(uow: UnitOfWork, history: dict[str, str]) -> dict[str, list[object]]:
    """What each path parameter takes in the seeded history, read from the database."""
    session = uow.session
    return {
        "referral_id": list(history.values()),
        "page": ["uptake", "waits", "outcomes", "equity", "gaps", "quality", "compare"],
        "user_id": list(session.scalars(select(PortalUser.id))),
        "slug": list(session.scalars(select(Service.slug))),
        "number": [1, 2],
        "booking_id": list(session.scalars(select(SessionBooking.id))),
        "note_id": list(session.scalars(select(CaseNote.public_id))),
        "follow_up_id": list(session.scalars(select(FollowUp.public_id))),
        "pool_id": list(session.scalars(select(CapacityPool.id))),
        "class_id": list(session.scalars(select(ServiceClass.id))),
        "start_id": list(session.scalars(select(ProgrammeStart.id))),
        "message_id": list(session.scalars(select(OutboxMessage.public_id))),
        "evidence_id": list(session.scalars(select(AccreditationEvidence.public_id))),
        "action": ["deactivate", "reactivate"],
        "token": ["not-a-real-token"],
        "key": [],
        "provider_id": list(session.scalars(select(Organisation.public_id))),
        "proposal_id": list(session.scalars(select(DirectoryProposal.public_id))),
    }


def problems(url: str, text: str, slugs: set[str], codes: set[str]) -> Iterator[str]:
    """Each slug, code or ISO date on the page, once, with the words around it so it can be found."""
    seen: set[str] = set()
    for match in [*WORD.finditer(text), *ISO_DATE.finditer(text)]:
        word = match.group(0)
        kind = (
            "ISO date"
            if ISO_DATE.fullmatch(word)
            else "slug"
            if word in slugs
            else "SNOMED code"
            if word in codes
            else None
        )
        if kind and word not in seen:
            seen.add(word)
            yield f"{url}: {kind} {word!r} in '…{text[max(0, match.start() - 50) : match.end() + 30]}…'"


@pytest.fixture
def history(uow: UnitOfWork, refer: Callable[..., ReferralReceipt], people: People) -> dict[str, str]:
    seeded = build_history(uow, refer)
    _seed_evidence(uow, people)
    _seed_proposal(uow, people)
    return seeded


def _seed_evidence(uow: UnitOfWork, people: People) -> None:
    """One certificate waiting for review and one approved, so the accreditation pages are walked too."""
    with uow:
        staff = uow.session.scalars(select(PortalUser).where(PortalUser.email == people.provider)).one()
        admin = uow.session.scalars(select(PortalUser).where(PortalUser.email == people.admin)).one()
        provider = Actor.portal_user(staff.id, UserRole.PROVIDER, staff.organisation_id)
        _, approved = (
            upload_evidence(uow, provider, Upload("Quality standard", name, b"%PDF-1.4\n"), now=NOW)
            for name in ("waiting.pdf", "approved.pdf")
        )
        decision = Decision("Quality standard", 3, NOW.date(), NOW.date() + timedelta(days=365))
        approve(uow, Actor.portal_user(admin.id, UserRole.ADMIN, None), approved.public_id, decision, now=NOW)


def _seed_proposal(uow: UnitOfWork, people: People) -> None:
    with uow:  # a rule change waiting for approval (its pages show a rule with condition codes in words)
        user = uow.session.scalars(select(PortalUser).where(PortalUser.email == people.provider)).one()
        actor = Actor.portal_user(user.id, UserRole.PROVIDER, user.organisation_id)
        editor = rule_editor(uow, actor, "mvl-exercise-referral")
        changed = editor.rule_text.replace("age: {min: 16}", "age: {min: 18}")
        propose(uow, actor, editor.slug, rule_text=changed, catchment="SK1 SK9", waitlist=False, now=NOW)


def test_the_walk_reaches_the_pages_it_guards(app: Flask) -> None:
    routes = get_routes(app)
    for expected in ("/portal/referrals/<referral_id>", "/portal/link-worker", "/portal/admin", "/reports/"):
        assert expected in routes
    assert len(routes) >= 12


def test_the_lists_of_slugs_and_codes_are_the_real_ones(demo_providers: tuple[ProviderDefinition, ...]) -> None:
    slugs, codes = known_slugs(demo_providers), known_codes(demo_providers)
    assert {"mvl-exercise-referral", "blood_pressure", "patient-declined"} <= slugs
    assert len(codes) >= 3


@pytest.mark.parametrize("who", ROLES)
def test_no_slug_code_or_iso_date_on_any_page(
    app: Flask,
    client: FlaskClient,
    people: People,
    history: dict[str, str],
    demo_providers: tuple[ProviderDefinition, ...],
    uow: UnitOfWork,
    who: str,
) -> None:
    sign_in(client, getattr(people, who))
    slugs, codes = known_slugs(demo_providers), known_codes(demo_providers)
    found: list[str] = []
    pages = 0
    values = parameter_values(uow, history)
    for rule in get_routes(app):
        for url in fill(rule, app, values):
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            pages += 1
            text = visible_text(response.get_data(as_text=True))
            found.extend(problems(url, text, slugs, codes))
    assert pages, f"{who} could read no page at all"
    assert not found, "\n".join(found)
