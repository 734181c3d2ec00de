"""The real Bolt app, served over real HTTP by our WSGI server, talking to a fake Slack.

``SlackHarness`` sends correctly signed requests the way Slack does (slash commands form-encoded,
interactivity as a ``payload`` field, events as JSON) and runs the outbox inline after each change,
so a test reads as a transcript: ``h.slash("/claim", "Contoso", as_="UALICE")``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from slack_fake import SIGNING_SECRET, TOKEN, FakeSlack, payload_body, signed_headers, slash_body

from bot.domain.context import Services
from bot.handlers.notices import render
from bot.handlers.slack.app import build_app, deliverer, serve_http
from bot.scheduler.dispatch import DispatchReport, dispatch


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SlackHarness:
    services: Services
    fake: FakeSlack
    port: int
    client: httpx.Client
    reports: list[DispatchReport] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def dispatch(self) -> DispatchReport:
        report = dispatch(self.services, {"slack": deliverer(TOKEN, self.fake.base_url)}, render)
        self.reports.append(report)
        return report

    def trigger(self) -> str:
        return f"trigger-{next(self._ids)}"

    def post(self, body: str, *, content_type: str, headers: dict[str, str] | None = None) -> httpx.Response:
        sent = {"Content-Type": content_type, **signed_headers(body), **(headers or {})}
        return self.client.post(f"{self.url}/slack/events", content=body, headers=sent)

    def slash(
        self, command: str, text: str = "", *, as_: str, trigger: str | None = None, **headers: str
    ) -> httpx.Response:
        body = slash_body(
            command, text, as_, response_url=self.fake.response_url(), trigger=trigger or self.trigger()
        )
        return self.post(body, content_type="application/x-www-form-urlencoded", headers=headers)

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(payload_body(payload), content_type="application/x-www-form-urlencoded")

    def press(self, action_id: str, value: str, *, as_: str, home: bool = False) -> httpx.Response:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": as_},
            "team": {"id": "T1"},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": self.trigger(),
            "actions": [
                {"type": "button", "action_id": action_id, "block_id": "b1", "value": value, "action_ts": "1"}
            ],
        }
        if home:
            payload["view"] = {"id": "VHOME", "type": "home"}
        else:
            payload["response_url"] = self.fake.response_url()
            payload["container"] = {"type": "message", "message_ts": "1.000100", "channel_id": "C0"}
        return self.interact(payload)

    def submit(
        self, callback_id: str, values: dict[str, Any], *, as_: str, metadata: str = ""
    ) -> httpx.Response:
        view = {
            "id": f"V{next(self._ids)}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {"values": values},
        }
        payload = {
            "type": "view_submission",
            "user": {"id": as_},
            "team": {"id": "T1"},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": self.trigger(),
            "view": view,
        }
        return self.interact(payload)

    def suggest(self, typed: str, *, as_: str) -> httpx.Response:
        payload = {
            "type": "block_suggestion",
            "user": {"id": as_},
            "team": {"id": "T1"},
            "api_app_id": "A1",
            "token": "legacy",
            "action_id": "customer",
            "block_id": "customer",
            "value": typed,
            "view": {"id": "V1", "type": "modal", "callback_id": "followup.form"},
        }
        return self.interact(payload)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **headers: str) -> httpx.Response:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(self._ids)}",
                "event_time": 1,
                "event": event,
            }
        )
        return self.post(body, content_type="application/json", headers=headers)

    # what the app said

    def responses(self) -> list[str]:
        """Texts sent to response URLs (answers to the person who acted), oldest first."""
        return self.fake.texts("respond")

    def last_response(self) -> dict[str, Any]:
        args: dict[str, Any] = self.fake.of("respond")[-1]["args"]
        return args


@contextmanager
def running_app(services: Services, fake: FakeSlack, *, inline: bool = True) -> Iterator[SlackHarness]:
    """``inline``: Bolt answers after the listener finished and the outbox is delivered at once
    (deterministic); otherwise Bolt's production mode (ack first, work on its thread pool)."""
    holder: list[SlackHarness] = []

    def on_change() -> None:
        if inline and holder:
            holder[0].dispatch()

    app = build_app(
        services,
        token=TOKEN,
        signing_secret=SIGNING_SECRET,
        api=fake.base_url,
        on_change=on_change,
        process_before_response=inline,
    )
    port, stop = free_port(), threading.Event()
    server = threading.Thread(
        target=serve_http,
        args=(app, services),
        kwargs={"port": port, "stop": stop, "host": "127.0.0.1"},
        daemon=True,
    )
    server.start()
    with httpx.Client(timeout=30, trust_env=False) as client:
        harness = SlackHarness(services, fake, port, client)
        holder.append(harness)
        _wait_until_up(client, harness.url)
        try:
            yield harness
        finally:
            stop.set()
            server.join(10)


def _wait_until_up(client: httpx.Client, url: str) -> None:
    for _ in range(200):
        try:
            client.get(f"{url}/healthz", timeout=0.5)
            return
        except httpx.TransportError:
            threading.Event().wait(0.05)
    raise RuntimeError("the Slack HTTP server did not start")
