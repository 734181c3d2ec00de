"""The morning reminder: working days only, from 09:00 local (Shanghai, and New York across its
daylight-saving changes), once per rep per day however often and from however many processes it
runs, with the right customers and buttons, and nothing for a rep with nothing due."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from helpers import add_one, local, member, notifications, own, snapshot

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock, local_day
from bot.domain.context import Services
from bot.domain.followups import follow_up
from bot.domain.notices import MORNING_REMINDER
from bot.domain.outbox import OutboxItem
from bot.domain.ownership import mark_won, release, set_locked, transfer
from bot.domain.reminders import DAY_OFF, TOO_EARLY, morning_reminders
from bot.domain.setup import sync_config
from bot.handlers.notices import render
from bot.handlers.table import twin
from bot.messages import Actions, Context, Message, Text
from bot.storage.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
ROOMY = {"max_held_per_rep": 1000, "daily_claim_limit": 1000, "reclaim_cooldown_days": 0}
REMINDER_CONFIG: dict[str, Any] = {
    "teams": [
        {"name": "east", "timezone": "Asia/Shanghai", "locale": "en"},
        {"name": "ny", "timezone": "America/New_York", "locale": "en", "reminder_time": "09:00"},
    ],
    "members": [
        {"handle": "maria", "name": "Maria", "team": "east", "role": "manager"},
        {"handle": "alice", "name": "Alice", "team": "east", "role": "rep"},
        {"handle": "bob", "name": "Bob", "team": "east", "role": "rep"},
        {"handle": "carol", "name": "Carol", "team": "east", "role": "rep"},
        {"handle": "nina", "name": "Nina", "team": "ny", "role": "manager"},
        {"handle": "nick", "name": "Nick", "team": "ny", "role": "rep"},
    ],
    "pools": [
        {
            "name": "east-main",
            "team": "east",
            **ROOMY,
            "recycle_days": {"A": 7, "B": 15, "C": 30},
            "warn_days": 3,
        },
        {"name": "ny-main", "team": "ny", **ROOMY, "recycle_days": {"A": 3, "B": 5, "C": 10}, "warn_days": 2},
    ],
}
T = TypeVar("T")


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(REMINDER_CONFIG)


def plan(services: Services, handle: str, customer_id: int, next_date: date) -> None:
    """``handle`` records a follow-up on its customer, planning the next one for ``next_date``."""
    follow_up(
        services, member=member(services, handle), customer_id=customer_id, note="called", next_date=next_date
    )


def reminders(services: Services) -> list[Notification]:
    return notifications(services.db, kind=MORNING_REMINDER.name)


def sent(services: Services, zone: ZoneInfo) -> list[tuple[int | None, datetime]]:
    """(recipient, local time queued) of every reminder, in order."""
    return [(n.recipient_id, n.created_at.astimezone(zone).replace(tzinfo=None)) for n in reminders(services)]


def shown(services: Services, row: Notification, locale: str = "en") -> Message:
    assert row.id is not None
    return render(services, OutboxItem(row.id, row.kind, dict(row.payload), row.recipient_id), locale)


def at_once(count: int, action: Callable[[], T]) -> list[T]:
    """Run ``action`` in ``count`` threads released together; their results."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            outcome = action()
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


MONDAY = date(2026, 11, 23)


@pytest.fixture
def alice_has_a_follow_up_due(services: Services, clock: FakeClock) -> int:
    """Alice owns a customer whose next follow-up was planned for Monday 11-23 (overdue after)."""
    clock.set(local(SHANGHAI, MONDAY, 7))
    cid = own(services, "alice", "Acme")
    plan(services, "alice", cid, MONDAY)
    return cid


# ---- when ---------------------------------------------------------------------------------------------


