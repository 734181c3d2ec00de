"""The morning reminder: on each working day, from the team's local ``reminder_time`` on, every
active rep gets one message with the follow-ups due today or overdue and the customers that will
go back to the pool within the pool's ``warn_days``, each with buttons to answer it.

The outbox key ``reminder:{member}:{local date}`` is the only guard: the job may run every few
minutes, in several processes at once, and after a restart; a rep whose reminder is queued is
skipped before anything is composed, and two runs racing on the same rep both INSERT ... ON
CONFLICT DO NOTHING, so exactly one row exists. A rep with nothing due gets no message.

Everything is read per team and per pool (:mod:`bot.storage.digests`), never per rep, and the
message content is a snapshot in the payload: it reads the same whenever it is delivered.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.calendar import calendar_of
from bot.domain.context import Services
from bot.domain.inbox import items_of
from bot.domain.notices import MORNING_REMINDER, DueLine, MorningReminder, RequestLine, SoonLine
from bot.domain.recycling import cutoffs_for
from bot.domain.rules import PoolRules
from bot.domain.snapshots import Deadline
from bot.storage import digests as sql
from bot.storage import outbox as ob
from bot.storage import outbox_bulk, recycling
from bot.storage import requests as inbox
from bot.storage.digests import Recipient, TeamCalendar

SHOWN = 20  # customers with buttons in one message (two blocks each: Slack allows 50 blocks)
REQUESTS_SHOWN = 10  # a manager's requests with their buttons; the rest: /requests
MANAGER_ROLES = ("manager", "admin")
WRITE_BATCH = 500  # reminders per write transaction: SQLite claims wait at most one batch
DAY_OFF, TOO_EARLY = "day_off", "too_early"


# ---- when a team's morning has come -------------------------------------------------------------------


@dataclass(frozen=True)
class TeamMoment:
    """A team at the instant a job runs: its local time and whether its morning jobs are due."""

    team: TeamCalendar
    local: datetime
    skip: str | None  # None: due now; DAY_OFF or TOO_EARLY

    @property
    def day(self) -> date:
        return self.local.date()


def moment(team: TeamCalendar, at: datetime) -> TeamMoment:
    """Due on the team's working days from its ``reminder_time``, both local: 09:00 in Shanghai is
    01:00 UTC, and 09:00 in New York is 14:00 or 13:00 UTC depending on daylight saving."""
    local = at.astimezone(ZoneInfo(team.timezone))
    if not calendar_of(team).is_working(local.date()):
        return TeamMoment(team, local, DAY_OFF)
    if local.time() < time.fromisoformat(team.reminder_time):
        return TeamMoment(team, local, TOO_EARLY)
    return TeamMoment(team, local, None)


def team_moments(services: Services, at: datetime) -> list[TeamMoment]:
    with services.db.read() as session:
        return [moment(team, at) for team in sql.team_calendars(session)]


def skip_text(item: TeamMoment) -> str:
    """Why a team's morning jobs did not run, for the report."""
    when = f"{item.local:%a %Y-%m-%d %H:%M} local"
    if item.skip == DAY_OFF:
        source = f", holidays {item.team.holidays}" if item.team.holidays else ""
        return f"{when}: not a working day ({item.team.working_days}{source})"
    return f"{when}: before the reminder time {item.team.reminder_time}"


# ---- what a reminder holds ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderItem:
    """One owned customer that needs the rep today: a follow-up due, a recycle coming, or both."""

    customer_id: int
    customer_name: str
    priority: str
    next_date: date | None = None  # the planned follow-up, when it is today or earlier
    deadline: Deadline | None = None  # when it goes back to the pool, when that is soon


@dataclass(frozen=True)
class RepReminder:
    member_id: int
    member_name: str
    team_id: int
    day: date
    soon: tuple[ReminderItem, ...]  # going back to the pool within warn_days, soonest first
    due: tuple[ReminderItem, ...]  # follow-ups due or overdue (and not in ``soon``), oldest first
    # a manager's morning: the team's requests waiting for a decision, oldest first
    requests: tuple[RequestLine, ...] = ()
    requests_total: int = 0

    @property
    def key(self) -> str:
        return MORNING_REMINDER.key(self.member_id, self.day)


@dataclass(frozen=True)
class TeamReminders:
    moment: TeamMoment
    reminders: tuple[RepReminder, ...] = ()  # composed now (dry run: would be queued)
    nothing_due: tuple[str, ...] = ()  # reps that get no message today: nothing is due
    already_queued: int = 0  # reps whose reminder for today was queued by an earlier run


