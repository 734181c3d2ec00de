"""Socket Mode (SLACK_APP_TOKEN set): the real slack_sdk Socket Mode client opens its connection
through ``apps.connections.open`` on SLACK_API_URL and receives a slash command over a local
WebSocket server standing in for Slack; the envelope is acknowledged and the claim answered."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from helpers import add_one, member, owner_of, snapshot
from slack_fake import SIGNING_SECRET, TOKEN, FakeSlack, running_fake_slack
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from bot.domain.claims import claim
from bot.domain.context import Services
from bot.handlers.slack.app import build_app, serve_socket_mode


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with running_fake_slack() as slack:
        yield slack


class SocketSlack:
    """Slack's side of one Socket Mode connection: says hello, sends ``envelope``, keeps the acks."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        self.envelope = envelope
        self.acks: list[dict[str, Any]] = []
        self.acked = threading.Event()

    def __call__(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        connection.send(json.dumps(self.envelope))
        with suppress(ConnectionClosed):  # the client goes away when the test stops it
            for raw in connection:
                self.acks.append(json.loads(raw))
                self.acked.set()


@contextmanager
def socket_mode(services: Services, fake: FakeSlack, slack_side: SocketSlack) -> Iterator[None]:
    """The real app under ``serve_socket_mode``, connected to ``slack_side``, until the block ends."""
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
            yield
        finally:
            stop.set()
            runner.join(15)
            server.shutdown()


def test_a_slash_command_over_socket_mode_is_acknowledged_and_answered(
    services: Services, fake: FakeSlack
) -> None:
    acme = add_one(services, "Acme Corp")
    slack_side = SocketSlack(
        {
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
    )
    with socket_mode(services, fake, slack_side):
        assert slack_side.acked.wait(10)
        (answer,) = fake.wait_for("respond")
    assert slack_side.acks[0]["envelope_id"] == "env-1"
    assert "Acme Corp is yours" in str(answer["args"]["text"])
    assert owner_of(services.db, acme) == member(services, "alice").id
    (opened,) = fake.of("apps.connections.open")
    assert opened["auth"] == "Bearer xapp-test"


def test_a_form_with_an_impossible_date_over_socket_mode_is_acknowledged_and_changes_nothing(
    services: Services, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """The date picker only sends real dates; a forged 2026-13-45 gets no traceback, no follow-up,
    one log line, and an acknowledgement (so Slack does not send it again)."""
    acme = add_one(services, "Acme Corp")
    claim(services, member=member(services, "alice"), customer_id=acme)
    values = {
        "customer": {"customer": {"type": "external_select", "selected_option": {"value": f"#{acme}"}}},
        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "call"}}},
        "note": {"note": {"type": "plain_text_input", "value": "talked"}},
        "next": {"next": {"type": "datepicker", "selected_date": "2026-13-45"}},
    }
    view = {"id": "V1", "type": "modal", "callback_id": "followup.form", "state": {"values": values}}
    payload = {"type": "view_submission", "user": {"id": "UALICE"}, "team": {"id": "T1"}, "view": view}
    slack_side = SocketSlack({"envelope_id": "env-2", "type": "interactive", "payload": payload})
    before = snapshot(services.db)
    with caplog.at_level(logging.WARNING), socket_mode(services, fake, slack_side):
        assert slack_side.acked.wait(10)
    assert slack_side.acks[0]["envelope_id"] == "env-2"
    assert snapshot(services.db) == before
    refused = [r for r in caplog.records if r.getMessage() == "slack request refused"]
    assert [getattr(r, "reason", None) for r in refused] == ["a form's selected_date is not a date"]
    assert not [r for r in caplog.records if r.name.startswith("poolbot") and r.exc_info]
