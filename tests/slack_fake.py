"""A local stand-in for Slack: the Web API (``/api/<method>``), response URLs (``/respond/<n>``)
and file uploads (``/upload/<n>``), on a thread, recording every call.

The real ``slack_sdk.WebClient`` and Bolt talk to it through ``base_url``; tests assert on what the
app sent. Answers come from per-method scripts (``script``), else a plausible success.
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

Answer = tuple[int, dict[str, str], str]
TOKEN = "xoxb-test"
SIGNING_SECRET = "test-signing-secret"


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

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{next(self._urls)}"

    def script(self, method: str, *answers: Answer | None) -> None:
        self.scripts.setdefault(method, []).extend(answers)

    def answer(self, method: str, args: dict[str, Any]) -> Answer | None:
        queue = self.scripts.get(method)
        if queue:  # a scripted None: never answer
            return queue.pop(0)
        return 200, {}, json.dumps(self._default(method, args))

    def _default(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "X"))}}
        if method in ("chat.postMessage", "chat.update"):
            ts = args.get("ts") or f"{next(self._ts)}.000100"
            return {"ok": True, "channel": args.get("channel"), "ts": ts}
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/1", "file_id": "F1"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F1", "title": "chart"}]}
        if method.startswith("respond/") or method.startswith("upload/"):
            return {"ok": True}
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
            args = _args(self.headers, raw)
            fake.record({"method": method, "args": args, "auth": self.headers.get("Authorization")})
            answer = fake.answer(method, args)
            if answer is None:  # hang until the test ends: the client's timeout fires first
                fake.release.wait(10)
                return
            status, headers, body = answer
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
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


def slash_body(command: str, text: str, user: str, *, response_url: str, trigger: str) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T1",
            "channel_id": "C0GENERAL",
            "user_id": user,
            "command": command,
            "text": text,
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )


def payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})
