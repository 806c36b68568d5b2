"""Celery apps configured from factcheck's settings.

The worker's app (`celery -A tasks worker`) reads the environment when it is first
used, never at import. The web app and the CLI make their own with `make_celery`, so
that each sends to the broker of the settings it was given.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_ready

from factcheck.config import Settings, load_settings
from factcheck.outlets.edits import LiveRegistry
from factcheck.outlets.registry import load_registry

SPLIT_TASK = "tasks.splitting.split_article"
SWEEP_TASK = "tasks.splitting.sweep_stalled_articles"
EXPIRE_LEASES_TASK = "tasks.review.expire_review_leases"
GATHER_TASK = "tasks.crossrefs.gather_crossrefs"
# Gathering waits on outlets' servers; it has a queue of its own so that splitting new
# articles never waits behind it. A worker takes both unless told otherwise (-Q).
DEFAULT_QUEUE = "celery"
CROSSREF_QUEUE = "crossrefs"

celery_app = Celery("factcheck")


@cache
def settings() -> Settings:
    return load_settings()


@cache
def live_registry() -> LiveRegistry:
    """The files' registry with the newsroom's changes, read again when they change."""
    return LiveRegistry(load_registry(settings().outlets_file))


def _broker_options(config: Settings) -> dict[str, Any]:
    if config.uses_embedded_broker:
        messages, control = config.broker_folder / "messages", config.broker_folder / "control"
        messages.mkdir(parents=True, exist_ok=True)
        control.mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(messages),
            "data_folder_out": str(messages),
            "control_folder": str(control),
            # The default 1 s poll would add a second to every hop.
            "polling_interval": 0.05,
        }
    options: dict[str, Any] = {"socket_connect_timeout": 3}
    if config.broker_key_prefix:
        options["global_keyprefix"] = config.broker_key_prefix
    return options


def celery_config(config: Settings) -> dict[str, Any]:
    return {
        "broker_url": config.broker_url,
        "broker_transport": "tasks.filebroker:Transport" if config.uses_embedded_broker else None,
        "broker_transport_options": _broker_options(config),
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 3,
        "task_ignore_result": True,
        "task_routes": {GATHER_TASK: {"queue": CROSSREF_QUEUE}},
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "accept_content": ["json"],
        "beat_schedule": {
            "sweep-stalled-articles": {
                "task": SWEEP_TASK,
                "schedule": config.sweep_interval_seconds,
            },
            "expire-review-leases": {"task": EXPIRE_LEASES_TASK, "schedule": 60.0},
        },
        "beat_schedule_filename": str(config.instance_dir / "celerybeat-schedule"),
        "worker_hijack_root_logger": False,
    }


def make_celery(config: Settings) -> Celery:
    """A Celery app that sends tasks to `config`'s broker (for the web app and the CLI)."""
    app = Celery("factcheck", set_as_current=False)
    app.conf.update(celery_config(config))
    return app


@celery_app.on_configure.connect
def _configure(sender: Celery, **_kwargs: object) -> None:
    sender.conf.update(celery_config(settings()))


@worker_ready.connect
def _sweep_at_start(sender: Any, **_kwargs: object) -> None:
    sender.app.send_task(SWEEP_TASK)


@worker_init.connect
def _read_pages_without_a_pause(**_kwargs: object) -> None:
    """Load the page reader before the pool starts (child processes inherit it): loaded
    by the first page a task reads, it holds every thread of the worker for half a
    second. Imported here, so the web app and the CLI, which import this module, do not."""
    from factcheck.crossref.passages import page_text

    page_text("<p>.</p>")
