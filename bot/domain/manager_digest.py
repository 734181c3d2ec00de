"""The manager digest: on each working day, from the team's ``reminder_time`` on, every active
manager gets the reps' claims, follow-ups, releases and recycles of the previous local days.

The figures cover the local calendar days since the last working day: on a Monday-to-Friday team
Tuesday's digest covers Monday, and Monday's covers Friday, Saturday and Sunday, so nothing done on
a day without a digest goes unreported. When every day is a working day that is exactly yesterday.

They come from the history tables (``ownership_event``, ``follow_up``), counted per rep by the
database for the whole team at once. Claims are immediate claims plus approved requests (a pending
request is not a claim yet); releases and recycles count against the former owner.
The key ``digest:{team}:{manager}:{local date}`` makes every run after the first a no-op.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.domain.calendar import calendar_of
from bot.domain.clock import day_bounds_utc
from bot.domain.context import Services
from bot.domain.notices import MANAGER_DIGEST, DigestFigures, ManagerDigest
from bot.domain.reminders import TeamMoment, skip_text, team_moments
from bot.storage import digests as sql
from bot.storage import members
from bot.storage import outbox as ob
from bot.storage.digests import TeamCalendar

# a digest covers at most this many days (the days off of Spring Festival and its weekends fit)
COVERED_AT_MOST = 31
SHOWN = 40  # rep lines in one digest; the payload keeps the totals of everyone
EVENT_FIGURES = {"claimed": "claims", "approved": "claims", "released": "releases", "recycled": "recycles"}


@dataclass(frozen=True, slots=True)
class RepActivity:
    member_id: int
    member_name: str
    claims: int = 0
    follow_ups: int = 0
    releases: int = 0
    recycles: int = 0

    @property
    def total(self) -> int:
        return self.claims + self.follow_ups + self.releases + self.recycles


@dataclass(frozen=True)
class TeamDigest:
    moment: TeamMoment
    first: date | None = None  # the local days covered, first to last (None: skipped)
    last: date | None = None
    reps: tuple[RepActivity, ...] = ()  # active reps and anyone else with activity, by name
    recipients: tuple[str, ...] = ()  # managers whose digest is composed now (dry run: would be)
    keys: tuple[tuple[int, str], ...] = ()  # (manager id, outbox key) of those digests
    already_queued: int = 0

    def totals(self) -> RepActivity:
        return RepActivity(
            0,
            "",
            sum(r.claims for r in self.reps),
            sum(r.follow_ups for r in self.reps),
            sum(r.releases for r in self.reps),
            sum(r.recycles for r in self.reps),
        )


@dataclass(frozen=True)
class DigestReport:
    at: datetime
    dry_run: bool
    teams: tuple[TeamDigest, ...]
    queued: int = 0

    def summary(self) -> dict[str, object]:
        """Counts for the job ledger and logs."""
        recipients = sum(len(team.recipients) for team in self.teams)
        return {"dry_run": self.dry_run, "recipients": recipients, "queued": self.queued}

    def lines(self) -> list[str]:
        mode = " (dry run: nothing queued)" if self.dry_run else ""
        lines = [f"manager digest at {self.at.isoformat()}{mode}"]
        for team in self.teams:
            lines += _team_lines(team)
        composed = sum(len(team.recipients) for team in self.teams)
        lines.append(
            f"would queue {composed} digest(s)" if self.dry_run else f"queued {self.queued} digest(s)"
        )
        return lines


def _team_lines(team: TeamDigest) -> list[str]:
    name = f"{team.moment.team.name} ({team.moment.team.timezone})"
    if team.moment.skip is not None or team.first is None or team.last is None:
        return [f"{name}: skipped, {skip_text(team.moment)}"]
    days = team.first.isoformat() if team.first == team.last else f"{team.first} to {team.last}"
    recipients = ", ".join(team.recipients) or "nobody new"
    lines = [
        f"{name} {team.moment.day.isoformat()}, figures of {days}: to {recipients}"
        f" ({team.already_queued} already queued today)",
        f"  team: {_figures(team.totals())}",
    ]
    lines += [f"  {r.member_name}: {_figures(r)}" for r in team.reps]
    return lines


def _figures(activity: RepActivity) -> str:
    return (
        f"{activity.claims} claimed, {activity.follow_ups} follow-ups, {activity.releases} released, "
        f"{activity.recycles} recycled"
    )


def covered_days(moment: TeamMoment) -> tuple[date, date]:
    """The local days since the last working day before today, up to yesterday."""
    last = moment.day - timedelta(days=1)
    first = last
    calendar = calendar_of(moment.team)
    for _ in range(COVERED_AT_MOST - 1):
        if calendar.is_working(first):
            break
        first -= timedelta(days=1)
    return first, last


# ---- the job -----------------------------------------------------------------------------------------


def manager_digest(services: Services, *, at: datetime | None = None, dry_run: bool = False) -> DigestReport:
    """Queue the digest for every active manager of every team whose morning has come (as of
    ``at``, default now) and who has not had it yet today. ``dry_run`` queues nothing."""
    at = at or services.clock.now()
    results = [
        TeamDigest(item) if item.skip is not None else compose(services, item)
        for item in team_moments(services, at)
    ]
    queued = 0 if dry_run else queue(services, results)
    return DigestReport(at, dry_run, tuple(results), queued)


def compose(services: Services, item: TeamMoment) -> TeamDigest:
    first, last = covered_days(item)
    with services.db.read() as session:
        managers = sql.active_members(session, item.team.id, members.MANAGER_ROLES)
        keys = {m.id: MANAGER_DIGEST.key(item.team.id, item.day, m.id) for m in managers}
        sent = ob.existing_keys(session, list(keys.values()))
        waiting = [m for m in managers if keys[m.id] not in sent]
        reps = _activity(session, item.team, first, last) if waiting else ()
    return TeamDigest(
        item,
        first,
        last,
        reps,
        tuple(m.name for m in waiting),
        tuple((m.id, keys[m.id]) for m in waiting),
        len(managers) - len(waiting),
    )


def _activity(session: Session, team: TeamCalendar, first: date, last: date) -> tuple[RepActivity, ...]:
    """Figures per member over local days ``first``..``last``: every active rep (a rep who did
    nothing shows zeros) and whoever else has activity in those days."""
    team_id = team.id
    start = day_bounds_utc(first, team.timezone)[0]
    end = day_bounds_utc(last, team.timezone)[1]
    figures: dict[int, Counter[str]] = {}
    for member_id, kind, count in sql.events_per_member(session, team_id, tuple(EVENT_FIGURES), start, end):
        figures.setdefault(member_id, Counter())[EVENT_FIGURES[kind]] += count
    for member_id, count in sql.follow_ups_per_member(session, team_id, start, end).items():
        figures.setdefault(member_id, Counter())["follow_ups"] += count
    names = {rep.id: rep.name for rep in sql.active_members(session, team_id, sql.REP_ROLES)}
    names.update(members.member_names(session, set(figures) - set(names)))
    rows = [_row(mid, name, figures.get(mid, Counter())) for mid, name in names.items()]
    return tuple(sorted(rows, key=lambda r: (r.member_name, r.member_id)))


def _row(member_id: int, name: str, counts: Counter[str]) -> RepActivity:
    return RepActivity(
        member_id, name, counts["claims"], counts["follow_ups"], counts["releases"], counts["recycles"]
    )


def queue(services: Services, teams: list[TeamDigest]) -> int:
    now = services.clock.now()
    items = [
        MANAGER_DIGEST.outgoing(notice(team), key=key, team_id=team.moment.team.id, recipient_id=manager_id)
        for team in teams
        for manager_id, key in team.keys
    ]
    if not items:
        return 0
    with services.db.write() as session:
        return ob.enqueue_many(session, sorted(items, key=lambda o: o.key), now=now)


def notice(team: TeamDigest) -> ManagerDigest:
    """The figures as they stood when composed: the busiest :data:`SHOWN` reps by name, the names
    of reps without any activity, and the team's totals."""
    assert team.first is not None and team.last is not None
    active = [r for r in team.reps if r.total > 0]
    idle = [r.member_name for r in team.reps if r.total == 0]
    shown = sorted(sorted(active, key=lambda r: -r.total)[:SHOWN], key=lambda r: (r.member_name, r.member_id))
    return ManagerDigest(
        team.moment.team.id,
        team.first,
        team.last,
        tuple(_digest_figures(r) for r in shown),
        more=len(active) - len(shown),
        idle=tuple(idle[:SHOWN]),
        idle_total=len(idle),
        totals=_digest_figures(team.totals()),
    )


def _digest_figures(activity: RepActivity) -> DigestFigures:
    return DigestFigures(
        activity.member_name, activity.claims, activity.follow_ups, activity.releases, activity.recycles
    )
