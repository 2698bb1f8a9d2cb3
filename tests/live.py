"""The app served on a free loopback port, for tests whose client is a real program (a browser, a
FHIR client library) rather than Flask's test client."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from referral_service.web.context import EXTENSION_KEY


@contextmanager
def serving(app: Flask, name: str = "live-app") -> Iterator[str]:
    """Yields the root URL; afterwards stops the server and closes the app's database connections."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions[EXTENSION_KEY].require_engine().dispose()
