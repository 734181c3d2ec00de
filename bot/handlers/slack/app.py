"""Builds the Bolt app and runs it: Socket Mode when an app token is set, otherwise an HTTP server
(``POST /slack/events``, ``GET /healthz``) under waitress on ``$PORT``.

``SLACK_API_URL`` points every Web API call (the app's, the deliverer's, Socket Mode's
``apps.connections.open``) at another base URL: a proxy, or the tests' fake Slack.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot import logs
from bot.domain.context import Services
from bot.handlers.commands import Bot
from bot.handlers.slack import listeners
from bot.handlers.slack.deliver import SlackDeliverer
from bot.handlers.slack.http_guard import MAX_BODY, guarded
from bot.handlers.slack.payloads import shape_problem
from bot.handlers.slack.surface import SlackSurface

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger("poolbot.slack")
DEFAULT_API_URL = "https://slack.com/api/"
LISTENER_THREADS = 16  # Bolt's default of 5 is exhausted by a few slow listeners
DELIVERY_TIMEOUT = 20  # seconds; well under the dispatcher's 5-minute lease


def api_url(configured: str | None) -> str:
    url = configured or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def web_client(token: str, base_url: str | None) -> WebClient:
    """The client listeners answer with: retries connection errors and Slack's 429s itself."""
    return WebClient(
        token=token,
        base_url=api_url(base_url),
        retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)],
    )


def deliverer(token: str, base_url: str | None, services: Services | None = None) -> SlackDeliverer:
    """The outbox's Slack deliverer: no retry handlers, the dispatcher owns retries and waits;
    ``services`` keeps what an attempt uploaded, so a retry does not upload it again."""
    return SlackDeliverer(
        WebClient(token=token, base_url=api_url(base_url), timeout=DELIVERY_TIMEOUT, retry_handlers=[]),
        services,
    )


def build_app(
    services: Services,
    *,
    token: str,
    signing_secret: str,
    api: str | None = None,
    on_change: Callable[[], None] = lambda: None,
    process_before_response: bool = False,
) -> App:
    """The Bolt app with every listener; ``on_change`` runs after each command that changed
    something (the process's dispatch kicker). Its loggers never print a request body."""
    bolt_log = logging.getLogger("poolbot.slack.bolt")
    logs.withhold_bodies(bolt_log)  # first: Bolt's loggers copy their base logger's filters
    app = App(
        client=web_client(token, api),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        process_before_response=process_before_response,
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="slack-listener"),
        logger=bolt_log,
    )
    app.use(_refuse_misshapen)
    listeners.register(app, SlackSurface(services, Bot(services), on_change))
    logs.withhold_bodies()  # and on those Bolt made without a base logger
    return app


def _refuse_misshapen(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
    """The shape checks of :mod:`~bot.handlers.slack.http_guard` for what did not come over HTTP.

    Socket Mode envelopes reach Bolt without the HTTP guard: a payload that is not what Slack sends
    (a ``selected_date`` of 2026-13-45, a button press without a user) stops here with one log line
    naming the reason. Over Socket Mode the answer is an empty 200: Bolt's adapter acknowledges the
    envelope only for a 200 (``adapter/socket_mode/internals.py::send_response`` logs any other
    status and sends nothing), and an unacknowledged envelope is delivered again. Over HTTP the
    guard has refused such bodies already and this finds nothing; if it ever did, a 400.
    """
    reason = shape_problem(req.body) if isinstance(req.body, dict) else "payload is not a JSON object"
    if reason is None:
        return next()
    log.warning("slack request refused", extra={"status": 400, "reason": reason, "mode": req.mode})
    if req.mode == "socket_mode":
        return BoltResponse(status=200, body="")
    return BoltResponse(status=400, body=json.dumps({"error": reason}))


def wsgi_app(app: App, services: Services) -> Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]:
    """``POST /slack/events`` to Bolt behind the cheap checks of
    :mod:`~bot.handlers.slack.http_guard`; ``GET /healthz`` answers 200 while the database answers."""
    # the secret Bolt verifies with (it keeps no public copy): the guard checks the same signature
    secret = str(vars(app).get("_signing_secret") or "")
    slack = guarded(SlackRequestHandler(app, path="/slack/events"), secret, path="/slack/events")

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return _health(services, start_response)
        return slack(environ, start_response)

    return application


def _health(services: Services, start_response: StartResponse) -> Iterable[bytes]:
    try:
        services.db.ping()
        status, body = "200 OK", {"status": "ok"}
    except Exception as exc:  # any database failure is "not healthy", never a traceback
        log.warning("health check failed", extra={"error": type(exc).__name__})
        status, body = "503 Service Unavailable", {"status": "database unavailable"}
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def serve_http(
    app: App, services: Services, *, port: int, stop: threading.Event, host: str = "0.0.0.0"
) -> None:
    """Serve until ``stop`` is set (waitress: a multi-threaded production WSGI server)."""
    from waitress import wasyncore
    from waitress.server import create_server

    # waitress buffers a whole body before the app runs: it answers 413 itself past the limit, from
    # the Content-Length before reading, or while reading a chunked body
    server: Any = create_server(
        wsgi_app(app, services), host=host, port=port, threads=8, max_request_body_size=MAX_BODY + 1
    )
    log.info("slack http mode", extra={"port": port, "paths": "/slack/events /healthz"})

    def close_when_stopped() -> None:
        stop.wait()
        # inside the server's loop: close the listener, open connections and the trigger, which
        # empties the loop's map and ends run()
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:  # the server had already closed (its loop ended on its own)
            log.debug("slack http server already closed")

    threading.Thread(target=close_when_stopped, name="slack-http-stop", daemon=True).start()
    try:
        server.run()
    finally:
        server.task_dispatcher.shutdown()


def serve_socket_mode(app: App, *, app_token: str, api: str | None, stop: threading.Event) -> None:
    """Socket Mode: no public URL needed; returns when ``stop`` is set."""
    handler = SocketModeHandler(app, app_token=app_token, web_client=WebClient(base_url=api_url(api)))
    handler.connect()  # type: ignore[no-untyped-call]
    log.info("slack socket mode connected")
    stop.wait()
    handler.close()  # type: ignore[no-untyped-call]
