"""DingTalk's OpenAPI over httpx: the access token, and answers translated to the dispatcher's
exceptions.

The token (``POST /v1.0/oauth2/accessToken``, valid ``expireIn`` seconds, 7200 in practice) is
cached and fetched again :data:`REFRESH_MARGIN` before it expires, by the injected clock. A token
refused early (revoked, or the app's secret reset) is answered HTTP 400 with code
``InvalidAuthentication`` (a 401 on some gateways; the oapi host says ``errcode`` 40014 / 42001 /
40001 with HTTP 200): any of these drops the cached token and the call is tried once more with a
fresh one. Calls never sleep or retry otherwise: the outbox dispatcher retries (a throttling
answer becomes :class:`Throttled`: HTTP 429, a ``QpsLimit``-like code, or the oapi host's
``errcode`` 90002 on a 200), and a chat reply that fails is logged by its caller.

``base_url`` is ``DINGTALK_API_URL`` (default ``https://api.dingtalk.com``). Pictures go through the
older oapi host (``https://oapi.dingtalk.com/media/upload?access_token=...&type=image``, multipart
field ``media``, answered with a ``media_id``); when ``DINGTALK_API_URL`` is set it replaces that
host too (a proxy, or the tests' fake). The token is the same one (the app's access token works
on both hosts). Exception messages name the path, the HTTP status and DingTalk's error code:
never the token, a secret or a message.
"""

from __future__ import annotations

import logging
import math
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.delivery import PermanentDeliveryError, Throttled, TransientDeliveryError
from bot.domain.clock import Clock

log = logging.getLogger("poolbot.dingtalk")

DEFAULT_API_URL = "https://api.dingtalk.com"
DEFAULT_OAPI_URL = "https://oapi.dingtalk.com"
UPLOAD_PATH = "/media/upload"
# oapi error codes for a token that is invalid or expired (it answers them with HTTP 200)
_OAPI_BAD_TOKEN = (40014, 42001, 40001)
# the api host's code for a bad or expired token (answered with HTTP 400)
BAD_TOKEN_CODE = "InvalidAuthentication"
# the oapi host's throttling code (answered with HTTP 200)
_OAPI_THROTTLED = 90002
TOKEN_PATH = "/v1.0/oauth2/accessToken"
TOKEN_HEADER = "x-acs-dingtalk-access-token"
REFRESH_MARGIN = timedelta(minutes=5)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# error codes DingTalk uses for flow control (a 403 or 429 carrying one of these waits, never fails)
_THROTTLE_HINTS = ("qpslimit", "throttl", "flowcontrol", "ratelimit", "limitexceeded")


