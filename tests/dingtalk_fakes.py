"""A fake DingTalk for the tests: the OpenAPI (HTTP) and the Stream gateway (WebSocket), each on
its own thread, recording what they were sent; and :func:`running`, the DingTalk surface running
for real (dingtalk-stream's client, our handlers, the outbox dispatcher) against them, so tests
read like a chat transcript. Tests wait on conditions, never on sleeps."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import websockets
from conftest import TEAM_CONFIG
from pydantic import SecretStr
from websockets.asyncio.server import ServerConnection, serve

from bot.config import PoolbotConfig
from bot.delivery import Deliverer, Delivery
from bot.domain.clock import Clock, FakeClock
from bot.domain.context import Services
from bot.handlers.commands import Bot
from bot.handlers.dingtalk.surface import DingTalkSurface
from bot.handlers.notices import render
from bot.scheduler.dispatch import DispatchReport, dispatch
from bot.settings import Settings

WAIT = 10.0  # seconds a test waits for something to happen before it fails


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    token: str | None


@dataclass
class FakeOpenApi:
    """The OpenAPI: tokens valid for ``token_seconds`` by ``clock`` (a FakeClock in the tests that
    expire them), robot sends, cards,
    session webhooks, the gateway's open call, and the oapi host's ``/media/upload`` (multipart,
    token in the query; recorded with ``type``, ``filename`` and the uploaded bytes as ``media``).
    ``answers`` scripts the next answers per path: a (status, body, headers) tuple used once."""

    clock: Clock
    gateway_url: str = ""
    token_seconds: int = 7200
    calls: list[Call] = field(default_factory=list)
    answers: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = field(default_factory=dict)
    tokens: dict[str, datetime] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self._answer()

            def do_PUT(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                url = urlsplit(self.path)
                if url.path == "/media/upload":
                    body = _multipart(self.headers.get("Content-Type", ""), raw)
                    body["query_type"] = parse_qs(url.query).get("type", [""])[0]
                    token = parse_qs(url.query).get("access_token", [None])[0]
                    status, answer, headers = fake.handle(self.command, url.path, body, token)
                else:
                    token = self.headers.get("x-acs-dingtalk-access-token")
                    status, answer, headers = fake.handle(
                        self.command, self.path, json.loads(raw or b"{}"), token
                    )
                raw = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def answer(
        self, path: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        with self.cond:
            self.answers.setdefault(path, []).append((status, body, headers or {}))

    def handle(
        self, method: str, path: str, body: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.cond:
            self.calls.append(Call(method, path, body, token))
            self.cond.notify_all()
            if path == "/v1.0/oauth2/accessToken":
                issued = f"token-{len(self.tokens) + 1}"
                self.tokens[issued] = self.clock.now() + timedelta(seconds=self.token_seconds)
                return 200, {"accessToken": issued, "expireIn": self.token_seconds}, {}
            if path == "/v1.0/gateway/connections/open":
                return 200, {"endpoint": self.gateway_url, "ticket": uuid.uuid4().hex}, {}
            if path.startswith("/v1.0/") and not self._valid(token):
                return 401, {"code": "InvalidAuthentication", "message": "token expired"}, {}
            if path == "/media/upload" and not self._valid(token):
                return 200, {"errcode": 40014, "errmsg": "invalid access_token"}, {}
            scripted = self.answers.get(path)
            if scripted:
                return scripted.pop(0)
            if path.startswith("/session/"):
                return 200, {"errcode": 0, "errmsg": "ok"}, {}
            if path == "/media/upload":
                media_id = f"@media{len(self.sent('/media/upload'))}"
                return 200, {"errcode": 0, "errmsg": "ok", "media_id": media_id, "type": "image"}, {}
            if path == "/v1.0/card/instances/createAndDeliver":
                return 200, {"success": True, "result": {"outTrackId": body.get("outTrackId")}}, {}
            return 200, {"processQueryKey": f"q{len(self.calls)}"}, {}

    def _valid(self, token: str | None) -> bool:
        expires = self.tokens.get(token or "")
        return expires is not None and self.clock.now() < expires

    def expire_tokens(self) -> None:
        """Revoke every token now (DingTalk may invalidate one before its time)."""
        with self.cond:
            for token in self.tokens:
                self.tokens[token] = self.clock.now()

    # ---- what was sent ----------------------------------------------------------------------------------

    def sent(self, path: str) -> list[Call]:
        """Accepted calls to ``path`` (with a valid token, or a session webhook)."""
        with self.cond:
            return [c for c in self.calls if c.path == path and (path.startswith("/session/") or c.token)]

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout=timeout):
                raise AssertionError(f"timed out waiting for {what}")

    def messages_to(self, staff_id: str) -> list[dict[str, str]]:
        """The msgParam of every one-to-one robot message to ``staff_id``, in order."""
        calls = self.sent("/v1.0/robot/oToMessages/batchSend")
        return [json.loads(c.body["msgParam"]) for c in calls if staff_id in c.body["userIds"]]


def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body as {field: text, "media": bytes, "filename": name}."""
    message = BytesParser().parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    fields: dict[str, Any] = {}
    parts = message.get_payload() if message.is_multipart() else []
    assert isinstance(parts, list)
    for part in parts:
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        filename = part.get_filename()
        if filename:
            fields["filename"] = filename
            fields[str(name)] = data
        else:
            fields[str(name)] = data.decode()
    return fields


