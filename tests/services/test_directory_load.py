"""Loading the directory: idempotent, keeps history, never drops places already taken."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select, update

from referral_service.persistence.models import CapacityPool, Organisation, Service
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory import read_directory
from referral_service.services.directory import load_directory
from referral_service.services.errors import Conflict
from tests.fixtures.directory import DEMO_DIRECTORY, MINIMAL


def load(uow: UnitOfWork, path: Path):  # type: ignore[no-untyped-def]
    reading = read_directory(path)
    assert reading.ok, reading.problems
    with uow:
        return load_directory(uow, reading.providers, complete=path.is_dir())


def write(folder: Path, text: str, name: str = "test-leisure.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text))
    return folder


def test_demo_directory_loads_and_loading_again_changes_nothing(uow: UnitOfWork) -> None:
    first = load(uow, DEMO_DIRECTORY)
    assert first.organisations_created >= 8
    assert first.services_created >= 12

    second = load(uow, DEMO_DIRECTORY)

    assert (second.organisations_created, second.organisations_updated) == (0, 0)
    assert (second.services_created, second.services_updated) == (0, 0)
    assert second.services_unchanged == first.services_created
    with uow:
        services = uow.directory.services(listed_only=True)
        assert len(services) == first.services_created
        cohort = next(s for s in services if s.capacity_model == "cohort")
        pools = uow.directory.capacity_pools(cohort)
        assert len(pools) >= 2
        assert all(pool.intake_on is not None for pool in pools)
        mersey = uow.directory.organisation_by_slug("mersey-vale-leisure")
        assert mersey is not None
        assert mersey.ods_code
        assert mersey.accreditations


def test_changing_places_never_drops_reserved_places(uow: UnitOfWork, tmp_path: Path) -> None:
    folder = write(tmp_path / "d", MINIMAL)
    load(uow, folder)
    with uow:
        uow.session.execute(update(CapacityPool).values(reserved=8))

    summary = load(uow, write(folder, MINIMAL.replace("places: 10", "places: 5")))

    assert summary.services_updated == 1
    assert any("5 places but 8 are taken" in warning for warning in summary.warnings)
    with uow:
        [pool] = uow.session.scalars(select(CapacityPool)).all()
        assert (pool.places, pool.reserved, pool.is_open) == (5, 8, True)


def test_switching_to_cohorts_closes_the_rolling_pool_but_keeps_its_patients(uow: UnitOfWork, tmp_path: Path) -> None:
    folder = write(tmp_path / "d", MINIMAL)
    load(uow, folder)
    with uow:
        uow.session.execute(update(CapacityPool).values(reserved=3))
    cohort = MINIMAL.replace(
        "{model: rolling, places: 10, waitlist: true}",
        ("{model: cohort, places: 12, waitlist: true, intakes: [2027-01-11, 2027-04-12]}"),
    )

    summary = load(uow, write(folder, cohort))

    assert any("closed to new offers; its 3 taken places stay" in w for w in summary.warnings)
    with uow:
        pools = uow.session.scalars(select(CapacityPool).order_by(CapacityPool.id)).all()
        assert [(p.intake_on is None, p.is_open, p.reserved) for p in pools] == [
            (True, False, 3),
            (False, True, 0),
            (False, True, 0),
        ]


def test_a_service_removed_from_its_file_is_delisted_not_deleted(uow: UnitOfWork, tmp_path: Path) -> None:
    two_services = MINIMAL + textwrap.indent(
        MINIMAL.split("services:\n", 1)[1].replace("id: test-exercise", "id: test-exercise-two"), ""
    )
    folder = write(tmp_path / "d", two_services)
    assert load(uow, folder).services_created == 2

    summary = load(uow, write(folder, MINIMAL))

    assert summary.services_delisted == ["test-exercise-two"]
    with uow:
        gone = uow.directory.service_by_slug("test-exercise-two")
        assert gone is not None
        assert gone.is_listed is False
    assert load(uow, write(folder, two_services)).services_updated == 1  # listed again


def test_a_provider_whose_file_is_removed_is_delisted_with_its_services(uow: UnitOfWork, tmp_path: Path) -> None:
    folder = write(tmp_path / "d", MINIMAL)
    other = MINIMAL.replace("test-leisure", "other-leisure").replace("XTL01", "XOL01")
    write(folder, other.replace("id: test-exercise", "id: other-exercise"), "other-leisure.yaml")
    load(uow, folder)
    (folder / "other-leisure.yaml").unlink()

    summary = load(uow, folder)

    assert summary.services_delisted == ["other-exercise"]
    with uow:
        organisation = uow.directory.organisation_by_slug("other-leisure")
        assert organisation is not None
        assert organisation.is_listed is False


def test_loading_one_file_does_not_delist_the_others(uow: UnitOfWork, tmp_path: Path) -> None:
    load(uow, DEMO_DIRECTORY)
    folder = write(tmp_path / "d", MINIMAL)

    summary = load(uow, folder / "test-leisure.yaml")

    assert summary.services_delisted == []
    with uow:
        assert len(uow.directory.services(listed_only=True)) == len(uow.directory.services())


def test_a_service_cannot_move_to_another_provider(uow: UnitOfWork, tmp_path: Path) -> None:
    load(uow, write(tmp_path / "d", MINIMAL))
    moved = MINIMAL.replace("id: test-leisure", "id: new-leisure").replace("XTL01", "XNL01")
    reading = read_directory(write(tmp_path / "e", moved))

    with pytest.raises(Conflict, match="cannot move between providers"), uow:
        load_directory(uow, reading.providers, complete=False)

    with uow:
        service = uow.directory.service_by_slug("test-exercise")
        assert service is not None
        assert uow.session.get(Organisation, service.organisation_id).slug == "test-leisure"  # type: ignore[union-attr]
        assert uow.directory.organisation_by_slug("new-leisure") is None  # the whole load rolled back


def test_accreditation_and_identifier_changes_are_applied(uow: UnitOfWork, tmp_path: Path) -> None:
    folder = write(tmp_path / "d", MINIMAL)
    load(uow, folder)
    changed = MINIMAL.replace("valid_until: 2027-03-31", "valid_until: 2028-03-31").replace("XTL01", "XTL09")

    summary = load(uow, write(folder, changed))

    assert summary.organisations_updated == 1
    with uow:
        organisation = uow.directory.organisation_by_slug("test-leisure")
        assert organisation is not None
        assert [a.valid_until.year for a in organisation.accreditations] == [2028]
        assert organisation.ods_code == "XTL09"
        assert [i.value for i in organisation.identifiers] == ["XTL09"]
        service = uow.session.scalar(select(Service))
        assert service is not None
        assert service.eligibility["risk_levels"] == ["low", "medium"]
