"""A fake DingTalk for the tests: the OpenAPI (HTTP) and the Stream gateway (WebSocket), each on
its own thread, recording what they were sent; and :func:`running`, the DingTalk surface running
for real (dingtalk-stream's client, our handlers, the outbox dispatcher) against them, so tests
read like a chat transcript. Tests wait on conditions, never on sleeps.

The fakes are as strict as DingTalk: :mod:`dingtalk_rules` holds what it refuses and where each
rule comes from (the official SDK models, the stream SDKs, a doc page, or marked assumed)."""

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
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import websockets
from conftest import TEAM_CONFIG
from dingtalk_rules import WEBHOOK_LAYOUT, callback_content, check_body, template_buttons
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
    ``answers`` scripts the next answers per path: a (status, body, headers) tuple used once.

    Every JSON body is checked first (:func:`dingtalk_rules.check_body`: the SDK's request models,
    required fields, msgParam templates and sizes) and refused with a 400 like DingTalk; then the
    token: a bad or expired one is HTTP **400** ``InvalidAuthentication`` on the api host [facts],
    ``errcode 40014`` with HTTP 200 on the oapi host [doc:orgapp/error-code]. A session webhook
    lives at ``/robot/sendBySession?session=…`` [facts]; its body must be a robot message
    (``msgtype`` and that type's fields [doc:orgapp/custom-robot-access]).

    ``staff`` (None: anyone) are the staffIds of the organisation: batchSend lists any other in
    ``invalidStaffIdList`` [SDK ``BatchSendOTOResponseBody``], and a card to another's robot chat
    comes back with ``success: false`` in ``result.deliverResults``, still with HTTP 200
    [SDK ``CreateAndDeliverResponseBodyResultDeliverResults``] (the error text is [assumed])."""

    clock: Clock
    gateway_url: str = ""
    token_seconds: int = 7200
    staff: set[str] | None = None
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
            error = check_body(method, path, body)
            if error is not None:
                return 400, error, {}
            if path.startswith(WEBHOOK):
                return self._webhook(path, body)
            if path == "/v1.0/oauth2/accessToken":
                issued = f"token-{len(self.tokens) + 1}"
                self.tokens[issued] = self.clock.now() + timedelta(seconds=self.token_seconds)
                return 200, {"accessToken": issued, "expireIn": self.token_seconds}, {}
            if path == "/v1.0/gateway/connections/open":
                return 200, {"endpoint": self.gateway_url, "ticket": uuid.uuid4().hex}, {}
            if path.startswith("/v1.0/") and not self._valid(token):
                # [facts] HTTP 400, not 401, with this code and message
                return 400, {"code": "InvalidAuthentication", "message": "不合法的access_token"}, {}
            if path == "/media/upload" and not self._valid(token):
                return 200, {"errcode": 40014, "errmsg": "invalid access_token"}, {}
            scripted = self.answers.get(path)
            if scripted:
                return scripted.pop(0)
            if path == "/media/upload":
                media_id = f"@media{len(self.sent('/media/upload'))}"
                return 200, {"errcode": 0, "errmsg": "ok", "media_id": media_id, "type": "image"}, {}
            if path == "/v1.0/card/instances/createAndDeliver":
                return 200, {"success": True, "result": self._card_result(body)}, {}
            if (method, path) == ("PUT", "/v1.0/card/instances"):
                return 200, {"success": True, "result": True}, {}
            if path == BATCH_SEND:
                strangers = [u for u in body["userIds"] if self.staff is not None and u not in self.staff]
                answer = {"processQueryKey": f"q{len(self.calls)}"}
                return 200, {**answer, "invalidStaffIdList": strangers} if strangers else answer, {}
            if path == GROUP_SEND:
                return 200, {"processQueryKey": f"q{len(self.calls)}"}, {}
            # [assumed] the gateway's answer to a path it does not serve
            return 404, {"code": "InvalidAction.NotFound", "message": "Specified api is not found"}, {}

    def _webhook(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """A message's sessionWebhook: answers like the oapi host, HTTP 200 with ``errcode``."""
        scripted = self.answers.get(path)
        if scripted:
            return scripted.pop(0)
        kind = body.get("msgtype")
        inner = body.get(str(kind))
        needs = {"text": ("content",), "markdown": ("title", "text"), "actionCard": ("title", "text")}
        if kind not in needs or not isinstance(inner, dict) or any(not inner.get(k) for k in needs[kind]):
            # [assumed] the errcode for a malformed robot message
            return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}, {}
        if kind == "actionCard" and "btns" in inner and inner.get("btnOrientation") not in WEBHOOK_LAYOUT:
            return 200, {"errcode": 40035, "errmsg": "btnOrientation"}, {}
        return 200, {"errcode": 0, "errmsg": "ok"}, {}

    def _card_result(self, body: dict[str, Any]) -> dict[str, Any]:
        space = str(body["openSpaceId"])
        kind, _, where = space.removeprefix("dtv1.card//").partition(".")
        known = kind != "IM_ROBOT" or self.staff is None or where in self.staff
        result = {"spaceType": kind, "spaceId": where, "success": known, "carrierId": uuid.uuid4().hex}
        if not known:
            result["errorMsg"] = "user not found"
        return {"outTrackId": body.get("outTrackId"), "deliverResults": [result]}

    def webhook_url(self, session: str) -> str:
        return self.url + webhook(session)

    def _valid(self, token: str | None) -> bool:
        expires = self.tokens.get(token or "")
        return expires is not None and self.clock.now() < expires

    def card_of(self, request_id: str) -> tuple[str, dict[str, str]]:
        """The outTrackId and the variables, as last created or updated, of the card about the
        claim request ``request_id``."""
        created = [
            c
            for c in self.sent(CREATE_CARD)
            if c.body["cardData"]["cardParamMap"]["request_id"] == request_id
        ]
        assert created, f"no card about request {request_id}"
        track_id = created[-1].body["outTrackId"]
        card = dict(created[-1].body["cardData"]["cardParamMap"])
        for update in self.sent(UPDATE_CARD):
            if update.body["outTrackId"] == track_id:
                card.update(update.body["cardData"]["cardParamMap"])
        return track_id, card

    def expire_tokens(self) -> None:
        """Revoke every token now (DingTalk may invalidate one before its time)."""
        with self.cond:
            for token in self.tokens:
                self.tokens[token] = self.clock.now()

    # ---- what was sent ----------------------------------------------------------------------------------

    def sent(self, path: str) -> list[Call]:
        """Calls to ``path`` that carried a valid token (or went to a session webhook) and whose body
        DingTalk would take."""
        with self.cond:
            return [
                c
                for c in self.calls
                if c.path == path
                and (path.startswith(WEBHOOK) or c.token)
                and check_body(c.method, c.path, c.body) is None
            ]

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout=timeout):
                raise AssertionError(f"timed out waiting for {what}")

    def messages_to(self, staff_id: str) -> list[dict[str, str]]:
        """The msgParam of every one-to-one robot message to ``staff_id``, in order."""
        calls = self.sent("/v1.0/robot/oToMessages/batchSend")
        return [json.loads(c.body["msgParam"]) for c in calls if staff_id in c.body["userIds"]]


