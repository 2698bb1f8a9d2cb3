"""Open social prescribing and active pathway referral service."""

from __future__ import annotations

from typing import Any

from referral_service.version import __version__

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that using the domain core alone does not load Flask.
    if name == "create_app":
        from referral_service.app import create_app

        return create_app
    raise AttributeError(name)
