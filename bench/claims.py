"""Claims per second: the domain service ``claim()`` against the same rules hand-written and a raw
conditional UPDATE, in the same run.

    python bench/claims.py [--db sqlite|postgresql|both] [--workers 8] [--customers 20000[,100000,...]]
                           [--runs 3] [--seconds 5] [--tiny]

Each worker is its own process with its own Database and its own rep; the processes start once per
database and are reused for every round. Two scenarios:
  distinct   every worker claims its own share of the customers (no two workers want the same one)
  contended  every worker goes through the same customers in the same order, so each customer is
             raced by all workers; exactly one may win it
A round lasts ``--seconds`` (or until the customers run out). After every round the script checks
that no customer was won twice (wins == owned customers == claim events). Rates are attempts per
second, the median over ``--runs`` rounds; the database is reset between rounds (owners cleared,
claim events deleted) so the reps' holdings and daily counts start from zero every time.

Four ways of claiming:
  claim()   the domain service: a pooled connection, its statements compiled by SQLAlchemy and run on
            the driver (bot.storage.driver)
  hand      the same rules hand-written on the driver (psycopg / sqlite3), one persistent connection
            per worker: lock the member; one SELECT with every rule's facts (cooldown, holding cap,
            daily limit, owner and pending state, the pool's rules); the UPDATE and the event
            (one statement on PostgreSQL, two on SQLite); the floor claim() is measured against
  nine      the same rules as the ORM claim() of 2026-12-01 sent them, hand-written on the driver: the
            lock, then one statement per fact (the whole customer row; its pool and team; the last
            give-back; the held, pending and today's counts), the UPDATE and the event: the issue's
            anchor ("the same rules hand-written, 9 statements")
  raw       one conditional UPDATE per transaction through SQLAlchemy, no rules, no event
Each worker also measures its own CPU time (``time.process_time``): "CPU/claim" is the workers' CPU
per attempt, the client-side cost of one claim.

``--customers`` takes a list (``10000,100000,1000000``): each size gets a database of its own, filled
in bulk (COPY on PostgreSQL, executemany on SQLite), so how a claim's cost grows with the pool shows.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from _common import (
    NameMaker,
    analyze,
    bench_config,
    customer_rows,
    db_kinds,
    fill_customers,
    load_average,
    machine,
    median,
    parse_args,
    prepare,
    processes,
    scratch_database,
    sqlite_value,
    table,
    utcnow,
)
from sqlalchemy import text

from bot.domain.claims import claim
from bot.domain.clock import SystemClock, day_bounds_utc, local_day
from bot.domain.context import Services
from bot.domain.errors import Conflict
from bot.domain.lookup import member_for
from bot.domain.snapshots import MemberView
from bot.storage.engine import Database
from bot.storage.migrate import upgrade

POOL_RULES = {"max_held_per_rep": 100_000, "daily_claim_limit": 100_000, "reclaim_cooldown_days": 0}
RAW_CLAIM = text("UPDATE customer SET owner_id = :member WHERE id = :customer AND owner_id IS NULL")
MODES = ("domain", "hand", "nine", "raw")
SCENARIOS = ("distinct", "contended")
WARM_UP_CLAIMS = 20
OWNED = "SELECT count(*) FROM customer WHERE owner_id IS NOT NULL"
CLAIM_EVENTS = "SELECT count(*) FROM ownership_event WHERE kind = 'claimed'"


@dataclass(frozen=True)
class Job:
    mode: str  # one of MODES
    customer_ids: tuple[int, ...]
    seconds: float


@dataclass(frozen=True)
class Outcome:
    attempts: int
    wins: int
    start: float
    end: float
    cpu: float  # the worker's CPU seconds in the round


@dataclass(frozen=True)
class Round:
    attempts: int
    wins: int
    seconds: float
    cpu: float

    @property
    def cpu_per_attempt_ms(self) -> float:
        return 1000 * self.cpu / max(self.attempts, 1)

    @property
    def rate(self) -> float:
        return self.attempts / self.seconds


# ---- the same rules, hand-written --------------------------------------------------------------

HAND_LOCK = "UPDATE member SET claim_seq = claim_seq + 1 WHERE id = :member"
# every rule's facts in one statement, as bot.storage.claiming reads them
HAND_FACTS = """
SELECT c.name, p.team_id, t.timezone, c.owner_id, o.name, c.pending_member_id,
       coalesce(m.max_held, p.max_held_per_rep), p.daily_claim_limit, p.reclaim_cooldown_days,
       (SELECT max(e.at) FROM ownership_event e
         WHERE e.customer_id = c.id AND e.member_id = :member
           AND (e.kind = 'recycled' OR (e.kind = 'released' AND e.actor_id = e.member_id))),
       (SELECT count(*) FROM customer h
         WHERE h.owner_id = :member AND h.pool_id = c.pool_id AND h.won_at IS NULL)
       + (SELECT count(*) FROM customer h WHERE h.pending_member_id = :member AND h.pool_id = c.pool_id),
       (SELECT count(*) FROM ownership_event e JOIN customer x ON x.id = e.customer_id
         WHERE e.member_id = :member AND e.kind IN ('claimed', 'claim_requested')
           AND e.at >= :start AND e.at < :end AND x.pool_id = c.pool_id)
