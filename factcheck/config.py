"""One typed settings object, read from environment variables only."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_INSTANCE_DIR = "instance"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
DEFAULT_NEWSROOM_NAME = "factcheck newsroom"
MEGABYTE = 1024 * 1024
DEFAULT_ARCHIVE_INDEX_URL = "https://web.archive.org/cdx/search/cdx"
DEFAULT_ARCHIVE_TIMEMAP_URL = "https://web.archive.org/web/timemap/link"
DEFAULT_ARCHIVE_NAME = "Wayback Machine"
DEFAULT_NEWS_SEARCH_URL = "https://api.gdeltproject.org/api/v2/doc/doc"


class ConfigError(ValueError):
    """A setting has a value the application cannot run with."""


@dataclass(frozen=True)
class Settings:
    instance_dir: Path
    database_url: str
    broker_url: str
    broker_key_prefix: str
    secret_key: str
    outlets_file: Path | None
    fetch_allow_hosts: frozenset[str]
    max_article_bytes: int
    fetch_timeout: float
    stale_after_seconds: int
    sweep_interval_seconds: float
    lease_minutes: float
    secure_cookies: bool
    crossref_enabled: bool
    wire_agencies: tuple[str, ...]
    crossref_depth: int
    # Pages of one outlet read for one claim, at most (crossref.gather.PAGES_PER_OUTLET).
    pages_per_outlet: int
    crossref_stale_after_seconds: int
    fetch_per_host: int
    fetch_min_delay: float
    # Where workers on many machines share the per-host limits: a Redis, else none.
    fetch_limiter_url: str | None
    # ClaimReview publishing. An empty URL means "the address the page was requested at"
    # on the web; the CLI, which has no request, falls back to DEFAULT_PUBLIC_URL.
    newsroom_name: str = DEFAULT_NEWSROOM_NAME
    newsroom_url: str = ""
    public_url: str = ""
    # Discovery routes beyond an outlet's feeds, sitemaps and search page (empty: off).
    full_sitemaps: bool = True
    archive_index_url: str = ""
    archive_timemap_url: str = ""
    archive_name: str = DEFAULT_ARCHIVE_NAME
    archive_min_delay: float = 1.0
    news_search_url: str = ""
    news_search_min_delay: float = 5.0

    @property
    def uses_embedded_broker(self) -> bool:
        return self.broker_url.startswith("filesystem://")

    @property
    def lease_duration(self) -> timedelta:
        return timedelta(minutes=self.lease_minutes)

    @property
    def archive_dir(self) -> Path:
        return self.instance_dir / "archive"

    @property
    def broker_folder(self) -> Path:
        return self.instance_dir / "broker"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from error


def _at_least(lowest: int, env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < lowest:
        raise ConfigError(f"{name} must be at least {lowest}, not {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from error


def _web_address(env: Mapping[str, str], name: str) -> str:
    """An http(s) address, or "" when unset: it goes into published pages as it is."""
    raw = env.get(name, "").strip()
    parts = urlsplit(raw)
    if raw and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ConfigError(f"{name} must be an http(s):// address, not {raw!r}")
    return raw


def _limiter_url(env: Mapping[str, str], broker_url: str) -> str | None:
    """FACTCHECK_FETCH_LIMITER_URL; by default the broker when it is Redis (workers that
    share a broker may run on many machines), none with the embedded broker ("none"
    turns it off)."""
    raw = env.get("FACTCHECK_FETCH_LIMITER_URL", "").strip()
    if raw.lower() == "none":
        return None
    url = raw or (broker_url if broker_url.startswith(("redis://", "rediss://")) else "")
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"FACTCHECK_FETCH_LIMITER_URL must be a redis:// address, not {url!r}")
    return url or None


def _secret_key(env: Mapping[str, str], instance_dir: Path) -> str:
    """The configured key, else one generated once and kept in the instance dir."""
    if env.get("FACTCHECK_SECRET_KEY"):
        return env["FACTCHECK_SECRET_KEY"]
    key_file = instance_dir / "secret_key"
    if not key_file.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when web and worker start together, only one of them writes the key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"{key_file} holds no usable secret key; delete it to make a new one")
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    instance_dir = Path(env.get("FACTCHECK_INSTANCE_DIR") or DEFAULT_INSTANCE_DIR).resolve()
    instance_dir.mkdir(parents=True, exist_ok=True)
    database_url = env.get("FACTCHECK_DATABASE_URL") or f"sqlite:///{instance_dir / 'factcheck.db'}"
    broker_url = env.get("FACTCHECK_BROKER_URL") or "filesystem://"
    outlets_file = env.get("FACTCHECK_OUTLETS_FILE")
    allow_hosts = env.get("FACTCHECK_FETCH_ALLOW_HOSTS", "")
    return Settings(
        instance_dir=instance_dir,
        database_url=database_url,
        broker_url=broker_url,
        broker_key_prefix=env.get("FACTCHECK_BROKER_KEY_PREFIX", ""),
        secret_key=_secret_key(env, instance_dir),
        outlets_file=Path(outlets_file) if outlets_file else None,
        fetch_allow_hosts=frozenset(h.strip().lower() for h in allow_hosts.split(",") if h.strip()),
        max_article_bytes=_int(env, "FACTCHECK_MAX_ARTICLE_MB", 5) * MEGABYTE,
        fetch_timeout=_float(env, "FACTCHECK_FETCH_TIMEOUT", 10.0),
        stale_after_seconds=_int(env, "FACTCHECK_STALE_AFTER", 60),
        sweep_interval_seconds=_float(env, "FACTCHECK_SWEEP_INTERVAL", 15.0),
        lease_minutes=_float(env, "FACTCHECK_LEASE_MINUTES", 10.0),
        secure_cookies=env.get("FACTCHECK_SECURE_COOKIES", "1").lower() not in ("0", "false", "no"),
        crossref_enabled=env.get("FACTCHECK_CROSSREF", "1").lower() not in ("0", "false", "no"),
        wire_agencies=tuple(
            name.strip()
            for name in env.get("FACTCHECK_WIRE_AGENCIES", "Reuters,Associated Press,AFP").split(
                ","
            )
            if name.strip()
        ),
        crossref_depth=_int(env, "FACTCHECK_CROSSREF_DEPTH", 1),
        pages_per_outlet=_at_least(1, env, "FACTCHECK_PAGES_PER_OUTLET", 5),
        crossref_stale_after_seconds=_int(env, "FACTCHECK_CROSSREF_STALE_AFTER", 900),
        fetch_per_host=_int(env, "FACTCHECK_FETCH_PER_HOST", 2),
        fetch_min_delay=_float(env, "FACTCHECK_FETCH_MIN_DELAY", 1.0),
        fetch_limiter_url=_limiter_url(env, broker_url),
        newsroom_name=env.get("FACTCHECK_NEWSROOM_NAME", "").strip() or DEFAULT_NEWSROOM_NAME,
        newsroom_url=_web_address(env, "FACTCHECK_NEWSROOM_URL"),
        public_url=_web_address(env, "FACTCHECK_PUBLIC_URL"),
        full_sitemaps=_switch(env, "FACTCHECK_FULL_SITEMAPS"),
        archive_index_url=_route(env, "FACTCHECK_ARCHIVE_INDEX_URL", DEFAULT_ARCHIVE_INDEX_URL),
        archive_timemap_url=_route(
            env, "FACTCHECK_ARCHIVE_TIMEMAP_URL", DEFAULT_ARCHIVE_TIMEMAP_URL
        ),
        archive_name=env.get("FACTCHECK_ARCHIVE_NAME", "").strip() or DEFAULT_ARCHIVE_NAME,
        archive_min_delay=_at_least_zero(env, "FACTCHECK_ARCHIVE_MIN_DELAY", 1.0),
        news_search_url=_route(env, "FACTCHECK_NEWS_SEARCH_URL", DEFAULT_NEWS_SEARCH_URL),
        news_search_min_delay=_at_least_zero(env, "FACTCHECK_NEWS_SEARCH_MIN_DELAY", 5.0),
    )


def _switch(env: Mapping[str, str], name: str, default: bool = True) -> bool:
    raw = env.get(name, "").strip().lower()
    return default if not raw else raw not in ("0", "false", "no", "off")


def _route(env: Mapping[str, str], name: str, default: str) -> str:
    """A discovery route's address: the default when unset, "" (off) when set to
    "off" or to nothing, else an http(s):// address."""
    if name not in env:
        return default
    raw = env[name].strip()
    if raw.lower() in ("", "off", "0", "false", "no"):
        return ""
    return _web_address(env, name)


def _at_least_zero(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more, not {value:g}")
    return value
