"""Notice kinds of recycling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from bot.domain.notice_kind import declare
from bot.domain.snapshots import Deadline


@dataclass(frozen=True)
class RecycledNotice:
    """A former owner's customers that went back to the pool on the team's local ``day``, in the
    recycle run that began at ``since`` and ended at ``until`` (None, in rows queued before runs
    were told apart: from the start, or to the end, of the day). The end is stamped when the run
    releases its notices, so a notice delivered after a second run that day lists only its own."""

    team_id: int
    day: Annotated[date, Field(alias="date")]
    member_id: int
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class RecycleDigest:
    """Everything of the team that went back to the pool on its local ``day`` in the run that
    began at ``since`` and ended at ``until`` (None: the whole day), for a manager."""

    team_id: int
    day: Annotated[date, Field(alias="date")]
    since: datetime | None = None
    until: datetime | None = None


def _run(started: datetime) -> str:
    """A recycle run's part of a notice key: a second run on the same day is told too."""
    return started.strftime("%H%M%S%f")


def _recycled_key(team_id: int, day: date, member_id: int, started: datetime) -> str:
    return f"recycled:{team_id}:{day.isoformat()}:{member_id}:{_run(started)}"


def _recycle_digest_key(team_id: int, day: date, manager_id: int, started: datetime) -> str:
    return f"recycle_digest:{team_id}:{day.isoformat()}:{manager_id}:{_run(started)}"


RECYCLED = declare("recycled", RecycledNotice, _recycled_key)
RECYCLE_DIGEST = declare("recycle_digest", RecycleDigest, _recycle_digest_key)


# a warning's stage: ``warn_days`` before the deadline, then on its last day
WarningStage = Literal["early", "last"]


@dataclass(frozen=True)
class RecycleWarning:
    customer_id: int
    customer: str
    stage: WarningStage
    days_left: int
    deadline: Deadline
    managers_told: bool = False  # the last-day warning: the team's managers hear it today too


def _warning_key(customer_id: int, deadline: date, stage: WarningStage) -> str:
    """Keyed by the deadline: a follow-up that moves it re-arms both stages for the new one."""
    return f"warn:{customer_id}:{deadline.isoformat()}:{stage}"


RECYCLE_WARNING = declare("recycle_warning", RecycleWarning, _warning_key)