def text_of(param: dict[str, Any]) -> str:
    """Everything a reader sees in a robot message or webhook body (title, text, buttons)."""
    if "msgtype" in param:
        inner = param.get("markdown") or param.get("actionCard") or {}
        buttons = " ".join(b["title"] + " " + b["actionURL"] for b in inner.get("btns", []))
        return f"{inner.get('title', '')}\n{inner.get('text', '')}\n{buttons}"
    return "\n".join(str(v) for v in param.values())


class FakeGateway:
    """The Stream gateway: accepts connections, pushes frames, records acks. ``freeze()`` blocks its
    event loop (no frames, no pongs) until ``thaw()``: a connection gone silent. With
    ``close_at_once`` it closes every connection as soon as it is open; ``opened_at`` has the
    gateway's own ``time.monotonic()`` of each connection."""

    def __init__(self, *, close_at_once: bool = False) -> None:
        self.loop = asyncio.new_event_loop()
        self.close_at_once = close_at_once
        self.opened_at: list[float] = []
        self.connections: list[ServerConnection] = []
        self.acks: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        self._thaw = threading.Event()
        self._ready = threading.Event()
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/connect"

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(WAIT)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        async with serve(self._connection, "127.0.0.1", 0) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stopped.wait()

    async def _connection(self, ws: ServerConnection) -> None:
        with self.cond:
            self.connections.append(ws)
            self.opened_at.append(time.monotonic())
            self.cond.notify_all()
        if self.close_at_once:
            await ws.close()
            return
        try:
            async for raw in ws:
                with self.cond:
                    self.acks.append(json.loads(raw))
                    self.cond.notify_all()
        except websockets.exceptions.ConnectionClosed:
            pass

    def stop(self) -> None:
        self._thaw.set()
        self.loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(WAIT)

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout=timeout):
                raise AssertionError(f"timed out waiting for {what}")

    def _current(self) -> ServerConnection:
        self.wait_for(lambda: bool(self.connections), "a connection")
        return self.connections[-1]

    def send(self, frame: dict[str, Any]) -> None:
        self.send_raw(json.dumps(frame))

    def send_raw(self, text: str) -> None:
        ws = self._current()
        asyncio.run_coroutine_threadsafe(ws.send(text), self.loop).result(WAIT)

    def push(self, topic: str, data: dict[str, Any], message_id: str | None = None) -> str:
        message_id = message_id or uuid.uuid4().hex
        headers = {"topic": topic, "messageId": message_id, "contentType": "application/json", "time": "0"}
        self.send({"specVersion": "1.0", "type": "CALLBACK", "headers": headers, "data": json.dumps(data)})
        return message_id

    def disconnect(self) -> None:
        """The gateway's ``disconnect`` system frame (it is about to go away)."""
        headers = {"topic": "disconnect", "messageId": uuid.uuid4().hex, "contentType": "application/json"}
        self.send({"specVersion": "1.0", "type": "SYSTEM", "headers": headers, "data": "{}"})

    def close_socket(self) -> None:
        ws = self._current()
        asyncio.run_coroutine_threadsafe(ws.close(), self.loop).result(WAIT)

    def freeze(self) -> None:
        self._thaw.clear()
        self.loop.call_soon_threadsafe(self._thaw.wait)

    def thaw(self) -> None:
        self._thaw.set()

    def acked(self, message_id: str) -> bool:
        with self.cond:
            return any(a.get("headers", {}).get("messageId") == message_id for a in self.acks)


# ---- the surface running against the fakes ------------------------------------------------------------

os.environ["NO_PROXY"] = "127.0.0.1,localhost"
REPS = [f"rep{i:02d}" for i in range(1, 46)]
BOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"
BATCH_SEND = "/v1.0/robot/oToMessages/batchSend"
GROUP_SEND = "/v1.0/robot/groupMessages/send"
CREATE_CARD = "/v1.0/card/instances/createAndDeliver"
UPDATE_CARD = "/v1.0/card/instances"
UPLOAD = "/media/upload"


