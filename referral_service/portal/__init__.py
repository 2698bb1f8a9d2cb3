"""The provider and link-worker portal: server-rendered pages over the same service functions as the API."""
