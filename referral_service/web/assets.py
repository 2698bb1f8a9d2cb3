"""Static files the service serves itself (NHS.UK frontend, built by `make`; our own CSS): no CDN."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assets", __name__, static_folder="static", static_url_path="/static")
