"""Delivers the outbox right after a chat command changed something, instead of at the scheduler's
next minute: a claim card or a decided card reaches the managers within a second.

One daemon thread per chat process runs :func:`~bot.scheduler.dispatch.dispatch` whenever kicked
(kicks coalesce: a burst of ten commands costs one or two passes), and every ``idle`` seconds in
any case. It is one more dispatcher beside the scheduler's: leases keep them from sending the same
row twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from bot.delivery import Deliverer
from bot.domain.context import Services
from bot.scheduler.dispatch import Renderer, dispatch

log = logging.getLogger("poolbot.kicker")


class DispatchKicker:
    def __init__(
        self,
        services: Services,
        deliverers: Mapping[str, Deliverer],
        render: Renderer,
        *,
        idle: float = 30.0,
    ) -> None:
        self.services = services
        self.deliverers = dict(deliverers)
        self.render = render
        self.idle = idle
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="poolbot-dispatch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.idle)
            self._wake.clear()
            if self._stop.is_set() or not self.deliverers:
                continue
            try:
                dispatch(self.services, self.deliverers, self.render)
            except Exception:  # the database went away: log, and try again on the next kick
                log.exception("dispatch pass failed")
