"""Fixtures: a real database (SQLite file and PostgreSQL), a fake clock, a configured team."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from slack_app import SlackHarness, running_app
from slack_fake import FakeSlack, running_fake_slack

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.setup import sync_config
from bot.storage.engine import Database
from bot.storage.migrate import upgrade

PG_ADMIN_URL = os.environ.get("POOLBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Asia/Shanghai


def _postgres_reason() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def postgres_unavailable() -> str | None:
    """Why the PostgreSQL variants cannot run (None when they can), probed once per session when a
    test first needs PostgreSQL. With ``POOLBOT_REQUIRE_POSTGRES`` set (CI) an unreachable server
    fails every test that needs it, with the reason, instead of skipping them."""
    reason = _postgres_reason()
    if reason and os.environ.get("POOLBOT_REQUIRE_POSTGRES"):
        pytest.fail(f"POOLBOT_REQUIRE_POSTGRES is set but {reason}", pytrace=False)
    return reason


def _sqlalchemy_pg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database of each kind; PostgreSQL gets a throw-away database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'poolbot.db'}"
        upgrade(url)
        yield url
        return
    unavailable: str | None = request.getfixturevalue("postgres_unavailable")
    if unavailable:
        pytest.skip(unavailable)
    name = f"poolbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _sqlalchemy_pg(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    upgrade(url)
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


TEAM_CONFIG: dict[str, list[dict[str, Any]]] = {
    "teams": [{"name": "east", "timezone": "Asia/Shanghai", "locale": "en"}],
    "members": [
        {"handle": "maria", "name": "Maria", "team": "east", "role": "manager", "slack": "UMARIA"},
        {"handle": "alice", "name": "Alice", "team": "east", "role": "rep", "slack": "UALICE"},
        {"handle": "bob", "name": "Bob", "team": "east", "role": "rep"},
        {"handle": "carol", "name": "Carol", "team": "east", "role": "rep", "active": False},
    ],
    "pools": [
        {
            "name": "east-main",
            "team": "east",
            "max_held_per_rep": 3,
            "daily_claim_limit": 2,
            "reclaim_cooldown_days": 7,
            "recycle_days": {"A": 7, "B": 15, "C": 30},
            "warn_days": 3,
        },
        {
            "name": "east-vip",
            "team": "east",
            "claim_requires_approval": True,
            "max_held_per_rep": 3,
            "daily_claim_limit": 5,
        },
    ],
}


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(TEAM_CONFIG)


@pytest.fixture
def services(db: Database, clock: FakeClock, config: PoolbotConfig) -> Services:
    sync_config(db, config)
    return Services(db=db, clock=clock)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    """A fake Slack Web API on a local port (no proxy between the app and it)."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with running_fake_slack() as slack:
        yield slack


@pytest.fixture
def slack(services: Services, fake: FakeSlack) -> Iterator[SlackHarness]:
    """The real Bolt app over real HTTP, talking to ``fake``."""
    with running_app(services, fake) as harness:
        yield harness
