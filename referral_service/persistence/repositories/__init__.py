"""Repositories: typed queries per aggregate. They flush when they must and never commit."""
