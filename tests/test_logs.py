"""Logs name the member, command and request; secrets never reach them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs
from bot.domain.context import Services
from bot.handlers.console.chat import ConsoleChat
from bot.settings import Settings


@pytest.fixture
def captured(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    logs.configure("INFO", "json")
    yield capsys
    logging.getLogger().handlers.clear()


def _records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]


def test_each_command_is_logged_with_member_command_and_request(
    services: Services, captured: pytest.CaptureFixture[str]
) -> None:
    chat = ConsoleChat(services, handle="alice")
    chat.say("/claim nobody-by-this-name")
    chat.say("/mine")
    records = _records(captured)
    refused = next(r for r in records if r["event"] == "refused")
    assert refused["member"] == "alice" and refused["command"] == "claim"
    assert refused["reason"] == "error.customer_unknown" and refused["request_id"] == "console-1"
    done = next(r for r in records if r["event"] == "done")
    assert done["command"] == "mine" and done["request_id"] == "console-2"


def test_secrets_are_not_printed_by_settings(
    monkeypatch: pytest.MonkeyPatch, captured: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "ding-very-secret")
    settings = Settings()
    logging.getLogger("poolbot.test").info("settings", extra={"settings": settings})
    text = captured.readouterr().err + repr(settings) + str(settings.model_dump())
    assert "very-secret" not in text
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret"


def test_request_urls_that_carry_credentials_stay_out_of_the_logs(
    captured: pytest.CaptureFixture[str],
) -> None:
    """A DingTalk session webhook (or a Slack response URL) lets its holder post as the bot:
    the HTTP client's request log, which prints full URLs at INFO, is kept quiet."""
    import httpx
    from slack_fake import running_fake_slack

    with running_fake_slack() as fake, httpx.Client(trust_env=False) as client:
        client.post(f"http://127.0.0.1:{fake.port}/respond/1?session=SECRET-SESSION", json={"text": "hi"})
    assert "SECRET-SESSION" not in captured.readouterr().err
