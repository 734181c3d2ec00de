"""Socket Mode (SLACK_APP_TOKEN set): the real slack_sdk Socket Mode client opens its connection
through ``apps.connections.open`` on SLACK_API_URL and receives a slash command over a local
WebSocket server standing in for Slack; the envelope is acknowledged and the claim answered."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import add_one, member, owner_of
from slack_fake import SIGNING_SECRET, TOKEN, FakeSlack, running_fake_slack
from websockets.sync.server import ServerConnection, serve

from bot.domain.context import Services
from bot.handlers.slack.app import build_app, serve_socket_mode


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with running_fake_slack() as slack:
        yield slack


def test_a_slash_command_over_socket_mode_is_acknowledged_and_answered(
    services: Services, fake: FakeSlack
) -> None:
    acme = add_one(services, "Acme Corp")
    acks: list[dict[str, Any]] = []
    acked = threading.Event()

    def slack_side(connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        envelope = {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "command": "/claim",
                "text": "Acme Corp",
                "user_id": "UALICE",
                "team_id": "T1",
                "channel_id": "C1",
                "trigger_id": "t-socket",
                "response_url": fake.response_url(),
            },
        }
        connection.send(json.dumps(envelope))
        for raw in connection:
            acks.append(json.loads(raw))
            acked.set()

    with serve(slack_side, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = json.dumps({"ok": True, "url": f"ws://127.0.0.1:{port}/link"})
        fake.script("apps.connections.open", (200, {}, url))
        app = build_app(services, token=TOKEN, signing_secret=SIGNING_SECRET, api=fake.base_url)
        stop = threading.Event()
        runner = threading.Thread(
            target=serve_socket_mode,
            args=(app,),
            kwargs={"app_token": "xapp-test", "api": fake.base_url, "stop": stop},
        )
        runner.start()
        try:
            assert acked.wait(10)
            (answer,) = fake.wait_for("respond")
        finally:
            stop.set()
            runner.join(15)
            server.shutdown()
    assert acks[0]["envelope_id"] == "env-1"
    assert "Acme Corp is yours" in str(answer["args"]["text"])
    assert owner_of(services.db, acme) == member(services, "alice").id
    (opened,) = fake.of("apps.connections.open")
    assert opened["auth"] == "Bearer xapp-test"
