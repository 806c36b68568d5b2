"""The Flask application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter, Map

from factcheck.config import Settings, load_settings
from factcheck.models import Role
from factcheck.outlets.edits import LiveRegistry
from factcheck.outlets.registry import load_registry
from tasks.app import make_celery

ROOT = Path(__file__).resolve().parent.parent.parent
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` as the database stores ids: a larger number is no id (a 404), not an
    overflow error in the database driver."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, *args, max=LARGEST_ID, **kwargs)


def stored_id(text: str) -> int:
    """An id or version sent in a form or query, as the database can store it; werkzeug's
    `type=` takes this, and reads a value it refuses (ValueError) as missing."""
    number = int(text)
    if not 0 <= number <= LARGEST_ID:
        raise ValueError(f"{text} is not an id")
    return number


htmx = HTMX()
csrf = CSRFProtect()


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
    app.teardown_appcontext(close_session)

    return app
