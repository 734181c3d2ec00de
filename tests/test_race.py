"""Concurrent claims from threads and from separate processes, on SQLite and PostgreSQL.

Workers start together behind a barrier. Afterwards the database must show: no customer with two
owners (the event log agrees), nobody over the holding cap or the daily limit, and exactly one
'claimed' (or 'claim_requested') event per claim a worker was told succeeded.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter
from datetime import datetime
from typing import Any

from helpers import add, add_east_member, member, ownership_invariants
from sqlalchemy import select
from sqlmodel import col

from bot.domain import claims, lookup
from bot.domain.claims import claim
from bot.domain.clock import FakeClock, day_bounds_utc, local_day
from bot.domain.context import Services
from bot.domain.errors import Conflict, DomainError, RuleViolation
from bot.domain.ownership import assign, transfer
from bot.storage.engine import Database
from bot.storage.models import ClaimRequest, Customer, OwnershipEvent

Result = tuple[str, int, str]  # (rep handle, customer id, outcome)
Job = tuple[str, list[int]]  # a rep and the customers it tries, in order

MAIN_CAP, MAIN_DAILY = 3, 2  # east-main
VIP_CAP, VIP_DAILY = 3, 5  # east-vip (approval: claims become pending requests)
BARRIER_TIMEOUT = 120


def _attempt(services: Services, who: Any, customer_id: int) -> str:
    try:
        outcome = claim(services, member=who, customer_id=customer_id)
    except RuleViolation as exc:
        return f"rule:{exc.rule}"
    except DomainError as exc:
        return f"refused:{exc.key}"
    except Exception as exc:  # a lock timeout, a deadlock: the test reports it
        return f"error:{type(exc).__name__}: {exc}"
    return "requested" if outcome.request_id is not None else "claimed"


def run_jobs(url: str, now_iso: str, jobs: list[Job], barrier: Any) -> list[Result]:
    """One thread per job, each with the database opened here; all wait on ``barrier`` first."""
    db = Database.from_url(url)
    services = Services(db=db, clock=FakeClock(datetime.fromisoformat(now_iso)))
    views = {handle: lookup.member_for(services, platform="console", user_id=handle) for handle, _ in jobs}
    results: list[Result] = []

    def actor(handle: str, customer_ids: list[int]) -> None:
        barrier.wait(timeout=BARRIER_TIMEOUT)
        for cid in customer_ids:
            results.append((handle, cid, _attempt(services, views[handle], cid)))

    threads = [threading.Thread(target=actor, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.dispose()
    return results


def _process_main(url: str, now_iso: str, jobs: list[Job], barrier: Any, out: Any) -> None:
    try:
        out.put(run_jobs(url, now_iso, jobs, barrier))
    except BaseException as exc:
        barrier.abort()
        out.put([("?", 0, f"error:{type(exc).__name__}: {exc}")])


def _check(services: Services, results: list[Result], limits: dict[str, tuple[int, int]]) -> None:
    """``limits``: each racing rep's (cap, daily limit), from the one pool it claims in."""
    errors = [r for r in results if r[2].startswith("error:")]
    assert errors == []
    with services.db.read() as session:
        assert ownership_invariants(session) == []
        customers = list(session.execute(select(Customer)).scalars())
        start, end = day_bounds_utc(local_day(services.clock.now(), "Asia/Shanghai"), "Asia/Shanghai")
        events = list(
            session.execute(
                select(OwnershipEvent).where(col(OwnershipEvent.kind).in_(("claimed", "claim_requested")))
            ).scalars()
        )
        ids = {handle: member(services, handle).id for handle in limits}

    # every success is exactly one event, and every event a success somebody was told about
    told = Counter(
        (ids[h], cid, "claimed" if outcome == "claimed" else "claim_requested")
        for h, cid, outcome in results
        if outcome in ("claimed", "requested")
    )
    logged = Counter((e.member_id, e.customer_id, e.kind) for e in events)
    assert told == logged

    # who owns (or waits for) what matches what the winners were told
    holder = {c.id: c.owner_id or c.pending_member_id for c in customers}
    for (member_id, cid, _), _count in told.items():
        assert holder[cid] == member_id
    per_customer = Counter(cid for (_, cid, _) in told)
    assert all(n == 1 for n in per_customer.values())

    for handle, (cap, daily) in limits.items():
        mid = ids[handle]
        held = max(
            Counter(
                c.pool_id for c in customers if mid in (c.owner_id, c.pending_member_id) and c.won_at is None
            ).values(),
            default=0,
        )  # caps are per pool: the fullest pool must be within its cap
        today = sum(1 for e in events if e.member_id == mid and start <= e.at < end)
        assert held <= cap, f"{handle} holds {held} > {cap}"
        assert today <= daily, f"{handle} claimed {today} today > {daily}"


