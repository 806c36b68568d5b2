"""The admin's user management: the accounts with their roles, adding one, changing a
role, disabling and enabling. Each change is the accounts module's, audited there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session

from factcheck.accounts.users import MIN_PASSWORD_LENGTH, add_user, list_users, set_active, set_role
from factcheck.errors import UserError
from factcheck.models import Role
from factcheck.web.auth import role_required
from factcheck.web.db import get_session
from factcheck.web.extensions import htmx

bp = Blueprint("users", __name__)


def _render(*, message: str | None = None, status: int = 200, typed: Any = None) -> Any:
    context = {
        "users": list_users(get_session()),
        "roles_in_order": list(Role),
        "message": message,
        "message_is_error": status >= 400,
        "typed": typed or {},
        "min_password_length": MIN_PASSWORD_LENGTH,
    }
    headers = {"Vary": "HX-Request"}
    if htmx and not htmx.boosted:
        return render_template("admin/_users.html", **context), status, headers
    return render_template("admin/users.html", **context), status, headers


def _role_from_form() -> Role:
    try:
        return Role(request.form.get("role", ""))
    except ValueError:
        raise UserError(f"Choose a role: {', '.join(role.value for role in Role)}.") from None


def _change(apply: Callable[[Session], str], *, keep_typed: bool = False) -> ResponseReturnValue:
    """Apply one change and answer with the list and what was done; a refused change
    leaves nothing written and says why (an account refused keeps what was typed)."""
    session = get_session()
    try:
        done = apply(session)
    except UserError as error:
        session.rollback()
        typed = request.form if keep_typed else None
        return _render(message=str(error), status=error.status_code, typed=typed)
    session.commit()
    if htmx and not htmx.boosted:
        return _render(message=done)
    flash(done)
    return redirect(url_for("users.index"), code=303)


@bp.get("/admin/users")
@role_required(Role.ADMIN)
def index() -> ResponseReturnValue:
    return _render()


@bp.post("/admin/users")
@role_required(Role.ADMIN)
def add() -> ResponseReturnValue:
    def apply(session: Session) -> str:
        user = add_user(
            session,
            username=request.form.get("username", "").strip(),
            password=request.form.get("password", ""),
            role=_role_from_form(),
            actor=current_user.username,
        )
        return f"Added {user.username} as {user.role.value}."

    return _change(apply, keep_typed=True)


@bp.post("/admin/users/<username>/role")
@role_required(Role.ADMIN)
def change_role(username: str) -> ResponseReturnValue:
    def apply(session: Session) -> str:
        user = set_role(
            session,
            username=username,
            role=_role_from_form(),
            actor=current_user.username,
            by=current_user,
        )
        return f"{user.username} is now {user.role.value}."

    return _change(apply)


@bp.post("/admin/users/<username>/<any(disable, enable):change>")
@role_required(Role.ADMIN)
def change_active(username: str, change: str) -> ResponseReturnValue:
    def apply(session: Session) -> str:
        user = set_active(
            session,
            username=username,
            active=change == "enable",
            actor=current_user.username,
            by=current_user,
        )
        return f"{user.username} is {change}d."

    return _change(apply)
