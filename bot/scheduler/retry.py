"""How long a notification waits before its next attempt: exponential backoff with jitter after a
failure, and, after a throttle, what the platform asked or a wait that doubles with each
*consecutive* throttle of the row (1 s, 2 s, 4 s ... 5 min) when it did not say.

A throttle gives its attempt back, so the stored ``attempts`` cannot count throttles, and the
notification has no field for them (no migration): :class:`ThrottleStreaks` keeps the streak in
this process, per database, keyed by the notification id and the ``attempts`` value of the lease.
Giving the attempt back makes a throttled row come back with the same ``attempts``; any other
outcome changes ``attempts`` (a transient failure) or ends the row (sent, failed), and clears the
streak. Another process, or a restart, starts the streak again at 1 s: the growth is per process,
never longer than asked.
"""

from __future__ import annotations

import threading
import weakref
import zlib
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.context import Services
from bot.domain.outbox import Lease


@dataclass(frozen=True)
class RetryPolicy:
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 8
    # each delay is shortened by up to this fraction, so rows that failed together spread out
    jitter: float = 0.2
    lease: timedelta = timedelta(minutes=5)
    min_throttle: timedelta = timedelta(seconds=1)
    # the longest wait for a throttle whose platform did not say how long
    throttle_cap: timedelta = timedelta(minutes=5)

    def throttle_wait(self, asked_seconds: float | None, streak: int) -> timedelta:
        """The wait after the ``streak``-th consecutive throttle of a row: what the platform asked
        (at least :attr:`min_throttle`), else :attr:`min_throttle` doubled per throttle, capped."""
        if asked_seconds is not None:
            return max(timedelta(seconds=asked_seconds), self.min_throttle)
        return min(self.throttle_cap, self.min_throttle * (1 << min(max(streak - 1, 0), 30)))

    def backoff(self, notification_id: int, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: base * 2^(attempts-1), capped, minus
        a jitter that is deterministic per (notification, attempt) (reproducible in tests and
        logs, yet different for rows that failed at the same moment). Always grows until the cap,
        since the jitter is below a half."""
        raw = min(self.cap, self.base * (1 << max(attempts - 1, 0)))
        spread = zlib.crc32(f"{notification_id}:{attempts}".encode()) / 2**32
        return raw * (1 - self.jitter * spread)


DEFAULT_POLICY = RetryPolicy()


class ThrottleStreaks:
    """Consecutive throttles per notification, in this process, per database (see the module's
    docstring). At most :attr:`LIMIT` rows per database are remembered (the oldest are dropped:
    they start again at the shortest wait)."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # database -> notification id -> (the lease's attempts, throttles so far)
        self._rows: weakref.WeakKeyDictionary[object, dict[int, tuple[int, int]]] = (
            weakref.WeakKeyDictionary()
        )

    def next(self, services: Services, lease: Lease) -> int:
        """Count one more throttle of the leased row; how many in a row, this one included."""
        with self._lock:
            rows = self._rows.setdefault(services.db, {})
            attempts, streak = rows.pop(lease.item.id, (lease.attempts, 0))
            streak = streak + 1 if attempts == lease.attempts else 1
            rows[lease.item.id] = (lease.attempts, streak)
            while len(rows) > self.LIMIT:
                del rows[next(iter(rows))]
            return streak

    def clear(self, services: Services, lease: Lease) -> None:
        with self._lock:
            rows = self._rows.get(services.db)
            if rows:
                rows.pop(lease.item.id, None)
