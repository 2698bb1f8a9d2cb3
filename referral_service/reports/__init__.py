"""Commissioner reports: aggregate pages, charts and exports, small numbers suppressed."""
