"""Notice kinds of extensions (延期)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from bot.domain.notice_kind import declare
from bot.domain.snapshots import Deadline


@dataclass(frozen=True)
class ExtensionRef:
    """An extension request beyond the quota, rendered from its current state when delivered."""

    request_id: int


def _extension_card_key(request_id: int, manager_id: int) -> str:
    return f"extension_request:{request_id}:{manager_id}"


@dataclass(frozen=True)
class ExtensionDecided:
    """The owner hears that a manager extended the customer (to ``until``), or refused to."""

    customer_id: int
    customer: str
    approved: bool
    by: str
    until: date | None
    reason: str = ""


def _extension_decided_key(customer_id: int, owner_id: int, at: datetime) -> str:
    return f"extension_decided:{customer_id}:{owner_id}:{at.isoformat()}"


EXTENSION_REQUEST = declare("extension_request", ExtensionRef, _extension_card_key)
EXTENSION_DECIDED = declare("extension_decided", ExtensionDecided, _extension_decided_key)


@dataclass(frozen=True)
class LastDayLine:
    customer_id: int
    customer: str
    owner: str
    deadline: Deadline


@dataclass(frozen=True)
class LastDayDigest:
    """What goes back to the pool by the next working day (``last``), for a manager: a snapshot."""

    day: Annotated[date, Field(alias="date")]
    last: date
    lines: tuple[LastDayLine, ...]
    total: int


def _last_day_key(team_id: int, day: date, manager_id: int) -> str:
    return f"last_day:{team_id}:{manager_id}:{day.isoformat()}"


LAST_DAY_DIGEST = declare("last_day_digest", LastDayDigest, _last_day_key)
