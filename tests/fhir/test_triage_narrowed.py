"""Triage in a regional directory: the directory query hands triage only the services a patient
could qualify for (pathway, accreditation on the day, catchment district, age) and a few nearest
alternatives, and the stored explanation stays bounded, counting the rest by reason."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from referral_service.domain.choice import EXPLAINED
from referral_service.domain.directory import Accreditation, ProviderDefinition
from referral_service.domain.rules import AgeRule, AllOf, Range
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.directory import load_directory
from tests.fhir.test_triage_check import triage_of
from tests.fixtures.fhir import SECOND_NHS_NUMBER, VALID_NHS_NUMBER, headers, plain_referral

pytestmark = pytest.mark.usefixtures("directory")
EXERCISE_SERVICES_IN_DEMO = 8


def copies(
    demo: tuple[ProviderDefinition, ...],
    prefix: str,
    count: int,
    districts: frozenset[str],
    *,
    expired: bool = False,
    min_age: float | None = None,
) -> list[ProviderDefinition]:
    """`count` copies of the demo's exercise referral service at Mersey Vale, each its own provider."""
    template = next(p for p in demo if p.slug == "mersey-vale-leisure")
    service = next(s for s in template.services if s.slug == "mvl-exercise-referral")
    eligibility = service.eligibility
    if min_age is not None:
        eligibility = replace(eligibility, include=AllOf((AgeRule(Range(min_age, None)), eligibility.include)))
    accreditations = tuple(replace(a, valid_until=date(2026, 1, 31)) if expired else a for a in template.accreditations)
    return [
        replace(
            template,
            slug=f"{prefix}-provider-{n}",
            name=f"{prefix} provider {n}",
            identifiers=(),
            accreditations=accreditations,
            services=(
                replace(
                    service,
                    slug=f"{prefix}-service-{n}",
                    name=f"{prefix} exercise {n}",
                    catchment_districts=districts,
                    eligibility=eligibility,
                ),
            ),
        )
        for n in range(count)
    ]


def refer(client: FlaskClient, gp_token: str, uow: UnitOfWork) -> dict[str, object]:
    """A patient in SK4 aged 65, eligible for the demo's exercise referral there (POST ServiceRequest)."""
    response = client.post("/fhir/ServiceRequest", data=json.dumps(plain_referral()), headers=headers(gp_token))
    assert response.status_code == 201, response.get_json()
    return triage_of(uow, response.get_json()["id"])