@dataclass(frozen=True)
class ReminderReport:
    at: datetime
    dry_run: bool
    teams: tuple[TeamReminders, ...]
    queued: int = 0  # new outbox rows (fewer than composed when another run queued some first)

    @property
    def reminders(self) -> tuple[RepReminder, ...]:
        return tuple(r for team in self.teams for r in team.reminders)

    def summary(self) -> dict[str, object]:
        """Counts for the job ledger and logs."""
        return {"dry_run": self.dry_run, "reminders": len(self.reminders), "queued": self.queued}

    def lines(self) -> list[str]:
        mode = " (dry run: nothing queued)" if self.dry_run else ""
        lines = [f"morning reminders at {self.at.isoformat()}{mode}"]
        for team in self.teams:
            lines += _team_lines(team)
        verb = "would queue" if self.dry_run else "queued"
        count = len(self.reminders) if self.dry_run else self.queued
        lines.append(f"{verb} {count} reminder(s)")
        return lines


def _team_lines(team: TeamReminders) -> list[str]:
    name = f"{team.moment.team.name} ({team.moment.team.timezone})"
    if team.moment.skip is not None:
        return [f"{name}: skipped, {skip_text(team.moment)}"]
    lines = [
        f"{name} {team.moment.day.isoformat()}: {len(team.reminders)} reminder(s), "
        f"{team.already_queued} already queued today, {len(team.nothing_due)} rep(s) with nothing due"
    ]
    lines += [
        f"  {r.member_name}: {r.requests_total} request(s) waiting for a decision"
        if r.requests_total
        else f"  {r.member_name}: {len(r.due)} follow-up(s) due, {len(r.soon)} going back to the pool soon"
        for r in team.reminders
    ]
    if team.nothing_due:
        lines.append(f"  nothing due, no message: {', '.join(team.nothing_due)}")
    return lines


# ---- the job -----------------------------------------------------------------------------------------


def morning_reminders(
    services: Services, *, at: datetime | None = None, dry_run: bool = False
) -> ReminderReport:
    """Queue today's reminder for every active rep of every team whose morning has come (as of
    ``at``, default now) and who has not had it yet. ``dry_run`` composes the same reminders and
    queues nothing."""
    at = at or services.clock.now()
    results = []
    for item in team_moments(services, at):
        results.append(TeamReminders(item) if item.skip is not None else compose(services, item))
    composed = [r for team in results for r in team.reminders]
    queued = 0 if dry_run else queue(services, composed)
    return ReminderReport(at, dry_run, tuple(results), queued)


def compose(services: Services, item: TeamMoment) -> TeamReminders:
    """The reminders of one team's reps that were not queued yet today: a few reads per team and
    one per pool, whatever the number of reps."""
    with services.db.read() as session:
        reps = sql.active_members(session, item.team.id, sql.REP_ROLES)
        sent = ob.existing_keys(session, [MORNING_REMINDER.key(rep.id, item.day) for rep in reps])
        waiting = [rep for rep in reps if MORNING_REMINDER.key(rep.id, item.day) not in sent]
        books = _books(session, item) if waiting else {}
    reminders, quiet = [], []
    for rep in waiting:
        book = books.get(rep.id)
        if book:
            reminders.append(_reminder(rep, item, book))
        else:
            quiet.append(rep.name)
    reminders += _manager_reminders(services, item)
    return TeamReminders(item, tuple(reminders), tuple(quiet), len(reps) - len(waiting))


def _manager_reminders(services: Services, item: TeamMoment) -> list[RepReminder]:
    """The morning of each active manager of the team not yet reminded today, when requests wait
    for the team's decision: the oldest of them, with their buttons (the same for every manager)."""
    with services.db.read() as session:
        managers = sql.active_members(session, item.team.id, MANAGER_ROLES)
        sent = ob.existing_keys(session, [MORNING_REMINDER.key(m.id, item.day) for m in managers])
        waiting = [m for m in managers if MORNING_REMINDER.key(m.id, item.day) not in sent]
        rows = inbox.pending_page(session, item.team.id, offset=0, limit=REQUESTS_SHOWN) if waiting else []
        total = inbox.pending_total(session, item.team.id) if rows else 0
    # the snapshot the morning carries: the inbox's items, field for field
    lines = tuple(RequestLine(*astuple(pending)) for pending in items_of(rows, item.team.timezone))
    return [
        RepReminder(m.id, m.name, item.team.id, item.day, (), (), requests=lines, requests_total=total)
        for m in waiting
        if lines
    ]


