"""`poolbot run` with chat credentials, as an admin starts it: a real process serving Slack over HTTP
on $PORT against a fake Slack, and DingTalk over the Stream protocol against a fake gateway and
OpenAPI, together; answering both and stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from slack_app import free_port
from slack_fake import SIGNING_SECRET, TOKEN, FakeSlack, running_fake_slack, signed_headers, slash_body

EXAMPLE = Path(__file__).parent.parent / "config" / "poolbot.example.toml"
# Seconds allowed for the process to start serving, answer or stop: a deadline by the clock, far
# beyond what an idle machine needs, so that a loaded one (pytest -n 8 on 2 cores) is only slower.
PATIENCE = 180.0


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


def _start(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], Path]:
    """``poolbot run --no-scheduler`` in ``tmp_path``; its stdout and stderr go to files (a pipe
    nobody reads while the test waits could fill up and block the process). Returns the stderr
    file: the logs."""
    log = tmp_path / "poolbot-run.stderr"
    with (tmp_path / "poolbot-run.stdout").open("w") as out, log.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--no-scheduler"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=err,
            text=True,
        )
    return process, log


def _stop(process: subprocess.Popen[str], log: Path) -> str:
    """SIGTERM, then the exit within the deadline; the process's stderr."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=PATIENCE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"poolbot run did not stop on SIGTERM: {log.read_text('utf-8')}") from None
    return log.read_text("utf-8")


def test_run_serves_slack_over_http_and_stops_on_sigterm(tmp_path: Path, fake: FakeSlack) -> None:
    port = free_port()
    process, log = _start(tmp_path, _environment(tmp_path, fake, port))
    try:
        with httpx.Client(timeout=PATIENCE, trust_env=False) as client:
            _wait_for_health(client, port, process, log)
            body = slash_body("/help", "", "U0ALICE000", response_url=fake.response_url(), trigger="t1")
            headers = {**signed_headers(body), "Content-Type": "application/x-www-form-urlencoded"}
            assert (
                client.post(
                    f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers
                ).status_code
                == 200
            )
        (answer,) = fake.wait_for("respond", timeout=PATIENCE)
        assert answer["args"]["text"] == "poolbot 命令"  # the example team speaks zh-CN
        assert answer["args"]["response_type"] == "ephemeral"
    finally:
        stderr = _stop(process, log)
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
        timeout=PATIENCE,
    )
    assert done.returncode == 2
    assert "SLACK_APP_TOKEN" in done.stderr and "SLACK_SIGNING_SECRET" in done.stderr


def _wait_for_health(client: httpx.Client, port: int, process: subprocess.Popen[str], log: Path) -> None:
    """Poll ``/healthz`` until it answers 200 (the process has started, migrated and serves), each
    request as patient as the deadline; between polls wait on the process itself, which also
    notices at once when it exits instead."""
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            if client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:  # not listening yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"poolbot run not healthy after {PATIENCE:.0f} s: {log.read_text('utf-8')}")
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"poolbot run exited with {process.returncode}: {log.read_text('utf-8')}")


def test_one_process_serves_slack_and_dingtalk_together(tmp_path: Path, fake: FakeSlack) -> None:
    from datetime import UTC, datetime, timedelta

    from dingtalk_fakes import BOT_TOPIC, FakeGateway, FakeOpenApi, text_of, webhook

    from bot.domain.clock import SystemClock

    gateway, api = FakeGateway(), FakeOpenApi(SystemClock())
    gateway.start()
    api.gateway_url = gateway.url
    api.start()
    port = free_port()
    env = _environment(tmp_path, fake, port)
    env.update(
        DINGTALK_CLIENT_ID="ding-robot", DINGTALK_CLIENT_SECRET="ding-secret", DINGTALK_API_URL=api.url
    )
    process, log = _start(tmp_path, env)
    try:
        with httpx.Client(timeout=PATIENCE, trust_env=False) as client:
            _wait_for_health(client, port, process, log)
            gateway.wait_for(lambda: bool(gateway.connections), "the DingTalk stream to connect", PATIENCE)
            expires = datetime.now(UTC) + timedelta(minutes=90)
            gateway.push(
                BOT_TOPIC,
                {
                    "msgId": "m-1",
                    "senderStaffId": "manager4321",
                    "conversationType": "1",
                    "conversationId": "cid-1",
                    "sessionWebhook": api.webhook_url("m-1"),
                    "sessionWebhookExpiredTime": int(expires.timestamp() * 1000),
                    "msgtype": "text",
                    "text": {"content": "帮助"},
                    "robotCode": "ding-robot",
                },
            )
            api.wait_for(lambda: bool(api.sent(webhook("m-1"))), "the DingTalk answer", PATIENCE)
            body = slash_body("/help", "", "U0ALICE000", response_url=fake.response_url(), trigger="t1")
            headers = {**signed_headers(body), "Content-Type": "application/x-www-form-urlencoded"}
            assert (
                client.post(
                    f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers
                ).status_code
                == 200
            )
            fake.wait_for("respond", timeout=PATIENCE)
    finally:
        stderr = _stop(process, log)
        gateway.stop()
        api.stop()
    assert process.returncode == 0, stderr
    assert "认领" in text_of(api.sent(webhook("m-1"))[0].body)
    assert "ding-secret" not in stderr and TOKEN not in stderr
