"""The `factcheck` command line, one module per command group.

A command's module is imported only when that command runs, so `factcheck extract`
loads the extractor and nothing of the database, the web or the workers. The CLI sits
above every other layer: it may import the web app (to lend its templates and URL
rules) and dispatch tasks.
"""

from __future__ import annotations

from importlib import import_module

import click

# Each command's name, and where it lives as "module:attribute" under factcheck.cli.
COMMANDS = {
    "migrate": "schema:migrate",
    "extract": "extract:extract",
    "ingest": "articles:ingest",
    "list": "articles:list_command",
    "show": "articles:show",
    "retry": "articles:retry",
    "crossref": "crossref:crossref",
    "outlets": "outlets:outlets",
    "report": "reports:report",
    "users": "accounts:users",
    "tokens": "accounts:tokens",
    "audit": "audit:audit",
    "export": "publish:export",
    "serve": "server:serve",
    "worker": "worker:worker",
    "run": "server:run",
}


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module_name, attribute = where.split(":")
        return getattr(import_module(f"factcheck.cli.{module_name}"), attribute)


@click.group(cls=LazyGroup)
@click.version_option(package_name="factcheck")
def main() -> None:
    """factcheck: split news articles into claims and review them."""