def _books(session: Session, item: TeamMoment) -> dict[int, dict[int, ReminderItem]]:
    """Per rep, per customer: what needs the rep today (one read per pool, one for follow-ups)."""
    books: dict[int, dict[int, ReminderItem]] = {}
    for pool, _ in recycling.pools_with_teams(session, item.team.id):
        for soon in _going_back(session, item, PoolRules.of(pool)):
            books.setdefault(soon.owner, {})[soon.item.customer_id] = soon.item
    for due in sql.follow_ups_due(session, item.team.id, item.day):
        book = books.setdefault(due.owner_id, {})
        found = book.get(due.customer_id) or ReminderItem(due.customer_id, due.name, due.priority)
        book[due.customer_id] = replace(found, next_date=due.next_date)
    return books


@dataclass(frozen=True, slots=True)
class _Owned:
    owner: int
    item: ReminderItem


def _going_back(session: Session, item: TeamMoment, rules: PoolRules) -> list[_Owned]:
    """The pool's customers that go back by ``warn_days`` from today, with their deadline as
    :meth:`PoolRules.deadline_of` gives it (the recycle sweep's condition, looking ahead)."""
    calendar = calendar_of(item.team)
    cutoffs = cutoffs_for(rules, rules.warn_horizon(item.day, calendar), calendar)
    deadline = rules.deadlines(calendar)
    return [
        _Owned(row.owner_id, ReminderItem(row.id, row.name, row.priority, deadline=deadline(row)))
        for row in recycling.due_of_active_reps(session, item.team.id, cutoffs)
    ]


def _reminder(rep: Recipient, item: TeamMoment, book: dict[int, ReminderItem]) -> RepReminder:
    far = date.max
    soon = sorted(
        (i for i in book.values() if i.deadline is not None),
        key=lambda i: (i.deadline.day if i.deadline else far, i.customer_name, i.customer_id),
    )
    due = sorted(
        (i for i in book.values() if i.deadline is None),
        key=lambda i: (i.next_date or far, i.customer_name, i.customer_id),
    )
    return RepReminder(rep.id, rep.name, item.team.id, item.day, tuple(soon), tuple(due))


def queue(services: Services, reminders: list[RepReminder]) -> int:
    """Insert the reminders, :data:`WRITE_BATCH` per transaction, in key order (two runs racing
    insert the same keys in the same order, so on PostgreSQL one waits for the other instead of
    deadlocking); returns how many rows were new."""
    now = services.clock.now()
    ordered = sorted(reminders, key=lambda r: r.key)
    queued = 0
    for start in range(0, len(ordered), WRITE_BATCH):
        items = [
            MORNING_REMINDER.encoded(notice(r), key=r.key, team_id=r.team_id, recipient_id=r.member_id)
            for r in ordered[start : start + WRITE_BATCH]
        ]
        with services.db.write() as session:
            queued += outbox_bulk.enqueue_encoded(session, items, now=now)
    return queued


# ---- the payload -------------------------------------------------------------------------------------


def notice(reminder: RepReminder) -> MorningReminder:
    """What the message shows: at most :data:`SHOWN` customers (the soonest recycles first, the
    rest of the room for follow-ups) and how many there are in all."""
    soon_room = min(len(reminder.soon), max(SHOWN - len(reminder.due), SHOWN // 2))
    due_room = min(len(reminder.due), SHOWN - soon_room)
    return MorningReminder(
        reminder.day,
        tuple(_soon(i) for i in reminder.soon[:soon_room]),
        tuple(_due(i) for i in reminder.due[:due_room]),
        soon_total=len(reminder.soon),
        due_total=len(reminder.due),
        follow_ups_due=sum(1 for i in (*reminder.soon, *reminder.due) if i.next_date is not None),
        requests=reminder.requests,
        requests_total=reminder.requests_total,
    )


def _soon(item: ReminderItem) -> SoonLine:
    assert item.deadline is not None  # what goes back soon is what has a deadline
    return SoonLine(item.customer_id, item.customer_name, item.priority, item.next_date, item.deadline)


def _due(item: ReminderItem) -> DueLine:
    assert item.next_date is not None  # without a deadline it is here for its follow-up
    return DueLine(item.customer_id, item.customer_name, item.priority, item.next_date)
