"""The newsroom-scale deployment file stays valid (Docker itself cannot run here)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgres_redis_migrate_web_workers_and_beat():
    assert set(COMPOSE["services"]) == {
        "db",
        "redis",
        "migrate",
        "web",
        "worker",
        "crossref-worker",
        "beat",
    }


def test_databases_have_healthchecks_and_apps_wait_for_them():
    for service in ("db", "redis"):
        assert "healthcheck" in COMPOSE["services"][service]
    assert COMPOSE["services"]["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for service in ("web", "worker", "crossref-worker", "beat"):
        depends = COMPOSE["services"][service]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_secrets_are_required_not_defaulted():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "${FACTCHECK_SECRET_KEY:?" in text
    assert "${POSTGRES_PASSWORD:?" in text


def test_web_runs_gunicorn_on_the_app_factory():
    command = COMPOSE["services"]["web"]["command"]
    assert command[0] == "gunicorn" and command[-1] == "factcheck.web:create_app()"
