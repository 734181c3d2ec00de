"""The last-day digest: on each working day, at the team's reminder time, every active manager
gets one message listing what goes back to the pool before the next working day's end
(customer, owner, rule), each with Extend and Reassign buttons. On a Friday before a weekend (or on
the make-up Saturday before Spring Festival) that is everything due until the next working day,
so nothing goes back over the days off without a manager having heard.

Who is due is the recycle sweep's own condition looked at ahead (:func:`recycling.horizon`),
so the list is exactly what the sweep will take. The key ``last_day:{team}:{manager}:{local day}``
(and the job ledger's ``team:day`` period) make it once per team, manager and day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.context import Services
from bot.domain.notices import LAST_DAY_DIGEST, LastDayDigest, LastDayLine
from bot.domain.recycling import DueCustomer, batches, horizon, plan
from bot.storage import members
from bot.storage import outbox as ob

SHOWN = 20  # customers with buttons in one digest; the rest are counted


@dataclass(frozen=True)
class LastDayReport:
    at: datetime
    dry_run: bool
    teams: dict[int, int]  # team id -> customers going back by its next working day
    queued: int = 0

    def summary(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "customers": sum(self.teams.values()),
            "queued": self.queued,
        }


def last_day_digest(
    services: Services, *, at: datetime | None = None, dry_run: bool = False, team_id: int | None = None
) -> LastDayReport:
    """Queue the digest for the managers of every team (or ``team_id``) whose local day at ``at``
    is a working day, when something goes back by the next working day."""
    at = at or services.clock.now()
    sweeps = plan(services, at=at, team_id=team_id)
    by_team: dict[int, list[DueCustomer]] = {}
    days: dict[int, tuple[date, date]] = {}
    for sweep in sweeps:
        if not sweep.calendar.is_working(sweep.day):
            continue
        last = sweep.calendar.next_working(sweep.day)
        days[sweep.team_id] = (sweep.day, last)
        found = by_team.setdefault(sweep.team_id, [])
        for batch in batches(services, horizon(sweep, last)):
            found += [item for item in batch if item.deadline.day > sweep.day]
    queued = 0
    for team, due in by_team.items():
        if due and not dry_run:
            queued += _queue(services, team, *days[team], due)
    return LastDayReport(at, dry_run, {team: len(due) for team, due in by_team.items()}, queued)


def _queue(services: Services, team_id: int, day: date, last: date, due: list[DueCustomer]) -> int:
    ordered = sorted(due, key=lambda d: (d.deadline.day, d.owner_name, d.customer_name, d.customer_id))
    lines = tuple(LastDayLine(d.customer_id, d.customer_name, d.owner_name, d.deadline) for d in ordered)
    digest = LastDayDigest(day, last, lines[:SHOWN], len(lines))
    now = services.clock.now()
    with services.db.write() as session:
        items = [
            LAST_DAY_DIGEST.outgoing(
                digest, key=LAST_DAY_DIGEST.key(team_id, day, manager), team_id=team_id, recipient_id=manager
            )
            for manager in sorted(members.manager_ids(session, team_id))
        ]
        return ob.enqueue_many(session, items, now=now)
