"""`poolbot run` with chat credentials, as an admin starts it: a real process serving Slack over HTTP
on $PORT against a fake Slack, and DingTalk over the Stream protocol against a fake gateway and
OpenAPI, together; answering both and stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from slack_app import free_port
from slack_fake import SIGNING_SECRET, TOKEN, FakeSlack, running_fake_slack, signed_headers, slash_body

EXAMPLE = Path(__file__).parent.parent / "config" / "poolbot.example.toml"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with running_fake_slack() as slack:
        yield slack


def _environment(tmp_path: Path, fake: FakeSlack, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DINGTALK_", "DATABASE_URL"))}
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "poolbot.toml").write_text(EXAMPLE.read_text(encoding="utf-8"), "utf-8")
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.base_url,
        PORT=str(port),
        NO_PROXY="127.0.0.1,localhost",
        LOG_FORMAT="json",
    )
    return env


def test_run_serves_slack_over_http_and_stops_on_sigterm(tmp_path: Path, fake: FakeSlack) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--no-scheduler"],
        cwd=tmp_path,
        env=_environment(tmp_path, fake, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(timeout=5, trust_env=False) as client:
            _wait_for_health(client, port, process)
            body = slash_body("/help", "", "U0ALICE000", response_url=fake.response_url(), trigger="t1")
            headers = {**signed_headers(body), "Content-Type": "application/x-www-form-urlencoded"}
            assert (
                client.post(
                    f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers
                ).status_code
                == 200
            )
        (answer,) = fake.wait_for("respond")
        assert answer["args"]["text"] == "poolbot 命令"  # the example team speaks zh-CN
        assert answer["args"]["response_type"] == "ephemeral"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert TOKEN not in stderr and SIGNING_SECRET not in stderr  # secrets never reach the logs


def test_run_refuses_slack_without_a_mode(tmp_path: Path, fake: FakeSlack) -> None:
    env = _environment(tmp_path, fake, free_port())
    del env["SLACK_SIGNING_SECRET"]
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "SLACK_APP_TOKEN" in done.stderr and "SLACK_SIGNING_SECRET" in done.stderr


def _wait_for_health(client: httpx.Client, port: int, process: subprocess.Popen[str]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(f"poolbot run exited: {process.communicate()[1]}")
        try:
            if client.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        threading.Event().wait(0.1)
    raise AssertionError("poolbot run never became healthy")


def test_one_process_serves_slack_and_dingtalk_together(tmp_path: Path, fake: FakeSlack) -> None:
    from datetime import UTC, datetime, timedelta

    from dingtalk_fakes import BOT_TOPIC, FakeGateway, FakeOpenApi, text_of

    from bot.domain.clock import SystemClock

    gateway, api = FakeGateway(), FakeOpenApi(SystemClock())  # type: ignore[arg-type]
    gateway.start()
    api.gateway_url = gateway.url
    api.start()
    port = free_port()
    env = _environment(tmp_path, fake, port)
    env.update(
        DINGTALK_CLIENT_ID="ding-robot", DINGTALK_CLIENT_SECRET="ding-secret", DINGTALK_API_URL=api.url
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--no-scheduler"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(timeout=5, trust_env=False) as client:
            _wait_for_health(client, port, process)
            gateway.wait_for(lambda: bool(gateway.connections), "the DingTalk stream to connect")
            expires = datetime.now(UTC) + timedelta(minutes=90)
            gateway.push(
                BOT_TOPIC,
                {
                    "msgId": "m-1",
                    "senderStaffId": "manager4321",
                    "conversationType": "1",
                    "conversationId": "cid-1",
                    "sessionWebhook": f"{api.url}/session/m-1",
                    "sessionWebhookExpiredTime": int(expires.timestamp() * 1000),
                    "msgtype": "text",
                    "text": {"content": "帮助"},
                    "robotCode": "ding-robot",
                },
            )
            api.wait_for(lambda: bool(api.sent("/session/m-1")), "the DingTalk answer")
            body = slash_body("/help", "", "U0ALICE000", response_url=fake.response_url(), trigger="t1")
            headers = {**signed_headers(body), "Content-Type": "application/x-www-form-urlencoded"}
            assert (
                client.post(
                    f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers
                ).status_code
                == 200
            )
            fake.wait_for("respond")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        gateway.stop()
        api.stop()
    assert process.returncode == 0, stderr
    assert "认领" in text_of(api.sent("/session/m-1")[0].body)
    assert "ding-secret" not in stderr and TOKEN not in stderr
