"""The one area rule (domain.areas.in_area), and the 404 helper services build approvals on."""

from __future__ import annotations

import pytest

from referral_service.domain.access import SCHEDULER, Actor, ActorKind, UserRole
from referral_service.domain.areas import in_area, report_area
from referral_service.services.areas import require_in_area
from referral_service.services.errors import NotFound

NORTH, SOUTH = 1, 2


def _person(role: UserRole, area_id: int | None = None) -> Actor:
    return Actor.portal_user(7, role, None, area_id)


def test_a_commissioner_of_an_area_reaches_only_that_area() -> None:
    north = _person(UserRole.COMMISSIONER, NORTH)
    assert in_area(north, NORTH)
    assert not in_area(north, SOUTH)
    assert not in_area(north, None)  # in no area: for those who see every area
    assert report_area(north) == NORTH


@pytest.mark.parametrize(
    "actor",
    [
        _person(UserRole.COMMISSIONER),  # a commissioner with no area sees every area
        _person(UserRole.ADMIN),
        Actor(ActorKind.PORTAL_USER, "user:1", role=UserRole.ADMIN, user_id=1, area_id=NORTH),  # admins: all, always
        SCHEDULER,
        Actor.operator("ops"),
    ],
)
def test_administrators_commissioners_without_an_area_and_the_service_reach_every_area(actor: Actor) -> None:
    assert all(in_area(actor, area) for area in (NORTH, SOUTH, None))
    assert report_area(actor) is None


def test_only_a_commissioner_carries_an_area() -> None:
    for role in (UserRole.PROVIDER, UserRole.LINK_WORKER, UserRole.ADMIN):
        assert _person(role, NORTH).area_id is None
    assert _person(UserRole.COMMISSIONER, NORTH).area_id == NORTH


def test_another_areas_object_is_not_found() -> None:
    north = _person(UserRole.COMMISSIONER, NORTH)
    require_in_area(north, NORTH)
    with pytest.raises(NotFound) as refused:
        require_in_area(north, SOUTH, "there is no such approval")
    assert (refused.value.status, refused.value.message) == (404, "there is no such approval")
