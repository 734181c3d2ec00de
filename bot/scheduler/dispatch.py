"""The dispatcher: drains the outbox to the chat platforms, with retries, backoff and pacing.

Platform-neutral: a :class:`~bot.delivery.Deliverer` per platform (Slack, DingTalk) turns a
:class:`~bot.delivery.Delivery` (the neutral :class:`~bot.messages.Message` plus an address) into
API calls and translates the platform's answers into the three delivery errors. The message is
made by the :data:`Renderer` the composition root passes in (the handlers' notice renderers): the
scheduler never imports a surface. Nothing here imports a chat SDK or sleeps: a wait is a later
``next_attempt_at``, and the scheduler calls :func:`dispatch` again.

Where a notification goes: the recipient's Slack id if set and a Slack deliverer is registered,
else its DingTalk staffId likewise (team-channel notifications: the team's ``slack_channel``, else
its ``dingtalk_conversation``). A member with no push platform (or whose platforms have no
deliverer in this process) is left alone: the row stays ``pending`` and the console, which pulls
the notifications of the member at the keyboard, shows it.

One attempt, per notification:

1. *lease* - one short write transaction takes the oldest due row (on PostgreSQL ``FOR UPDATE
   SKIP LOCKED``, so two dispatchers never take the same row; on SQLite the write lock serialises
   them): ``status = 'sending'``, ``next_attempt_at`` = the lease's expiry, ``attempts + 1``.
2. *render and deliver* - outside any transaction.
3. *settle* - another short transaction, fenced by the lease: ``sent`` (with ``sent_at``); or
   ``pending`` again with a later ``next_attempt_at`` (exponential backoff with jitter, capped; a
   throttle is described below and does not count as an attempt); or ``failed`` after
   :attr:`RetryPolicy.max_attempts` or a permanent error (a delivery the platform refuses for
   good, or a row the renderer cannot make a message of: a kind no one declared, params that do
   not fit its payload). Failed rows stay, with ``last_error``, and are logged with the
   notification key and id, member and kind.

Throttling (:class:`~bot.delivery.Throttled`): when the platform says how long to wait (Slack's
``Retry-After``, a DingTalk 429 with the header, DingTalk's per-user flow control) the row waits
exactly that; when it does not, the wait doubles with each consecutive throttle of the row
(:mod:`bot.scheduler.retry`). A throttle gives its attempt back: it never makes a row fail.
A call-level throttle (HTTP 429, a QPS limit) pauses the whole platform for the rest of the pass;
a throttle of one recipient (``per_recipient``: DingTalk's ``flowControlledStaffIdList``) delays
only that row, and the pass goes on with the platform's other rows.

If the dispatcher dies between 1 and 3 the row is still ``sending`` when its lease expires, and the
next pass takes it again (the lost attempt counts, so a message that kills the dispatcher every
time ends ``failed`` instead of looping).

At-least-once, not exactly-once: a message can still be delivered twice if the process dies (or the
database is unreachable) after the platform accepted it but before step 3 commits, or if a
delivery outlives its lease, or if a timeout hides that the platform did accept it (it is retried
as transient). The first window is as small as it can be without the platform's help (neither
Slack's ``chat.postMessage`` nor DingTalk's robot API takes an idempotency key): each lease covers
one message, and step 3 is a single-row UPDATE by primary key issued right after ``deliver``
returns, with no other work in between. The exception is a :class:`~bot.delivery.BatchDeliverer`
(DingTalk): there the window is one ``deliver_batch`` call wide, at most ``batch_size`` rows, and
each row is still settled by its own primary-key UPDATE, with the outcome the platform reported
for it. A deliverer's own timeouts must stay well under :attr:`RetryPolicy.lease` (5 minutes) to
keep the second window closed. A cause is never *queued* twice: the outbox key is unique per cause.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.delivery import (
    BatchDeliverer,
    Deliverer,
    Delivery,
    MessageRef,
    Outcome,
    PermanentDeliveryError,
    Throttled,
    TransientDeliveryError,
)
from bot.domain import outbox
from bot.domain.context import Services
from bot.domain.notice_kind import NoticeError
from bot.domain.outbox import Lease, OutboxItem
from bot.messages import Message
from bot.scheduler.retry import DEFAULT_POLICY, RetryPolicy, ThrottleStreaks

log = logging.getLogger("poolbot.dispatch")

# the platforms a notification may go to, most preferred first
ROUTES = ("slack", "dingtalk")

# an outbox row -> its message in the recipient's language (the handlers' notice renderers)
Renderer = Callable[[Services, OutboxItem, str], Message]


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    throttled: int = 0
    failed: int = 0
    # a dispatcher whose lease was taken over by another: its outcome was dropped
    lost_leases: int = 0
    # platforms that asked to wait in this pass (call-level throttles only), and until when the
    # throttled row waits
    paused: dict[str, datetime] = field(default_factory=dict)

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.throttled + self.failed + self.lost_leases

    def summary(self) -> dict[str, object]:
        """Counts for the job ledger and logs."""
        return {
            "sent": self.sent,
            "retried": self.retried,
            "throttled": self.throttled,
            "failed": self.failed,
            "lost_leases": self.lost_leases,
            "paused": {p: until.isoformat() for p, until in self.paused.items()},
        }


def dispatch(
    services: Services,
    deliverers: Mapping[str, Deliverer],
    render: Renderer,
    *,
    at: datetime | None = None,
    limit: int = 500,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> DispatchReport:
    """One pass: attempt up to ``limit`` due notifications, oldest first, one at a time, each
    message made by ``render``. ``at`` fixes the time (an operator's ``--at``); by default each
    step reads ``services.clock``. A platform that throttles is left alone for the rest of the
    pass; the others continue."""
    routes = _routes(deliverers)
    report = DispatchReport()
    taken = 0
    while taken < limit:
        open_platforms = [p for p in routes if p not in report.paused]
        lease = outbox.lease_next(
            services,
            routes=routes,
            open_platforms=open_platforms,
            now=_now(services, at),
            lease_for=policy.lease,
        )
        if lease is None:
            break
        deliverer = deliverers[lease.platform]
        size = min(_batch_size(deliverer), limit - taken)
        if size > 1 and lease.item.refreshes_id is None and isinstance(deliverer, BatchDeliverer):
            leases = [lease, *_lease_more(services, routes, lease.platform, size - 1, policy, at)]
            _attempt_batch(services, deliverer, render, leases, policy, report, at)
        else:
            leases = [lease]
            _attempt(services, deliverer, render, lease, policy, report, at)
        taken += len(leases)
    return report


def _batch_size(deliverer: Deliverer) -> int:
    size = getattr(deliverer, "batch_size", 1)
    return size if isinstance(size, int) and hasattr(deliverer, "deliver_batch") else 1


def _lease_more(
    services: Services, routes: list[str], platform: str, count: int, policy: RetryPolicy, at: datetime | None
) -> list[Lease]:
    return outbox.lease_more(
        services,
        routes=routes,
        platform=platform,
        now=_now(services, at),
        lease_for=policy.lease,
        limit=count,
    )


def _routes(deliverers: Mapping[str, Deliverer]) -> list[str]:
    for name, deliverer in deliverers.items():
        if name not in ROUTES or deliverer.platform != name:
            raise ValueError(f"deliverer {name!r} (platform {deliverer.platform!r}) is not one of {ROUTES}")
    return [p for p in ROUTES if p in deliverers]


def _now(services: Services, at: datetime | None) -> datetime:
    return at if at is not None else services.clock.now()


def _attempt(
    services: Services,
    deliverer: Deliverer,
    render: Renderer,
    lease: Lease,
    policy: RetryPolicy,
    report: DispatchReport,
    at: datetime | None,
) -> None:
    """Render, deliver, and record the outcome. Nothing raised by either step escapes: a bug in a
    renderer or a deliverer must neither lose the notification nor stop the pass."""
    outcome: Outcome
    try:
        replaces = _replaced_message(services, lease)
        outcome = None
        if replaces is not _NOTHING_TO_UPDATE:
            outcome = deliverer.deliver(_delivery(services, render, lease, replaces))
    except Exception as exc:
        outcome = exc
    _settle(services, lease, outcome, policy, report, at)


def _attempt_batch(
    services: Services,
    deliverer: BatchDeliverer,
    render: Renderer,
    leases: list[Lease],
    policy: RetryPolicy,
    report: DispatchReport,
    at: datetime | None,
) -> None:
    """Render every leased row (a row that fails to render is retried alone), deliver the rest in
    one ``deliver_batch``, and settle each row by its own outcome."""
    outcomes: dict[int, Outcome] = {}
    ready: list[tuple[Lease, Delivery]] = []
    for lease in leases:
        try:
            ready.append((lease, _delivery(services, render, lease)))
        except Exception as exc:
            outcomes[lease.item.id] = exc
    if ready:
        for (lease, _), outcome in zip(ready, _deliver_batch(deliverer, [d for _, d in ready]), strict=True):
            outcomes[lease.item.id] = outcome
    for lease in leases:
        _settle(services, lease, outcomes[lease.item.id], policy, report, at)


def _deliver_batch(deliverer: BatchDeliverer, deliveries: list[Delivery]) -> list[Outcome]:
    try:
        outcomes = list(deliverer.deliver_batch(deliveries))
    except Exception as exc:
        return [exc] * len(deliveries)
    if len(outcomes) != len(deliveries):
        wrong = TransientDeliveryError(f"deliver_batch gave {len(outcomes)} outcomes for {len(deliveries)}")
        return [wrong] * len(deliveries)
    return outcomes


def _settle(
    services: Services,
    lease: Lease,
    outcome: Outcome,
    policy: RetryPolicy,
    report: DispatchReport,
    at: datetime | None,
) -> None:
    if not isinstance(outcome, Throttled):
        _STREAKS.clear(services, lease)
    if isinstance(outcome, Throttled):
        _throttled(services, lease, outcome, policy, report, at)
    elif isinstance(outcome, PermanentDeliveryError):
        _failed(services, lease, _describe(outcome), report, at)
    elif isinstance(outcome, NoticeError):  # an unknown kind, or params that do not fit: never retried
        _failed(services, lease, _describe(outcome), report, at, what="notification cannot be rendered")
    elif isinstance(outcome, BaseException):  # TransientDeliveryError, or anything unexpected: retry
        if not isinstance(outcome, TransientDeliveryError):
            log.error("delivery raised", extra=_fields(lease), exc_info=outcome)
        _transient(services, lease, _describe(outcome), policy, report, at)
    else:
        # the at-least-once window: a crash before this commit delivers the message again
        settled = outbox.settle_sent(services, lease, now=_now(services, at), message_ref=outcome)
        _count(report, "sent", settled, lease)


class _OriginalInFlight(TransientDeliveryError):
    """The message to update is being delivered right now: try again once it has landed."""


_NOTHING_TO_UPDATE: MessageRef = {}


def _replaced_message(services: Services, lease: Lease) -> MessageRef | None:
    """For a refresh row, the message it updates; :data:`_NOTHING_TO_UPDATE` when there is none to
    update (the original is still to be sent, and will render the current state; or it failed;
    or it went to another platform). None for an ordinary row."""
    if lease.item.refreshes_id is None:
        return None
    original = outbox.original(services, notification_id=lease.item.refreshes_id)
    if original is None or original.status in ("pending", "failed"):
        return _NOTHING_TO_UPDATE
    if original.status == "sending":
        raise _OriginalInFlight("the message to update is still being delivered")
    ref = original.message_ref
    if not ref or ref.get("platform") != lease.platform:
        return _NOTHING_TO_UPDATE
    return ref


def _delivery(
    services: Services, render: Renderer, lease: Lease, replaces: MessageRef | None = None
) -> Delivery:
    return Delivery(
        notification_id=lease.item.id,
        key=lease.key,
        kind=lease.item.kind,
        platform=lease.platform,
        recipient_id=lease.item.recipient_id,
        to_team_channel=lease.to_team_channel,
        address=lease.address,
        locale=lease.locale,
        message=render(services, lease.item, lease.locale),
        replaces=replaces,
    )


def _throttled(
    services: Services,
    lease: Lease,
    exc: Throttled,
    policy: RetryPolicy,
    report: DispatchReport,
    at: datetime | None,
) -> None:
    """Wait as long as the platform asked, or longer with each consecutive throttle when it did
    not say (see the module's docstring); pause the platform for this pass unless only this
    recipient is throttled. The attempt is given back: throttling never makes a notification fail."""
    streak = _STREAKS.next(services, lease)
    when = _now(services, at) + policy.throttle_wait(exc.retry_after_seconds, streak)
    if not exc.per_recipient:
        report.paused[lease.platform] = when
    log.info(
        "platform throttled" if not exc.per_recipient else "recipient throttled",
        extra={**_fields(lease), "retry_at": when.isoformat(), "throttles": streak},
    )
    settled = outbox.settle_retry(services, lease, when=when, error=_describe(exc), counts=False)
    _count(report, "throttled", settled, lease)


_STREAKS = ThrottleStreaks()


def _transient(
    services: Services,
    lease: Lease,
    error: str,
    policy: RetryPolicy,
    report: DispatchReport,
    at: datetime | None,
) -> None:
    if lease.attempts >= policy.max_attempts:
        _failed(services, lease, f"gave up after {lease.attempts} attempts: {error}", report, at)
        return
    when = _now(services, at) + policy.backoff(lease.item.id, lease.attempts)
    log.warning(
        "delivery will be retried", extra={**_fields(lease), "error": error, "retry_at": when.isoformat()}
    )
    _count(report, "retried", outbox.settle_retry(services, lease, when=when, error=error), lease)


def _failed(
    services: Services,
    lease: Lease,
    error: str,
    report: DispatchReport,
    at: datetime | None,
    *,
    what: str = "notification failed",
) -> None:
    log.error(what, extra={**_fields(lease), "error": error})
    settled = outbox.settle_failed(services, lease, now=_now(services, at), error=error)
    _count(report, "failed", settled, lease)


def _count(report: DispatchReport, outcome: str, settled: bool, lease: Lease) -> None:
    """Count the outcome, or a lost lease when another dispatcher had taken the row over (this
    attempt outlived its lease; the newer attempt's outcome stands)."""
    if not settled:
        log.warning(
            "lease lost before the outcome was recorded", extra={**_fields(lease), "outcome": outcome}
        )
        report.lost_leases += 1
        return
    setattr(report, outcome, getattr(report, outcome) + 1)


def _fields(lease: Lease) -> dict[str, object]:
    """What the logs say about a notification: never the message, the address or a token."""
    return {
        "notification": lease.key,
        "notification_id": lease.item.id,
        "member_id": lease.item.recipient_id,
        "kind": lease.item.kind,
        "platform": lease.platform,
        "attempts": lease.attempts,
    }


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
