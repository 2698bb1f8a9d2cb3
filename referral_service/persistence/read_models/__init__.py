"""The CQRS read side: read-only aggregation queries for reports, and the summary they read from."""
