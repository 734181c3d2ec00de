"""Claim requests expire after exactly their pool's request_expiry_hours: the customer goes back to
the pool, the history says so, the rep is told; a manager deciding at the same instant gets
either the whole decision or a clear "already expired", never half of each."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers import add_one, customer_row, events_of, member, notifications, ownership_invariants, snapshot

from bot.config import PoolbotConfig
from bot.domain.claims import claim, decide
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import Conflict
from bot.domain.expiry import Expired, apply_batch, expire_requests
from bot.domain.notices import REQUEST_EXPIRED
from bot.domain.outbox import OutboxItem
from bot.domain.snapshots import MemberView
from bot.handlers.notices import render
from bot.handlers.table import twin
from bot.messages import Message
from bot.storage import expiry, requests

ROOMY = {"max_held_per_rep": 1000, "daily_claim_limit": 1000, "reclaim_cooldown_days": 0}
EXPIRY_CONFIG: dict[str, Any] = {
    "teams": [
        {"name": "east", "timezone": "Asia/Shanghai", "locale": "en"},
        {"name": "ny", "timezone": "America/New_York", "locale": "en"},
    ],
    "members": [
        {"handle": "maria", "name": "Maria", "team": "east", "role": "manager"},
        {"handle": "alice", "name": "Alice", "team": "east", "role": "rep"},
        {"handle": "bob", "name": "Bob", "team": "east", "role": "rep"},
        {"handle": "nina", "name": "Nina", "team": "ny", "role": "manager"},
        {"handle": "nick", "name": "Nick", "team": "ny", "role": "rep"},
    ],
    "pools": [
        {"name": "east-vip", "team": "east", **ROOMY, "claim_requires_approval": True},  # 72 hours
        {
            "name": "east-quick",
            "team": "east",
            **ROOMY,
            "claim_requires_approval": True,
            "request_expiry_hours": 4,
        },
        {
            "name": "ny-vip",
            "team": "ny",
            **ROOMY,
            "claim_requires_approval": True,
            "request_expiry_hours": 24,
        },
    ],
}


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(EXPIRY_CONFIG)


def request(services: Services, handle: str, name: str, pool: str = "east-vip") -> tuple[int, int]:
    """(customer, request): ``handle`` asks for a new customer of an approval pool, now."""
    cid = add_one(services, name, pool=pool)
    outcome = claim(services, member=member(services, handle), customer_id=cid, reason="warm lead")
    assert outcome.request_id is not None
    return cid, outcome.request_id


def status(services: Services, request_id: int) -> str:
    with services.db.read() as session:
        row = requests.request(session, request_id)
        assert row is not None
        return row.status


def sound(services: Services) -> None:
    with services.db.read() as session:
        assert ownership_invariants(session) == []


def shown(services: Services, kind: str = REQUEST_EXPIRED.name) -> list[Message]:
    return [
        render(services, OutboxItem(n.id or 0, n.kind, dict(n.payload), n.recipient_id), "en")
        for n in notifications(services.db, kind=kind)
    ]


def test_a_request_expires_after_exactly_its_pools_hours_not_before(
    services: Services, clock: FakeClock
) -> None:
    alice = member(services, "alice")
    cid, rid = request(services, "alice", "Acme")
    made = clock.now()
    clock.set(made + timedelta(hours=72) - timedelta(seconds=1))
    report = expire_requests(services)
    assert (report.expired, status(services, rid), customer_row(services.db, cid).pending_member_id) == (
        (),
        "pending",
        alice.id,
    )
    clock.set(made + timedelta(hours=72))
    report = expire_requests(services)
    assert [(e.request.request_id, e.request.member_name, e.hours) for e in report.expired] == [
        (rid, "Alice", 72)
    ]
    assert (status(services, rid), customer_row(services.db, cid).pending_member_id) == ("expired", None)
    event = events_of(services.db, cid)[-1]
    assert (event.kind, event.member_id, event.actor_id, event.reason, event.request_id, event.at) == (
        "rejected",
        alice.id,
        None,
        "expired",
        rid,
        made + timedelta(hours=72),
    )
    with services.db.read() as session:
        decided = requests.request(session, rid)
        assert decided is not None and decided.decided_at == made + timedelta(hours=72)
    sound(services)
    assert expire_requests(services).expired == ()  # nothing left: a second run does nothing


def test_the_rep_is_told_and_may_claim_again(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    cid, rid = request(services, "alice", "Acme")
    clock.advance(hours=72)
    assert expire_requests(services).queued == 1
    (row,) = notifications(services.db, kind=REQUEST_EXPIRED.name)
    assert (row.key, row.recipient_id) == (f"request_expired:{rid}", alice.id)
    (message,) = shown(services)
    assert message.summary == (
        f"Your claim request #{rid} for Acme expired: no manager decided within 72 hours. "
        "Acme is back in the pool."
    )
    assert [(b.action_id, b.value, twin(b)) for b in message.buttons] == [
        ("claim.claim", f"#{cid}", f"/claim #{cid}")
    ]
    again = claim(services, member=alice, customer_id=cid)
    assert again.request_id is not None and again.request_id != rid
    sound(services)


def test_each_pool_has_its_own_limit_and_hours_are_hours_across_daylight_saving(
    services: Services, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 13, 12, 0, tzinfo=ZoneInfo("America/New_York")))  # the day before the change
    _, slow = request(services, "alice", "Slow Co")  # 72 hours
    _, quick = request(services, "bob", "Quick Co", pool="east-quick")  # 4 hours
    _, ny = request(services, "nick", "Hudson Freight", pool="ny-vip")  # 24 hours
    start = clock.now()
    clock.set(start + timedelta(hours=4))
    assert [e.request.request_id for e in expire_requests(services).expired] == [quick]
    # 24 hours later is 13:00 on the clock in New York: that Sunday had 23 hours
    clock.set(datetime(2027, 3, 14, 12, 59, 59, tzinfo=ZoneInfo("America/New_York")))
    assert expire_requests(services).expired == ()
    clock.set(datetime(2027, 3, 14, 13, 0, tzinfo=ZoneInfo("America/New_York")))
    assert clock.now() - start == timedelta(hours=24)
    assert [e.request.request_id for e in expire_requests(services).expired] == [ny]
    clock.set(start + timedelta(hours=72))
    assert [e.request.request_id for e in expire_requests(services).expired] == [slow]
    assert [status(services, r) for r in (slow, quick, ny)] == ["expired"] * 3
    sound(services)


def test_a_decision_before_the_expiry_stands(services: Services, clock: FakeClock) -> None:
    alice, maria = member(services, "alice"), member(services, "maria")
    cid, rid = request(services, "alice", "Acme")
    clock.advance(hours=72)
    decide(services, manager=maria, request_id=rid, approve=True)
    report = expire_requests(services)
    assert (report.expired, status(services, rid), customer_row(services.db, cid).owner_id) == (
        (),
        "approved",
        alice.id,
    )
    assert notifications(services.db, kind=REQUEST_EXPIRED.name) == []


def test_a_decision_after_the_expiry_is_told_it_expired(services: Services, clock: FakeClock) -> None:
    maria = member(services, "maria")
    cid, rid = request(services, "alice", "Acme")
    clock.advance(hours=72)
    expire_requests(services)
    before = snapshot(services.db)
    with pytest.raises(Conflict) as refused:
        decide(services, manager=maria, request_id=rid, approve=True)
    assert refused.value.key == "error.request_expired"
    assert snapshot(services.db) == before
    assert customer_row(services.db, cid).owner_id is None


def test_the_expiry_racing_a_stale_read_leaves_the_decision_alone(
    services: Services, clock: FakeClock
) -> None:
    """The batch was read while the request was pending; a manager decides before the UPDATE: the
    conditional UPDATE skips it, and the report says so."""
    alice, maria = member(services, "alice"), member(services, "maria")
    cid, rid = request(services, "alice", "Acme")
    clock.advance(hours=72)
    with services.db.read() as session:
        batch = expiry.expirable(
            session,
            {p: clock.now() - timedelta(hours=72) for p in expiry.expiry_hours(session)},
            after_id=0,
            limit=10,
        )
    decide(services, manager=maria, request_id=rid, approve=True)
    done, queued = apply_batch(services, [Expired(r, 72) for r in batch], clock.now())
    assert (done, queued, status(services, rid), customer_row(services.db, cid).owner_id) == (
        [],
        0,
        "approved",
        alice.id,
    )
    sound(services)


def race(services: Services, manager: MemberView, request_id: int) -> tuple[str, list[int]]:
    """A manager approves while the expiry runs, released at the same instant: what the manager
    was told ("approved", or the status that won) and which requests the expiry expired."""
    barrier = threading.Barrier(2)
    told: list[str] = []
    expired: list[int] = []

    def approve() -> None:
        barrier.wait()
        try:
            decide(services, manager=manager, request_id=request_id, approve=True)
            told.append("approved")
        except Conflict as exc:
            told.append("expired" if exc.key == "error.request_expired" else str(exc.params["status"]))

    def expire() -> None:
        barrier.wait()
        expired.extend(e.request.request_id for e in expire_requests(services).expired)

    threads = [threading.Thread(target=approve), threading.Thread(target=expire)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(told) == 1, "the approving thread failed"
    return told[0], expired


def test_a_manager_approving_at_the_instant_of_expiry_yields_exactly_one_outcome(
    services: Services, clock: FakeClock
) -> None:
    alice, maria = member(services, "alice"), member(services, "maria")
    outcomes: list[str] = []
    for index in range(12):
        cid, rid = request(services, "alice", f"Race {index}")
        clock.advance(hours=72)
        told, expired = race(services, maria, rid)
        row = customer_row(services.db, cid)
        if told == "approved":
            assert (expired, status(services, rid), row.owner_id) == ([], "approved", alice.id)
        else:
            assert (told, expired, status(services, rid), row.owner_id, row.pending_member_id) == (
                "expired",
                [rid],
                "expired",
                None,
                None,
            )
        decisions = [e.kind for e in events_of(services.db, cid) if e.kind in ("approved", "rejected")]
        assert decisions == (["approved"] if told == "approved" else ["rejected"])
        outcomes.append(told)
        sound(services)
    assert len(notifications(services.db, kind=REQUEST_EXPIRED.name)) == outcomes.count("expired")


def test_dry_run_lists_what_would_expire_and_changes_nothing(services: Services, clock: FakeClock) -> None:
    _, old = request(services, "alice", "Old Co")
    clock.advance(hours=10)
    request(services, "bob", "New Co")
    clock.advance(hours=62)
    before = snapshot(services.db)
    dry = expire_requests(services, dry_run=True)
    assert snapshot(services.db) == before
    assert [e.request.request_id for e in dry.expired] == [old]
    assert dry.lines()[0].endswith("(dry run: nothing changed): would expire 1 request(s)")
    assert f"  #{old} Old Co for Alice, requested 2026-11-23T02:00:00+00:00 (limit 72 h)" in dry.lines()
    real = expire_requests(services)
    assert [e.request.request_id for e in real.expired] == [old]
    assert real.lines()[-1] == "queued 1 notice(s)"


def test_many_requests_expire_in_batches(services: Services, clock: FakeClock) -> None:
    ids = [request(services, "alice" if i % 2 else "bob", f"Co {i}")[1] for i in range(7)]
    clock.set(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    report = expire_requests(services, batch_size=3)
    assert sorted(e.request.request_id for e in report.expired) == ids
    assert report.queued == 7
    sound(services)


def test_request_ids_are_kept_a_day_then_forgotten_by_the_expiry_job(services: Services) -> None:
    """A retry within a day changes nothing; after a day the id table no longer holds it."""
    from bot.domain.chat import first_time
    from bot.domain.clock import FakeClock
    from bot.domain.expiry import expire_requests

    assert first_time(services, platform="slack", key="trigger-1")
    assert isinstance(services.clock, FakeClock)
    services.clock.advance(hours=23)
    expire_requests(services)
    assert not first_time(services, platform="slack", key="trigger-1")
    services.clock.advance(hours=2)
    expire_requests(services)
    assert first_time(services, platform="slack", key="trigger-1")
