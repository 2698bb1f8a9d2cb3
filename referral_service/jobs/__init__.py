"""Scheduled work: each item in its own transaction, claimed so two processes never do it twice."""
