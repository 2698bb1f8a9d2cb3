"""Provider directory files (`providers/*.yaml`) into domain definitions, with precise problems.

Every problem names the file, the line, and the path inside the document
(`services[0].eligibility.all[2].bmi.min`), so a directory officer can fix it without guessing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
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
from referral_service.domain.identifiers import sctid_problem
from referral_service.schemas.fields import (
    CodingToken,
    Postcode,
    PostcodeDistrict,
    Slug,
    StrictSchema,
    YamlDate,
)
from referral_service.schemas.rules import EligibilitySchema, code_set_reader

PathPart = str | int


try:  # libyaml's parser when PyYAML has it (its wheels do): a region's thousands of files in seconds
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class DirectoryLoader(_SafeLoader):
    """Safe YAML, but dates stay text so that an impossible date is a clear problem, not a crash."""


DirectoryLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f" {self.path}:" if self.path else ""
        return f"{self.file}:{self.line}:{where} {self.message}"


@dataclass(frozen=True)
class ProviderFile:
    path: Path
    provider: ProviderDefinition
    node: yaml.Node | None = field(default=None, compare=False, repr=False)

    def problem(self, path: Sequence[PathPart], message: str) -> Problem:
        return Problem(str(self.path), _line_of(self.node, path), _format_path(path), message)


@dataclass
class DirectoryReading:
    """What reading a directory found: the good files, and every problem in the others."""

    files: list[ProviderFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def providers(self) -> list[ProviderDefinition]:
        return [item.provider for item in self.files]


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
        )


def read_directory(path: Path) -> DirectoryReading:
    """Read one provider file, or every `*.yaml`/`*.yml` file in a folder (sorted, not recursive)."""
    reading = DirectoryReading()
    if path.is_dir():
        root = path
        files = sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
        if not files:
            reading.problems.append(Problem(str(path), 0, "", "no provider files (*.yaml) in this folder"))
    elif path.is_file():
        root, files = path.parent, [path]
    else:
        reading.problems.append(Problem(str(path), 0, "", "no such file or folder"))
        return reading
    for file in files:
        provider_file, problems = read_provider_file(file, root)
        reading.problems.extend(problems)
        if provider_file is not None:
            reading.files.append(provider_file)
    reading.problems.extend(_cross_file_problems(reading.files))
    reading.problems.sort()
    return reading


def read_provider_file(file: Path, root: Path) -> tuple[ProviderFile | None, list[Problem]]:
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(name, 0, "", f"cannot read the file: {error}")]
    try:
        loader = DirectoryLoader(text)  # parsed once: the nodes (for line numbers), then the document
        try:
            node = loader.get_single_node()
            document = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(error, "problem", None) or str(error)
        return None, [Problem(name, line, "", f"not valid YAML: {reason}")]
    if not isinstance(document, Mapping):
        return None, [Problem(name, 1, "", "a provider file is a mapping with organisation and services")]
    token = code_set_reader.set(_CodeSetFiles(root).read)
    try:
        provider: ProviderDefinition = ProviderFileSchema().load(document)
    except ValidationError as error:
        problems = [
            Problem(name, _line_of(node, path), _format_path(path), message)
            for path, message in _flatten(error.messages, ())
        ]
        return None, sorted(problems)
    finally:
        code_set_reader.reset(token)
    return ProviderFile(file, provider, node), []


class _CodeSetFiles:
    """Reads code set files (one SNOMED CT code per line, `#` comments) from inside the directory."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def read(self, relative: str) -> frozenset[str]:
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root):
            raise ValueError(f"code set {relative!r} is outside the provider directory")
        if not target.is_file():
            raise ValueError(f"code set file {relative!r} does not exist in {self.root}")
        codes: set[str] = set()
        for number, raw in enumerate(target.read_text(encoding="utf-8").splitlines(), start=1):
            code = raw.split("#", 1)[0].strip()
            if not code:
                continue
            problem = sctid_problem(code)
            if problem:
                raise ValueError(f"{relative} line {number}: {code} is not a valid SNOMED CT concept id: {problem}")
            codes.add(code)
        if not codes:
            raise ValueError(f"code set {relative!r} lists no codes")
        return frozenset(codes)


def _flatten(messages: Any, path: tuple[PathPart, ...]) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            yield from _flatten(value, path if key == "_schema" else (*path, key))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, str):
                yield path, item
            else:
                yield from _flatten(item, path)
    else:
        yield path, str(messages)


def _format_path(path: Sequence[PathPart]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_of(node: yaml.Node | None, path: Sequence[PathPart]) -> int:
    """The 1-based line of the deepest node the path reaches (the parent, for a missing key)."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    child, line = value_node, key_node.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def _cross_file_problems(files: Sequence[ProviderFile]) -> list[Problem]:
    """Ids and identifiers must be unique across the whole directory, not just within a file."""
    problems: list[Problem] = []
    seen_orgs: dict[str, str] = {}
    seen_services: dict[str, str] = {}
    seen_identifiers: dict[tuple[str, str], str] = {}
    for item in files:
        name, provider = str(item.path), item.provider
        if provider.slug in seen_orgs:
            problems.append(
                item.problem(("organisation", "id"), f"{provider.slug!r} is also used in {seen_orgs[provider.slug]}")
            )
        seen_orgs.setdefault(provider.slug, name)
        for index, identifier in enumerate(provider.identifiers):
            key = (identifier.system, identifier.value)
            if key in seen_identifiers:
                problems.append(
                    item.problem(
                        ("organisation", "identifiers", index),
                        f"{identifier.system}|{identifier.value} is also used in {seen_identifiers[key]}",
                    )
                )
            seen_identifiers.setdefault(key, name)
        for index, service in enumerate(provider.services):
            if service.slug in seen_services:
                problems.append(
                    item.problem(
                        ("services", index, "id"), f"{service.slug!r} is also used in {seen_services[service.slug]}"
                    )
                )
            seen_services.setdefault(service.slug, name)
    return problems
