"""Areas: the places one deployment serves (for example the localities of one ICB).

Each practice, service and commissioner may belong to an area. A commissioner of an area reads and
approves only what is in it; an administrator, a commissioner with no area, and the service itself
(scheduler, operator) reach every area. A deployment with no areas has one implicit area: nobody
has an area, so everyone sees everything, as before areas existed.
"""

from __future__ import annotations

from dataclasses import dataclass

from referral_service.domain.access import Actor, UserRole


@dataclass(frozen=True)
class AreaDefinition:
    """An area as the directory's `areas.yaml` defines it: its id, its name, and its practices (ODS codes)."""

    slug: str
    name: str
    practices: tuple[str, ...] = ()


def in_area(actor: Actor, area_id: int | None) -> bool:
    """The one area rule: may this caller see (or approve) something in `area_id`?

    Only a commissioner tied to an area is limited, to that area: something in no area (a practice
    the areas file does not list, a provider file without `area:`) is for those who see all areas.
    Everyone else's reach is decided by their own rules (domain.access), not by areas.
    """
    if actor.role is UserRole.ADMIN or actor.area_id is None:
        return True
    return area_id == actor.area_id


def report_area(actor: Actor) -> int | None:
    """The area a caller's reports are limited to, or None for every area."""
    return None if actor.role is UserRole.ADMIN else actor.area_id