def test_one_reminder_each_working_day_from_nine_local_never_at_the_weekend(
    services: Services, clock: FakeClock, alice_has_a_follow_up_due: int
) -> None:
    alice = member(services, "alice")
    for offset in range(7):  # Monday 11-23 to Sunday 11-29
        day = MONDAY + timedelta(days=offset)
        for hour, minute in ((0, 0), (8, 59), (9, 0), (9, 0), (13, 30), (17, 0), (23, 59)):
            clock.set(local(SHANGHAI, day, hour, minute))
            morning_reminders(services)
    assert sent(services, SHANGHAI) == [
        (alice.id, datetime(2026, 11, day, 9, 0)) for day in (23, 24, 25, 26, 27)
    ]
    assert [n.key for n in reminders(services)] == [f"reminder:{alice.id}:2026-11-{d}" for d in range(23, 28)]


def test_the_reminder_time_is_local_not_utc(
    services: Services, clock: FakeClock, alice_has_a_follow_up_due: int
) -> None:
    clock.set(datetime(2026, 11, 23, 0, 59, tzinfo=UTC))  # 08:59 in Shanghai
    report = morning_reminders(services)
    east = next(team for team in report.teams if team.moment.team.name == "east")
    assert (east.moment.skip, report.reminders, report.queued) == (TOO_EARLY, (), 0)
    assert "before the reminder time 09:00" in "\n".join(report.lines())
    clock.set(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    assert morning_reminders(services).queued == 1
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))  # Saturday 17:00 in Shanghai
    report = morning_reminders(services)
    assert [team.moment.skip for team in report.teams] == [DAY_OFF, DAY_OFF]  # Saturday in New York too


@pytest.mark.parametrize(
    ("day", "before", "at_nine"),
    [
        # Friday before the spring change: 09:00 EST is 14:00 UTC
        (
            date(2027, 3, 12),
            datetime(2027, 3, 12, 13, 59, tzinfo=UTC),
            datetime(2027, 3, 12, 14, 0, tzinfo=UTC),
        ),
        # Monday after it: 09:00 EDT is 13:00 UTC
        (
            date(2027, 3, 15),
            datetime(2027, 3, 15, 12, 59, tzinfo=UTC),
            datetime(2027, 3, 15, 13, 0, tzinfo=UTC),
        ),
        # Friday before the autumn change (EDT) and Monday after it (EST)
        (
            date(2026, 10, 30),
            datetime(2026, 10, 30, 12, 59, tzinfo=UTC),
            datetime(2026, 10, 30, 13, 0, tzinfo=UTC),
        ),
        (
            date(2026, 11, 2),
            datetime(2026, 11, 2, 13, 59, tzinfo=UTC),
            datetime(2026, 11, 2, 14, 0, tzinfo=UTC),
        ),
    ],
)
def test_new_york_reminders_at_nine_new_york_time_across_daylight_saving(
    services: Services, clock: FakeClock, day: date, before: datetime, at_nine: datetime
) -> None:
    clock.set(local(NEW_YORK, day, 7))
    cid = own(services, "nick", "Hudson Freight", pool="ny-main")
    plan(services, "nick", cid, day)
    nick = member(services, "nick")
    clock.set(before)
    assert morning_reminders(services).queued == 0
    clock.set(at_nine)
    assert morning_reminders(services).queued == 1
    assert sent(services, NEW_YORK) == [(nick.id, local(NEW_YORK, day, 9).replace(tzinfo=None))]
    assert reminders(services)[0].key == f"reminder:{nick.id}:{day.isoformat()}"


def test_a_new_york_weekend_and_the_other_side_of_the_date_line(services: Services, clock: FakeClock) -> None:
    """Sunday 2027-03-14 (the spring change) is not a working day in New York, while it is already
    Monday in Shanghai: only the Shanghai rep hears."""
    clock.set(local(NEW_YORK, date(2027, 3, 13), 7))
    nick_cid = own(services, "nick", "Hudson Freight", pool="ny-main")
    plan(services, "nick", nick_cid, date(2027, 3, 13))
    alice_cid = own(services, "alice", "Acme")
    plan(services, "alice", alice_cid, date(2027, 3, 13))
    clock.set(local(NEW_YORK, date(2027, 3, 14), 22))  # Monday 10:00 in Shanghai
    report = morning_reminders(services)
    assert [(r.member_name, r.day) for r in report.reminders] == [("Alice", date(2027, 3, 15))]


