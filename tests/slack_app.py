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
import slack_rules
from slack_fake import SIGNING_SECRET, TOKEN, FakeSlack, payload_body, signed_headers, slash_body

from bot.domain.context import Services
from bot.handlers.notices import render
from bot.handlers.slack.app import build_app, deliverer, serve_http
from bot.handlers.slack.blocks import base_action_id
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
        slack = deliverer(TOKEN, self.fake.base_url, self.services)
        report = dispatch(self.services, {"slack": slack}, render)
        self.reports.append(report)
        return report

    def trigger(self) -> str:
        """A trigger id the fake issued now (it expires 3 s of the fake's clock later)."""
        return self.fake.issue_trigger(f"trigger-{next(self._ids)}")

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
        """Press a button in Slack's full ``block_actions`` shape (docs.slack.dev "block_actions
        payloads"): ``container``, ``channel`` and the whole ``message`` the button is on (the last
        one the app showed with it; else one holding only this button), or the whole Home view."""
        shown = self._shown_with(action_id, value, home=home, user=as_)
        alone: dict[str, Any] = {"type": "button", "action_id": action_id, "value": value}
        block: dict[str, Any] = next(
            (
                b
                for b in shown.get("blocks", [])
                if any(_is(e, action_id, value) for e in b.get("elements", []))
            ),
            {"block_id": "b1", "elements": [alone]},
        )
        element: dict[str, Any] = next(e for e in block["elements"] if _is(e, action_id, value))
        action = {
            "type": "button",
            "action_id": element["action_id"],
            "block_id": block.get("block_id", "b1"),
            "text": element.get("text") or {"type": "plain_text", "text": action_id, "emoji": True},
            "value": value,
            "action_ts": "1700000000.000200",
            **({"style": element["style"]} if "style" in element else {}),
        }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": as_, "username": as_.lower(), "name": as_.lower(), "team_id": "T1"},
            "team": {"id": "T1", "domain": "example"},
            "api_app_id": "A1",
            "token": "legacy",
            "is_enterprise_install": False,
            "enterprise": None,
            "trigger_id": self.trigger(),
            "state": {"values": {}},
            "actions": [action],
        }
        if home:
            view = {"id": "VHOME", "team_id": "T1", "type": "home", "hash": "1.abc", **shown}
            view.setdefault("state", {"values": {}})
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": "VHOME"}
        else:
            channel, ts = shown.get("channel") or self.fake.dm_of(as_), shown.get("ts") or "1.000100"
            payload["response_url"] = self.fake.response_url()
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": bool(shown.get("ephemeral")),
            }
            payload["channel"] = {"id": channel, "name": "directmessage" if channel[:1] == "D" else "general"}
            payload["message"] = {
                "type": "message",
                "user": "UBOT",
                "ts": ts,
                "text": shown.get("text", ""),
                "blocks": shown.get("blocks", []),
            }
        return self.interact(payload)

    def _shown_with(self, action_id: str, value: str, *, home: bool, user: str) -> dict[str, Any]:
        """The last message (or Home view) the app showed ``user``'s side with this button."""
        if home:
            views = [
                c["args"]["view"] for c in self.fake.of("views.publish") if c["args"].get("user_id") == user
            ]
            return next((dict(v) for v in reversed(views) if _has(v.get("blocks"), action_id, value)), {})
        for call in reversed(self.fake.calls):
            args = call["args"]
            if call["method"].startswith("respond/") and _has(args.get("blocks"), action_id, value):
                ephemeral = args.get("response_type") != "in_channel"
                return {**args, "channel": "C0GENERAL", "ephemeral": ephemeral}
            if call["method"] in ("chat.postMessage", "chat.update") and _has(
                args.get("blocks"), action_id, value
            ):
                channel = str(args.get("channel"))
                channel = self.fake.dm_of(channel) if channel[:1] == "U" else channel
                ts = next(
                    (ts for (c, ts), a in self.fake.posted.items() if c == channel and a is args), "1.000100"
                )
                return {**args, "channel": channel, "ts": ts}
        return {}

    def submit(
        self, callback_id: str, values: dict[str, Any], *, as_: str, metadata: str = "", view_id: str = ""
    ) -> httpx.Response:
        """Submit a modal in Slack's full ``view_submission`` shape: the whole view, and a state
        value, with its ``type``, for every input of the view that was opened (an input left empty
        is there too, with ``null``), as docs.slack.dev "view_submission payloads" shows."""
        opened = [
            c["args"]["view"]
            for c in self.fake.of("views.open")
            if c["args"]["view"].get("callback_id") == callback_id
        ]
        template: dict[str, Any] = (
            dict(opened[-1]) if opened else {"type": "modal", "callback_id": callback_id}
        )
        view = {
            **template,
            "id": view_id or f"V{next(self._ids)}",
            "team_id": "T1",
            "private_metadata": metadata or template.get("private_metadata", ""),
            "hash": "1.abc",
            "state": {"values": full_state(template, values)},
        }
        payload = {
            "type": "view_submission",
            "user": {"id": as_, "username": as_.lower(), "name": as_.lower(), "team_id": "T1"},
            "team": {"id": "T1", "domain": "example"},
            "api_app_id": "A1",
            "token": "legacy",
            "is_enterprise_install": False,
            "trigger_id": self.trigger(),
            "view": view,
            "response_urls": [],
        }
        return self.interact(payload)

    def shortcut(
        self, callback_id: str, text: str, *, as_: str, channel: str = "C0SALES", author: str = "UCUSTOMER"
    ) -> httpx.Response:
        """Pick a message shortcut on a message in ``channel``: Slack's ``message_action`` payload
        (bolt-js ``MessageShortcut``: callback_id, trigger_id, message_ts, response_url, the whole
        message, user, channel, team, token, action_ts)."""
        ts = f"17000{next(self._ids):05d}.000200"
        payload = {
            "type": "message_action",
            "token": "legacy",
            "action_ts": "1700000000.123456",
            "team": {"id": "T1", "domain": "example"},
            "user": {"id": as_, "username": as_.lower(), "name": as_.lower(), "team_id": "T1"},
            "channel": {"id": channel, "name": "sales"},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.trigger(),
            "response_url": self.fake.response_url(),
            "message_ts": ts,
            "message": {"type": "message", "user": author, "ts": ts, "text": text, "team": "T1"},
        }
        return self.interact(payload)

    def suggest(self, typed: str, *, as_: str) -> httpx.Response:
        """Type into the follow-up form's customer search: ``block_suggestion`` with the whole view
        that was opened (docs.slack.dev "block_suggestion payloads")."""
        opened = [c["args"]["view"] for c in self.fake.of("views.open")]
        view = {**(opened[-1] if opened else {"type": "modal", "callback_id": "followup.form"})}
        view.update(id="V1", team_id="T1", hash="1.abc", state={"values": full_state(view, {})})
        payload = {
            "type": "block_suggestion",
            "user": {"id": as_, "username": as_.lower(), "name": as_.lower(), "team_id": "T1"},
            "container": {"type": "view", "view_id": "V1"},
            "team": {"id": "T1", "domain": "example"},
            "api_app_id": "A1",
            "token": "legacy",
            "action_id": "customer",
            "block_id": "customer",
            "value": typed,
            "view": view,
        }
        answer = self.interact(payload)
        # Slack shows no options at all from an answer it refuses (BK: ≤ 100 options, text ≤ 75)
        problems = slack_rules.option_errors(answer.json().get("options"))
        assert not problems, problems
        return answer

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


