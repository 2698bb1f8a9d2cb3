"""Errors the domain core raises; adapters map them once each."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """A state change the lifecycle does not allow."""
