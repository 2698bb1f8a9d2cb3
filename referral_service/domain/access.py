"""Who acts on the service: people in the portal, systems on the API, and the service itself."""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    PROVIDER = "provider"
    LINK_WORKER = "link-worker"
    COMMISSIONER = "commissioner"
    ADMIN = "admin"


class ApiClientKind(StrEnum):
    GP_SYSTEM = "gp-system"
    PROVIDER_SYSTEM = "provider-system"


class ActorKind(StrEnum):
    API_CLIENT = "api-client"
    PORTAL_USER = "portal-user"
    SCHEDULER = "scheduler"
    OPERATOR = "operator"  # a person at the command line