def _racing_reps(services: Services, count: int) -> list[str]:
    handles = [f"rep{i}" for i in range(count)]
    for handle in handles:
        add_east_member(services, handle, handle.title())
    return handles


def _shuffled(items: list[int], seed: int) -> list[int]:
    copy = list(items)
    random.Random(seed).shuffle(copy)
    return copy


def test_threads_race_for_the_same_customers(services: Services, database_url: str) -> None:
    reps = _racing_reps(services, 6)
    shared = add(services, *[f"Shared {i}" for i in range(5)])
    alice_own = add(services, *[f"Alice {i}" for i in range(8)])
    bob_vip = add(services, *[f"Vip {i}" for i in range(8)], pool="east-vip")
    jobs: list[Job] = [(handle, _shuffled(shared, n)) for n, handle in enumerate(reps)]
    jobs += [("alice", [cid]) for cid in alice_own]  # one rep racing itself: the daily limit
    jobs += [("bob", [cid]) for cid in bob_vip]  # one rep racing itself: the cap (pending counts)
    barrier = threading.Barrier(len(jobs))

    results = run_jobs(database_url, services.clock.now().isoformat(), jobs, barrier)

    assert len(results) == 6 * 5 + 8 + 8
    limits = {h: (MAIN_CAP, MAIN_DAILY) for h in [*reps, "alice"]} | {"bob": (VIP_CAP, VIP_DAILY)}
    _check(services, results, limits)
    outcomes = Counter((h, o) for h, _, o in results)
    assert outcomes[("alice", "claimed")] == MAIN_DAILY
    assert outcomes[("alice", "rule:daily_claim_limit")] == 8 - MAIN_DAILY
    assert outcomes[("bob", "requested")] == VIP_CAP
    assert outcomes[("bob", "rule:max_held_per_rep")] == 8 - VIP_CAP
    shared_wins = [cid for h, cid, o in results if o == "claimed" and h in reps]
    assert sorted(shared_wins) == sorted(shared)  # 6 reps x 2 a day > 5 customers: all taken, once


def test_processes_race_for_the_same_customers(services: Services, database_url: str) -> None:
    processes = 4
    reps = _racing_reps(services, processes)
    shared = add(services, *[f"Shared {i}" for i in range(4)])
    alice_own = add(services, *[f"Alice {i}" for i in range(processes * 2)])
    bob_vip = add(services, *[f"Vip {i}" for i in range(processes * 2)], pool="east-vip")
    per_process: list[list[Job]] = [
        [
            (reps[p], _shuffled(shared, p)),  # four reps, one per process, on the same customers
            ("alice", alice_own[2 * p : 2 * p + 2]),  # alice from every process: the daily limit
            ("bob", bob_vip[2 * p : 2 * p + 2]),  # bob from every process: the cap
        ]
        for p in range(processes)
    ]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(sum(len(jobs) for jobs in per_process))
    out = ctx.Queue()
    now_iso = services.clock.now().isoformat()
    workers = [
        ctx.Process(target=_process_main, args=(database_url, now_iso, jobs, barrier, out))
        for jobs in per_process
    ]
    for worker in workers:
        worker.start()
    results: list[Result] = []
    for _ in workers:
        results += out.get(timeout=BARRIER_TIMEOUT * 2)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    assert len(results) == processes * 4 + processes * 2 * 2
    limits = {h: (MAIN_CAP, MAIN_DAILY) for h in [*reps, "alice"]} | {"bob": (VIP_CAP, VIP_DAILY)}
    _check(services, results, limits)
    outcomes = Counter((h, o) for h, _, o in results)
    assert outcomes[("alice", "claimed")] == MAIN_DAILY
    assert outcomes[("bob", "requested")] == VIP_CAP
    shared_wins = [cid for h, cid, o in results if o == "claimed" and h in reps]
    assert sorted(shared_wins) == sorted(shared)


