"""A local stand-in for Slack: the Web API (``/api/<method>``), response URLs (``/respond/<n>``)
and file uploads (``/upload/<n>``), on a thread, recording every call.

The real ``slack_sdk.WebClient`` and Bolt talk to it through ``base_url``; tests assert on what the
app sent. Answers come from per-method scripts (``script``), else from what Slack would answer: it
is as strict as Slack where the app could depend on it (each rule names its source; the block and
view rules and the scope table are in :mod:`slack_rules`):

* every ``blocks`` / ``view`` is checked with ``slack_sdk.models`` and the documented limits the
  SDK leaves out; a refused message answers ``invalid_blocks``, a refused view
  ``invalid_arguments`` (API method pages), both with ``response_metadata.messages``;
* a method outside config/slack-manifest.yml's bot scopes answers ``missing_scope`` (API); a call
  without the bot token ``not_authed`` / ``invalid_auth`` / ``not_allowed_token_type``;
* ``conversations.open`` answers a ``D…`` id unrelated to the user id, the same one each time for
  a user (API conversations.open: "returns the existing DM" when there is one);
* ``chat.postMessage`` to a user id posts to that user's DM and answers with its ``D…`` channel;
  to a channel the bot is not in it answers ``not_in_channel`` (API chat.postMessage; the manifest
  has no ``chat:write.public``); ``chat.update`` of a message it never posted ``message_not_found``;
* a ``trigger_id`` opens one view (``exchanged_trigger_id`` after), within 3 seconds of the
  request (``expired_trigger_id``; docs "Handling user interaction": "Trigger IDs expire in three
  seconds"); one it never issued is ``invalid_trigger_id``. Time is :attr:`FakeSlack.now`, moved
  by :meth:`FakeSlack.advance`: no test sleeps;
* a ``response_url`` takes at most 5 posts within 30 minutes (docs "Handling user interaction":
  "up to 5 times within 30 minutes") and answers the text ``ok``.
  ASSUMED: a refused post answers HTTP 404 ``used_url`` / ``expired_url`` and a refused message
  HTTP 400 ``invalid_blocks`` / ``no_text`` as text (Slack documents only the success).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

import slack_rules

Answer = tuple[int, dict[str, str], str]
TOKEN = "xoxb-test"
SIGNING_SECRET = "test-signing-secret"
TRIGGER_SECONDS = 3  # docs "Handling user interaction": a trigger_id expires in 3 seconds
RESPONSE_URL_USES = 5  # same page: a response_url takes up to 5 posts ...
RESPONSE_URL_SECONDS = 30 * 60  # ... within 30 minutes


def _token_refusal(method: str, auth: str | None) -> dict[str, Any] | None:
    """API "Authentication": no token is ``not_authed``, a wrong one ``invalid_auth``; Socket
    Mode's ``apps.connections.open`` takes only an app-level token (``xapp-``), every other method
    here a bot token (``not_allowed_token_type``)."""
    token = (auth or "").removeprefix("Bearer ").strip()
    if not token:
        return _error("not_authed")
    app_level = token.startswith("xapp-")
    if app_level != (method == "apps.connections.open"):
        return _error("not_allowed_token_type")
    if not app_level and token != TOKEN:
        return _error("invalid_auth")
    return None


def _error(code: str, messages: list[str] | None = None) -> dict[str, Any]:
    """Slack's error answer: HTTP 200, ``ok: false`` and the code (API "Evaluating responses")."""
    answer: dict[str, Any] = {"ok": False, "error": code}
    if messages:
        answer["response_metadata"] = {"messages": messages}
    return answer


