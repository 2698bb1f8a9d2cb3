"""Areas in the directory files, through `providers check|load` as a directory officer uses them: the
areas file beside the provider files, `area:` on an organisation (and a service that differs), and a
precise problem for an area nobody defined."""

from __future__ import annotations

import textwrap
from pathlib import Path

from flask.testing import FlaskCliRunner

from referral_service.domain.directory import OrganisationKind
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.directory import DEMO_DIRECTORY, MINIMAL

AREAS = """\
areas:
  - id: north-locality
    name: North Locality
    practices: [P88001, p88002]
  - id: south-locality
    name: South Locality
    practices: [P88007]
"""


def _folder(tmp_path: Path, provider: str, areas: str | None = AREAS) -> Path:
    folder = tmp_path / "directory"
    folder.mkdir()
    (folder / "test-leisure.yaml").write_text(provider)
    if areas is not None:
        (folder / "areas.yaml").write_text(areas)
    return folder


def _with_area(text: str, area: str) -> str:
    return text.replace("  id: test-leisure\n", f"  id: test-leisure\n  area: {area}\n", 1)


SECOND_SERVICE = textwrap.indent(
    textwrap.dedent("""\
    - id: test-walks
      area: south-locality
      name: Health walks
      pathway: http://snomed.info/sct|390893007
      category: physical-activity
      programme: {weeks: 8, sessions: 8}
      locations: [{name: Park gate, postcode: SK7 1PL}]
      catchment: {postcode_districts: [SK7]}
      capacity: {model: rolling, places: 10, waitlist: false}
      offer_response_days: 5
      eligibility: {all: [{age: {min: 16}}], risk_levels: [low]}
    """),
    "  ",
)


def test_an_organisations_area_reaches_its_services_unless_a_service_names_its_own(
    runner: FlaskCliRunner, tmp_path: Path, uow: UnitOfWork
) -> None:
    folder = _folder(tmp_path, _with_area(MINIMAL, "north-locality") + SECOND_SERVICE)
    assert runner.invoke(args=["providers", "check", str(folder)]).exit_code == 0

    result = runner.invoke(args=["providers", "load", str(folder)])

    assert result.exit_code == 0, result.output
    with uow:
        north, south = uow.areas.by_slug("north-locality"), uow.areas.by_slug("south-locality")
        assert north is not None and south is not None
        assert (north.name, south.name) == ("North Locality", "South Locality")
        organisation = uow.directory.organisation_by_slug("test-leisure")
        assert organisation is not None and organisation.area_id == north.id
        exercise, walks = uow.directory.service_by_slug("test-exercise"), uow.directory.service_by_slug("test-walks")
        assert exercise is not None and exercise.area_id == north.id  # its organisation's
        assert walks is not None and walks.area_id == south.id  # the file says otherwise
        practices = {code: uow.directory.organisation_by_ods_code(code) for code in ("P88001", "P88002", "P88007")}
        assert all(p is not None and p.kind is OrganisationKind.REFERRER for p in practices.values())
        assert [practices[code].area_id for code in ("P88001", "P88002", "P88007")] == [  # type: ignore[union-attr]
            north.id,
            north.id,
            south.id,
        ]


def test_moving_a_practice_or_a_provider_to_another_area_and_loading_again(
    runner: FlaskCliRunner, tmp_path: Path, uow: UnitOfWork
) -> None:
    folder = _folder(tmp_path, _with_area(MINIMAL, "north-locality"))
    assert runner.invoke(args=["providers", "load", str(folder)]).exit_code == 0
    (folder / "areas.yaml").write_text(
        AREAS.replace("[P88001, p88002]", "[P88001]").replace("[P88007]", "[P88007, P88002]")
    )
    (folder / "test-leisure.yaml").write_text(_with_area(MINIMAL, "south-locality"))

    again = runner.invoke(args=["providers", "load", str(folder)])

    assert again.exit_code == 0, again.output
    assert "services: 0 created, 0 updated, 1 unchanged" in again.output  # the listing itself is as it was
    with uow:
        south = uow.areas.by_slug("south-locality")
        assert south is not None
        moved = uow.directory.organisation_by_ods_code("P88002")
        provider, service = (
            uow.directory.organisation_by_slug("test-leisure"),
            uow.directory.service_by_slug("test-exercise"),
        )
        assert moved is not None and provider is not None and service is not None
        assert (moved.area_id, provider.area_id, service.area_id) == (south.id, south.id, south.id)


def test_an_area_nobody_defined_is_a_problem_on_its_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    folder = _folder(tmp_path, _with_area(MINIMAL, "east-locality"))

    result = runner.invoke(args=["providers", "load", str(folder)])

    assert result.exit_code == 1
    assert (
        f"{folder / 'test-leisure.yaml'}:3: organisation.area: 'east-locality' is not an area in areas.yaml;"
        " it defines north-locality, south-locality" in result.output
    )
    assert "nothing loaded (1 problems)" in result.output


def test_an_area_without_an_areas_file_is_a_problem(runner: FlaskCliRunner, tmp_path: Path) -> None:
    folder = _folder(tmp_path, _with_area(MINIMAL, "north-locality"), areas=None)

    result = runner.invoke(args=["providers", "check", str(folder)])

    assert result.exit_code == 1
    assert "organisation.area: There are no areas: define 'north-locality' in areas.yaml" in result.output


def test_the_areas_file_is_checked_too(runner: FlaskCliRunner, tmp_path: Path) -> None:
    twice = AREAS.replace("practices: [P88007]", "practices: [P88001]")
    folder = _folder(tmp_path, MINIMAL, areas=twice)

    result = runner.invoke(args=["providers", "check", str(folder)])

    assert result.exit_code == 1
    assert (
        f"{folder / 'areas.yaml'}:7: areas[1].practices: P88001 is also in 'north-locality': a practice is in one area."
        in result.output
    )


def test_a_directory_without_areas_loads_as_before(runner: FlaskCliRunner, tmp_path: Path, uow: UnitOfWork) -> None:
    folder = _folder(tmp_path, MINIMAL, areas=None)

    assert runner.invoke(args=["providers", "load", str(folder)]).exit_code == 0

    with uow:
        assert list(uow.areas.all()) == []
        service = uow.directory.service_by_slug("test-exercise")
        assert service is not None and service.area_id is None


def test_the_demo_directory_has_two_areas(runner: FlaskCliRunner, uow: UnitOfWork) -> None:
    assert runner.invoke(args=["providers", "load", str(DEMO_DIRECTORY)]).exit_code == 0
    with uow:
        assert [area.name for area in uow.areas.all()] == ["Stockport North", "Stockport South"]
        goyt, mersey = (
            uow.directory.organisation_by_slug("goyt-valley-active"),
            uow.directory.organisation_by_slug("mersey-vale-leisure"),
        )
        assert goyt is not None and mersey is not None
        assert uow.areas.by_id(goyt.area_id).slug == "stockport-south"  # type: ignore[union-attr]
        assert uow.areas.by_id(mersey.area_id).slug == "stockport-north"  # type: ignore[union-attr]
