"""The directory entry's schemas: one provider file's organisation and services into domain definitions.

Kept apart from the file reading (`schemas.directory`): every door that takes a listing (the
files, the ORUK importer, the portal) validates with these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from referral_service.domain.directory import (
    Accreditation,
    CapacityModel,
    CapacityPlan,
    Contact,
    Identifier,
    Location,
    Pathway,
    Programme,
    ProviderDefinition,
    ServiceCategory,
    ServiceDefinition,
)
from referral_service.schemas.areas import AreaField
from referral_service.schemas.fields import (
    CodingToken,
    Postcode,
    PostcodeDistrict,
    Slug,
    StrictSchema,
    YamlDate,
)
from referral_service.schemas.rules import EligibilitySchema


class IdentifierSchema(StrictSchema):
    system = fields.String(required=True, validate=validate.Length(min=1, max=200))
    value = fields.String(required=True, validate=validate.Length(min=1, max=100))

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> Identifier:
        return Identifier(**data)


class ContactSchema(StrictSchema):
    email = fields.Email(required=True)
    phone = fields.String(validate=validate.Length(min=5, max=40))
    website = fields.Url()

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> Contact:
        return Contact(**data)


class AccreditationSchema(StrictSchema):
    scheme = fields.String(required=True, validate=validate.Length(min=1, max=200))
    level = fields.Integer(strict=True, validate=validate.Range(1, 7))
    valid_from = YamlDate()
    valid_until = YamlDate(required=True)

    @validates_schema
    def _in_order(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("valid_from") and data.get("valid_until") and data["valid_from"] > data["valid_until"]:
            raise ValidationError("valid_from is after valid_until.")

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> Accreditation:
        return Accreditation(**data)


class OrganisationSchema(StrictSchema):
    id = Slug(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=5000))
    identifiers = fields.List(fields.Nested(IdentifierSchema), required=True, validate=validate.Length(min=1))
    contact = fields.Nested(ContactSchema, required=True)
    accreditation = fields.List(fields.Nested(AccreditationSchema), required=True, validate=validate.Length(min=1))
    endpoint = fields.Url(allow_none=True)
    area = AreaField()  # schemas.areas: the area its services are in unless one says otherwise


class LocationSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(validate=validate.Length(max=300))
    town = fields.String(validate=validate.Length(max=100))
    postcode = Postcode(required=True)

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> Location:
        return Location(**data)


class CatchmentSchema(StrictSchema):
    postcode_districts = fields.List(PostcodeDistrict(), required=True, validate=validate.Length(min=1))


class CapacitySchema(StrictSchema):
    model = fields.String(required=True, validate=validate.OneOf([m.value for m in CapacityModel]))
    places = fields.Integer(strict=True, required=True, validate=validate.Range(0, 100_000))
    waitlist = fields.Boolean(required=True)
    intakes = fields.List(YamlDate())

    @validates_schema
    def _intakes_match_model(self, data: Mapping[str, Any], **_: Any) -> None:
        intakes = data.get("intakes") or []
        if data.get("model") == CapacityModel.COHORT:
            if not intakes:
                raise ValidationError({"intakes": ["A cohort service lists its intake dates."]})
            if len(set(intakes)) != len(intakes):
                raise ValidationError({"intakes": ["An intake date is listed twice."]})
        elif intakes:
            raise ValidationError({"intakes": ["Only a cohort service has intakes; a rolling one has none."]})

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> CapacityPlan:
        return CapacityPlan(
            model=CapacityModel(data["model"]),
            places=data["places"],
            waitlist=data["waitlist"],
            intakes=tuple(sorted(data.get("intakes") or ())),
        )


class ProgrammeSchema(StrictSchema):
    weeks = fields.Integer(strict=True, required=True, validate=validate.Range(1, 104))
    sessions = fields.Integer(strict=True, required=True, validate=validate.Range(1, 500))

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> Programme:
        return Programme(**data)


class ServiceSchema(StrictSchema):
    id = Slug(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=5000))
    pathway = CodingToken(required=True)
    category = fields.String(required=True, validate=validate.OneOf([c.value for c in ServiceCategory]))
    programme = fields.Nested(ProgrammeSchema, required=True)
    locations = fields.List(fields.Nested(LocationSchema), required=True, validate=validate.Length(min=1))
    catchment = fields.Nested(CatchmentSchema, required=True)
    capacity = fields.Nested(CapacitySchema, required=True)
    offer_response_days = fields.Integer(strict=True, required=True, validate=validate.Range(1, 30))
    eligibility = fields.Nested(EligibilitySchema, required=True)
    area = AreaField()  # only where it differs from its organisation's
    self_referral = fields.Boolean(truthy={True}, falsy={False})
    eligibility_notes = fields.String(validate=validate.Length(max=2000))

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> ServiceDefinition:
        system, _sep, code = data["pathway"].partition("|")
        return ServiceDefinition(
            slug=data["id"],
            name=data["name"],
            description=data.get("description"),
            pathway=Pathway(system, code),
            category=ServiceCategory(data["category"]),
            programme=data["programme"],
            locations=tuple(data["locations"]),
            catchment_districts=frozenset(data["catchment"]["postcode_districts"]),
            capacity=data["capacity"],
            offer_response_days=data["offer_response_days"],
            eligibility=data["eligibility"],
            area=data.get("area"),
            self_referral=data.get("self_referral", False),
            eligibility_notes=data.get("eligibility_notes"),
        )


class ProviderFileSchema(StrictSchema):
    organisation = fields.Nested(OrganisationSchema, required=True)
    services = fields.List(fields.Nested(ServiceSchema), required=True, validate=validate.Length(min=1))

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> ProviderDefinition:
        org = data["organisation"]
        return ProviderDefinition(
            slug=org["id"],
            name=org["name"],
            description=org.get("description"),
            identifiers=tuple(org["identifiers"]),
            contact=org["contact"],
            accreditations=tuple(org["accreditation"]),
            endpoint=org.get("endpoint"),
            services=tuple(data["services"]),
            area=org.get("area"),
        )
