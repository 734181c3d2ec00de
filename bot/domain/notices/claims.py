"""Notice kinds of claims."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.notice_kind import declare


@dataclass(frozen=True)
class RequestRef:
    """A claim request, rendered from its current state when delivered."""

    request_id: int


def card_key_prefix(request_id: int) -> str:
    """What the keys of every card of the request start with."""
    return f"claim_request:{request_id}:"


def _card_key(request_id: int, manager_id: int | None = None, platform: str | None = None) -> str:
    """A card per manager's DM, or per platform for the team's channel."""
    to = f"channel:{platform}" if manager_id is None else str(manager_id)
    return card_key_prefix(request_id) + to


def _refresh_key(card_id: int) -> str:
    """Keyed by the card (the notification) it updates in place."""
    return f"card_refresh:{card_id}"


def _decided_key(request_id: int) -> str:
    return f"claim_decided:{request_id}"


CLAIM_REQUEST = declare("claim_request", RequestRef, _card_key)
CARD_REFRESH = declare("card_refresh", RequestRef, _refresh_key)
CLAIM_DECIDED = declare("claim_decided", RequestRef, _decided_key)


@dataclass(frozen=True)
class RequestExpired:
    request_id: int
    customer_id: int
    customer: str
    hours: int


def _expired_key(request_id: int) -> str:
    return f"request_expired:{request_id}"


REQUEST_EXPIRED = declare("request_expired", RequestExpired, _expired_key)
