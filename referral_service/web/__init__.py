"""Shared web plumbing: the service context, request ids, health endpoints, error pages."""
