"""Commissioner reports under /reports/: aggregates only, never a patient; commissioners and administrators.

Views parse the filter, call one service function, and render a page, a CSV or the JSON export.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from referral_service.reports.views import bp

    app.register_blueprint(bp)