@dataclass
class FakeSlack:
    """Records every call; answers from per-method scripts, else a successful default."""

    port: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)
    scripts: dict[str, list[Answer | None]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(default_factory=threading.Condition)
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _urls: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(0x1A2B3C))
    # the fake's clock (seconds): triggers and response URLs age only when a test advances it
    now: float = 1_700_000_000.0
    # what the installed app's bot token holds (config/slack-manifest.yml), and the channels the
    # bot is a member of (a DM it opened counts)
    granted: frozenset[str] = field(default_factory=slack_rules.manifest_scopes)
    joined: set[str] = field(default_factory=set)
    dms: dict[str, str] = field(default_factory=dict)
    posted: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    triggers: dict[str, float] = field(default_factory=dict)
    used_triggers: set[str] = field(default_factory=set)
    urls: dict[str, tuple[float, int]] = field(default_factory=dict)
    uploads: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def response_url(self) -> str:
        """A new response URL, as Slack puts in a command or interaction payload."""
        name = f"respond/{next(self._urls)}"
        self.urls[name] = (self.now, 0)
        return f"http://127.0.0.1:{self.port}/{name}"

    def issue_trigger(self, trigger: str | None = None) -> str:
        """A trigger id Slack puts in a command or interaction payload, issued now."""
        trigger = trigger or f"{next(self._ids)}.{next(self._ids)}.trigger"
        self.triggers[trigger] = self.now
        return trigger

    def join(self, *channels: str) -> None:
        """The bot is invited into these channels."""
        self.joined.update(channels)

    def dm_of(self, user: str) -> str:
        """The ``D…`` id of the bot's DM with ``user`` (Slack's id: nothing of the user's in it)."""
        with self.lock:
            if user not in self.dms:
                self.dms[user] = f"D0{next(self._ids):07X}"
            return self.dms[user]

    def script(self, method: str, *answers: Answer | None) -> None:
        self.scripts.setdefault(method, []).extend(answers)

    def answer(self, method: str, args: dict[str, Any], auth: str | None = None) -> Answer | None:
        # a script for "respond" answers the next post to any response URL
        queue = self.scripts.get(method) or (
            self.scripts.get("respond") if method.startswith("respond/") else None
        )
        if queue:  # a scripted None: never answer
            return queue.pop(0)
        if method.startswith("respond/"):
            return self._respond(method, args)
        if method.startswith("upload/"):
            return 200, {"Content-Type": "text/plain"}, "OK - " + str(args.get("bytes", 0))
        refused = (
            _token_refusal(method, auth)
            or slack_rules.missing_scope(method, self.granted)
            or self._refusal(method, args)
        )
        if refused is not None:
            return 200, {}, json.dumps(refused)
        return 200, {}, json.dumps(self._default(method, args))

    def _refusal(self, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        if method in slack_rules.MESSAGE_METHODS:
            wrong = slack_rules.message_errors(args)
            if wrong is not None:
                return _error(*wrong)
            channel = str(args.get("channel") or "")
            if not channel:
                return _error("channel_not_found")
            if method == "chat.update" and (self._channel(channel), str(args.get("ts"))) not in self.posted:
                return _error("message_not_found")
            if channel[:1] in ("C", "G") and channel not in self.joined:
                return _error("not_in_channel")
            if channel[:1] == "D" and channel not in self.dms.values():
                return _error("channel_not_found")
        if method in slack_rules.VIEW_METHODS:
            errors = slack_rules.view_errors(args.get("view"))
            if errors:
                return _error("invalid_arguments", errors)
            if method == "views.publish" and not args.get("user_id"):
                return _error("invalid_arguments", ["[ERROR] missing required field: user_id"])
        if method in ("views.open", "views.push"):
            return self._trigger_refusal(str(args.get("trigger_id") or ""))
        if method == "chat.getPermalink":  # API: both arguments required
            if not args.get("channel"):
                return _error("channel_not_found")
            if not args.get("message_ts"):
                return _error("message_not_found")
        if method == "conversations.open" and not args.get("users") and not args.get("channel"):
            return _error("users_list_not_supplied")
        if method == "files.completeUploadExternal":  # sharing into a channel needs the bot in it
            channel = str(args.get("channel_id") or "")
            if channel[:1] in ("C", "G") and channel not in self.joined:
                return _error("not_in_channel")
            if channel[:1] == "D" and channel not in self.dms.values():
                return _error("channel_not_found")
        return None

    def _trigger_refusal(self, trigger: str) -> dict[str, Any] | None:
        with self.lock:
            issued = self.triggers.get(trigger)
            if issued is None:
                return _error("invalid_trigger_id")
            if trigger in self.used_triggers:
                return _error("exchanged_trigger_id")
            if self.now - issued > TRIGGER_SECONDS:
                return _error("expired_trigger_id")
            self.used_triggers.add(trigger)
        return None

    def _respond(self, method: str, args: dict[str, Any]) -> Answer:
        text = {"Content-Type": "text/html"}
        with self.lock:
            issued = self.urls.get(method)
            if issued is None:
                return 404, text, "invalid_url"
            at, uses = issued
            if self.now - at > RESPONSE_URL_SECONDS:
                return 404, text, "expired_url"
            if uses >= RESPONSE_URL_USES:
                return 404, text, "used_url"
            self.urls[method] = (at, uses + 1)
        wrong = slack_rules.message_errors(args)
        if wrong is not None:
            return 400, text, wrong[0]
        return 200, text, "ok"

    def _channel(self, channel: str) -> str:
        return self.dm_of(channel) if channel[:1] in ("U", "W") else channel

    def _default(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": self.dm_of(str(args.get("users", "")).split(",")[0])}}
        if method in ("chat.postMessage", "chat.update"):
            channel = self._channel(str(args.get("channel")))
            ts = args.get("ts") or f"{next(self._ts)}.000100"
            self.posted[(channel, str(ts))] = args
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text", "")}}
        if method == "chat.getPermalink":  # API: the archive link, ts without its dot
            channel, ts = str(args["channel"]), str(args["message_ts"])
            link = f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}
        if method == "files.getUploadURLExternal":
            file_id = f"F0{next(self._ids):07X}"
            self.uploads[file_id] = str(args.get("filename", ""))
            return {
                "ok": True,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = args.get("files")
            listed = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title", "")} for f in listed]}
        return {"ok": True}

    def record(self, call: dict[str, Any]) -> None:
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        """The calls of ``method`` once there are ``count`` of them (for the app's own threads)."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.of(method)) >= count, timeout)
            return self.of(method)

    def of(self, method: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == method or c["method"].startswith(method + "/")]

    def methods(self) -> list[str]:
        return [c["method"] for c in self.calls]

    def texts(self, method: str) -> list[str]:
        """What the app said through ``method``: each call's text and block texts, joined."""
        return [_all_text(c["args"]) for c in self.of(method)]


def _all_text(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(_all_text(v) for k, v in value.items() if k not in ("action_id", "value", "block_id"))
    if isinstance(value, list):
        return " ".join(_all_text(v) for v in value)
    return value if isinstance(value, str) else ""


def _args(headers: Any, raw: bytes) -> dict[str, Any]:
    kind = headers.get("Content-Type", "")
    if kind.startswith("application/json"):
        return json.loads(raw) if raw else {}
    if kind.startswith("application/x-www-form-urlencoded"):
        args: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        for name in ("blocks", "view", "attachments"):
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        return args
    return {"bytes": len(raw)}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            path = self.path.split("?")[0]
            method = path.removeprefix("/api/").removeprefix("/")
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            # files.upload v2 posts the file itself to the upload URL (multipart or raw bytes)
            args = {"bytes": len(raw)} if method.startswith("upload/") else _args(self.headers, raw)
            fake.record({"method": method, "args": args, "auth": self.headers.get("Authorization")})
            answer = fake.answer(method, args, self.headers.get("Authorization"))
            if answer is None:  # hang until the test ends: the client's timeout fires first
                fake.release.wait(10)
                return
            status, headers, body = answer
            headers, data = dict(headers), body.encode()
            self.send_response(status)
            kind = headers.pop("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(slack))
    server.daemon_threads = True
    slack.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield slack
    finally:
        slack.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


# ---- what Slack sends us ---------------------------------------------------------------------------


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack signs a request with: ``v0=HMAC_SHA256(secret, "v0:{ts}:{body}")``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def slash_body(
    command: str, text: str, user: str, *, response_url: str, trigger: str, channel: str = "C0GENERAL"
) -> str:
    """A slash command's form fields, as docs.slack.dev "Implementing slash commands" lists them."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T1",
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )


def payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})