FROM customer c JOIN pool p ON p.id = c.pool_id JOIN team t ON t.id = p.team_id
     JOIN member m ON m.id = :member LEFT JOIN member o ON o.id = c.owner_id
WHERE c.id = :customer
"""
HAND_TAKE = """UPDATE customer SET owner_id = :member, owned_since = :now, last_touch_at = :now
WHERE id = :customer AND owner_id IS NULL AND pending_member_id IS NULL"""
HAND_EVENT = """INSERT INTO ownership_event (customer_id, kind, member_id, actor_id, at, reason)
VALUES (:customer, 'claimed', :member, :member, :now, 'bench')"""
HAND_TAKE_AND_EVENT = f"""WITH taken AS ({HAND_TAKE} RETURNING id)
INSERT INTO ownership_event (customer_id, kind, member_id, actor_id, at, reason)
SELECT id, 'claimed', :member, :member, :now, 'bench' FROM taken"""


def _psycopg(statement: str) -> str:
    return re.sub(r":(\w+)", r"%(\1)s", statement)


class HandWritten:
    """One rep's claims on one persistent driver connection: the floor for ``claim()``."""

    def __init__(self, url: str, member: MemberView) -> None:
        self.member_id, self.team_id, self.timezone = member.id, member.team.id, member.team.timezone
        self.is_sqlite = url.startswith("sqlite")
        self.pg = {name: _psycopg(sql) for name, sql in (("lock", HAND_LOCK), ("facts", HAND_FACTS))}
        self.pg["take"] = _psycopg(HAND_TAKE_AND_EVENT)
        if self.is_sqlite:
            self.conn: Any = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=30)
            for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
                self.conn.execute(f"PRAGMA {pragma}")
        else:
            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))

    def claims(self, customer_ids: tuple[int, ...], deadline: float) -> tuple[int, int]:
        attempts = wins = 0
        for customer_id in customer_ids:
            if time.perf_counter() >= deadline:
                break
            attempts += 1
            wins += self.claim(customer_id)
        return attempts, wins

    def claim(self, customer_id: int) -> int:
        """1 if the rep got the customer, 0 if a rule or another rep refused it."""
        now = utcnow()
        start, end = day_bounds_utc(local_day(now, self.timezone), self.timezone)
        params = {"member": self.member_id, "customer": customer_id, "now": now, "start": start, "end": end}
        if self.is_sqlite:
            return self._sqlite(params)
        return self._postgresql(params)

    def _postgresql(self, params: dict[str, Any]) -> int:
        conn = self.conn
        conn.execute(self.pg["lock"], params)
        facts = conn.execute(self.pg["facts"], params).fetchone()
        if not self._allowed(facts, params["now"]):
            conn.rollback()
            return 0
        won = conn.execute(self.pg["take"], params).rowcount
        conn.commit()
        return int(won)

    def _sqlite(self, params: dict[str, Any]) -> int:
        conn, now = self.conn, params["now"]
        params = {key: sqlite_value(value) for key, value in params.items()}
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(HAND_LOCK, params)
        facts = conn.execute(HAND_FACTS, params).fetchone()
        won = self._allowed(facts, now) and conn.execute(HAND_TAKE, params).rowcount == 1
        if won:
            conn.execute(HAND_EVENT, params)
        conn.execute("COMMIT")
        return int(won)

    def _allowed(self, facts: Any, now: datetime) -> bool:
        """The rules of ``claim()``: the customer is the team's, free, out of its cooldown, and
        the rep is under its holding cap and daily limit."""
        if facts is None:
            return False
        _, team, timezone, owner, _, pending, cap, limit, cooldown, given_back, held, today = facts
        if team != self.team_id or owner is not None or pending is not None or held >= cap or today >= limit:
            return False
        if given_back is None or cooldown <= 0:
            return True
        if isinstance(given_back, str):
            given_back = datetime.fromisoformat(given_back).replace(tzinfo=UTC)
        since = local_day(given_back, timezone)
        return local_day(now, timezone) >= since + timedelta(days=cooldown)

    def close(self) -> None:
        self.conn.close()


