"""Typed process settings: the config file's path, the database and every secret.

Order of precedence: environment variables, then ``.env``, then the config file's
``database_url``, then the defaults. Secrets are read from the environment or ``.env`` only.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import PoolbotConfig, load_config

DEFAULT_CONFIG_PATHS = (Path("config/poolbot.toml"), Path("poolbot.toml"))
DEFAULT_DATABASE_URL = "sqlite:///./poolbot.db"


class Settings(BaseSettings):
    """Settings from the environment (no prefix: the names are the documented contract)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    poolbot_config: Path | None = None
    database_url: str | None = None
    # default: INFO for servers, WARNING for the console chat so logs do not drown the replies
    log_level: str | None = None
    log_format: str = "console"

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = None

    # the HTTP server of Slack's HTTP mode (POST /slack/events, GET /healthz)
    port: int = 3000
    # files the bot makes (report charts)
    poolbot_files_dir: Path | None = None

    dingtalk_client_id: str | None = None
    dingtalk_client_secret: SecretStr | None = None
    dingtalk_robot_code: str | None = None
    dingtalk_api_url: str | None = None

    def config_path(self, explicit: Path | None = None) -> Path | None:
        """The config file to use: ``--config``, ``POOLBOT_CONFIG``, else a default if present."""
        if explicit is not None:
            return explicit
        if self.poolbot_config is not None:
            return self.poolbot_config
        return next((path for path in DEFAULT_CONFIG_PATHS if path.is_file()), None)

    def load(self, explicit: Path | None = None) -> PoolbotConfig:
        path = self.config_path(explicit)
        return load_config(path) if path is not None else PoolbotConfig()

    def resolved_database_url(self, config: PoolbotConfig) -> str:
        return normalize_database_url(self.database_url or config.database_url or DEFAULT_DATABASE_URL)

    @property
    def has_slack(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def has_dingtalk(self) -> bool:
        return self.dingtalk_client_id is not None and self.dingtalk_client_secret is not None


def normalize_database_url(url: str) -> str:
    """Accept Heroku-style ``postgres://`` URLs and pick the psycopg 3 driver for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings() -> Settings:
    return Settings(_env_file=os.environ.get("POOLBOT_ENV_FILE", ".env"))
