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
from marshmallow import ValidationError

from referral_service.domain.areas import AreaDefinition
from referral_service.domain.directory import (
    ProviderDefinition,
)
from referral_service.domain.identifiers import sctid_problem
from referral_service.schemas.areas import AREAS_FILE, AreasFileSchema, area_definitions
from referral_service.schemas.directory_entries import ProviderFileSchema
from referral_service.schemas.rules import code_set_reader

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
    areas: tuple[AreaDefinition, ...] = ()  # from the folder's areas file (schemas.areas), if it has one

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def providers(self) -> list[ProviderDefinition]:
        return [item.provider for item in self.files]


def read_directory(path: Path) -> DirectoryReading:
    """Read one provider file, or every `*.yaml`/`*.yml` file in a folder (sorted, not recursive)."""
    reading = DirectoryReading()
    if path.is_dir():
        root = path
        files = sorted(
            p for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file() and p.name != AREAS_FILE
        )
        if not files:
            reading.problems.append(Problem(str(path), 0, "", "no provider files (*.yaml) in this folder"))
    elif path.is_file():
        root, files = path.parent, [path]
    else:
        reading.problems.append(Problem(str(path), 0, "", "no such file or folder"))
        return reading
    reading.areas, problems = read_areas_file(root / AREAS_FILE)
    reading.problems.extend(problems)
    token = area_definitions.set({area.slug: area for area in reading.areas} or None)
    try:
        for file in files:
            provider_file, problems = read_provider_file(file, root)
            reading.problems.extend(problems)
            if provider_file is not None:
                reading.files.append(provider_file)
    finally:
        area_definitions.reset(token)
    reading.problems.extend(_cross_file_problems(reading.files))
    reading.problems.sort()
    return reading


def read_areas_file(file: Path) -> tuple[tuple[AreaDefinition, ...], list[Problem]]:
    """The areas the directory defines (none when it has no areas file), or the problems in the file."""
    if not file.is_file():
        return (), []
    node, document, problems = _parse(file)
    if problems:
        return (), problems
    try:
        areas: tuple[AreaDefinition, ...] = AreasFileSchema().load(document if isinstance(document, Mapping) else {})
    except ValidationError as error:
        return (), sorted(Problem(str(file), line, place, message) for line, place, message in problems_at(node, error))
    return areas, []


def _parse(file: Path) -> tuple[yaml.Node | None, Any, list[Problem]]:
    """The file's YAML, parsed once: its nodes (for line numbers) and its document, or the problem."""
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, None, [Problem(name, 0, "", f"cannot read the file: {error}")]
    try:
        node, document = parse_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(error, "problem", None) or str(error)
        return None, None, [Problem(name, line, "", f"not valid YAML: {reason}")]
    return node, document, []


def parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """A directory document parsed once: its nodes (for line numbers), then the document. Raises
    yaml.YAMLError. The files and the portal's rule editor both read through it."""
    loader = DirectoryLoader(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def problems_at(node: yaml.Node | None, error: ValidationError) -> list[tuple[int, str, str]]:
    """Each of a schema's messages with where it stands: (line, path such as `all[0].age.min`, message)."""
    return [(_line_of(node, path), _format_path(path), message) for path, message in _flatten(error.messages, ())]


def read_provider_file(file: Path, root: Path) -> tuple[ProviderFile | None, list[Problem]]:
    name = str(file)
    node, document, problems = _parse(file)
    if problems:
        return None, problems
    if not isinstance(document, Mapping):
        return None, [Problem(name, 1, "", "a provider file is a mapping with organisation and services")]
    token = code_set_reader.set(_CodeSetFiles(root).read)
    try:
        provider: ProviderDefinition = ProviderFileSchema().load(document)
    except ValidationError as error:
        return None, sorted(Problem(name, line, place, message) for line, place, message in problems_at(node, error))
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
