"""The cheap checks in front of Bolt on ``POST /slack/events``: garbage is refused with a 4xx and
one log line naming the reason, never with its body, before Bolt parses (or logs) anything.

In order: a body over :data:`MAX_BODY` gets 413 without being read (its ``Content-Length``, or
reading stops one byte past the limit when there is none); a request without Slack's signature
headers, with a bad signature or an old timestamp gets 401; a non-numeric timestamp 400; and a
signed body that is not what Slack sends (see :mod:`bot.handlers.slack.payloads`) 400. Everything
else goes to Bolt unchanged, which checks the signature again and handles it as before.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from bot.handlers.slack.payloads import problem

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]

MAX_BODY = 1024 * 1024  # 1 MiB: Slack's payloads stay well under it (a full modal is ~100 KB)
READ_CHUNK = 64 * 1024
TIMESTAMP = re.compile(r"\d{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
MAX_AGE = 5 * 60  # seconds, as Slack's docs and Bolt have it
STATUS = {400: "400 Bad Request", 401: "401 Unauthorized", 413: "413 Request Entity Too Large"}

log = logging.getLogger("poolbot.slack.http")


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def guarded(slack: WsgiApp, signing_secret: str, *, path: str = "/slack/events") -> WsgiApp:
    """``slack`` (Bolt's WSGI handler) behind the checks, for ``POST path``; other requests pass."""
    secret = signing_secret.encode()

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != path:
            return slack(environ, start_response)
        signed, size = False, 0
        try:
            raw = read_body(environ)
            size = len(raw)
            check_signature(secret, environ, raw)
            signed = True
            found = problem(raw, environ.get("CONTENT_TYPE"))
            if found:
                raise Refused(400, found)
        except Refused as refusal:
            return _refuse(start_response, refusal, signed=signed, size=size or _declared(environ))
        raw = _unmistakable(raw, environ, secret)
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        return slack(environ, start_response)

    return application


def read_body(environ: WSGIEnvironment, limit: int = MAX_BODY) -> bytes:
    """The body, read only when it fits: 413 for a declared or streamed length over ``limit``."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared and not (declared.isascii() and declared.isdigit()):
        raise Refused(400, "content-length is not a number")
    wanted = int(declared) if declared else None
    if wanted is not None and wanted > limit:
        raise Refused(413, "body too large")
    stream: Any = environ.get("wsgi.input")
    if stream is None or wanted == 0:
        return b""
    budget = wanted if wanted is not None else limit + 1
    parts: list[bytes] = []
    while budget > 0:
        part = stream.read(min(READ_CHUNK, budget))
        if not part:
            break
        parts.append(part)
        budget -= len(part)
    data = b"".join(parts)
    if len(data) > limit:
        raise Refused(413, "body too large")
    return data


def check_signature(secret: bytes, environ: WSGIEnvironment, raw: bytes, now: float | None = None) -> None:
    """Slack's ``v0=HMAC_SHA256(secret, "v0:{timestamp}:{body}")``, over the body's bytes (slack_sdk's
    verifier decodes them first, and raises on a body that is not UTF-8)."""
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
    if not timestamp or not signature:
        raise Refused(401, "not signed")
    if not TIMESTAMP.fullmatch(timestamp):
        raise Refused(400, "timestamp is not a number")
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE:
        raise Refused(401, "stale timestamp")
    digest = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    if not (secret and SIGNATURE.fullmatch(signature) and hmac.compare_digest(f"v0={digest}", signature)):
        raise Refused(401, "bad signature")


def _unmistakable(raw: bytes, environ: WSGIEnvironment, secret: bytes) -> bytes:
    """A form body Bolt would misread, re-encoded and signed again.

    Bolt's ``parse_body`` takes any form body that contains the text ``payload`` for an interaction
    and reads its ``payload=`` field, so a slash command typed as "/followup #3 the payload spec"
    became ``{}`` and a 404. Here, in a verified form body with no ``payload`` field, every
    ``payload`` is written ``%70ayload`` (the same text once decoded) and the request is signed
    again with the same secret and timestamp, so Bolt's own signature check still passes.
    """
    if (
        b"payload" not in raw
        or raw.lstrip().startswith(b"{")
        or "payload" in parse_qs(raw.decode(errors="replace"))
    ):
        return raw
    rewritten = raw.replace(b"payload", b"%70ayload")
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "").encode()
    digest = hmac.new(secret, b"v0:" + timestamp + b":" + rewritten, hashlib.sha256).hexdigest()
    environ["HTTP_X_SLACK_SIGNATURE"] = f"v0={digest}"
    return rewritten


def _declared(environ: WSGIEnvironment) -> int | str:
    declared = str(environ.get("CONTENT_LENGTH") or "")
    return int(declared) if declared.isascii() and declared.isdigit() else declared[:20]


def _refuse(start_response: StartResponse, refusal: Refused, *, signed: bool, size: int | str) -> list[bytes]:
    level = logging.WARNING if signed else logging.INFO
    log.log(
        level,
        "slack request refused",
        extra={"status": refusal.status, "reason": refusal.reason, "signed": signed, "bytes": size},
    )
    data = json.dumps({"error": refusal.reason}).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(STATUS[refusal.status], headers)
    return [data]
