"""The Flask application factory: settings, extensions, blueprints and error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

from factcheck.config import Settings, load_settings
from factcheck.crossref.align import words_given_to
from factcheck.crossref.outcomes import OUTCOME_LABELS, meaning_of
from factcheck.models import Role
from factcheck.outlets.edits import LiveRegistry
from factcheck.outlets.registry import load_registry
from factcheck.web.extensions import IdConverter, csrf, htmx
from tasks.app import make_celery

ROOT = Path(__file__).resolve().parent.parent.parent


class CookieSessionsForPages(SecureCookieSessionInterface):
    """The JSON API takes tokens only: its requests get no cookie session to read, sign
    or send (a signing serializer and a cookie check, on every request of the review
    loop)."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def create_app(
    settings: Settings | None = None, test_config: dict[str, Any] | None = None
) -> Flask:
    settings = settings or load_settings()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(Path(__file__).resolve().parent.parent / "static"),
    )
    app.url_map.converters["int"] = IdConverter
    app.session_interface = CookieSessionsForPages()
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # The request body may hold an article up to the limit plus its form fields.
        MAX_CONTENT_LENGTH=settings.max_article_bytes + 64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["factcheck.settings"] = settings
    app.extensions["factcheck.registry"] = LiveRegistry(load_registry(settings.outlets_file))
    app.extensions["celery"] = make_celery(settings)
    htmx.init_app(app)
    csrf.init_app(app)

    from factcheck.web import api, articles, auth, errors, queue, reports, review
    from factcheck.web.admin import bp as admin_bp
    from factcheck.web.dashboard import bp as dashboard_bp
    from factcheck.web.db import close_session
    from factcheck.web.outlets import bp as outlets_bp
    from factcheck.web.public import bp as public_bp
    from factcheck.web.publishing import bp as publishing_bp
    from factcheck.web.users import bp as users_bp

    auth.init_app(app)
    app.register_blueprint(articles.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(queue.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(publishing_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(outlets_bp)
    errors.init_app(app)
    app.jinja_env.globals["roles"] = Role
    app.jinja_env.globals["outcome_labels"] = OUTCOME_LABELS
    app.jinja_env.globals["meaning_of"] = meaning_of
    app.jinja_env.globals["words_given_to"] = words_given_to
    app.teardown_appcontext(close_session)

    return app
