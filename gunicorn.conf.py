"""gunicorn's settings for `make serve` and production (`gunicorn -c gunicorn.conf.py wsgi:app`).

Everything a deployment varies comes from the environment: REFERRAL_SERVICE_BIND (default
127.0.0.1:8000: behind the TLS proxy), REFERRAL_SERVICE_WEB_WORKERS (default 2), and
PROMETHEUS_MULTIPROC_DIR (default instance/prometheus) where each worker writes its metric samples.
The app is not preloaded: each worker builds it, and so its own SQLAlchemy engine and connection
pool, after the fork, so no database connection is ever shared between processes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

_instance = Path(os.environ.get("REFERRAL_SERVICE_INSTANCE_DIR", Path(__file__).parent / "instance"))
_metrics = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_instance / "prometheus")))
# Samples of the previous run's workers would be added to this run's: start empty. Done before
# prometheus-client is imported (below), as its multiprocess mode requires.
shutil.rmtree(_metrics, ignore_errors=True)
_metrics.mkdir(parents=True, exist_ok=True)

from prometheus_client import multiprocess  # noqa: E402

from referral_service.config import Settings  # noqa: E402

bind = os.environ.get("REFERRAL_SERVICE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("REFERRAL_SERVICE_WEB_WORKERS", "2"))
worker_class = "sync"
preload_app = False  # engines are made in each worker, after the fork
timeout = 60  # a worker silent this long is restarted
graceful_timeout = 20  # on SIGTERM, requests in flight get this long to finish
keepalive = 5  # the proxy keeps connections open to us
max_requests = 10000  # recycle workers now and then, staggered, against slow leaks
max_requests_jitter = 1000
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")  # the TLS proxy's address
control_socket_disable = True

# Every line through our redacting handler (text, or JSON in production): gunicorn's loggers
# propagate to the root logger, whose one handler is ours, in the master and in every worker.
_settings = Settings.from_env()
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": _settings.log_level, "handlers": ["redacting"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
    },
    "handlers": {"redacting": {"()": "referral_service.logging.process_handler", "json_lines": _settings.json_logs}},
    "formatters": {},
}


def child_exit(server: Any, worker: Any) -> None:
    """A worker's live gauges go with it (its counters and histograms stay in the totals)."""
    multiprocess.mark_process_dead(worker.pid)
