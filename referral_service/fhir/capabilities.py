"""What the FHIR API supports, declared by each route as it is defined, so the CapabilityStatement
can only ever describe what is really served."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


@dataclass
class ResourceSupport:
    interactions: set[str] = field(default_factory=set)
    search_params: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (type, documentation)
    search_includes: set[str] = field(default_factory=set)


RESOURCES: dict[str, ResourceSupport] = {}
OPERATIONS: dict[str, str] = {}  # name -> OperationDefinition canonical


def supports(
    resource_type: str,
    interaction: str,
    *,
    search_params: dict[str, tuple[str, str]] | None = None,
    includes: tuple[str, ...] = (),
) -> Callable[[F], F]:
    def register(view: F) -> F:
        support = RESOURCES.setdefault(resource_type, ResourceSupport())
        support.interactions.add(interaction)
        support.search_params.update(search_params or {})
        support.search_includes.update(includes)
        return view

    return register


def operation(name: str, definition: str) -> Callable[[F], F]:
    def register(view: F) -> F:
        OPERATIONS[name] = definition
        return view

    return register
