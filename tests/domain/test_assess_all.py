"""Judging services that share one rules object once (`choice.assess_all`) changes nothing: on any
generated directory and patient, every assessment, the decision and the stored explanation are
those of assessing every service on its own (`choice.assess`, one by one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral_service.domain import choice
from referral_service.domain.choice import ServiceProfile, assess, assess_all, decide
from referral_service.domain.facts import Dated, PatientFacts
from referral_service.domain.risk import RiskAssessment, stratify
from referral_service.domain.rules import Eligibility
from referral_service.schemas.directory import read_directory

TODAY = date(2026, 11, 26)
DISTRICTS = ("SK1", "SK3", "SK4", "M20")
CODES = ("38341003", "44054006", "35489007", "197480006", "4557003", "129839007", "22298006", "46635009")
DEMO = Path(__file__).resolve().parents[2] / "providers" / "demo"


def _demo_rules() -> list[Eligibility]:
    """Every demo service's rules, and an equal but separate copy of each (equal, not the same object)."""
    found = [service.eligibility for provider in read_directory(DEMO).providers for service in provider.services]
    return found + [replace(rules) for rules in found]


RULES = _demo_rules()


def _dated(values: st.SearchStrategy[float], second: bool = False) -> st.SearchStrategy[Dated]:
    days = st.one_of(st.none(), st.integers(0, 500).map(lambda n: TODAY - timedelta(days=n)))
    return st.builds(Dated, values, days, values if second else st.none())


FACTS = st.builds(
    PatientFacts,
    referral_date=st.just(TODAY),
    birth_date=st.one_of(st.none(), st.dates(date(1930, 1, 1), date(2015, 1, 1))),
    sex=st.sampled_from([None, "female", "male"]),
    postcode=st.one_of(st.none(), st.sampled_from(DISTRICTS).map(lambda d: f"{d} 1AA")),
    pathway=st.just("http://snomed.info/sct|390893007"),
    conditions=st.dictionaries(
        st.sampled_from(CODES), st.one_of(st.none(), st.integers(0, 900).map(lambda n: TODAY - timedelta(days=n)))
    ),
    measurements=st.fixed_dictionaries(
        {},
        optional={
            "bmi": _dated(st.floats(15, 50)),
            "blood_pressure": _dated(st.floats(60, 200), second=True),
            "resting_heart_rate": _dated(st.floats(40, 130)),
            "activity_minutes_per_week": _dated(st.floats(0, 300)),
        },
    ),
    self_referred=st.booleans(),
)


@st.composite
def directories(draw: st.DrawFn) -> list[ServiceProfile]:
    """Up to 40 services drawing their rules from a few objects, so many share one; each with its
    own accreditation, catchment, self-referral, room and waiting list."""
    pool = draw(st.lists(st.sampled_from(RULES), min_size=1, max_size=4))
    count = draw(st.integers(0, 40))
    return [
        ServiceProfile(
            slug=f"service-{n:02d}",
            name=draw(st.sampled_from(["Alpha", "Beta", f"Service {n}"])),
            pathway="http://snomed.info/sct|390893007",
            districts=frozenset(draw(st.sets(st.sampled_from(DISTRICTS), max_size=3))),
            eligibility=draw(st.sampled_from(pool)),
            accredited=draw(st.booleans()),
            has_room=draw(st.booleans()),
            takes_waitlist=draw(st.booleans()),
            waiting=draw(st.integers(0, 5)),
            places=draw(st.integers(0, 3)),
            takes_self_referral=draw(st.booleans()),
        )
        for n in range(count)
    ]


def one_by_one(
    facts: PatientFacts, profiles: Sequence[ServiceProfile], risk: RiskAssessment
) -> tuple[choice.Assessment, ...]:
    return tuple(assess(facts, profile, risk) for profile in profiles)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    facts=FACTS, profiles=directories(), passed_over=st.sets(st.sampled_from([f"service-{n:02d}" for n in range(8)]))
)
def test_judging_shared_rules_once_gives_every_assessment_decision_and_explanation_of_judging_each(
    facts: PatientFacts, profiles: list[ServiceProfile], passed_over: set[str]
) -> None:
    risk = stratify(facts)
    assert assess_all(facts, profiles, risk) == one_by_one(facts, profiles, risk)

    shortcut = decide(facts, profiles, passed_over=sorted(passed_over), left_out={"outside the catchment": 3})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(choice, "assess_all", one_by_one)
        each = decide(facts, profiles, passed_over=sorted(passed_over), left_out={"outside the catchment": 3})
    assert shortcut == each
    assert shortcut.to_document() == each.to_document()
