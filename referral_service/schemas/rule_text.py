"""A service's eligibility rule as text (the directory file's YAML form), for the portal's rule
editor: read with the same EligibilitySchema as the files, problems named by line, in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from marshmallow import ValidationError

from referral_service.domain.rules import ConditionRule, Eligibility, leaves
from referral_service.schemas.directory import parse_yaml, problems_at
from referral_service.schemas.rules import EligibilitySchema, code_set_reader, eligibility_document, load_eligibility


def eligibility_text_form(document: Mapping[str, Any]) -> str:
    """The stored rule document as the YAML a directory file would hold (code sets expanded)."""
    normalised = eligibility_document(load_eligibility(document))
    return yaml.safe_dump(normalised, sort_keys=False, default_flow_style=None, width=100)


def read_eligibility_text(text: str) -> tuple[Eligibility | None, list[str]]:
    """The rule the text says, or each problem as "Line 3 (all[0].age.min): Not a valid integer"."""
    try:
        node, document = parse_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"Line {mark.line + 1}: " if mark is not None else ""
        return None, [f"{where}this is not written the way the directory files are ({getattr(error, 'problem', '')})"]
    if not isinstance(document, Mapping):
        return None, ["Write the rule as the directory files do, starting with all: or any: and risk_levels:"]
    # The text holds its codes in full: no code set file is read here (a rule naming one keeps it as
    # its source, with the codes listed), so a rule left with no codes at all is a problem.
    token = code_set_reader.set(lambda name: frozenset())
    try:
        eligibility: Eligibility = EligibilitySchema().load(document)
    except ValidationError as error:
        return None, [
            f"Line {line}{f' ({place})' if place else ''}: {message}"
            for line, place, message in problems_at(node, error)
        ]
    finally:
        code_set_reader.reset(token)
    if any(isinstance(leaf, ConditionRule) and not leaf.codes for leaf in _all_leaves(eligibility)):
        return None, ["List each condition's codes with any_of: code set files are read only from the directory files"]
    return eligibility, []


def _all_leaves(eligibility: Eligibility) -> list[object]:
    return [leaf for rule in (eligibility.include, *eligibility.exclude) for leaf in leaves(rule)]