def test_opposing_transfers_do_not_deadlock(services: Services) -> None:
    """Managers moving books both ways at once: each call succeeds or is refused, never crashes."""
    maria = member(services, "maria")
    alice, bob = member(services, "alice"), member(services, "bob")
    for handle, name in (("alice", "A"), ("bob", "B")):
        cid = add(services, f"{name} book")[0]
        assign(services, manager=maria, customer_id=cid, to_member_id=member(services, handle).id)
    rounds, pairs = 5, 4
    barrier = threading.Barrier(pairs * 2)
    failures: list[str] = []

    def mover(source: int, target: int) -> None:
        for _ in range(rounds):
            barrier.wait(timeout=BARRIER_TIMEOUT)
            try:
                transfer(services, manager=maria, from_member_id=source, to_member_id=target)
            except DomainError:
                pass
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=mover, args=(alice.id, bob.id)) for _ in range(pairs)]
    threads += [threading.Thread(target=mover, args=(bob.id, alice.id)) for _ in range(pairs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with services.db.read() as session:
        assert ownership_invariants(session) == []


def test_managers_race_to_decide_the_same_requests(services: Services) -> None:
    """Eight managers press Approve or Reject on the same cards at once: the first decision wins."""
    managers = [f"mgr{i}" for i in range(8)]
    for handle in managers:
        add_east_member(services, handle, handle.title(), role="manager")
    alice, bob = member(services, "alice"), member(services, "bob")
    vip = add(services, *[f"Vip {i}" for i in range(6)], pool="east-vip")
    request_ids = [
        claims.claim(services, member=who, customer_id=cid).request_id
        for who, cid in zip([alice] * 3 + [bob] * 3, vip, strict=True)
    ]
    views = {handle: member(services, handle) for handle in managers}
    barrier = threading.Barrier(len(managers))
    won: list[tuple[int, str, bool]] = []  # (request, manager name, approved)
    lost: list[tuple[int, dict[str, Any]]] = []
    failures: list[str] = []

    def decider(n: int, handle: str) -> None:
        rng = random.Random(n)
        barrier.wait(timeout=BARRIER_TIMEOUT)
        for request_id in _shuffled([int(r or 0) for r in request_ids], n):
            approve = rng.random() < 0.5
            try:
                claims.decide(services, manager=views[handle], request_id=request_id, approve=approve)
            except Conflict as exc:
                assert exc.key == "error.already_decided"
                lost.append((request_id, exc.params))
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            else:
                won.append((request_id, views[handle].name, approve))

    threads = [threading.Thread(target=decider, args=(n, h)) for n, h in enumerate(managers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(r for r, _, _ in won) == sorted(int(r or 0) for r in request_ids)  # one winner each
    assert len(lost) == len(request_ids) * (len(managers) - 1)
    winner = {r: (name, approved) for r, name, approved in won}
    for request_id, params in lost:  # every loser is told who decided, and how
        name, approved = winner[request_id]
        assert params == {"request": request_id, "by": name, "status": "approved" if approved else "rejected"}
    with services.db.read() as session:
        assert ownership_invariants(session) == []
        for request_id in winner:
            request = session.get(ClaimRequest, request_id)
            assert request is not None
            row = session.get(Customer, request.customer_id)
            assert row is not None and row.pending_member_id is None
            assert row.owner_id == (request.member_id if winner[request_id][1] else None)
            decisions = (
                session.execute(
                    select(OwnershipEvent).where(
                        col(OwnershipEvent.request_id) == request_id,
                        col(OwnershipEvent.kind).in_(("approved", "rejected")),
                    )
                )
                .scalars()
                .all()
            )
            assert len(decisions) == 1