# ---- once ---------------------------------------------------------------------------------------------


def test_run_again_the_same_day_queues_nothing_the_next_day_does(
    services: Services, clock: FakeClock, alice_has_a_follow_up_due: int
) -> None:
    clock.set(local(SHANGHAI, MONDAY, 11))  # the scheduler was down at 09:00: caught up at 11:00
    first = morning_reminders(services)
    assert (first.queued, [r.member_name for r in first.reminders]) == (1, ["Alice"])
    clock.set(local(SHANGHAI, MONDAY, 11, 5))  # a restart, a second scheduler: nothing new
    again = morning_reminders(services)
    assert (again.queued, again.reminders) == (0, ())
    assert again.teams[0].already_queued == 1
    clock.set(local(SHANGHAI, MONDAY + timedelta(days=1), 9))
    assert morning_reminders(services).queued == 1
    assert len(reminders(services)) == 2


def test_four_schedulers_at_the_same_instant_queue_one_reminder_per_rep(
    services: Services, clock: FakeClock
) -> None:
    sync_config(
        services.db,
        PoolbotConfig.model_validate(
            {
                "teams": REMINDER_CONFIG["teams"][:1],
                "members": [
                    {"handle": f"rep{i}", "name": f"Rep {i}", "team": "east", "role": "rep"}
                    for i in range(12)
                ],
            }
        ),
    )
    clock.set(local(SHANGHAI, MONDAY, 7))
    handles = [f"rep{i}" for i in range(12)]
    for handle in handles:
        plan(services, handle, own(services, handle, f"{handle} Co"), MONDAY)
    for offset in range(3):
        clock.set(local(SHANGHAI, MONDAY + timedelta(days=offset), 9))
        reports = at_once(4, lambda: morning_reminders(services))
        assert sum(r.queued for r in reports) == 12
    keys = [n.key for n in reminders(services)]
    assert len(keys) == len(set(keys)) == 36
    ids = {member(services, h).id for h in handles}
    assert {n.recipient_id for n in reminders(services)} == ids


# ---- what ---------------------------------------------------------------------------------------------


