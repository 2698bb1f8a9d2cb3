"""Every change to a listing is a version: who, when, what changed, and the whole entry after it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from referral_service.domain.access import Actor, ActorKind, UserRole
from referral_service.domain.areas import in_area
from referral_service.persistence.models import DirectoryVersion, Organisation
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.directory_export import provider_definition, provider_file_document, yaml_ready
from referral_service.services.errors import NotFound

FILES = "the directory files"


def actor_name(uow: UnitOfWork, actor: Actor) -> str:
    """The name the history shows: the person in the portal, or the files for a load."""
    if actor.kind is ActorKind.PORTAL_USER:
        return uow.directory_changes.user_name(actor.user_id)
    return FILES


def record_version(
    uow: UnitOfWork, organisation: Organisation, actor: Actor, changes: Sequence[str], *, now: datetime
) -> DirectoryVersion:
    """Write the version after a change, with the organisation's whole entry as it now stands."""
    uow.directory.flush()
    snapshot = yaml_ready(provider_file_document(provider_definition(uow, organisation)))
    version = DirectoryVersion(
        organisation_id=organisation.id,
        made_at=now,
        made_by=actor.id,
        made_by_name=actor_name(uow, actor),
        changes=list(changes),
        snapshot=snapshot,
    )
    uow.directory_changes.add(version)
    return version


@dataclass(frozen=True)
class VersionRow:
    made_at: datetime
    made_by: str
    changes: list[str]


@dataclass(frozen=True)
class ListingHistory:
    organisation: str
    provider_id: str
    versions: list[VersionRow]


def listing_history(uow: UnitOfWork, provider_id: str, actor: Actor) -> ListingHistory:
    """The history of one provider's listing, newest first: for the provider itself, commissioners
    of its area (or of every area) and administrators (anyone else is answered NotFound)."""
    organisation = uow.directory.organisation_by_public_id(provider_id)
    own = organisation is not None and actor.role is UserRole.PROVIDER and actor.organisation_id == organisation.id
    staff = (
        organisation is not None
        and actor.role in (UserRole.COMMISSIONER, UserRole.ADMIN)
        and in_area(actor, organisation.area_id)
    )
    if organisation is None or not (own or staff):
        raise NotFound("no such listing")
    rows = [
        VersionRow(row.made_at, row.made_by_name, list(row.changes))
        for row in uow.directory_changes.versions_of(organisation.id)
    ]
    return ListingHistory(organisation.name, organisation.public_id, rows)
