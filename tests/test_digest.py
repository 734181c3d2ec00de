"""The manager digest: the figures of the previous local day(s) per rep, from a history built
through the real use cases (claim, approval, follow-up, release, the recycle sweep), counted on the
team's own calendar, sent once per manager per day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers import add_one, local, member, notifications, own, snapshot

from bot.config import PoolbotConfig
from bot.domain.claims import claim, decide
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.followups import follow_up
from bot.domain.manager_digest import RepActivity, manager_digest
from bot.domain.notices import MANAGER_DIGEST
from bot.domain.outbox import OutboxItem
from bot.domain.ownership import release
from bot.domain.recycling import recycle
from bot.domain.reminders import DAY_OFF, TOO_EARLY
from bot.domain.setup import sync_config
from bot.handlers.notices import render
from bot.messages import Context, Message, Text
from bot.storage.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
ROOMY = {"max_held_per_rep": 1000, "daily_claim_limit": 1000, "reclaim_cooldown_days": 0}
MEMBERS = [
    {"handle": "maria", "name": "Maria", "team": "east", "role": "manager"},
    {"handle": "mike", "name": "Mike", "team": "east", "role": "admin"},
    {"handle": "alice", "name": "Alice", "team": "east", "role": "rep"},
    {"handle": "bob", "name": "Bob", "team": "east", "role": "rep"},
    {"handle": "carol", "name": "Carol", "team": "east", "role": "rep"},
    {"handle": "dave", "name": "Dave", "team": "east", "role": "rep"},
    {"handle": "nina", "name": "Nina", "team": "ny", "role": "manager"},
    {"handle": "nick", "name": "Nick", "team": "ny", "role": "rep"},
]
DIGEST_CONFIG: dict[str, Any] = {
    "teams": [
        {"name": "east", "timezone": "Asia/Shanghai", "locale": "en"},
        {"name": "ny", "timezone": "America/New_York", "locale": "en"},
    ],
    "members": MEMBERS,
    "pools": [
        {"name": "east-main", "team": "east", **ROOMY, "recycle_days": {"A": 7, "B": 15, "C": 30}},
        {"name": "east-vip", "team": "east", **ROOMY, "claim_requires_approval": True},
        {"name": "ny-main", "team": "ny", **ROOMY},
    ],
}
MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(DIGEST_CONFIG)


def touch(services: Services, handle: str, customer_id: int) -> None:
    follow_up(services, member=member(services, handle), customer_id=customer_id, note="called")


def digests(services: Services) -> list[Notification]:
    return notifications(services.db, kind=MANAGER_DIGEST.name)


def shown(services: Services, row: Notification, locale: str = "en") -> Message:
    assert row.id is not None
    return render(services, OutboxItem(row.id, row.kind, dict(row.payload), row.recipient_id), locale)


def texts(message: Message) -> list[str]:
    return [b.text for b in message.blocks if isinstance(b, Text | Context)]


def figures(report_reps: tuple[RepActivity, ...]) -> list[tuple[str, int, int, int, int]]:
    return [(r.member_name, r.claims, r.follow_ups, r.releases, r.recycles) for r in report_reps]


def build_monday(services: Services, clock: FakeClock) -> None:
    """A known Monday 11-23 in Shanghai, with activity just outside it on both sides."""
    clock.set(local(SHANGHAI, date(2026, 11, 16), 10))
    own(services, "alice", "Old A", priority="A")  # back to the pool on Monday 11-23
    clock.set(local(SHANGHAI, date(2026, 11, 22), 23, 59, 59))
    sunday = own(services, "alice", "Sunday Co")  # Sunday: not Monday's
    clock.set(local(SHANGHAI, MONDAY))
    assert len(recycle(services).customers) == 1  # Old A, from Alice, at Monday 00:00
    clock.set(local(SHANGHAI, MONDAY, 10))
    x, y = own(services, "alice", "X Co"), own(services, "alice", "Y Co")
    touch(services, "alice", x)
    touch(services, "alice", x)
    touch(services, "alice", sunday)
    release(services, member=member(services, "alice"), customer_id=y)
    z = own(services, "bob", "Z Co")
    touch(services, "bob", z)
    requested = claim(
        services, member=member(services, "bob"), customer_id=add_one(services, "W Co", pool="east-vip")
    )
    assert requested.request_id is not None
    decide(services, manager=member(services, "maria"), request_id=requested.request_id, approve=True)
    pending = claim(
        services, member=member(services, "dave"), customer_id=add_one(services, "V Co", pool="east-vip")
    )
    assert pending.request_id is not None  # a request still pending is not a claim
    own(services, "carol", "Carol Co")  # Carol leaves the team later today
    clock.set(local(SHANGHAI, MONDAY, 23, 59, 59))
    touch(services, "bob", z)
    clock.set(local(SHANGHAI, TUESDAY))
    touch(services, "alice", x)  # Tuesday: not Monday's
    clock.set(local(NEW_YORK, MONDAY, 10))  # Tuesday 23:00 in Shanghai, Monday in New York
    own(services, "nick", "Hudson Freight", pool="ny-main")
    gone = [{**m, "active": False} if m["handle"] == "carol" else m for m in MEMBERS]
    sync_config(services.db, PoolbotConfig.model_validate({**DIGEST_CONFIG, "members": gone}))


def test_tuesdays_digest_counts_mondays_claims_follow_ups_releases_and_recycles_per_rep(
    services: Services, clock: FakeClock
) -> None:
    build_monday(services, clock)
    clock.set(local(SHANGHAI, TUESDAY, 9))
    report = manager_digest(services, at=local(SHANGHAI, TUESDAY, 9))
    east = report.teams[0]
    assert (east.first, east.last) == (MONDAY, MONDAY)
    assert figures(east.reps) == [
        ("Alice", 2, 3, 1, 1),
        ("Bob", 2, 2, 0, 0),
        ("Carol", 1, 0, 0, 0),  # inactive now, but active on Monday
        ("Dave", 0, 0, 0, 0),
    ]
    maria, mike = member(services, "maria"), member(services, "mike")
    assert [(n.recipient_id, n.key) for n in digests(services) if n.team_id == maria.team.id] == [
        (maria.id, f"digest:{maria.team.id}:{maria.id}:2026-11-24"),
        (mike.id, f"digest:{maria.team.id}:{mike.id}:2026-11-24"),
    ]
    assert texts(shown(services, digests(services)[0])) == [
        "Team activity on 11-23",
        "Team: 5 claimed · 5 follow-ups · 1 released · 1 recycled",
        "• Alice: 2 claimed · 3 follow-ups · 1 released · 1 recycled\n"
        "• Bob: 2 claimed · 2 follow-ups · 0 released · 0 recycled\n"
        "• Carol: 1 claimed · 0 follow-ups · 0 released · 0 recycled",
        "No activity: Dave",
    ]
    assert texts(shown(services, digests(services)[0], "zh-CN"))[1] == (
        "团队合计：认领 5 · 跟进 5 · 退回 1 · 被回收 1"
    )
    ny = report.teams[1]  # Monday 20:00 in New York: its Monday digest (Friday to Sunday) is due
    assert (ny.moment.skip, ny.first, ny.last) == (None, date(2026, 11, 20), date(2026, 11, 22))


def test_new_yorks_digest_is_its_own_day_for_its_own_manager(services: Services, clock: FakeClock) -> None:
    build_monday(services, clock)
    clock.set(local(NEW_YORK, TUESDAY, 9))
    report = manager_digest(services)
    ny = report.teams[1]
    assert (ny.first, ny.last, figures(ny.reps), ny.recipients) == (
        MONDAY,
        MONDAY,
        [("Nick", 1, 0, 0, 0)],
        ("Nina",),
    )
    assert {n.recipient_id for n in digests(services)} == {
        member(services, h).id for h in ("maria", "mike", "nina")
    }


def test_mondays_digest_covers_friday_and_the_weekend(services: Services, clock: FakeClock) -> None:
    for day, hour, handle in ((26, 18, "alice"), (27, 10, "alice"), (28, 12, "bob"), (29, 23, "bob")):
        clock.set(local(SHANGHAI, date(2026, 11, day), hour))
        own(services, handle, f"Co {day}")
    clock.set(local(SHANGHAI, date(2026, 11, 27), 9))  # Friday: Thursday's figures
    friday = manager_digest(services).teams[0]
    assert (friday.first, friday.last, figures(friday.reps)[:2]) == (
        date(2026, 11, 26),
        date(2026, 11, 26),
        [("Alice", 1, 0, 0, 0), ("Bob", 0, 0, 0, 0)],
    )
    clock.set(local(SHANGHAI, date(2026, 11, 28), 9))
    assert manager_digest(services).teams[0].moment.skip == DAY_OFF
    clock.set(local(SHANGHAI, date(2026, 11, 30), 9))
    monday = manager_digest(services).teams[0]
    assert (monday.first, monday.last, figures(monday.reps)[:2]) == (
        date(2026, 11, 27),
        date(2026, 11, 29),
        [("Alice", 1, 0, 0, 0), ("Bob", 2, 0, 0, 0)],
    )
    row = digests(services)[-1]
    assert texts(shown(services, row))[0] == "Team activity 11-27 to 11-29"


def test_once_per_manager_per_day_from_nine_local(services: Services, clock: FakeClock) -> None:
    def east_digests() -> list[str]:
        return [n.key for n in digests(services) if n.team_id == member(services, "maria").team.id]

    clock.set(local(SHANGHAI, TUESDAY, 8, 59))
    early = manager_digest(services).teams[0]
    assert (early.moment.skip, east_digests()) == (TOO_EARLY, [])
    clock.set(local(SHANGHAI, TUESDAY, 9))
    assert manager_digest(services).teams[0].recipients == ("Maria", "Mike")
    clock.set(local(SHANGHAI, TUESDAY, 15))
    again = manager_digest(services).teams[0]
    assert (again.recipients, again.already_queued) == ((), 2)
    clock.set(local(SHANGHAI, TUESDAY + timedelta(days=1), 9, 1))
    assert manager_digest(services).teams[0].recipients == ("Maria", "Mike")
    assert len(east_digests()) == 4


def test_dry_run_shows_the_figures_and_changes_nothing(services: Services, clock: FakeClock) -> None:
    build_monday(services, clock)
    clock.set(local(SHANGHAI, TUESDAY, 9, 30))
    before = snapshot(services.db)
    dry = manager_digest(services, dry_run=True)
    assert snapshot(services.db) == before
    lines = dry.lines()
    assert (
        "east (Asia/Shanghai) 2026-11-24, figures of 2026-11-23: to Maria, Mike (0 already queued today)"
        in lines
    )
    assert "  Alice: 2 claimed, 3 follow-ups, 1 released, 1 recycled" in lines
    assert lines[-1] == "would queue 3 digest(s)"  # and Nina's: Monday evening in New York
    real = manager_digest(services)
    assert figures(real.teams[0].reps) == figures(dry.teams[0].reps)
    assert real.lines()[-1] == "queued 3 digest(s)"
