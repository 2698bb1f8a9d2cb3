"""Text no database column can hold, refused at the edge for every endpoint alike.

PostgreSQL text cannot store NUL (SQLite can), so a NUL in a path, query string or form field
would be a 500 on one database and a miss on the other: both answer 400 instead, before any view.
"""

from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.exceptions import BadRequest

UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _texts() -> list[tuple[str, str]]:
    found = [("the path", request.path)]
    found += [(f"query argument {name!r}", f"{name}{value}") for name, value in request.args.items(multi=True)]
    if request.mimetype in FORM_TYPES:
        found += [(f"form field {name!r}", f"{name}{value}") for name, value in request.form.items(multi=True)]
    return found


def refuse_unstorable_text() -> None:
    for where, text in _texts():
        if UNSTORABLE.search(text):
            where = "a query argument" if where.startswith("query") else where  # the name may be the fault
            raise BadRequest(f"{where} holds control characters, which are never valid here")


def register_input_checks(app: Flask) -> None:
    app.before_request(refuse_unstorable_text)