def test_services_far_away_are_counted_not_assessed_and_the_offer_is_unchanged(
    client: FlaskClient, gp_token: str, uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    with uow:
        load_directory(uow, copies(demo_providers, "far", 60, frozenset({"M20", "M21"})), complete=False)

    triage = refer(client, gp_token, uow)

    assert (triage["route"], triage["service"]) == ("offer", "mvl-exercise-referral")
    assessments = triage["assessments"]
    assert isinstance(assessments, list) and len(assessments) <= EXPLAINED + 1
    left_out = triage["left_out"]
    assert isinstance(left_out, dict) and "outside the catchment" in left_out
    assert set(left_out) <= {"outside the catchment", "not accredited"}  # one demo provider is not
    assert len(assessments) + sum(left_out.values()) == EXERCISE_SERVICES_IN_DEMO + 60
    verdicts = {a["service"]: a["verdict"] for a in assessments}
    assert verdicts["mvl-exercise-referral"] == "eligible"


def test_expired_accreditation_and_age_limits_are_left_out_in_the_query_with_their_reason(
    client: FlaskClient, gp_token: str, uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    sk4 = frozenset({"SK4"})
    with uow:
        load_directory(
            uow,
            [
                *copies(demo_providers, "lapsed", 20, sk4, expired=True),
                *copies(demo_providers, "older", 20, sk4, min_age=80),
                *copies(demo_providers, "open", 3, sk4),
            ],
            complete=False,
        )

    triage = refer(client, gp_token, uow)

    left_out = triage["left_out"]
    assert isinstance(left_out, dict)
    assert {"not accredited", "outside the age range"} <= set(left_out)
    assessments = triage["assessments"]
    assert isinstance(assessments, list)
    assert len(assessments) + sum(left_out.values()) == EXERCISE_SERVICES_IN_DEMO + 43
    assessed = {a["service"] for a in assessments}
    assert {"open-service-0", "open-service-1", "open-service-2"} <= assessed  # narrowed in, so assessed


def test_a_catchment_changed_by_a_reload_moves_the_service_in_and_out_of_the_narrowed_set(
    client: FlaskClient, gp_token: str, uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    crowd = copies(demo_providers, "aaa", 15, frozenset({"M20"}))  # slugs first: they fill the alternatives
    with uow:
        load_directory(uow, [*crowd, *copies(demo_providers, "zzz", 1, frozenset({"M20"}))], complete=False)
    assert "zzz-service-0" not in {a["service"] for a in refer(client, gp_token, uow)["assessments"]}  # type: ignore[union-attr]

    with uow:
        load_directory(uow, copies(demo_providers, "zzz", 1, frozenset({"SK4", "SK5"})), complete=False)
    verdicts = {a["service"]: a["verdict"] for a in refer(client, gp_token, uow)["assessments"]}  # type: ignore[union-attr]

    assert verdicts["zzz-service-0"] == "eligible"


def test_many_services_that_could_take_the_patient_are_all_assessed_and_the_stored_explanation_names_eleven(
    client: FlaskClient, gp_token: str, uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    with uow:
        load_directory(
            uow,
            [
                *copies(demo_providers, "near", 15, frozenset({"SK4"})),
                *copies(demo_providers, "far", 5, frozenset({"M20"})),
            ],
            complete=False,
        )

    triage = refer(client, gp_token, uow)

    assessments, left_out = triage["assessments"], triage["left_out"]
    assert isinstance(assessments, list) and isinstance(left_out, dict)
    assert len(assessments) == EXPLAINED + 1
    assert triage["service"] in {a["service"] for a in assessments}
    assert left_out["also eligible"] >= 15 - EXPLAINED  # assessed, not named
    assert left_out["outside the catchment"] >= 5  # never assessed: the narrowed set filled the list
    assert len(assessments) + sum(left_out.values()) == EXERCISE_SERVICES_IN_DEMO + 20


@pytest.mark.parametrize(("district", "age"), [("SK4", 65), ("SK4", 85), ("SK4", None), ("M20", 30), (None, 65)])
def test_the_narrowed_set_and_the_left_out_are_the_whole_pathway_between_them(
    uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...], district: str | None, age: int | None
) -> None:
    """Every listed service on the pathway is a candidate, an alternative or counted out, exactly
    once, whoever the patient is: the candidates' conditions, written positively for PostgreSQL's
    planner, keep exactly what the reasons leave out."""
    sk4, m20 = frozenset({"SK4"}), frozenset({"M20"})
    with uow:
        load_directory(
            uow,
            [
                *copies(demo_providers, "lapsed", 4, sk4, expired=True),
                *copies(demo_providers, "older", 4, sk4, min_age=80),
                *copies(demo_providers, "open", 3, sk4),
                *copies(demo_providers, "far", 4, m20),
            ],
            complete=False,
        )
    with uow:
        found = uow.directory.narrowed_candidates(
            "http://snomed.info/sct", "390893007", date(2026, 12, 1), district=district, age=age, alternatives=3
        )
    candidates = {row.slug for row in found.candidates}
    alternatives = {row.slug for row in found.alternatives}
    assert not candidates & alternatives
    assert len(candidates) + len(alternatives) + sum(found.left_out.values()) == EXERCISE_SERVICES_IN_DEMO + 15
    assert not {s for s in candidates if s.startswith("lapsed-")}  # never accredited today
    if district == "SK4":
        assert {"open-service-0", "open-service-1", "open-service-2"} <= candidates
        assert not {s for s in candidates if s.startswith("far-")}
        assert bool({s for s in candidates if s.startswith("older-")}) is (age is None or age >= 80)
    if district == "M20":
        assert {f"far-service-{n}" for n in range(4)} <= candidates


def test_accreditation_is_judged_as_the_domain_judges_it_in_every_statement(
    uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    """The candidates' test (an EXISTS), the rows' `accredited` column and the count of the rest (a
    probe of the latest end date, for PostgreSQL's planner) agree with `Accreditation.is_valid_on`
    for accreditations that lapsed, have not begun, begin or end on the day, were renewed, or are
    missing."""
    day = date(2026, 12, 1)
    valid = Accreditation("Exercise referral quality standard (local)", date(2027, 3, 31), 3, date(2024, 4, 1))
    lapsed = replace(valid, valid_until=date(2026, 11, 30))
    kinds: dict[str, tuple[Accreditation, ...]] = {
        "valid": (valid,),
        "lapsed": (lapsed,),
        "not-begun": (replace(valid, valid_from=date(2026, 12, 2)),),
        "begins-today": (replace(valid, valid_from=day),),
        "ends-today": (replace(valid, valid_until=day),),
        "no-start": (replace(valid, valid_from=None),),
        "renewed": (lapsed, replace(valid, scheme="Renewed standard", valid_from=date(2026, 12, 1))),
        "between": (lapsed, replace(valid, scheme="Next standard", valid_from=date(2027, 1, 1))),
        "none": (),
    }
    providers = []
    for kind, accreditations in kinds.items():
        for provider in copies(demo_providers, kind, 2, frozenset({"SK4"})):
            providers.append(replace(provider, accreditations=accreditations))
    with uow:
        load_directory(uow, providers, complete=False)
    expected = {kind: any(a.is_valid_on(day) for a in accreditations) for kind, accreditations in kinds.items()}
    pathway = ("http://snomed.info/sct", "390893007", day)
    with uow:
        everyone = uow.directory.narrowed_candidates(*pathway, district="SK4", age=65, alternatives=100)
        few = uow.directory.narrowed_candidates(*pathway, district="SK4", age=65, alternatives=1)
    rows = [*everyone.candidates, *everyone.alternatives]
    for row in rows:
        kind = row.slug.rsplit("-service-", 1)[0]
        if kind in kinds:
            assert row.accredited is expected[kind], row.slug
            assert (row in everyone.candidates) is expected[kind], row.slug  # all else qualifies them
    not_accredited = sum(not row.accredited for row in rows)
    shown_not_accredited = sum(not row.accredited for row in few.alternatives)
    assert few.left_out.get("not accredited", 0) == not_accredited - shown_not_accredited
    assert expected == {
        **dict.fromkeys(kinds, True),
        "lapsed": False,
        "not-begun": False,
        "between": False,
        "none": False,
    }


def test_the_rest_of_a_pathway_is_counted_from_its_standing_read_once_a_day_not_per_referral(
    client: FlaskClient, gp_token: str, uow: UnitOfWork, demo_providers: tuple[ProviderDefinition, ...], engine: Engine
) -> None:
    """A region's referrals rarely share a district and an age, so the narrowing kept for one seldom
    serves the next; the counts of the rest come from the pathway's standing on the day, read once
    (the exercise pathway's 68 services here), not from a statement per referral."""
    with uow:
        load_directory(uow, copies(demo_providers, "far", 60, frozenset({"M20", "M21"})), complete=False)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    on_pathway = "services.pathway_code = "
    standing_read = "SELECT service_districts.service_id, service_districts.district FROM service_districts JOIN"
    event.listen(engine, "before_cursor_execute", record)
    try:
        first = refer_born(client, gp_token, uow, VALID_NHS_NUMBER, "1961-02-03")
        assert sum(s.startswith(standing_read) for s in seen) == 1
        seen.clear()
        second = refer_born(client, gp_token, uow, SECOND_NHS_NUMBER, "1950-07-09")  # another age: not kept
    finally:
        event.remove(engine, "before_cursor_execute", record)

    pathway_statements = [s for s in seen if on_pathway in s]
    assert pathway_statements, "the second referral's narrowing was kept, so this test shows nothing"
    assert len(pathway_statements) <= 2, pathway_statements  # its candidates, and others when too few
    assert not any(s.startswith(standing_read) for s in seen)
    for triage in (first, second):
        assessments, left_out = triage["assessments"], triage["left_out"]
        assert isinstance(assessments, list) and isinstance(left_out, dict)
        assert left_out.get("outside the catchment", 0) >= 60 - EXPLAINED
        assert len(assessments) + sum(left_out.values()) == EXERCISE_SERVICES_IN_DEMO + 60


def refer_born(client: FlaskClient, gp_token: str, uow: UnitOfWork, nhs_number: str, born: str) -> dict[str, object]:
    """A patient in SK4 born on `born`, referred by POST ServiceRequest; the triage stored for them."""
    body = plain_referral(nhs_number=nhs_number)
    body["contained"][0]["birthDate"] = born
    response = client.post("/fhir/ServiceRequest", data=json.dumps(body), headers=headers(gp_token))
    assert response.status_code == 201, response.get_json()
    return triage_of(uow, response.get_json()["id"])
