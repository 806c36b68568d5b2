"""`factcheck users` and `factcheck tokens`: accounts and API tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from sqlmodel import Session

from factcheck.accounts.users import add_user, create_token, list_users, set_active, set_role
from factcheck.cli.common import cli_settings
from factcheck.db import session_scope
from factcheck.errors import UserError
from factcheck.models import Role


@click.group()
def users() -> None:
    """Manage user accounts."""


ROLE_CHOICE = click.Choice([role.value for role in Role])


def _account_change(action: Callable[[Session], str]) -> None:
    try:
        with session_scope(cli_settings().database_url) as session:
            message = action(session)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    click.echo(message)


@users.command("add")
@click.argument("username")
@click.option("--role", type=ROLE_CHOICE, default=Role.REVIEWER.value, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(username: str, role: str, password_stdin: bool) -> None:
    """Add a user; the password is asked for (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    def add(session: Session) -> str:
        user = add_user(session, username=username, password=password, role=Role(role), actor="cli")
        return f"added {user.username} ({role})"

    _account_change(add)


@users.command("list")
def users_list() -> None:
    """List the users with their roles."""
    with session_scope(cli_settings().database_url) as session:
        for user in list_users(session):
            state = "" if user.active else "  (disabled)"
            click.echo(f"{user.username:<24} {user.role.value:<9}{state}")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE_CHOICE)
def users_set_role(username: str, role: str) -> None:
    """Change a user's role."""

    def change(session: Session) -> str:
        user = set_role(session, username=username, role=Role(role), actor="cli")
        return f"{user.username} is now {role}"

    _account_change(change)


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable a user: no login, no API token."""
    _account_change(
        lambda session: (
            f"{set_active(session, username=username, active=False, actor='cli').username}"
            " is disabled"
        )
    )


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable a disabled user again."""
    _account_change(
        lambda session: (
            f"{set_active(session, username=username, active=True, actor='cli').username}"
            " is enabled"
        )
    )


@click.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
def tokens_create(username: str, name: str) -> None:
    """Create an API token for USERNAME; it is printed once."""
    _account_change(
        lambda session: create_token(session, username=username, name=name, actor="cli").token
    )