def _is(element: dict[str, Any], action_id: str, value: str) -> bool:
    return base_action_id(str(element.get("action_id", ""))) == action_id and element.get("value") == value


def _has(blocks: Any, action_id: str, value: str) -> bool:
    return isinstance(blocks, list) and any(
        _is(e, action_id, value) for b in blocks if isinstance(b, dict) for e in b.get("elements", [])
    )


# the state value's type of each input element (docs.slack.dev "view_submission payloads")
_EMPTY = {
    "plain_text_input": {"value": None},
    "datepicker": {"selected_date": None},
    "static_select": {"selected_option": None},
    "external_select": {"selected_option": None},
}


def full_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as Slack sends them for ``view``: every input, each with its element's ``type``;
    a selected option carries its ``text`` too."""
    state: dict[str, Any] = {}
    inputs = {
        b["block_id"]: b["element"]
        for b in view.get("blocks", [])
        if b.get("type") == "input" and "block_id" in b
    }
    for block_id, element in inputs.items():
        action_id = element.get("action_id", block_id)
        given = dict(values.get(block_id, {}).get(action_id, {}))
        state[block_id] = {action_id: {"type": element["type"], **_EMPTY.get(element["type"], {}), **given}}
    for block_id, actions in values.items():  # a value the test gives for an input the view lacks
        for action_id, given in actions.items():
            if action_id not in state.get(block_id, {}):
                kind = (
                    "datepicker"
                    if "selected_date" in given
                    else ("static_select" if "selected_option" in given else "plain_text_input")
                )
                state.setdefault(block_id, {})[action_id] = {"type": kind, **given}
    for actions in state.values():
        for value in actions.values():
            option = value.get("selected_option")
            if isinstance(option, dict) and "text" not in option:
                option["text"] = {"type": "plain_text", "text": str(option.get("value")), "emoji": True}
    return state


def _wait_until_up(client: httpx.Client, url: str) -> None:
    for _ in range(200):
        try:
            client.get(f"{url}/healthz", timeout=0.5)
            return
        except httpx.TransportError:
            threading.Event().wait(0.05)
    raise RuntimeError("the Slack HTTP server did not start")