class OpenApi:
    """One app's OpenAPI access: ``call`` sends JSON with a valid token and returns the JSON answer."""

    def __init__(
        self,
        *,
        base_url: str | None,
        client_id: str,
        client_secret: str,
        clock: Clock,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = (base_url or DEFAULT_API_URL).rstrip("/")
        self.oapi_url = (base_url or DEFAULT_OAPI_URL).rstrip("/")
        self._client_id = client_id
        self._secret = client_secret
        self._clock = clock
        self._http = http or httpx.Client(timeout=TIMEOUT)
        self._lock = threading.Lock()
        self._token: tuple[str, datetime] | None = None

    def close(self) -> None:
        self._http.close()

    def token(self) -> str:
        """A token valid for at least :data:`REFRESH_MARGIN` more (fetched if needed)."""
        with self._lock:
            now = self._clock.now()
            if self._token is None or now >= self._token[1] - REFRESH_MARGIN:
                self._token = self._fetch_token(now)
            return self._token[0]

    def forget_token(self) -> None:
        with self._lock:
            self._token = None

    def _fetch_token(self, now: datetime) -> tuple[str, datetime]:
        body = {"appKey": self._client_id, "appSecret": self._secret}
        data = self._send("POST", TOKEN_PATH, body, headers={})
        token, expires_in = data.get("accessToken"), data.get("expireIn")
        if not isinstance(token, str) or not isinstance(expires_in, int | float):
            raise TransientDeliveryError(f"dingtalk {TOKEN_PATH}: no token in the answer")
        log.info("dingtalk token fetched", extra={"expires_in": expires_in})
        return token, now + timedelta(seconds=float(expires_in))

    def call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send ``body`` to ``path`` with the token; retried once with a new token when DingTalk
        says the token is bad."""
        try:
            return self._send(method, path, body, headers={TOKEN_HEADER: self.token()})
        except _Unauthorized:
            self.forget_token()
        try:
            return self._send(method, path, body, headers={TOKEN_HEADER: self.token()})
        except _Unauthorized as exc:
            raise PermanentDeliveryError(str(exc)) from exc

    def call_unauthenticated(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A call that carries the app's credentials in its body (the Stream gateway's open call)."""
        return self._send(method, path, body, headers={})

    def post_url(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST to a full URL that carries its own credentials (a message's sessionWebhook)."""
        return self._send("POST", url, body, headers={}, label="sessionWebhook")

    def upload_image(self, path: str) -> str:
        """Upload a picture (a PNG file on this machine); its ``media_id``, for ``sampleImageMsg``.
        Retried once with a new token when the token is refused."""
        content = Path(path).read_bytes()
        for last in (False, True):
            try:
                return self._upload(content, Path(path).name)
            except _Unauthorized as exc:
                if last:
                    raise PermanentDeliveryError(str(exc)) from exc
                self.forget_token()
        raise AssertionError("unreachable")

    def _upload(self, content: bytes, name: str) -> str:
        what = f"dingtalk {UPLOAD_PATH}"
        params = {"access_token": self.token(), "type": "image"}
        files = {"media": (name, content, "image/png")}
        try:
            response = self._http.post(
                self.oapi_url + UPLOAD_PATH, params=params, data={"type": "image"}, files=files
            )
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"{what}: {type(exc).__name__}") from exc
        data = _json(response)
        if data.get("errcode") in _OAPI_BAD_TOKEN:
            raise _Unauthorized(f"{what}: errcode {data.get('errcode')}")
        media_id = data.get("media_id")
        if response.status_code < 400 and not _webhook_error(data) and isinstance(media_id, str) and media_id:
            return media_id
        if response.status_code < 400 and not _webhook_error(data):
            raise TransientDeliveryError(f"{what}: no media_id in the answer")
        raise _translate(what, response, data)

    def _send(
        self, method: str, path: str, body: dict[str, Any], *, headers: dict[str, str], label: str = ""
    ) -> dict[str, Any]:
        url = path if path.startswith("http") else self.base_url + path
        what = f"dingtalk {label or path}"
        try:
            response = self._http.request(method, url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"{what}: {type(exc).__name__}") from exc
        data = _json(response)
        if response.status_code < 400 and not _webhook_error(data):
            return data
        raise _translate(what, response, data)


class _Unauthorized(PermanentDeliveryError):
    """The token was refused (revoked or expired early): ``InvalidAuthentication`` or a 401."""


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _webhook_error(data: dict[str, Any]) -> bool:
    """A sessionWebhook answers 200 with ``errcode`` != 0 when it refuses a message."""
    code = data.get("errcode")
    return isinstance(code, int) and code != 0


def _translate(what: str, response: httpx.Response, data: dict[str, Any]) -> Exception:
    status = response.status_code
    code = str(data.get("code") or data.get("errcode") or "")
    detail = f"{what}: HTTP {status}" + (f" {code}" if code else "")
    if status == 401 or code == BAD_TOKEN_CODE:
        return _Unauthorized(detail)
    if status == 429 or code == str(_OAPI_THROTTLED) or any(hint in code.lower() for hint in _THROTTLE_HINTS):
        return Throttled(_retry_after(response), detail)
    if status >= 500:
        return TransientDeliveryError(detail)
    if status in (400, 403, 404):
        return PermanentDeliveryError(detail)
    return TransientDeliveryError(detail)


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds DingTalk asked to wait, or None when it did not say (it usually does not):
    the dispatcher then backs off by itself."""
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
