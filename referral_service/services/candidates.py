"""What triage assesses for a referral: a pathway's services narrowed from the directory before any
rule runs, kept per process under the directory stamp, with their rules parsed once per service
version and their room and waiting lists read live; and every listed service, for a link worker.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from referral_service.domain.choice import EXPLAINED, ServiceProfile
from referral_service.domain.facts import PatientFacts
from referral_service.domain.left_out import Standing
from referral_service.domain.rules import Eligibility
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.rules import load_eligibility

_RULES: dict[tuple[int, str], Eligibility] = {}
_SHARED: dict[str, Eligibility] = {}  # one rules object for every service whose rules read the same


def _rules(uow: UnitOfWork, rows: list[tuple[int, str]]) -> dict[int, Eligibility]:
    """Rules rebuilt once per service version (the hash changes when the directory file does).
    Read from what each look-up returns, never the shared cache again: another thread may clear it."""
    found = {service_id: _RULES.get((service_id, source_hash)) for service_id, source_hash in rows}
    missing = [service_id for service_id, rules in found.items() if rules is None]
    if missing:
        hashes = dict(rows)
        for service_id, document in uow.directory.eligibility_documents(missing).items():
            found[service_id] = remember_rules(service_id, hashes[service_id], document)
    return {service_id: rules for service_id, rules in found.items() if rules is not None}


def remember_rules(service_id: int, source_hash: str, document: dict[str, object]) -> Eligibility:
    """The rule objects for one version of a service, parsed once per process (each process and
    thread may parse a version at most once more in a race; the result is the same)."""
    key = (service_id, source_hash)
    rules = _RULES.get(key)
    if rules is None:
        if len(_RULES) > 50_000:  # bounded: old versions of reloaded services fall out
            _RULES.clear()
            _SHARED.clear()
        # Services with equal rule documents share one rules object, so `choice.assess_all` judges
        # them once (a region's copies of one commissioned specification).
        text = json.dumps(document, sort_keys=True, default=str)
        rules = _SHARED.get(text) or _SHARED.setdefault(text, load_eligibility(document))
        _RULES[key] = rules
    return rules


@dataclass(frozen=True)
class Candidates:
    """What triage assesses for a referral: the narrowed services and the nearest alternatives, their
    ids by slug, and how many others the directory query left out for each reason."""

    profiles: list[ServiceProfile]
    ids: dict[str, int]
    left_out: dict[str, int]
    providers: dict[str, str]  # provider names by service slug


@dataclass(frozen=True)
class _Narrowed:
    """What the directory says for one pathway, day, district and age, under one directory stamp:
    the services as triage sees them but for their live room and waiting lists (`profiles`, in step
    with `service_ids`; each slot holds the last capacity seen, replaced when it differs)."""

    profiles: list[ServiceProfile]
    service_ids: list[int]
    ids: dict[str, int]
    left_out: dict[str, int]
    providers: dict[str, str]


@dataclass(frozen=True)
class _Kept:
    stamp: str
    narrowed: dict[tuple[object, ...], _Narrowed]
    # each pathway's standing on a day (what the reasons for leaving a service out test), from which
    # every patient's left-out services are counted: a region's referrals rarely share a district
    # and age, but share a pathway and day all the time
    standing: dict[tuple[str, str, date], Sequence[Standing]] = field(default_factory=dict)


_KEPT = [_Kept("", {})]  # one process's narrowed directory, for the stamp it was read under
# pathways x districts x ages x days: each kept narrowing holds its own profiles (tens of kB with many
# candidates), so a worker keeps at most this many and starts afresh when full (memory stays bounded)
_KEPT_MAX = 2_000
# pathways x days: each a pathway's standing (a few hundred small rows in a region); today's are the
# ones in use, so a few days' worth of a region's pathways is plenty
_STANDING_MAX = 128


def narrowed_profiles(uow: UnitOfWork, facts: PatientFacts, on: date) -> Candidates:
    """The services a patient could qualify for, found through indexes (pathway, accreditation on the
    day, catchment district, age limits) before any rule runs, topped up with others to EXPLAINED + 1 so the
    explanation still says why not; the work follows the candidates, not the directory's size.

    The directory's part is kept per process under the directory stamp (`DirectoryRepository.stamp`,
    which the database changes with any change to those rows): one read of the stamp, and the
    narrowing statements only when it moved. Room and waiting lists are read live every time."""
    if not facts.pathway or "|" not in facts.pathway:
        return Candidates([], {}, {}, {})
    system, _, code = facts.pathway.partition("|")
    stamp = uow.directory.stamp()
    kept = _KEPT[0]
    if kept.stamp != stamp:
        kept = _KEPT[0] = _Kept(stamp, {})
    key = (system, code, on, facts.district, facts.age)
    narrowed = kept.narrowed.get(key)
    if narrowed is None:
        narrowed = _narrow(uow, system, code, on, facts, standing=lambda: _standing(uow, kept, system, code, on))
        if len(kept.narrowed) >= _KEPT_MAX:
            kept.narrowed.clear()
        kept.narrowed[key] = narrowed
    uow.directory.note_service_names({profile.slug: profile.name for profile in narrowed.profiles})
    return Candidates(
        _with_capacity(uow, narrowed.profiles, narrowed.service_ids, on),
        narrowed.ids,
        narrowed.left_out,
        narrowed.providers,
    )


def _standing(uow: UnitOfWork, kept: _Kept, system: str, code: str, on: date) -> Sequence[Standing]:
    key = (system, code, on)
    standing = kept.standing.get(key)
    if standing is None:
        if len(kept.standing) >= _STANDING_MAX:
            kept.standing.clear()
        standing = kept.standing[key] = uow.directory.pathway_standing(system, code, on)
    return standing


def _narrow(
    uow: UnitOfWork,
    system: str,
    code: str,
    on: date,
    facts: PatientFacts,
    standing: Callable[[], Sequence[Standing]],
) -> _Narrowed:
    found = uow.directory.narrowed_candidates(
        system, code, on, district=facts.district, age=facts.age, alternatives=EXPLAINED + 1, standing=standing
    )
    rows = sorted([*found.candidates, *found.alternatives], key=lambda row: row.slug)
    return _Narrowed(
        _listed(uow, rows),
        [row.id for row in rows],
        {row.slug: row.id for row in rows},
        found.left_out,
        {row.slug: row.provider for row in rows},
    )


def listed_profiles(uow: UnitOfWork, on: date) -> tuple[list[ServiceProfile], dict[str, str]]:
    """Every listed service, whatever its pathway, as triage sees it; and its provider's name by slug
    (for a person choosing by hand)."""
    rows = uow.directory.candidates(None, None, on)
    profiles = _with_capacity(uow, _listed(uow, rows), [row.id for row in rows], on)
    return profiles, {row.slug: row.provider for row in rows}


def _listed(uow: UnitOfWork, rows: Sequence[Any]) -> list[ServiceProfile]:
    """The services as the directory lists them, with no room and nobody waiting until read."""
    rules = _rules(uow, [(row.id, row.source_hash) for row in rows])
    return [
        ServiceProfile(
            slug=row.slug,
            name=row.name,
            pathway=f"{row.pathway_system}|{row.pathway_code}",
            districts=frozenset(row.catchment_districts),
            eligibility=rules[row.id],
            accredited=bool(row.accredited),
            has_room=False,
            takes_waitlist=row.waitlist_enabled,
            aliases=frozenset({row.public_id.lower(), row.slug, row.name.lower()}),
            takes_self_referral=bool(row.self_referral),
        )
        for row in rows
    ]


def _with_capacity(
    uow: UnitOfWork, profiles: list[ServiceProfile], service_ids: list[int], on: date
) -> list[ServiceProfile]:
    """The profiles with their room and waiting lists now (read live), in the same order. A slot
    whose capacity changed is replaced in `profiles` too, so the next triage copies only what moved."""
    room, waiting = uow.capacity.room_and_waiting(service_ids, on) if service_ids else ({}, {})
    now = []
    for index, (profile, service_id) in enumerate(zip(profiles, service_ids, strict=True)):
        has_room, places = room.get(service_id, (False, 0))
        count = waiting.get(service_id, 0)
        if (profile.has_room, profile.places, profile.waiting) != (has_room, places, count):
            profile = replace(profile, has_room=has_room, places=places, waiting=count)
            profiles[index] = profile
        now.append(profile)
    return now
