"""The chat surfaces the environment asks for, started side by side in one process.

``poolbot run`` with chat credentials serves Slack (Socket Mode when ``SLACK_APP_TOKEN`` is set,
otherwise HTTP on ``$PORT``) and DingTalk (the Stream client) together on one database, with a
dispatch kicker that delivers what their commands queue at once, and by default the scheduler.
Without credentials nothing here runs: the console does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.app import Runtime
from bot.delivery import Deliverer
from bot.handlers.notices import render
from bot.scheduler.kicker import DispatchKicker
from bot.settings import Settings

log = logging.getLogger("poolbot.surfaces")


class SurfaceConfigError(Exception):
    """The credentials given cannot start a surface (the message says which variable is missing)."""


def deliverers(runtime: Runtime) -> dict[str, Deliverer]:
    """The outbox's push platforms for the credentials set (the scheduler uses them too)."""
    settings = runtime.settings
    found: dict[str, Deliverer] = {}
    if settings.slack_bot_token is not None:
        from bot.handlers.slack.app import deliverer

        token = settings.slack_bot_token.get_secret_value()
        found["slack"] = deliverer(token, settings.slack_api_url, runtime.services)
    if settings.has_dingtalk:
        found["dingtalk"] = _dingtalk_deliverer(runtime)
    return found


def _dingtalk_deliverer(runtime: Runtime) -> Deliverer:
    from bot.handlers.dingtalk.deliver import DingTalkDeliverer
    from bot.handlers.dingtalk.openapi import OpenApi

    settings = runtime.settings
    assert settings.dingtalk_client_id is not None and settings.dingtalk_client_secret is not None
    api = OpenApi(
        base_url=settings.dingtalk_api_url,
        client_id=settings.dingtalk_client_id,
        client_secret=settings.dingtalk_client_secret.get_secret_value(),
        clock=runtime.services.clock,
    )
    robot_code = settings.dingtalk_robot_code or settings.dingtalk_client_id
    return DingTalkDeliverer(
        api, robot_code=robot_code, card_template_id=runtime.config.dingtalk.card_template_id
    )


def check(settings: Settings) -> None:
    if settings.has_slack and settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise SurfaceConfigError(
            "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET "
            "(HTTP mode) is: set one of them"
        )


def serve(runtime: Runtime, stop: threading.Event, *, with_scheduler: bool = True) -> None:
    """Run every configured surface until ``stop`` is set (SIGTERM); a surface that dies stops the
    process, so the platform's supervisor restarts it."""
    check(runtime.settings)
    pushes = deliverers(runtime)
    kicker = DispatchKicker(runtime.services, pushes, render)
    kicker.start()
    workers = [_thread(name, body, stop) for name, body in _surfaces(runtime, kicker, stop)]
    if with_scheduler:
        workers.append(_thread("scheduler", lambda: _scheduler(runtime, stop, pushes), stop))
    for worker in workers:
        worker.start()
    stop.wait()
    for worker in workers:
        worker.join(15)
    kicker.stop()


def _surfaces(
    runtime: Runtime, kicker: DispatchKicker, stop: threading.Event
) -> list[tuple[str, Callable[[], None]]]:
    settings = runtime.settings
    found: list[tuple[str, Callable[[], None]]] = []
    if settings.has_slack:
        found.append(("slack", lambda: _slack(runtime, kicker, stop)))
    if settings.has_dingtalk:
        found.append(("dingtalk", lambda: _dingtalk(runtime, kicker, stop)))
    return found


def _dingtalk(runtime: Runtime, kicker: DispatchKicker, stop: threading.Event) -> None:
    from bot.handlers.commands import Bot
    from bot.handlers.dingtalk.surface import DingTalkSurface

    services = runtime.services
    surface = DingTalkSurface(
        services, runtime.settings, runtime.config, Bot(services), on_change=kicker.kick
    )
    surface.run(stop)


def _slack(runtime: Runtime, kicker: DispatchKicker, stop: threading.Event) -> None:
    from bot.handlers.slack.app import build_app, serve_http, serve_socket_mode

    settings = runtime.settings
    assert settings.slack_bot_token is not None
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app = build_app(
        runtime.services,
        token=settings.slack_bot_token.get_secret_value(),
        signing_secret=secret,
        api=settings.slack_api_url,
        on_change=kicker.kick,
    )
    if settings.slack_app_token is not None:
        serve_socket_mode(
            app, app_token=settings.slack_app_token.get_secret_value(), api=settings.slack_api_url, stop=stop
        )
    else:
        serve_http(app, runtime.services, port=settings.port, stop=stop)


def _scheduler(runtime: Runtime, stop: threading.Event, pushes: dict[str, Deliverer]) -> None:
    from bot.scheduler.runner import serve_forever

    serve_forever(runtime.services, stop, deliverers=pushes, render=render)


def _thread(name: str, body: Callable[[], None], stop: threading.Event) -> threading.Thread:
    def guarded() -> None:
        try:
            body()
        except Exception:
            log.exception("surface stopped", extra={"surface": name})
            stop.set()

    return threading.Thread(target=guarded, name=f"poolbot-{name}", daemon=True)