# The anchor: the same rules as the ORM claim() of 2026-12-01 sent them, one statement per
# fact (the lock; the whole customer row; its pool and team with the rep's own cap; the last give-back;
# the held, pending and today's counts; the UPDATE; the event INSERT), on a persistent connection.
NINE_CUSTOMER = "SELECT * FROM customer WHERE id = :customer"
NINE_POOL = """SELECT p.team_id, t.timezone, coalesce(m.max_held, p.max_held_per_rep) AS cap,
       p.daily_claim_limit, p.reclaim_cooldown_days
FROM pool p JOIN team t ON t.id = p.team_id JOIN member m ON m.id = :member WHERE p.id = :pool"""
NINE_GIVEN_BACK = """SELECT max(at) FROM ownership_event
WHERE customer_id = :customer AND member_id = :member
  AND (kind = 'recycled' OR (kind = 'released' AND actor_id = member_id))"""
NINE_HELD = "SELECT count(*) FROM customer WHERE owner_id = :member AND pool_id = :pool AND won_at IS NULL"
NINE_PENDING = "SELECT count(*) FROM customer WHERE pending_member_id = :member AND pool_id = :pool"
NINE_TODAY = """SELECT count(*) FROM ownership_event e JOIN customer x ON x.id = e.customer_id
WHERE e.member_id = :member AND e.kind IN ('claimed', 'claim_requested')
  AND e.at >= :start AND e.at < :end AND x.pool_id = :pool"""
NINE = {
    "lock": HAND_LOCK,
    "customer": NINE_CUSTOMER,
    "pool": NINE_POOL,
    "given_back": NINE_GIVEN_BACK,
    "held": NINE_HELD,
    "pending": NINE_PENDING,
    "today": NINE_TODAY,
    "take": HAND_TAKE,
    "event": HAND_EVENT,
}


