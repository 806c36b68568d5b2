"""Logging in and out, the login gate on every page, roles, and API tokens."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_user, logout_user

from factcheck.accounts.users import TokenHolder, authenticate, user_for_token
from factcheck.audit import record_event
from factcheck.errors import UserError
from factcheck.models import Role, User
from factcheck.review.rules import release_all
from factcheck.web.db import get_session
from factcheck.web.extensions import htmx

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
# Readers' pages (published ClaimReviews, web/public.py) are named one by one: a new
# route is never public by accident.
PUBLIC_ENDPOINTS = {"auth.login", "static", "public.review", "public.ratings"}
View = TypeVar("View", bound=Callable[..., Any])


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def _bearer_user() -> TokenHolder | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return user_for_token(get_session(), header.removeprefix("Bearer ").strip())


def _require_login() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if request.blueprint == "api":
        # The API takes tokens only: no session cookie, hence no cross-site requests.
        user = _bearer_user()
        if user is None:
            abort(
                401, "Send an API token: Authorization: Bearer <token> (factcheck tokens create)."
            )
        # Flask-Login's current user for this request only; login_user would set a cookie.
        g._login_user = user
        return None
    if not current_user.is_authenticated:
        if htmx and not htmx.boosted:
            # A part of a page asked (the session ended meanwhile): the whole page goes
            # to the login form, which comes back to that page, not to the part.
            page = urlsplit(htmx.current_url or "")
            back = safe_next(page.path + (f"?{page.query}" if page.query else ""))
            return "", 401, {"HX-Redirect": url_for("auth.login", next=back)}
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def role_required(role: Role) -> Callable[[View], View]:
    """Refuse the view (403) to users whose role is below `role`."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not current_user.role.allows(role):
                abort(
                    403, f"This needs the {role.value} role; you are a {current_user.role.value}."
                )
            return view(*args, **kwargs)

        checked.required_role = role  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def safe_next(target: str | None, default: str | None = None) -> str:
    # Only a path on this site: never an absolute URL an attacker put in the link.
    # Browsers read "/\\host" as "//host" and drop tabs and newlines inside URLs.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
        and not any(c == "\\" or ord(c) < 32 for c in target)
    ):
        return target
    return default or url_for("queue.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    db = get_session()
    try:
        user = authenticate(
            db,
            username=request.form.get("username", "").strip(),
            password=request.form.get("password", ""),
            address=request.remote_addr or "unknown",
        )
    except UserError as error:
        db.commit()  # the failed attempt is recorded: it counts toward the limit
        return (
            render_template("auth/login.html", error=str(error), next=request.form.get("next", "")),
            error.status_code,
        )
    db.commit()
    session.clear()
    login_user(user)
    return redirect(safe_next(request.form.get("next")), code=303)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    db = get_session()
    release_all(db, user=current_user, reason="logout")
    record_event(
        db,
        actor=current_user.username,
        action="logout",
        object_type="user",
        object_id=current_user.id,
        address=request.remote_addr,
    )
    db.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    app.before_request(_require_login)
    app.register_blueprint(bp)