def test_the_reminder_lists_due_and_overdue_follow_ups_and_soon_recycled_customers(
    services: Services, clock: FakeClock
) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    monday = local(SHANGHAI, MONDAY, 10)
    clock.set(monday)
    overdue, today, later, replanned = (
        own(services, "alice", n) for n in ("Overdue Co", "Today Co", "Later Co", "Replanned Co")
    )
    plan(services, "alice", overdue, date(2026, 11, 25))
    plan(services, "alice", today, date(2026, 11, 27))
    plan(services, "alice", later, date(2026, 11, 30))
    plan(services, "alice", replanned, date(2026, 11, 24))
    plan(services, "alice", replanned, date(2026, 12, 10))  # the latest plan is the one that counts
    acme = own(services, "alice", "Acme", priority="A")  # back on 11-30
    both = own(services, "alice", "Both Co", priority="A")  # back on 11-30, follow-up planned 11-25
    plan(services, "alice", both, date(2026, 11, 25))
    own(services, "alice", "Slow Co", priority="B")  # back on 12-08: not soon
    won, locked = (
        own(services, "alice", "Won Co", priority="A"),
        own(services, "alice", "Key Co", priority="A"),
    )
    mark_won(services, member=alice, customer_id=won)
    set_locked(services, manager=maria, customer_id=locked, locked=True)
    plan(services, "alice", won, date(2026, 11, 26))  # a won customer still gets its follow-ups
    gone = own(services, "alice", "Released Co")
    plan(services, "alice", gone, date(2026, 11, 24))
    release(services, member=alice, customer_id=gone)
    bobs = own(services, "bob", "Bob Co", priority="A")
    plan(services, "bob", bobs, date(2026, 11, 24))
    add_one(services, "Pool Co", priority="A")

    clock.set(local(SHANGHAI, date(2026, 11, 27), 9))
    report = morning_reminders(services)
    by_rep = {r.member_name: r for r in report.reminders}
    assert sorted(by_rep) == ["Alice", "Bob"]
    assert [
        (i.customer_name, i.deadline.day if i.deadline else None, i.next_date) for i in by_rep["Alice"].soon
    ] == [("Acme", date(2026, 11, 30), None), ("Both Co", date(2026, 11, 30), date(2026, 11, 25))]
    assert [(i.customer_name, i.next_date) for i in by_rep["Alice"].due] == [
        ("Overdue Co", date(2026, 11, 25)),
        ("Won Co", date(2026, 11, 26)),
        ("Today Co", date(2026, 11, 27)),
    ]
    assert [i.customer_name for i in by_rep["Bob"].soon + by_rep["Bob"].due] == ["Bob Co"]

    row = next(n for n in reminders(services) if n.recipient_id == alice.id)
    message = shown(services, row)
    assert message.summary == "Your day, 11-27: 4 follow-ups due, 2 customers going back to the pool soon."
    texts = [b.text for b in message.blocks if isinstance(b, Text)]
    assert texts == [
        message.summary,
        "Going back to the pool soon: record a follow-up to keep them",
        "Acme (A) goes back to the pool on 11-30, in 3 days.\n"
        "back to the pool on 11-30: last touch 11-23, rule 7 days for priority A",
        "Both Co (A) goes back to the pool on 11-30, in 3 days. Follow-up planned for 11-25.\n"
        "back to the pool on 11-30: last touch 11-23, rule 7 days for priority A",
        "Follow-ups due",
        "Overdue Co (C): follow-up planned for 11-25, 2 days overdue.",
        "Won Co (A): follow-up planned for yesterday (11-26).",
        "Today Co (C): follow-up planned for today.",
    ]
    buttons = [(b.action_id, b.value) for b in message.buttons]
    ids = [acme, both, overdue, won, today]
    soon = ("customer.followup", "customer.extend", "customer.release")  # going back: Extend too
    due = ("customer.followup", "customer.release")
    assert buttons == [(a, f"#{cid}") for cid in ids for a in (soon if cid in (acme, both) else due)]
    assert [twin(b) for b in message.buttons][:3] == [
        f"/followup #{acme}",
        f"/extend #{acme}",
        f"/release #{acme}",
    ]
    in_chinese = [b.text for b in shown(services, row, "zh-CN").blocks if isinstance(b, Text)]
    assert in_chinese[0] == "11-27 今日待办：4 个跟进到期，2 个客户即将退回公海。"
    assert in_chinese[5] == "Overdue Co（C）：计划 11-25 跟进，已逾期 2 天。"
    bob_row = next(n for n in reminders(services) if n.recipient_id == bob.id)
    assert [(b.action_id, b.value) for b in shown(services, bob_row).buttons] == [
        ("customer.followup", f"#{bobs}"),
        ("customer.extend", f"#{bobs}"),
        ("customer.release", f"#{bobs}"),
    ]


def test_a_transferred_customer_reminds_its_new_owner_only(services: Services, clock: FakeClock) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    clock.set(local(SHANGHAI, MONDAY, 7))
    cid = own(services, "alice", "Moved Co")
    plan(services, "alice", cid, MONDAY)
    transfer(services, manager=maria, from_member_id=alice.id, to_member_id=bob.id)
    clock.set(local(SHANGHAI, MONDAY, 9))
    assert [
        (r.member_name, [i.customer_id for i in r.due]) for r in morning_reminders(services).reminders
    ] == [
        ("Bob", [cid]),
    ]


