"""Claims per second: the domain service ``claim()`` against a raw conditional UPDATE.

    python bench/claims.py [--db sqlite|postgresql|both] [--workers 8] [--customers 20000] [--runs 3]
                           [--seconds 5] [--tiny]

Each worker is its own process with its own Database and its own rep; the processes start once per
database and are reused for every round. Two scenarios:
  distinct   every worker claims its own share of the customers (no two workers want the same one)
  contended  every worker goes through the same customers in the same order, so each customer is
             raced by all workers; exactly one may win it
A round lasts ``--seconds`` (or until the customers run out). After every round the script checks
that no customer was won twice (wins == owned customers == claim events). Rates are attempts per
second, the median over ``--runs`` rounds; the database is reset between rounds (owners cleared,
claim events deleted) so the reps' holdings and daily counts start from zero every time.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

from _common import (
    bench_config,
    db_kinds,
    load_average,
    machine,
    median,
    parse_args,
    prepare,
    processes,
    scratch_database,
    table,
    utcnow,
)
from sqlalchemy import text

from bot.domain.catalog import NewCustomer, add_customers
from bot.domain.claims import claim
from bot.domain.clock import SystemClock
from bot.domain.context import Services
from bot.domain.errors import Conflict
from bot.domain.lookup import member_for
from bot.domain.snapshots import MemberView
from bot.storage.engine import Database

POOL_RULES = {"max_held_per_rep": 100_000, "daily_claim_limit": 100_000, "reclaim_cooldown_days": 0}
RAW_CLAIM = text("UPDATE customer SET owner_id = :member WHERE id = :customer AND owner_id IS NULL")
MODES = ("domain", "raw")
SCENARIOS = ("distinct", "contended")
WARM_UP_CLAIMS = 20
OWNED = "SELECT count(*) FROM customer WHERE owner_id IS NOT NULL"
CLAIM_EVENTS = "SELECT count(*) FROM ownership_event WHERE kind = 'claimed'"


@dataclass(frozen=True)
class Job:
    mode: str  # "domain" | "raw"
    customer_ids: tuple[int, ...]
    seconds: float


@dataclass(frozen=True)
class Outcome:
    attempts: int
    wins: int
    start: float
    end: float


@dataclass(frozen=True)
class Round:
    attempts: int
    wins: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.attempts / self.seconds


# ---- the worker processes ----------------------------------------------------------------------


def _worker(url: str, handle: str, inbox: Any, barrier: Any, results: Any) -> None:
    db = Database.from_url(url)
    services = Services(db=db, clock=SystemClock())
    member = member_for(services, platform="console", user_id=handle)
    while (job := inbox.get()) is not None:
        barrier.wait()
        start = time.perf_counter()
        deadline = start + job.seconds
        if job.mode == "domain":
            attempts, wins = _domain_claims(services, member, job.customer_ids, deadline)
        else:
            attempts, wins = _raw_claims(db, member.id, job.customer_ids, deadline)
        results.put(Outcome(attempts, wins, start, time.perf_counter()))
    db.dispose()


def _domain_claims(
    services: Services, member: MemberView, customer_ids: tuple[int, ...], deadline: float
) -> tuple[int, int]:
    attempts = wins = 0
    for customer_id in customer_ids:
        if time.perf_counter() >= deadline:
            break
        attempts += 1
        try:
            claim(services, member=member, customer_id=customer_id, reason="bench")
            wins += 1
        except Conflict:
            pass
    return attempts, wins


def _raw_claims(
    db: Database, member_id: int, customer_ids: tuple[int, ...], deadline: float
) -> tuple[int, int]:
    attempts = wins = 0
    for customer_id in customer_ids:
        if time.perf_counter() >= deadline:
            break
        attempts += 1
        with db.engine.begin() as conn:
            result: Any = conn.execute(RAW_CLAIM, {"member": member_id, "customer": customer_id})
            wins += result.rowcount
    return attempts, wins


class Workers:
    """``count`` worker processes (reps rep0, rep1, ...) that run one round at a time together."""

    def __init__(self, url: str, count: int) -> None:
        context = processes()
        self._barrier = context.Barrier(count, timeout=300)
        self._results = context.Queue()
        self._inboxes = [context.Queue() for _ in range(count)]
        self._processes = [
            context.Process(target=_worker, args=(url, f"rep{i}", inbox, self._barrier, self._results))
            for i, inbox in enumerate(self._inboxes)
        ]
        for process in self._processes:
            process.start()

    def run(self, mode: str, shares: list[tuple[int, ...]], seconds: float) -> Round:
        for inbox, share in zip(self._inboxes, shares, strict=True):
            inbox.put(Job(mode, share, seconds))
        outcomes = [self._results.get(timeout=seconds + 600) for _ in shares]
        elapsed = max(o.end for o in outcomes) - min(o.start for o in outcomes)
        return Round(sum(o.attempts for o in outcomes), sum(o.wins for o in outcomes), elapsed)

    def close(self) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for process in self._processes:
            process.join(timeout=60)
            if process.exitcode != 0:
                raise RuntimeError(f"a worker ended with exit code {process.exitcode}")


# ---- one round -----------------------------------------------------------------------------------


def shares_for(scenario: str, customer_ids: list[int], workers: int) -> list[tuple[int, ...]]:
    if scenario == "distinct":
        return [tuple(customer_ids[i::workers]) for i in range(workers)]
    raced = tuple(customer_ids[: max(len(customer_ids) // workers, 1)])
    return [raced] * workers


def reset(db: Database) -> None:
    with db.write() as session:
        session.execute(
            text(
                "UPDATE customer SET owner_id = NULL, owned_since = NULL, last_touch_at = NULL "
                "WHERE owner_id IS NOT NULL"
            )
        )
        session.execute(text("DELETE FROM ownership_event WHERE kind = 'claimed'"))


def check_round(db: Database, label: str, mode: str, result: Round) -> None:
    """No customer was won twice: every win is one owned customer (and one claim event)."""
    with db.engine.connect() as conn:
        owned = conn.execute(text(OWNED)).scalar_one()
        events = conn.execute(text(CLAIM_EVENTS)).scalar_one()
    expected_events = result.wins if mode == "domain" else 0
    if owned != result.wins or events != expected_events:
        raise AssertionError(f"{label}: wins {result.wins}, owned {owned}, claim events {events}")


# ---- one database --------------------------------------------------------------------------------


def setup(url: str, workers: int, customers: int) -> list[int]:
    prepare(url, bench_config(max(workers, 8), **POOL_RULES))
    db = Database.from_url(url)
    try:
        with db.write() as session:
            pool_id = session.execute(text("SELECT id FROM pool WHERE name = 'east-main'")).scalar_one()
            rows = [NewCustomer(name=f"Bench Customer {i}", industry="Software") for i in range(customers)]
            return add_customers(session, pool_id=pool_id, customers=rows, now=utcnow())
    finally:
        db.dispose()


Rounds = dict[tuple[str, str], list[Round]]


def bench_database(kind: str, args: argparse.Namespace) -> list[list[object]]:
    with scratch_database(kind) as url:
        customer_ids = setup(url, args.workers, args.customers)
        db = Database.from_url(url)
        workers = Workers(url, args.workers)
        try:
            _warm_up(db, workers, customer_ids, args.workers)
            rounds = _measure(db, workers, customer_ids, args)
        finally:
            workers.close()
            db.dispose()
    return [_row(kind, scenario, rounds) for scenario in SCENARIOS]


def _warm_up(db: Database, workers: Workers, customer_ids: list[int], count: int) -> None:
    """One short untimed round per mode: connections opened, statements compiled and cached."""
    shares = shares_for("distinct", customer_ids[: WARM_UP_CLAIMS * count], count)
    for mode in MODES:
        reset(db)
        workers.run(mode, shares, seconds=60)


def _measure(db: Database, workers: Workers, customer_ids: list[int], args: argparse.Namespace) -> Rounds:
    rounds: Rounds = {(s, m): [] for s in SCENARIOS for m in MODES}
    for _ in range(args.runs):
        for scenario in SCENARIOS:
            shares = shares_for(scenario, customer_ids, args.workers)
            for mode in MODES:
                reset(db)
                result = workers.run(mode, shares, args.seconds)
                check_round(db, f"{scenario}/{mode}", mode, result)
                rounds[scenario, mode].append(result)
    return rounds


def _row(kind: str, scenario: str, rounds: Rounds) -> list[object]:
    domain, raw = rounds[scenario, "domain"], rounds[scenario, "raw"]
    domain_rate, raw_rate = median([r.rate for r in domain]), median([r.rate for r in raw])
    return [
        kind,
        scenario,
        f"{domain_rate:,.0f}",
        _won(domain),
        _spread(domain),
        f"{raw_rate:,.0f}",
        _won(raw),
        _spread(raw),
        f"{raw_rate / domain_rate:.1f}x",
    ]


def _won(rounds: list[Round]) -> str:
    return f"{median([r.wins / r.seconds for r in rounds]):,.0f}"


def _spread(rounds: list[Round]) -> str:
    return f"{min(r.rate for r in rounds):,.0f}-{max(r.rate for r in rounds):,.0f}"


HEADER = [
    "database",
    "scenario",
    "claim() tries/s",
    "won/s",
    "range",
    "raw UPDATE tries/s",
    "won/s",
    "range",
    "raw/claim",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--customers", type=int, default=20_000, help="pool size (caps attempts per round)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one timed round")
    args = parse_args(parser, tiny={"workers": 2, "customers": 200, "runs": 1, "seconds": 0.2})
    kinds = db_kinds(args.db)
    print(machine(kinds))
    print(
        f"workers: {args.workers} processes; pool: {args.customers} customers; "
        f"rounds of {args.seconds:g} s; runs: {args.runs}\n"
    )
    started = time.perf_counter()
    rows = [row for kind in kinds for row in bench_database(kind, args)]
    print(table(HEADER, rows))
    print(
        f"\n(median of {args.runs} runs; tries = claim attempts, won = attempts that got the customer; "
        f"range = slowest-fastest run; contended: all {args.workers} workers race for the same customers)"
    )
    print(f"total time {time.perf_counter() - started:.0f} s; {load_average()}")


if __name__ == "__main__":
    main()