def webhook(session: str) -> str:
    """The path of a message's sessionWebhook on the oapi host [facts]."""
    return f"{WEBHOOK}?session={session}"


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
    gateway's own ``time.monotonic()`` of each connection. With ``ping_every`` it sends a SYSTEM
    ``ping`` frame on each connection every so many seconds, as the real gateway does [facts] (how
    often is [assumed]); their acks go to ``ping_acks``, the others to ``acks``."""

    def __init__(self, *, close_at_once: bool = False, ping_every: float | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.close_at_once = close_at_once
        self.ping_every = ping_every
        self.opened_at: list[float] = []
        self.connections: list[ServerConnection] = []
        self.acks: list[dict[str, Any]] = []
        self.ping_acks: list[dict[str, Any]] = []
        self._pings: set[str] = set()
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
        pinger = asyncio.create_task(self._pinger(ws)) if self.ping_every else None
        try:
            async for raw in ws:
                ack = json.loads(raw)
                with self.cond:
                    pinged = ack.get("headers", {}).get("messageId") in self._pings
                    (self.ping_acks if pinged else self.acks).append(ack)
                    self.cond.notify_all()
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            if pinger is not None:
                pinger.cancel()

    async def _pinger(self, ws: ServerConnection) -> None:
        assert self.ping_every is not None
        while True:
            await asyncio.sleep(self.ping_every)
            try:
                await ws.send(json.dumps(self._ping_frame()))
            except websockets.exceptions.ConnectionClosed:
                return

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

    def ping(self) -> str:
        """The gateway's SYSTEM ``ping`` frame; the client must answer code 200 echoing ``data``
        [stream-sdk] (nodejs ``client.ts``; python ``tests/test_stream.py``)."""
        frame = self._ping_frame()
        self.send(frame)
        return str(frame["headers"]["messageId"])

    def _ping_frame(self) -> dict[str, Any]:
        message_id = uuid.uuid4().hex
        with self.cond:
            self._pings.add(message_id)
        headers = {"topic": "ping", "messageId": message_id, "contentType": "application/json"}
        data = json.dumps({"opaque": uuid.uuid4().hex})
        return {"specVersion": "1.0", "type": "SYSTEM", "headers": headers, "data": data}

    def ack_of(self, message_id: str) -> dict[str, Any] | None:
        with self.cond:
            every = self.acks + self.ping_acks
            return next((a for a in every if a.get("headers", {}).get("messageId") == message_id), None)

    def close_socket(self) -> None:
        ws = self._current()
        asyncio.run_coroutine_threadsafe(ws.close(), self.loop).result(WAIT)

    def freeze(self) -> None:
        self._thaw.clear()
        self.loop.call_soon_threadsafe(self._thaw.wait)

    def thaw(self) -> None:
        self._thaw.set()

    def acked(self, message_id: str) -> bool:
        return self.ack_of(message_id) is not None


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
WEBHOOK = "/robot/sendBySession"


TEMPLATE_FILE = Path(__file__).parent.parent / "config" / "dingtalk-card-template.json"


def shipped_template() -> dict[str, Any]:
    """The card template we ship for operators to import (``config/dingtalk-card-template.json``)."""
    template: dict[str, Any] = json.loads(TEMPLATE_FILE.read_text("utf-8"))
    return template


def with_default_ids(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` as an operator who left the buttons' ids at the card platform's defaults built
    it: no actionId set by hand, so presses report the component id."""
    editor = json.loads(template["editorData"])
    for node in _walk(editor["schema"]["componentsTree"]):
        if "actionId" in node.get("props", {}):
            node["props"]["actionId"] = {"type": "dynamicString", "content": "", "i18n": False}
    return {**template, "editorData": json.dumps(editor, ensure_ascii=False)}


