"""Persistence: SQLAlchemy 2 models, repositories and the unit of work. No Flask here."""
