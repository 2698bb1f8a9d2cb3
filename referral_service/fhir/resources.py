"""The one module that imports fhir.resources: FHIR R4 models (the R4B package), parsed once.

The package's default models are R5 and reject R4 content, so everything goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

__all__ = ["Bundle", "InvalidStructure", "Resource", "ServiceRequest", "StructureProblem", "check_element", "parse"]


WRONG_TYPE = (
    "an element holds a value of the wrong JSON type (an array or object where FHIR has a string, or the reverse)"
)


@dataclass(frozen=True)
class StructureProblem:
    """One place where a document is not valid FHIR R4: the element path and what is wrong."""

    path: str
    message: str


class InvalidStructure(Exception):
    def __init__(self, problems: list[StructureProblem]) -> None:
        super().__init__(f"{len(problems)} structure problems")
        self.problems = problems


def _path(resource_type: str, location: tuple[int | str, ...]) -> str:
    path = resource_type
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _problems(resource_type: str, error: ValidationError) -> list[StructureProblem]:
    problems = []
    for item in error.errors(include_url=False, include_input=False)[:20]:
        location = tuple(part for part in item["loc"] if part != "__root__")
        message = item["msg"].removeprefix("Value error, ")
        problems.append(StructureProblem(_path(resource_type, location), message))
    return problems


def parse(document: dict[str, Any]) -> Any:
    """Validate a JSON object as the R4 resource its resourceType names; InvalidStructure names each
    bad element. This is the one FHIR parse a request gets."""
    resource_type = str(document.get("resourceType"))
    try:
        return get_fhir_model_class(resource_type).model_validate(document)
    except ValidationError as error:
        raise InvalidStructure(_problems(resource_type, error)) from None
    except KeyError:
        raise InvalidStructure([StructureProblem(resource_type, "unknown resource type")]) from None
    except RecursionError:  # a backstop: load_json already refuses deep nesting
        raise InvalidStructure([StructureProblem(resource_type, "the document nests too deeply")]) from None
    except (TypeError, AttributeError):  # some fhir.resources validators crash on a value of the wrong JSON type
        raise InvalidStructure([StructureProblem(resource_type, WRONG_TYPE)]) from None


def check_element(type_name: str, document: dict[str, Any], path: str) -> None:
    """Validate one element (a backbone element such as `TaskOutput`) found at `path` of a document
    that is not parsed whole (a JSON Patch's value); InvalidStructure names each bad element."""
    try:
        get_fhir_model_class(type_name).model_validate(document)
    except ValidationError as error:
        raise InvalidStructure(_problems(path, error)) from None
    except RecursionError:
        raise InvalidStructure([StructureProblem(path, "the element nests too deeply")]) from None
    except (TypeError, AttributeError):
        raise InvalidStructure([StructureProblem(path, WRONG_TYPE)]) from None
