"""The Stream connection: dingtalk-stream's client with a connection loop that can stop, reconnect
with backoff and watch for silence.

dingtalk-stream 0.24.3's ``start()`` cannot be stopped (it swallows cancellation and loops), has no
watchdog, and opens the connection with a blocking ``requests`` call without a timeout from inside
its event loop. :class:`StreamClient` keeps the SDK's frame parsing, routing, handlers and acks
(``route_message`` / ``background_task``) and replaces only that loop and the open call:

* ``open_connection`` posts to ``<DINGTALK_API_URL>/v1.0/gateway/connections/open`` with a timeout,
  in a worker thread, so the event loop keeps answering;
* after the gateway's ``disconnect`` frame or a closed socket it reconnects at once with a new
  ticket; failed attempts back off exponentially (``retry_min`` doubling to ``retry_max``). A
  connection the gateway accepted but closed within ``min_session`` seconds without sending a
  single frame counts as a failed attempt too, so a gateway that accepts and drops at once is not
  hammered;
* a frame that is not a JSON object is logged (its size, not its content) and skipped: the
  connection and the other surfaces go on;
* the watchdog: when no frame has arrived for ``silence`` seconds it pings; no pong within
  ``silence`` seconds and the connection is dropped and opened again;
* the gateway's SYSTEM ``ping`` frames are answered here (code 200, echoing ``data``, as the
  stream SDKs do) without a log line: dingtalk-stream 0.24.3 would log a WARNING for each;
* ``run_until(stop)`` returns once ``stop`` is set, after closing the socket.

Handlers run on this loop, so :class:`FrameHandler` only hands the frame to a callable that
queues the work elsewhere and acks at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import websockets
from dingtalk_stream import AckMessage, CallbackHandler, CallbackMessage, Credential, DingTalkStreamClient

from bot.handlers.dingtalk.openapi import OpenApi

log = logging.getLogger("poolbot.dingtalk")

OPEN_PATH = "/v1.0/gateway/connections/open"
PING_TOPIC = "ping"

# (frame data, frame message id) -> None; must return at once
FrameWork = Callable[[dict[str, Any], str], None]


class FrameHandler(CallbackHandler):  # type: ignore[misc]
    """Acks a callback frame at once after handing it to ``work`` (which queues it elsewhere)."""

    def __init__(self, work: FrameWork) -> None:
        super().__init__()
        self._work = work

    async def process(self, message: CallbackMessage) -> tuple[int, Any]:
        data = message.data if isinstance(message.data, dict) else {}
        self._work(data, str(message.headers.message_id or ""))
        return AckMessage.STATUS_OK, {}


class StreamClient(DingTalkStreamClient):  # type: ignore[misc]
    def __init__(
        self,
        credential: Credential,
        *,
        api: OpenApi,
        silence: float = 60.0,
        retry_min: float = 1.0,
        retry_max: float = 60.0,
        min_session: float = 10.0,
        on_connect: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(credential, logger=logging.getLogger("poolbot.dingtalk.sdk"))
        self.api = api
        self.silence = silence
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.min_session = min_session
        self.on_connect = on_connect
        self.connections = 0
        self._last_frame = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()

    def open_connection(self) -> dict[str, Any] | None:
        topics = [{"type": "CALLBACK", "topic": topic} for topic in self.callback_handler_map]
        body = {
            "clientId": self.credential.client_id,
            "clientSecret": self.credential.client_secret,
            "subscriptions": topics,
            "ua": "poolbot (dingtalk-stream)",
            "localIp": "",
        }
        try:
            answer = self.api.call_unauthenticated("POST", OPEN_PATH, body)
        except Exception as exc:
            log.warning("dingtalk gateway open failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            return None
        if not isinstance(answer.get("endpoint"), str) or not isinstance(answer.get("ticket"), str):
            log.warning("dingtalk gateway open: no endpoint in the answer")
            return None
        return answer

    async def run_until(self, stop: asyncio.Event) -> None:
        self.pre_start()
        failures = 0
        while not stop.is_set():
            connection = await asyncio.to_thread(self.open_connection)
            if connection is not None:
                try:
                    if await self._session(connection, stop) or stop.is_set():
                        failures = 0
                        continue
                    log.warning("dingtalk connection closed at once", extra={"failures": failures + 1})
                except (TimeoutError, OSError, websockets.exceptions.WebSocketException) as exc:
                    log.warning("dingtalk connection failed", extra={"error": type(exc).__name__})
            failures += 1
            delay = min(self.retry_max, self.retry_min * 2 ** (failures - 1))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def _session(self, connection: dict[str, Any], stop: asyncio.Event) -> bool:
        """Serve one connection until it closes; False when it was no use (closed within
        ``min_session`` seconds without a frame), which counts as a failed attempt."""
        uri = f"{connection['endpoint']}?ticket={quote_plus(connection['ticket'])}"
        loop = asyncio.get_running_loop()
        frames = 0
        async with websockets.connect(uri, ping_interval=None, open_timeout=10, close_timeout=2) as ws:
            self.websocket = ws
            self.connections += 1
            opened = self._last_frame = loop.time()
            log.info("dingtalk connected", extra={"connection": self.connections})
            if self.on_connect is not None:
                self.on_connect()
            helpers = [asyncio.create_task(self._watchdog(ws)), asyncio.create_task(self._close_on(stop, ws))]
            try:
                async for raw in ws:
                    self._last_frame = loop.time()
                    frames += 1
                    frame = _frame(raw)
                    if frame is not None:
                        self._spawn(self.background_task(frame))
            except websockets.exceptions.ConnectionClosed:
                pass  # dropped (or aborted by the watchdog): open a new connection at once
            finally:
                for task in helpers:
                    task.cancel()
        log.info("dingtalk disconnected", extra={"connection": self.connections})
        return frames > 0 or loop.time() - opened >= self.min_session

    async def route_message(self, json_message: dict[str, Any]) -> str:
        """A ``ping`` is answered here; every other frame as the SDK routes it."""
        headers = json_message.get("headers")
        topic = headers.get("topic") if isinstance(headers, dict) else None
        if json_message.get("type") != "SYSTEM" or topic != PING_TOPIC:
            result: str = await super().route_message(json_message)
            return result
        assert isinstance(headers, dict)
        ack = {
            "code": AckMessage.STATUS_OK,
            "headers": {"messageId": headers.get("messageId", ""), "contentType": "application/json"},
            "message": "OK",
            "data": json_message.get("data", ""),
        }
        await self.websocket.send(json.dumps(ack))
        return ""

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_on(self, stop: asyncio.Event, ws: Any) -> None:
        await stop.wait()
        await ws.close()

    async def _watchdog(self, ws: Any) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.silence / 2)
            if loop.time() - self._last_frame < self.silence:
                continue
            try:
                pong = await ws.ping()
                await asyncio.wait_for(pong, timeout=self.silence)
                self._last_frame = loop.time()
            except (TimeoutError, websockets.exceptions.ConnectionClosed):
                log.warning("dingtalk connection silent: reconnecting", extra={"silence": self.silence})
                ws.transport.abort()
                return


def _frame(raw: str | bytes) -> dict[str, Any] | None:
    """The frame as the SDK reads it, or None (logged) when it is not a JSON object."""
    try:
        frame = json.loads(raw)
    except ValueError:
        frame = None
    if not isinstance(frame, dict) or not isinstance(frame.get("headers"), dict):
        log.warning("dingtalk frame ignored: not a stream frame", extra={"size": len(raw)})
        return None
    return frame
