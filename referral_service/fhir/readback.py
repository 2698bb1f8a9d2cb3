"""A ServiceRequest that came in a BaRS Bundle, read back as a resource valid on its own.

In the message its references are `urn:uuid:` fullUrls of other entries, which mean nothing
outside that Bundle. On read-back every entry the ServiceRequest reaches (the Patient, the
Encounter, the CarePlan it is based on, the requester and performer, the supporting Observations,
and what those reach in turn, such as the Patient's GP practice) travels as a contained resource,
referenced as `#id`; a reference that names nothing in the Bundle is dropped (its identifier and
display, when it has them, are kept). Contained resources lose `meta.versionId` and
`meta.lastUpdated` (dom-4). See docs/fhir.md, "Reading a referral back".
"""

from __future__ import annotations

import copy
from typing import Any

Entries = list[dict[str, Any]]


def _index(entries: Entries) -> dict[str, dict[str, Any]]:
    """Each entry's resource by every name intake resolved it by: fullUrl and `Type/id`."""
    named: dict[str, dict[str, Any]] = {}
    for entry in entries:
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            continue
        if isinstance(entry.get("fullUrl"), str):
            named[entry["fullUrl"]] = resource
        if resource.get("id"):
            named.setdefault(f"{resource.get('resourceType')}/{resource['id']}", resource)
    return named


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [ref for key, item in value.items() if key != "contained" for ref in _references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    return []


def self_contained(
    entries: Entries, request: dict[str, Any], *, subject_id: str = "patient", fresh: bool = False
) -> dict[str, Any]:
    """The ServiceRequest with what it reaches contained and every Bundle-local reference rewritten.

    `fresh`: the entries were parsed for this call alone (each a separate tree) and are not used
    after it, so the ServiceRequest and what it reaches are changed in place instead of deep-copied
    (a poll renders a hundred of these; the copies were a fifth of its time)."""
    named = _index(entries)
    resource = request if fresh else copy.deepcopy(request)
    local: dict[int, str] = {id(request): ""}  # the container itself is "#"
    contained: list[dict[str, Any]] = []
    taken = {str(c.get("id")) for c in resource.get("contained", []) if isinstance(c, dict)}
    pending = [resource]
    subject = (resource.get("subject") or {}).get("reference")
    while pending:
        for reference in _references(pending.pop()):
            target = named.get(reference)
            if target is None or id(target) in local:
                continue
            wanted = subject_id if reference == subject else str(target.get("resourceType", "resource")).lower()
            name, n = wanted, 1
            while name in taken:
                n += 1
                name = f"{wanted}{n}"
            taken.add(name)
            local[id(target)] = name
            copied = (target if fresh else copy.deepcopy(target)) | {"id": name}
            copied.pop("text", None)  # narrative of a whole resource; the container's own text stands
            _strip_version(copied)
            contained.append(copied)
            pending.append(copied)
    rewrite = {ref: f"#{local[id(target)]}" for ref, target in named.items() if id(target) in local}
    for item in [resource, *contained]:
        _rewrite(item, rewrite)
    contained.sort(key=lambda item: item["id"] != subject_id)  # the patient first, as readers look for it
    if contained:
        resource["contained"] = [*resource.get("contained", []), *contained]
    return resource


def _strip_version(resource: dict[str, Any]) -> None:
    meta = resource.get("meta")
    if isinstance(meta, dict):
        meta.pop("versionId", None)
        meta.pop("lastUpdated", None)
        if not meta:
            resource.pop("meta")


def _rewrite(value: Any, rewrite: dict[str, str]) -> Any:
    """Rewrite resolved references in place; drop the dangling ones (None: drop this element)."""
    if isinstance(value, dict):
        reference = value.get("reference")
        if isinstance(reference, str) and reference in rewrite:
            value["reference"] = rewrite[reference]
        elif isinstance(reference, str) and reference.startswith("urn:uuid:"):
            del value["reference"]
            if not value:
                return None
        for key in [k for k in value if k != "contained"]:
            if _rewrite(value[key], rewrite) is None:
                del value[key]
        return value or None
    if isinstance(value, list):
        value[:] = [item for item in value if _rewrite(item, rewrite) is not None]
        return value or None
    return value
