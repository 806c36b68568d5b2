"""Users, roles, passwords, API tokens and the login rate limit."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import bindparam, func, text
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from factcheck.audit import SYSTEM_ACTOR, record_event
from factcheck.errors import Conflict, NotFound, UserError
from factcheck.models import FAILED_LOGIN, ApiToken, AuditEvent, Role, User, utcnow
from factcheck.review.rules import release_all

# At most 64: a username is the object id of its failed logins in the audit log.
USERNAME = re.compile(r"^(?!\.+$)[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD_LENGTH = 10
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
# A fixed hash to check against when the user does not exist, so that a login attempt
# takes as long for an unknown name as for a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


class LoginRefused(UserError):
    status_code = 401


class TooManyAttempts(UserError):
    status_code = 429


def hash_password(password: str) -> str:
    """scrypt, werkzeug's default key-derivation function."""
    return generate_password_hash(password)


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def _user_named(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"There is no user {username!r}.")
    return user


def add_user(session: Session, *, username: str, password: str, role: Role, actor: str) -> User:
    if not USERNAME.match(username):
        raise UserError("A username is 2 to 64 letters, digits or . _ @ - (not dots alone).")
    _check_new_password(password)
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(f"The user {username!r} exists already.")
    user = User(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="user.add",
        object_type="user",
        object_id=user.id,
        after={"username": username, "role": role.value},
    )
    return user


def _not_oneself(user: User, by: User | None, change: str) -> None:
    # An admin who demoted or disabled themselves could lock the newsroom out of its own
    # user management: another admin (or the CLI) makes that change.
    if by is not None and by.id == user.id:
        raise UserError(f"You cannot {change} your own account; ask another admin.")


def set_role(
    session: Session, *, username: str, role: Role, actor: str, by: User | None = None
) -> User:
    """Change the user's role; `by` is the account making the change, if any."""
    user = _user_named(session, username)
    _not_oneself(user, by, "change the role of")
    if user.role == role:
        raise Conflict(f"{username} is already {role.value}.")
    before = user.role
    user.role = role
    record_event(
        session,
        actor=actor,
        action="user.role",
        object_type="user",
        object_id=user.id,
        before={"role": before.value},
        after={"role": role.value},
    )
    return user


def set_active(
    session: Session, *, username: str, active: bool, actor: str, by: User | None = None
) -> User:
    """Disable an account (its logins and API tokens stop working, its leases end) or
    enable it again (its API tokens work again); `by` is the account making the change."""
    user = _user_named(session, username)
    _not_oneself(user, by, "disable or enable")
    if user.active == active:
        raise Conflict(f"{username} is already {'active' if active else 'disabled'}.")
    user.active = active
    if not active:
        # The claims they were reviewing go back to the queue now, not when the leases
        # run out.
        release_all(session, user=user, reason="account disabled", released_by=actor)
    record_event(
        session,
        actor=actor,
        action="user.enable" if active else "user.disable",
        object_type="user",
        object_id=user.id,
        before={"active": not active},
        after={"active": active},
    )
    return user


def _recent_failures(session: Session, *, now: datetime, **match: str) -> int:
    # The action spelt in the statement, not bound: then the planner can use the index
    # kept for failed logins alone, whatever the plan.
    conditions = [text(FAILED_LOGIN), AuditEvent.at > now - LOGIN_WINDOW]
    conditions += [getattr(AuditEvent, column) == value for column, value in match.items()]
    return session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()


def authenticate(
    session: Session, *, username: str, password: str, address: str, now: datetime | None = None
) -> User:
    """The user whose name and password these are; each failure is an audit event, and
    the failures of the last 15 minutes, per account and per address, are the limit."""
    now = now or utcnow()
    username = username[:64]  # the key of its failures; no longer username exists
    if (
        _recent_failures(session, now=now, object_id=username) >= MAX_FAILURES_PER_ACCOUNT
        or _recent_failures(session, now=now, address=address) >= MAX_FAILURES_PER_ADDRESS
    ):
        raise TooManyAttempts("Too many failed logins. Wait 15 minutes and try again.")
    user = session.exec(select(User).where(User.username == username)).first()
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        record_event(
            session,
            actor=SYSTEM_ACTOR,
            action="login.failed",
            object_type="user",
            object_id=username,
            address=address,
        )
        raise LoginRefused("Wrong username or password, or the account is disabled.")
    record_event(
        session,
        actor=user.username,
        action="login",
        object_type="user",
        object_id=user.id,
        address=address,
    )
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: str
    record: ApiToken


def create_token(session: Session, *, username: str, name: str, actor: str) -> NewToken:
    """A new API token for the user; the token itself is returned once, never stored."""
    user = _user_named(session, username)
    token = "fct_" + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, name=name, token_sha256=_token_digest(token))
    session.add(record)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="token.create",
        object_type="user",
        object_id=user.id,
        after={"token_id": record.id, "name": name},
    )
    return NewToken(token, record)


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """The active user an API token belongs to, as an API request needs them (and as
    Flask-Login expects a user): read with one Core statement, since loading the ORM
    user cost more than running it, on every request of the review loop."""

    id: int
    username: str
    role: Role
    is_authenticated: ClassVar[bool] = True
    is_active: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def get_id(self) -> str:
        return str(self.id)


USERS = User.__table__  # type: ignore[attr-defined]
# Built once: the JSON API looks a token up on every request.
HOLDER_OF_TOKEN = (
    select(USERS.c.id, USERS.c.username, USERS.c.role)
    .join(ApiToken, col(ApiToken.user_id) == USERS.c.id)
    .where(ApiToken.token_sha256 == bindparam("digest"), USERS.c.active.is_(True))
)


def user_for_token(session: Session, token: str) -> TokenHolder | None:
    found = session.connection().execute(HOLDER_OF_TOKEN, {"digest": _token_digest(token)}).first()
    return None if found is None else TokenHolder(*found)


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))).all())
