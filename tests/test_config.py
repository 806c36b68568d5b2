"""Settings come from the environment only."""

from __future__ import annotations

import pytest

from factcheck.config import ConfigError, load_settings
from tasks.crossrefs import fetch_policy


def test_defaults_live_in_the_instance_dir(tmp_path):
    settings = load_settings({"FACTCHECK_INSTANCE_DIR": str(tmp_path)})

    assert settings.database_url == f"sqlite:///{tmp_path / 'factcheck.db'}"
    assert settings.uses_embedded_broker
    assert settings.broker_folder == tmp_path / "broker"


def test_the_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings({"FACTCHECK_INSTANCE_DIR": str(tmp_path)}).secret_key
    second = load_settings({"FACTCHECK_INSTANCE_DIR": str(tmp_path)}).secret_key

    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_a_configured_secret_key_is_used(tmp_path):
    env = {"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_SECRET_KEY": "k" * 40}
    assert load_settings(env).secret_key == "k" * 40
    assert not (tmp_path / "secret_key").exists()


def test_allow_hosts_are_a_comma_separated_list(tmp_path):
    env = {
        "FACTCHECK_INSTANCE_DIR": str(tmp_path),
        "FACTCHECK_FETCH_ALLOW_HOSTS": "127.0.0.1, Sim.Test",
    }
    assert load_settings(env).fetch_allow_hosts == {"127.0.0.1", "sim.test"}


def test_a_malformed_number_names_the_variable(tmp_path):
    env = {"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_STALE_AFTER": "soon"}
    with pytest.raises(ConfigError, match="FACTCHECK_STALE_AFTER"):
        load_settings(env)


def test_pages_read_per_outlet_and_claim_default_to_five_and_are_at_least_one(tmp_path):
    env = {"FACTCHECK_INSTANCE_DIR": str(tmp_path)}
    assert load_settings(env).pages_per_outlet == 5
    assert load_settings(env | {"FACTCHECK_PAGES_PER_OUTLET": "8"}).pages_per_outlet == 8
    with pytest.raises(ConfigError, match="FACTCHECK_PAGES_PER_OUTLET must be at least 1"):
        load_settings(env | {"FACTCHECK_PAGES_PER_OUTLET": "0"})


@pytest.mark.parametrize(
    ("env", "limiter"),
    [
        ({}, None),  # the embedded broker: one machine, the slots folder does
        ({"FACTCHECK_BROKER_URL": "redis://redis:6379/0"}, "redis://redis:6379/0"),
        (
            {"FACTCHECK_BROKER_URL": "redis://redis:6379/0", "FACTCHECK_FETCH_LIMITER_URL": "none"},
            None,
        ),
        ({"FACTCHECK_FETCH_LIMITER_URL": "redis://limits:6379/1"}, "redis://limits:6379/1"),
    ],
)
def test_per_host_limits_are_shared_through_the_redis_broker_by_default(tmp_path, env, limiter):
    settings = load_settings({"FACTCHECK_INSTANCE_DIR": str(tmp_path), **env})
    assert settings.fetch_limiter_url == limiter


def test_a_limiter_that_is_not_redis_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="FACTCHECK_FETCH_LIMITER_URL must be a redis://"):
        load_settings(
            {"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_FETCH_LIMITER_URL": "http://x"}
        )


def test_the_discovery_routes_are_on_by_default_and_each_can_be_switched_off(tmp_path):
    defaults = load_settings({"FACTCHECK_INSTANCE_DIR": str(tmp_path)})
    assert defaults.full_sitemaps
    assert defaults.archive_index_url == "https://web.archive.org/cdx/search/cdx"
    assert defaults.archive_timemap_url == "https://web.archive.org/web/timemap/link"
    assert defaults.news_search_url == "https://api.gdeltproject.org/api/v2/doc/doc"
    assert (defaults.archive_min_delay, defaults.news_search_min_delay) == (1.0, 5.0)

    off = load_settings(
        {
            "FACTCHECK_INSTANCE_DIR": str(tmp_path),
            "FACTCHECK_FULL_SITEMAPS": "0",
            "FACTCHECK_ARCHIVE_INDEX_URL": "off",
            "FACTCHECK_ARCHIVE_TIMEMAP_URL": "",
            "FACTCHECK_NEWS_SEARCH_URL": "off",
        }
    )
    assert not off.full_sitemaps
    assert (off.archive_index_url, off.archive_timemap_url, off.news_search_url) == ("", "", "")


def test_each_route_api_gets_its_own_pace_on_its_own_host(tmp_path):
    settings = load_settings(
        {
            "FACTCHECK_INSTANCE_DIR": str(tmp_path),
            "FACTCHECK_ARCHIVE_MIN_DELAY": "2.5",
            "FACTCHECK_NEWS_SEARCH_URL": "http://news.example/api",
            "FACTCHECK_NEWS_SEARCH_MIN_DELAY": "6",
            "FACTCHECK_FETCH_MIN_DELAY": "1",
        }
    )
    policy = fetch_policy(settings)
    assert policy.min_delay_for("web.archive.org") == 2.5
    assert policy.min_delay_for("news.example") == 6.0
    assert policy.min_delay_for("www.reuters.com") == 1.0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FACTCHECK_ARCHIVE_INDEX_URL", "ftp://archive.example/cdx", "http"),
        ("FACTCHECK_NEWS_SEARCH_URL", "api.gdeltproject.org", "http"),
        ("FACTCHECK_NEWS_SEARCH_MIN_DELAY", "-1", "0 or more"),
        ("FACTCHECK_ARCHIVE_MIN_DELAY", "soon", "a number"),
    ],
)
def test_a_route_setting_that_cannot_work_is_a_clear_error(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({"FACTCHECK_INSTANCE_DIR": str(tmp_path), name: value})