class NineStatements(HandWritten):
    """The same rules in nine statements, one fact each: the anchor of the issue's target."""

    def __init__(self, url: str, member: MemberView) -> None:
        super().__init__(url, member)
        self.nine = NINE if self.is_sqlite else {name: _psycopg(sql) for name, sql in NINE.items()}
        described = self.conn.execute("SELECT * FROM customer LIMIT 0").description
        self.position = {column[0]: i for i, column in enumerate(described)}  # in NINE_CUSTOMER's row
        if not self.is_sqlite:
            self.conn.rollback()

    def _postgresql(self, params: dict[str, Any]) -> int:
        won = self._nine(params, params["now"])
        self.conn.commit()
        return won

    def _sqlite(self, params: dict[str, Any]) -> int:
        now = params["now"]
        self.conn.execute("BEGIN IMMEDIATE")
        won = self._nine({key: sqlite_value(value) for key, value in params.items()}, now)
        self.conn.execute("COMMIT")
        return won

    def _nine(self, params: dict[str, Any], now: datetime) -> int:
        self._count("lock", params)
        customer = self._one("customer", params)
        if customer is None:
            return 0
        params["pool"] = customer[self.position["pool_id"]]
        team, timezone, cap, limit, cooldown = self._one("pool", params)
        given_back = self._one("given_back", params)[0]
        held = self._one("held", params)[0] + self._one("pending", params)[0]
        today = self._one("today", params)[0]
        owner, pending = customer[self.position["owner_id"]], customer[self.position["pending_member_id"]]
        facts = (None, team, timezone, owner, None, pending, cap, limit, cooldown, given_back, held, today)
        if not self._allowed(facts, now) or self._count("take", params) != 1:
            return 0
        self._count("event", params)
        return 1

    def _one(self, name: str, params: dict[str, Any]) -> Any:
        return self.conn.execute(self.nine[name], params).fetchone()

    def _count(self, name: str, params: dict[str, Any]) -> int:
        return int(self.conn.execute(self.nine[name], params).rowcount)


# ---- the worker processes ----------------------------------------------------------------------


def _worker(url: str, handle: str, inbox: Any, barrier: Any, results: Any) -> None:
    db = Database.from_url(url)
    services = Services(db=db, clock=SystemClock())
    member = member_for(services, platform="console", user_id=handle)
    hand, nine = HandWritten(url, member), NineStatements(url, member)
    while (job := inbox.get()) is not None:
        barrier.wait()
        start, cpu = time.perf_counter(), time.process_time()
        deadline = start + job.seconds
        if job.mode == "domain":
            attempts, wins = _domain_claims(services, member, job.customer_ids, deadline)
        elif job.mode == "hand":
            attempts, wins = hand.claims(job.customer_ids, deadline)
        elif job.mode == "nine":
            attempts, wins = nine.claims(job.customer_ids, deadline)
        else:
            attempts, wins = _raw_claims(db, member.id, job.customer_ids, deadline)
        results.put(Outcome(attempts, wins, start, time.perf_counter(), time.process_time() - cpu))
    hand.close()
    nine.close()
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
        attempts, wins = sum(o.attempts for o in outcomes), sum(o.wins for o in outcomes)
        return Round(attempts, wins, elapsed, sum(o.cpu for o in outcomes))

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
    expected_events = 0 if mode == "raw" else result.wins
    if owned != result.wins or events != expected_events:
        raise AssertionError(f"{label}: wins {result.wins}, owned {owned}, claim events {events}")


# ---- one database --------------------------------------------------------------------------------


CLAIMABLE = 50_000  # the customers a round may go through: more than any round gets to


def setup(url: str, workers: int, customers: int) -> tuple[list[int], str]:
    """The team, and ``customers`` unowned customers in its two pools, inserted in bulk at
    revision 0001 before the later migrations build their indexes over the filled table (as on a
    deployment that grew); the ids the rounds claim (the first :data:`CLAIMABLE`) and how long
    the steps took."""
    prepare(url, bench_config(max(workers, 8), **POOL_RULES), revision="0001")
    db = Database.from_url(url)
    try:
        with db.read() as session:
            found = session.execute(text("SELECT id FROM pool WHERE name LIKE 'east-%' ORDER BY id"))
            pools = list(found.scalars())
        started = time.perf_counter()
        fill_customers(db, customer_rows(NameMaker(16), customers, pools, [], 0.0, utcnow()))
        filled = time.perf_counter()
        upgrade(url)
        if not db.is_sqlite:  # SQLite is never ANALYZEd in production either
            analyze(db)
        migrated = time.perf_counter()
        with db.read() as session:
            ids = session.execute(text("SELECT id FROM customer ORDER BY id LIMIT :n"), {"n": CLAIMABLE})
            steps = f"filled in {filled - started:.1f} s, migrated to head in {migrated - filled:.1f} s"
            return list(ids.scalars()), steps
    finally:
        db.dispose()


