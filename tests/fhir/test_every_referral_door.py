"""Every FHIR route that names one referral or its Task, found from the app's own URL map: another
GP system gets exactly the answer it would get for a referral that does not exist, on each, and the
sender still reaches it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.fhir import entries_of, gp_referral_bundle, headers

ARGUMENTS = {"referral_id", "task_id"}


def referral_doors(app: Flask) -> list[tuple[str, str]]:
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/fhir/") and ARGUMENTS & set(rule.arguments)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    )


def test_another_gp_system_is_answered_as_if_the_referral_did_not_exist(
    app: Flask, client: FlaskClient, post_message: Callable[..., Any], gp_token: str, other_gp_token: str
) -> None:
    processed = post_message(gp_referral_bundle()).get_json()
    ids = {
        "<referral_id>": entries_of(processed, "ServiceRequest")[0]["id"],
        "<task_id>": next(t for t in entries_of(processed, "Task") if t.get("focus"))["id"],
    }
    doors = referral_doors(app)
    assert {("GET", "/fhir/ServiceRequest/<referral_id>"), ("PATCH", "/fhir/Task/<task_id>")} <= set(doors)
    nobody = {
        "<referral_id>": "00000000-0000-0000-0000-000000000000",
        "<task_id>": "00000000-0000-0000-0000-000000000001",
    }
    leaks = {}
    for method, rule in doors:
        body = json.dumps([{"op": "replace", "path": "/status", "value": "accepted"}] if method == "PATCH" else {})
        stranger = client.open(_url(rule, ids), method=method, data=body, headers=headers(other_gp_token))
        unknown = client.open(_url(rule, nobody), method=method, data=body, headers=headers(other_gp_token))
        if stranger.status_code < 400 or stranger.status_code != unknown.status_code:
            leaks[f"{method} {rule}"] = (stranger.status_code, unknown.status_code)
        if method == "GET":
            assert client.get(_url(rule, ids), headers=headers(gp_token)).status_code == 200
    assert leaks == {}, "another GP system's answer differs from the answer for a referral that does not exist"


def _url(rule: str, ids: dict[str, str]) -> str:
    for placeholder, value in ids.items():
        rule = rule.replace(placeholder, value)
    return rule
