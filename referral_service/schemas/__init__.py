"""Schemas at the edges: outside data (directory files, query arguments) into domain objects."""