def dingtalk_config(*, template: str | None = None, reps: bool = False) -> PoolbotConfig:
    """conftest's team in Chinese: Maria (manager) on Slack, Dora (manager) on DingTalk, Alice on
    both, Bob on DingTalk; optionally 45 more DingTalk reps."""
    data: dict[str, Any] = copy.deepcopy(TEAM_CONFIG)
    data["teams"][0]["locale"] = "zh-CN"
    for person in data["members"]:
        person.update(
            {"alice": {"dingtalk": "DALICE"}, "bob": {"dingtalk": "DBOB"}}.get(person["handle"], {})
        )
    data["members"].append(
        {"handle": "dora", "name": "Dora", "team": "east", "role": "manager", "dingtalk": "DDORA"}
    )
    if reps:
        data["members"] += [
            {"handle": h, "name": h.title(), "team": "east", "role": "rep", "dingtalk": f"D{h.upper()}"}
            for h in REPS
        ]
    if template:
        data["dingtalk"] = {"card_template_id": template}
    return PoolbotConfig.model_validate(data)


@dataclass
class RecordingSlack:
    """Slack's side of a cross-platform test: records what the dispatcher gives it."""

    platform: str = "slack"
    accepted: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(self, delivery: Delivery) -> dict[str, str]:
        with self.lock:
            self.accepted.append(delivery)
            return {"platform": "slack", "message": f"m{len(self.accepted)}"}


@dataclass
class Ding:
    services: Services
    clock: FakeClock
    api: FakeOpenApi
    gateway: FakeGateway
    surface: DingTalkSurface
    slack: RecordingSlack
    kicks: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))

    def deliverers(self) -> dict[str, Deliverer]:
        return {"dingtalk": self.surface.deliverer(), "slack": self.slack}

    def dispatch(self) -> DispatchReport:
        return dispatch(self.services, self.deliverers(), render)

    def say(
        self,
        text: str,
        *,
        as_: str,
        group: bool = False,
        msg_id: str | None = None,
        webhook_minutes: int = 90,
    ) -> str:
        """``as_`` (a staffId) writes ``text`` to the bot (in the team group, @-mentioning it:
        DingTalk keeps a leading space); returns the message id."""
        msg_id = msg_id or uuid.uuid4().hex
        expires = self.clock.now() + timedelta(minutes=webhook_minutes)
        data = {
            "msgId": msg_id,
            "senderStaffId": as_,
            "senderNick": as_,
            "conversationType": "2" if group else "1",
            "conversationId": "cidGROUP" if group else f"cid{as_}",
            "isInAtList": group,
            "sessionWebhook": f"{self.api.url}/session/{msg_id}",
            "sessionWebhookExpiredTime": int(expires.timestamp() * 1000),
            "msgtype": "text",
            "text": {"content": f" {text}" if group else text},
            "robotCode": "ding-robot",
        }
        self.gateway.push(BOT_TOPIC, data)
        return msg_id

    def reply(self, msg_id: str) -> str:
        """What the bot answered to the message, through its session webhook."""
        path = f"/session/{msg_id}"
        self.api.wait_for(lambda: bool(self.api.sent(path)), f"a reply to {msg_id}")
        return text_of(self.api.sent(path)[0].body)

    def press(self, action: str, request_id: int, *, as_: str, frame: str | None = None) -> str:
        content = {"cardPrivateData": {"actionIds": [action], "params": {"request_id": str(request_id)}}}
        data = {
            "type": "actionCallback",
            "userId": as_,
            "corpId": "corp",
            "outTrackId": f"poolbot.claim.{request_id}.x",
            "content": json.dumps(content),
        }
        return self.gateway.push(CARD_TOPIC, data, message_id=frame)

    def wait_kicks(self, count: int = 1) -> None:
        for _ in range(count):
            assert self.kicks.acquire(timeout=WAIT), "the surface did not report a change"


@contextmanager
def running(
    services: Services,
    clock: FakeClock,
    config: PoolbotConfig,
    *,
    silence: float = 60.0,
    gateway_closes_at_once: bool = False,
) -> Iterator[Ding]:
    api = FakeOpenApi(clock)
    gateway = FakeGateway(close_at_once=gateway_closes_at_once)
    gateway.start()
    api.gateway_url = gateway.url
    api.start()
    settings = Settings(
        _env_file=None,
        dingtalk_client_id="ding-robot",
        dingtalk_client_secret=SecretStr("ding-secret"),
        dingtalk_api_url=api.url,
    )
    holder: dict[str, Ding] = {}

    def on_change() -> None:
        ding = holder["ding"]
        ding.dispatch()
        ding.kicks.release()

    surface = DingTalkSurface(
        services, settings, config, Bot(services), on_change, silence=silence, retry_min=0.05
    )
    ding = Ding(services, clock, api, gateway, surface, RecordingSlack())
    holder["ding"] = ding
    stop = threading.Event()
    thread = threading.Thread(target=surface.run, args=(stop,), daemon=True)
    thread.start()
    try:
        gateway.wait_for(lambda: bool(gateway.connections), "the bot to connect")
        yield ding
    finally:
        stop.set()
        thread.join(WAIT)
        gateway.stop()
        api.stop()
        assert not thread.is_alive(), "the surface did not stop"
