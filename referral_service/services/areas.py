"""The area rule as services use it: a helper that answers 404 outside the caller's area, and the
areas an administrator can give a commissioner.

An approval (a listing change, an accreditation) or any other object of an area follows one
pattern: look the object up, then `require_in_area(actor, its area_id)`, so a commissioner of
another area is told it does not exist, exactly as for a referral they may not reach.
"""

from __future__ import annotations

from referral_service.domain.access import Actor, UserRole
from referral_service.domain.areas import in_area
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.errors import Invalid, NotFound

__all__ = ["area_choices", "area_for_role", "in_area", "require_in_area"]


def require_in_area(actor: Actor, area_id: int | None, what: str = "no such thing") -> None:
    """NotFound (404) unless the caller may see what is in `area_id` (domain.areas.in_area)."""
    if not in_area(actor, area_id):
        raise NotFound(what)


def area_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(id, name) of every area, by name; empty where the deployment has none."""
    return [(area.slug, area.name) for area in uow.areas.all()]


def area_for_role(uow: UnitOfWork, role: UserRole, area_slug: str | None) -> int | None:
    """A commissioner may have one area (none: every area); no other role has one."""
    if not area_slug:
        return None
    if role is not UserRole.COMMISSIONER:
        raise Invalid("only a commissioner has an area: leave the area as every area", where="area")
    area = uow.areas.by_slug(area_slug)
    if area is None:
        raise Invalid("choose an area from the list", where="area")
    return area.id
