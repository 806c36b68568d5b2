"""`factcheck worker`: a Celery worker with the periodic sweep. It loads only the settings
before it hands over to Celery."""

from __future__ import annotations

import os
import sys

import click

from factcheck.cli.common import cli_settings
from factcheck.config import Settings


def worker_command(
    settings: Settings,
    extra: tuple[str, ...] = (),
    *,
    queues: str = "celery,crossrefs",
    beat: bool = True,
    name: str = "worker",
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tasks",
        "worker",
        "--loglevel",
        "INFO",
        "--queues",
        queues,
        "--hostname",
        f"{name}@%h",
    ]
    if beat:
        command.append("--beat")
    if settings.uses_embedded_broker:
        # The file broker is local to this machine: one worker process pool is its scale.
        command += ["--concurrency", "2"]
    return command + list(extra)


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Start a Celery worker (with the periodic sweep) on the configured broker.
    Extra arguments go to `celery worker`."""
    command = worker_command(cli_settings(), tuple(ctx.args))
    os.execv(command[0], command)
