"""A provider keeps its own listing: what it says about itself and its services applies at once
(and is versioned); what triage reads is proposed instead (services.directory_approvals).

Only a provider's own users edit its listing; anyone else is answered NotFound, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import ValidationError

from referral_service.domain.access import Actor, UserRole
from referral_service.domain.directory_changes import STATUS_WORDS, value_change
from referral_service.persistence.models import Organisation, Service, ServiceLocation
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.directory_entries import ContactSchema, LocationSchema
from referral_service.services.directory import refresh_source_hash
from referral_service.services.directory_versions import record_version
from referral_service.services.errors import Invalid, NotFound

DESCRIPTION_LIMIT = 5000
NOTES_LIMIT = 2000


def own_organisation(uow: UnitOfWork, actor: Actor) -> Organisation:
    """The provider user's own organisation, or NotFound for anyone else."""
    organisation = uow.directory.organisation_by_id(actor.provider_organisation)
    if actor.role is not UserRole.PROVIDER or organisation is None:
        raise NotFound("no such listing")
    return organisation


def own_listed_service(uow: UnitOfWork, actor: Actor, slug: str) -> Service:
    """One of the provider's own listed services by its slug, or NotFound (another's, or none)."""
    organisation = own_organisation(uow, actor)
    for service in uow.directory.services_of(organisation):
        if service.slug == slug and service.is_listed:
            return service
    raise NotFound("no such service")


@dataclass(frozen=True)
class ProposalLine:
    id: str
    status: str  # in words
    proposed_at: datetime
    decided_at: datetime | None
    reason: str | None


@dataclass(frozen=True)
class ServiceListing:
    slug: str
    name: str
    description: str | None
    eligibility_notes: str | None
    locations: list[tuple[str, str | None, str | None, str]]  # name, address, town, postcode
    proposals: list[ProposalLine]


@dataclass(frozen=True)
class Listing:
    organisation_id: str
    name: str
    description: str | None
    email: str | None
    phone: str | None
    website: str | None
    services: list[ServiceListing]


def provider_listing(uow: UnitOfWork, actor: Actor) -> Listing:
    """The provider's own listing as the public sees it, with the state of each proposal."""
    organisation = own_organisation(uow, actor)
    services = [
        ServiceListing(
            slug=service.slug,
            name=service.name,
            description=service.description,
            eligibility_notes=service.eligibility_notes,
            locations=[(loc.name, loc.address, loc.town, loc.postcode) for loc in service.locations],
            proposals=[
                ProposalLine(p.public_id, STATUS_WORDS[p.status], p.proposed_at, p.decided_at, p.reason)
                for p in uow.directory_changes.proposals_of(service.id)
            ],
        )
        for service in uow.directory.services_of(organisation)
        if service.is_listed
    ]
    return Listing(
        organisation.public_id,
        organisation.name,
        organisation.description,
        organisation.contact_email,
        organisation.contact_phone,
        organisation.website,
        services,
    )


def _blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _first_problem(error: ValidationError, fields: Mapping[str, str]) -> Invalid:
    messages: Any = error.messages
    for key, field in fields.items():
        if isinstance(messages, Mapping) and key in messages:
            found = messages[key]
            text = found[0] if isinstance(found, list) else str(found)
            return Invalid(_plain(str(text)), where=field)
    return Invalid("Check what you entered")


def _plain(message: str) -> str:
    return {
        "Not a valid email address.": "Enter an email address in the right form, like name@example.org",
        "Not a valid URL.": "Enter the website's full address, starting https://",
    }.get(message, message.rstrip("."))


def edit_organisation(
    uow: UnitOfWork,
    actor: Actor,
    *,
    description: str | None,
    email: str,
    phone: str | None,
    website: str | None,
    now: datetime,
) -> list[str]:
    """Change the organisation's description and contacts at once; returns what changed, in words."""
    organisation = own_organisation(uow, actor)
    values = {"email": email.strip(), "phone": _blank_to_none(phone), "website": _blank_to_none(website)}
    try:
        ContactSchema().load({key: value for key, value in values.items() if value is not None})
    except ValidationError as error:
        raise _first_problem(error, {"email": "email", "phone": "phone", "website": "website"}) from None
    description = _blank_to_none(description)
    if description and len(description) > DESCRIPTION_LIMIT:
        raise Invalid(f"Keep the description to {DESCRIPTION_LIMIT} characters", where="description")
    changes = [
        *value_change("Description", organisation.description, description),
        *value_change("Email for referrals", organisation.contact_email, values["email"]),
        *value_change("Phone", organisation.contact_phone, values["phone"]),
        *value_change("Website", organisation.website, values["website"]),
    ]
    if not changes:
        return []
    organisation.description = description
    organisation.contact_email = values["email"]
    organisation.contact_phone = values["phone"]
    organisation.website = values["website"]
    record_version(uow, organisation, actor, changes, now=now)
    return changes


@dataclass(frozen=True)
class LocationEntry:
    name: str
    address: str | None
    town: str | None
    postcode: str


def _checked_locations(entries: Sequence[LocationEntry]) -> list[LocationEntry]:
    checked: list[LocationEntry] = []
    for index, entry in enumerate(entries):
        document = {"name": entry.name.strip(), "postcode": entry.postcode.strip()}
        for key, value in (("address", entry.address), ("town", entry.town)):
            if text := _blank_to_none(value):
                document[key] = text
        try:
            location = LocationSchema().load(document)
        except ValidationError as error:
            fields = {"name": f"locations-{index}-name", "postcode": f"locations-{index}-postcode"}
            raise _first_problem(error, fields) from None
        checked.append(LocationEntry(location.name, location.address, location.town, location.postcode))
    if not checked:
        raise Invalid("Give at least one place where the service runs", where="locations-0-name")
    return checked


def edit_service(
    uow: UnitOfWork,
    actor: Actor,
    slug: str,
    *,
    description: str | None,
    eligibility_notes: str | None,
    locations: Sequence[LocationEntry],
    now: datetime,
) -> list[str]:
    """Change a service's description, eligibility notes and places at once (triage reads none of them)."""
    service = own_listed_service(uow, actor, slug)
    description, notes = _blank_to_none(description), _blank_to_none(eligibility_notes)
    if description and len(description) > DESCRIPTION_LIMIT:
        raise Invalid(f"Keep the description to {DESCRIPTION_LIMIT} characters", where="description")
    if notes and len(notes) > NOTES_LIMIT:
        raise Invalid(f"Keep the eligibility notes to {NOTES_LIMIT} characters", where="eligibility_notes")
    wanted = _checked_locations(locations)
    before = [LocationEntry(loc.name, loc.address, loc.town, loc.postcode) for loc in service.locations]
    changes = [
        *value_change(f"{service.name}: description", service.description, description),
        *value_change(f"{service.name}: eligibility notes", service.eligibility_notes, notes),
    ]
    if wanted != before:
        changes.append(f"{service.name}: places where it runs are now {', '.join(e.name for e in wanted)}")
    if not changes:
        return []
    service.description, service.eligibility_notes = description, notes
    rows = list(service.locations)
    for position, entry in enumerate(wanted):
        values = {"position": position, **vars(entry)}
        if position < len(rows):
            for key, value in values.items():
                setattr(rows[position], key, value)
        else:
            service.locations.append(ServiceLocation(**values))
    for extra in rows[len(wanted) :]:
        service.locations.remove(extra)
    refresh_source_hash(uow, service)
    record_version(uow, service.organisation, actor, changes, now=now)
    return changes
