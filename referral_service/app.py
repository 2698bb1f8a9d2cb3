"""The application factory: it wires settings, database, blueprints, errors, CLI and logging; it runs no queries."""

from __future__ import annotations

from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from referral_service.config import Settings
from referral_service.logging import configure_logging
from referral_service.persistence.engine import SessionFactory, make_engine, make_session_factory
from referral_service.web.context import ServiceContext, install
from referral_service.web.errors import register_error_handlers
from referral_service.web.hostile_input import register_input_checks
from referral_service.web.metrics import register_metrics
from referral_service.web.pages import register_error_pages
from referral_service.web.requests import register_request_ids
from referral_service.web.security import exempt_api_blueprints, register_security
from referral_service.web.wording import register_wording


def create_app(settings: Settings | None = None, *, session_factory: SessionFactory | None = None) -> Flask:
    settings = settings or Settings.from_env()
    settings.check()
    app = Flask(__name__, instance_path=str(settings.instance_dir.resolve()), static_folder=None)
    app.config.update(
        SECRET_KEY=settings.effective_secret_key(),
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.config.update(settings.extra_flask_config)
    register_database(app, settings, session_factory)
    register_request_ids(app)
    register_metrics(app)
    register_input_checks(app)
    register_templates(app)  # first: the Jinja environment is built on first use, with these options
    register_security(app, settings)
    register_blueprints(app)
    exempt_api_blueprints(app)
    register_error_handlers(app)
    register_error_pages(app)
    register_wording(app)
    register_cli(app)
    if settings.proxy_hops:  # the client's address and scheme as the TLS proxy saw them
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    if not settings.testing:
        configure_logging(settings.log_level, json_lines=settings.json_logs)
    return app


def register_database(app: Flask, settings: Settings, session_factory: SessionFactory | None) -> None:
    engine = None
    if session_factory is None:
        if settings.uses_sqlite and not settings.database_url:
            settings.instance_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        session_factory = make_session_factory(engine)
    install(app, ServiceContext(settings=settings, session_factory=session_factory, engine=engine))


def register_templates(app: Flask) -> None:
    """Our templates first, then NHS.UK frontend's Jinja macros (nhsuk-frontend-jinja, pinned to the
    npm package's version); ChainableUndefined is what those macros expect for absent options."""
    app.jinja_options = {
        **app.jinja_options,
        "undefined": ChainableUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
    }
    app.jinja_env.loader = ChoiceLoader([app.create_global_jinja_loader(), PackageLoader("nhsuk_frontend_jinja")])


def register_blueprints(app: Flask) -> None:
    from referral_service import fhir, portal, reports
    from referral_service.oruk.views import bp as oruk_bp
    from referral_service.web import account_links  # noqa: F401  (its pages are on the auth blueprint)
    from referral_service.web.admin import bp as admin_bp
    from referral_service.web.assets import bp as assets_bp
    from referral_service.web.auth import bp as auth_bp
    from referral_service.web.health import bp as health_bp
    from referral_service.web.landing import bp as landing_bp
    from referral_service.web.oauth import bp as oauth_bp
    from referral_service.web.self_referral import bp as self_referral_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(auth_bp)
    portal.register(app)
    reports.register(app)
    app.register_blueprint(landing_bp)
    app.register_blueprint(oauth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(oruk_bp)
    app.register_blueprint(self_referral_bp)
    fhir.register(app)


def register_cli(app: Flask) -> None:
    from referral_service.cli import register_commands

    register_commands(app)