def test_a_rep_with_nothing_due_gets_no_message_and_inactive_reps_none_at_all(
    services: Services, clock: FakeClock, alice_has_a_follow_up_due: int
) -> None:
    own(services, "bob", "Quiet Co")  # nothing planned, back to the pool only in December
    carol_cid = own(services, "carol", "Carol Co")
    plan(services, "carol", carol_cid, MONDAY)
    retired = {
        **REMINDER_CONFIG,
        "members": [
            {**m, "active": False} if m["handle"] == "carol" else m for m in REMINDER_CONFIG["members"]
        ],
    }
    sync_config(services.db, PoolbotConfig.model_validate(retired))
    clock.set(local(SHANGHAI, MONDAY, 9))
    report = morning_reminders(services)
    east = report.teams[0]
    assert ([r.member_name for r in east.reminders], east.nothing_due) == (["Alice"], ("Bob",))
    assert "  nothing due, no message: Bob" in report.lines()
    assert {n.recipient_id for n in reminders(services)} == {member(services, "alice").id}


def test_a_long_list_shows_twenty_with_buttons_and_counts_the_rest(
    services: Services, clock: FakeClock
) -> None:
    clock.set(local(SHANGHAI, MONDAY, 7))
    for index in range(25):
        own(services, "alice", f"Soon {index:02d}", priority="A")  # all back on 11-30
    for index in range(8):
        plan(services, "alice", own(services, "alice", f"Due {index:02d}"), MONDAY)
    clock.set(local(SHANGHAI, date(2026, 11, 27), 9))
    morning_reminders(services)
    message = shown(services, reminders(services)[0])
    assert len(message.blocks) <= 50  # Slack's limit per message
    assert len(message.buttons) == 3 * 12 + 2 * 8  # Extend on the 12 going back
    lines = [b.text for b in message.blocks if isinstance(b, Text)]
    assert sum(" goes back " in line for line in lines) == 12  # 20 rows: 8 follow-ups fit, 12 recycles
    assert sum(" follow-up planned " in line for line in lines) == 8
    more = [b.text for b in message.blocks if isinstance(b, Context)]
    assert more == ["…and 13 more: /mine"]


def test_dry_run_lists_exactly_what_would_be_queued_and_changes_nothing(
    services: Services, clock: FakeClock, alice_has_a_follow_up_due: int
) -> None:
    bob_cid = own(services, "bob", "Bob Co")
    plan(services, "bob", bob_cid, MONDAY)
    clock.set(local(SHANGHAI, MONDAY, 9, 30))
    before = snapshot(services.db)
    dry = morning_reminders(services, dry_run=True)
    assert snapshot(services.db) == before
    assert dry.queued == 0 and "would queue 2 reminder(s)" in dry.lines()
    real = morning_reminders(services)
    assert (
        [r.key for r in dry.reminders]
        == [r.key for r in real.reminders]
        == sorted(n.key for n in reminders(services))
    )
    assert real.lines()[-1] == "queued 2 reminder(s)"
    assert morning_reminders(services, dry_run=True).reminders == ()


def test_reminders_count_days_in_the_team_zone(services: Services, clock: FakeClock) -> None:
    """With a 07:30 reminder in Shanghai the UTC date is still the day before: the reminder is
    for the Shanghai day, and a follow-up planned for the 24th is overdue on the 25th."""
    early = {**REMINDER_CONFIG, "teams": [{**REMINDER_CONFIG["teams"][0], "reminder_time": "07:30"}]}
    sync_config(services.db, PoolbotConfig.model_validate({**early, "members": [], "pools": []}))
    clock.set(local(SHANGHAI, MONDAY, 7))
    cid = own(services, "alice", "Acme")
    plan(services, "alice", cid, date(2026, 11, 24))
    clock.set(local(SHANGHAI, date(2026, 11, 25), 7, 29))
    assert morning_reminders(services).queued == 0
    clock.set(local(SHANGHAI, date(2026, 11, 25), 7, 30))
    assert local_day(clock.now(), "UTC") == date(2026, 11, 24)
    assert morning_reminders(services).queued == 1
    (row,) = reminders(services)
    assert row.key == f"reminder:{member(services, 'alice').id}:2026-11-25"
    assert shown(services, row).blocks[2] == Text("Acme (C): follow-up planned for yesterday (11-24).")
    assert isinstance(shown(services, row).blocks[3], Actions)