Rounds = dict[tuple[str, str], list[Round]]


def bench_database(kind: str, size: int, args: argparse.Namespace) -> list[list[object]]:
    with scratch_database(kind) as url:
        customer_ids, steps = setup(url, args.workers, size)
        print(f"{kind} {size:,} customers: {steps}; {load_average()}", flush=True)
        db = Database.from_url(url)
        workers = Workers(url, args.workers)
        try:
            _warm_up(db, workers, customer_ids, args.workers)
            rounds = _measure(db, workers, customer_ids, args)
        finally:
            workers.close()
            db.dispose()
    return [_row(kind, size, scenario, rounds) for scenario in SCENARIOS]


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


def _row(kind: str, size: int, scenario: str, rounds: Rounds) -> list[object]:
    domain, hand, nine, raw = (rounds[scenario, mode] for mode in MODES)
    domain_rate, hand_rate, nine_rate, raw_rate = (
        median([r.rate for r in runs]) for runs in (domain, hand, nine, raw)
    )
    return [
        kind,
        f"{size:,}",
        scenario,
        f"{domain_rate:,.0f}",
        _won(domain),
        _spread(domain),
        _cpu(domain),
        f"{hand_rate:,.0f}",
        _cpu(hand),
        f"{nine_rate:,.0f}",
        f"{raw_rate:,.0f}",
        _cpu(raw),
        f"{domain_rate / raw_rate:.2f}",
        f"{domain_rate / hand_rate:.2f}",
        f"{domain_rate / nine_rate:.2f}",
    ]


def _cpu(rounds: list[Round]) -> str:
    """The workers' CPU per attempt, ms (median over the runs)."""
    return f"{median([r.cpu_per_attempt_ms for r in rounds]):.2f}"


def _won(rounds: list[Round]) -> str:
    return f"{median([r.wins / r.seconds for r in rounds]):,.0f}"


def _spread(rounds: list[Round]) -> str:
    return f"{min(r.rate for r in rounds):,.0f}-{max(r.rate for r in rounds):,.0f}"


HEADER = [
    "database",
    "customers",
    "scenario",
    "claim() tries/s",
    "won/s",
    "range",
    "CPU/claim ms",
    "hand tries/s",
    "CPU ms",
    "9-stmt tries/s",
    "raw UPDATE tries/s",
    "CPU ms",
    "claim/raw",
    "claim/hand",
    "claim/9-stmt",
]


def _listed(sizes: list[int]) -> str:
    return ", ".join(f"{n:,}" for n in sizes)


def _sizes(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--customers",
        type=_sizes,
        default="20000",
        help="pool sizes, comma-separated: one database each (a round claims at most the first 50,000)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one timed round")
    args = parse_args(parser, tiny={"workers": 2, "customers": "200", "runs": 1, "seconds": 0.2})
    kinds = db_kinds(args.db)
    print(machine(kinds))
    print(
        f"workers: {args.workers} processes; pools of {_listed(args.customers)} customers; "
        f"rounds of {args.seconds:g} s; runs: {args.runs}\n"
    )
    started = time.perf_counter()
    rows = [row for kind in kinds for size in args.customers for row in bench_database(kind, size, args)]
    print(table(HEADER, rows))
    print(
        f"\n(median of {args.runs} runs; tries = claim attempts, won = attempts that got the customer; "
        f"range = slowest-fastest run; contended: all {args.workers} workers race for the same customers;\n"
        "hand = the same rules hand-written on a persistent driver connection; 9-stmt = the same rules "
        "in nine statements, one fact each;\nraw = one conditional UPDATE; CPU = the workers' CPU time "
        "per attempt; claim/raw, claim/hand, claim/9-stmt: ratios of tries/s)"
    )
    print(f"total time {time.perf_counter() - started:.0f} s; {load_average()}")


if __name__ == "__main__":
    main()
