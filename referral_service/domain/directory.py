"""The accredited provider directory as domain values: organisations, services, capacity, accreditation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from referral_service.domain.areas import AreaDefinition
from referral_service.domain.rules import Eligibility


class ServiceCategory(StrEnum):
    PHYSICAL_ACTIVITY = "physical-activity"
    WEIGHT_MANAGEMENT = "weight-management"
    FALLS_PREVENTION = "falls-prevention"
    CARDIAC_REHAB = "cardiac-rehab"
    SOCIAL_CONNECTION = "social-connection"
    MENTAL_WELLBEING = "mental-wellbeing"
    MONEY_AND_HOUSING = "money-and-housing"
    OTHER = "other"


class CapacityModel(StrEnum):
    ROLLING = "rolling"  # N places at any time
    COHORT = "cohort"  # N places per intake date


class OrganisationKind(StrEnum):
    PROVIDER = "provider"
    REFERRER = "referrer"


@dataclass(frozen=True)
class Identifier:
    system: str
    value: str


@dataclass(frozen=True)
class Accreditation:
    scheme: str
    valid_until: date
    level: int | None = None
    valid_from: date | None = None

    def is_valid_on(self, day: date) -> bool:
        """Valid from its start (when given) up to and including its last day."""
        starts_ok = self.valid_from is None or self.valid_from <= day
        return starts_ok and day <= self.valid_until


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Location:
    name: str
    postcode: str
    address: str | None = None
    town: str | None = None


@dataclass(frozen=True)
class Pathway:
    """What a service fulfils: the coded ServiceRequest it answers, as `system|code`."""

    system: str
    code: str

    @property
    def token(self) -> str:
        return f"{self.system}|{self.code}"


@dataclass(frozen=True)
class CapacityPlan:
    model: CapacityModel
    places: int
    waitlist: bool
    intakes: tuple[date, ...] = ()


@dataclass(frozen=True)
class Programme:
    weeks: int
    sessions: int


@dataclass(frozen=True)
class ServiceDefinition:
    slug: str
    name: str
    pathway: Pathway
    category: ServiceCategory
    programme: Programme
    locations: tuple[Location, ...]
    catchment_districts: frozenset[str]
    capacity: CapacityPlan
    offer_response_days: int
    eligibility: Eligibility
    description: str | None = None
    area: AreaDefinition | None = None  # where the file says so; else its organisation's
    self_referral: bool = False  # people may refer themselves (the public form), as well as GPs
    eligibility_notes: str | None = None  # who the service is for, in the provider's own words (public)


@dataclass(frozen=True)
class ProviderDefinition:
    """One provider file: the organisation and the services it offers."""

    slug: str
    name: str
    identifiers: tuple[Identifier, ...]
    contact: Contact
    accreditations: tuple[Accreditation, ...]
    services: tuple[ServiceDefinition, ...]
    description: str | None = None
    endpoint: str | None = None
    area: AreaDefinition | None = None  # domain.areas


def postcode_district(postcode: str) -> str:
    """The outward code of a UK postcode ("SK1 3TA" -> "SK1"), upper case, spacing tolerated."""
    compact = "".join(postcode.split()).upper()
    if len(compact) <= 4:
        return compact
    return compact[:-3]