def _walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _walk(node.get("children") or [])


def button_for(template: dict[str, Any], action: str) -> dict[str, Any]:
    """The template's callback button that decides ``action``: by its ``action`` param, else by the
    actionId set by hand."""
    for node in template_buttons(template):
        props = node["props"]
        params = {p.get("name"): p.get("value") for p in props.get("params") or []}
        if params.get("action") == action or (props.get("actionId") or {}).get("content") == action:
            return node
    raise AssertionError(f"the template has no button for {action}")


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
        published: bool = True,
    ) -> str:
        """``as_`` (a staffId) writes ``text`` to the bot (in the team group, @-mentioning it:
        DingTalk keeps a leading space); returns the message id. Until the robot is published, a
        message carries no ``senderStaffId``, only the opaque ``senderId`` [facts]."""
        msg_id = msg_id or uuid.uuid4().hex
        expires = self.clock.now() + timedelta(minutes=webhook_minutes)
        data: dict[str, Any] = {
            "msgId": msg_id,
            "senderId": f"$:LWCP_v1:${as_}",
            "senderStaffId": as_,
            "senderNick": as_,
            "conversationType": "2" if group else "1",
            "conversationId": "cidGROUP" if group else f"cid{as_}",
            "isInAtList": group,
            "sessionWebhook": self.api.webhook_url(msg_id),
            "sessionWebhookExpiredTime": int(expires.timestamp() * 1000),
            "msgtype": "text",
            "text": {"content": f" {text}" if group else text},
            "robotCode": "ding-robot",
        }
        if not published:
            del data["senderStaffId"]
        self.gateway.push(BOT_TOPIC, data)
        return msg_id

    def reply(self, msg_id: str) -> str:
        """What the bot answered to the message, through its session webhook."""
        path = webhook(msg_id)
        self.api.wait_for(lambda: bool(self.api.sent(path)), f"a reply to {msg_id}")
        return text_of(self.api.sent(path)[0].body)

    def press(
        self,
        action: str,
        request_id: int,
        *,
        as_: str,
        template: dict[str, Any] | None = None,
        frame: str | None = None,
    ) -> str:
        """``as_`` presses the button of the claim card about ``request_id`` that decides ``action``
        (``claim.approve``): the callback is built from the card as DingTalk last showed it and
        from the button in ``template`` (the card platform's export; the one we ship by default),
        so it carries what DingTalk would: the actionId set by hand or the component id, and the
        button's params [facts] [doc:dingstart/intelligent-assistant-with-interactive-card-use-tutorial]."""
        track_id, card = self.api.card_of(str(request_id))
        node = button_for(template or shipped_template(), action)
        content = json.dumps(callback_content(node, card))
        data = {
            "extension": "{}",
            "corpId": "dingcorp",
            "spaceType": "im",
            "userIdType": 1,
            "type": "actionCallback",
            "userId": as_,
            "content": content,
            "spaceId": "cidGROUP",
            "outTrackId": track_id,
            "value": content,
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
    ping_every: float | None = 0.5,
) -> Iterator[Ding]:
    api = FakeOpenApi(clock, staff={m.dingtalk for m in config.members if m.dingtalk})
    gateway = FakeGateway(close_at_once=gateway_closes_at_once, ping_every=ping_every)
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
