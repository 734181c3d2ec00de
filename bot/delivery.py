"""What the dispatcher and the chat platforms agree on: a :class:`Delivery` (one neutral message for
one address), the :class:`Deliverer` a platform implements, where a message landed
(:data:`MessageRef`), and the three errors a deliverer translates its platform's answers into.

It sits below both the scheduler's dispatcher and the surfaces (Slack, DingTalk), so neither
imports the other: the composition root hands the deliverers to the dispatcher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.messages import Message


class Throttled(Exception):
    """The platform asked to wait (Slack 429 ``Retry-After``, DingTalk flow control).

    ``retry_after_seconds`` is what the platform asked, or None when it did not say (the wait then
    grows with the row's consecutive throttles). ``per_recipient``: only this recipient is held
    back (the platform itself is not paused for the pass)."""

    def __init__(
        self, retry_after_seconds: float | None, detail: str = "", *, per_recipient: bool = False
    ) -> None:
        asked = "" if retry_after_seconds is None else f": retry after {retry_after_seconds:g} s"
        super().__init__(detail or f"throttled{asked}")
        self.retry_after_seconds = retry_after_seconds
        self.per_recipient = per_recipient


class TransientDeliveryError(Exception):
    """Worth retrying: a 5xx, a timeout, a dropped connection."""


class PermanentDeliveryError(Exception):
    """Retrying cannot fix it: unknown user, channel not found, bot removed from the conversation."""


@dataclass(frozen=True)
class Delivery:
    """One message for one address on one platform. ``address`` is the recipient's platform id
    (Slack user id, DingTalk staffId) or, when ``to_team_channel``, the team's channel
    (Slack channel id, DingTalk openConversationId)."""

    notification_id: int
    key: str
    kind: str
    platform: str
    recipient_id: int | None
    to_team_channel: bool
    address: str
    locale: str
    message: Message
    # set for an update in place: where the platform put the message this one replaces
    replaces: dict[str, str] | None = None


MessageRef = dict[str, str]


class Deliverer(Protocol):
    """Sends :class:`Delivery` values to one platform. Raises :class:`Throttled`,
    :class:`TransientDeliveryError` or :class:`PermanentDeliveryError`; any other exception is
    treated as transient. Exception messages end up in ``last_error`` and the logs: no tokens.

    ``deliver`` returns where the message landed (a :data:`MessageRef` with at least
    ``platform``), or None when the platform cannot update it later. When ``delivery.replaces`` is
    set, the deliverer updates that message in place instead of posting a new one."""

    @property
    def platform(self) -> str: ...

    def deliver(self, delivery: Delivery) -> MessageRef | None: ...


# what a batch deliverer reports for each delivery: where it landed (or None), or the exception
# the one-at-a-time path would have raised for it
Outcome = MessageRef | None | BaseException


@runtime_checkable
class BatchDeliverer(Protocol):
    """A :class:`Deliverer` that can also send several deliveries in one pass (DingTalk's
    ``batchSend`` takes up to 20 users per call for one identical message). The dispatcher hands
    it up to ``batch_size`` leased rows of its platform at once (never refresh rows: those go
    through ``deliver``) and settles each row by its own outcome, so a user the platform reports
    as throttled or invalid is retried or failed alone. ``deliver_batch`` returns one outcome per
    delivery, in order; if it raises instead, every delivery of the batch gets that exception."""

    @property
    def platform(self) -> str: ...

    @property
    def batch_size(self) -> int: ...

    def deliver(self, delivery: Delivery) -> MessageRef | None: ...

    def deliver_batch(self, deliveries: Sequence[Delivery]) -> list[Outcome]: ...
