"""The recycle sweep over 1M owned customers (5 % due), next to one raw UPDATE of the same rows.

    python bench/sweep.py [--db sqlite|postgresql|both] [--sizes 1000000] [--spare 200000]
                          [--batch 2500] [--no-claims] [--tiny]

``--sizes 10000,100000,1000000`` runs the whole bench once per size (a scaling table). Each row of
``recycle()`` prints its ratio to the raw UPDATE of the same size and database, measured in the
same run (with claims: to the raw UPDATE with claims); the target is at most 1.5x.

For each database: a fresh database migrated to 0001, a team of 200 reps synced, the customers
inserted in bulk (PostgreSQL COPY, SQLite executemany on the raw connection), then the remaining
migrations (so the indexes are built over the filled table) and ANALYZE. Every customer is owned:
5 % are due (their last touch is older than their priority's recycle_days), 2 % are won and 1 %
locked with an equally old touch (exempt: the sweep must leave them), the rest were touched within
their recycle period. Another ``--spare`` (200,000) unowned customers sit in the second pool for the
claimers.

Phases, each in a fresh process (its peak RSS is its own; "+MB" is the growth over the process
right before the phase, i.e. what the phase itself needed):

  dry run           ``recycle(dry_run=True)``: reads what would go back (with owner, rule, deadline)
  raw UPDATE        one ``UPDATE customer ... WHERE <due>`` and its commit: no events, no notices
  raw UPDATE + events  the same with one ``recycled`` event per customer (``INSERT ... SELECT`` of the
                    due rows first, same transaction): the floor of a sweep that leaves a trace
  recycle()         the job: batches of ``--batch``, each one transaction with the conditional UPDATE,
                    the ``recycled`` events and the outbox rows
  recycle() again   the same day once more: finds nothing, queues nothing

With claims (the default), the raw UPDATE and recycle() run again while another process claims
customers one by one (``claim()``-like conditional UPDATE, one transaction each) and records how
long each claim took: on SQLite a claim waits for the write lock, so the longest wait shows how
long the sweep blocks a rep. The database is put back (owners restored from a copy of the due
rows) between phases that change it.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    analyze,
    bench_config,
    db_kinds,
    load_average,
    machine,
    parse_args,
    prepare,
    processes,
    scratch_database,
    sqlite_fill,
    table,
)
from sqlalchemy import insert, literal, null, or_, select, text, update
from sqlmodel import col

from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.recycling import BATCH_SIZE, plan, recycle
from bot.storage import recycling
from bot.storage.engine import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Customer, Member, OwnershipEvent, Pool, UTCDateTime

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Asia/Shanghai
REPS = 200
RECYCLE_DAYS = {"A": 7, "B": 15, "C": 30}
SPARE = 200_000  # unowned customers for the claimers (the default of --spare)
COLUMNS = (
    "name",
    "name_key",
    "search_key",
    "priority",
    "stage",
    "tags",
    "pool_id",
    "owner_id",
    "owned_since",
    "last_touch_at",
    "won_at",
    "locked",
    "created_at",
)


# ---- the data ------------------------------------------------------------------------------------------


def kind_of(index: int) -> str:
    """Which of the four groups customer ``index`` is in: due 5 %, won 2 %, locked 1 %, fresh."""
    if index % 20 == 0:
        return "due"
    if index % 50 == 1:
        return "won"
    if index % 100 == 3:
        return "locked"
    return "fresh"


def customer_tuples(
    count: int, spare: int, pools: tuple[int, int], reps: list[int]
) -> Iterator[tuple[Any, ...]]:
    priorities = "ABBBBBCCCA"  # A 20 %, B 50 %, C 30 %
    for index in range(count):
        priority = priorities[index % 10]
        days = RECYCLE_DAYS[priority]
        group = kind_of(index)
        old = group != "fresh"
        age = timedelta(days=days + index % 5, hours=1) if old else timedelta(days=index % (days - 1))
        touch = NOW - age
        owner = reps[index % len(reps)]
        yield (
            f"Customer {index}",
            f"customer{index}",
            "",
            priority,
            "new",
            "",
            pools[0],
            owner,
            touch,
            touch,
            touch if group == "won" else None,
            group == "locked",
            NOW,
        )
    for index in range(count, count + spare):
        yield (
            f"Customer {index}",
            f"customer{index}",
            "",
            "B",
            "new",
            "",
            pools[1],
            None,
            None,
            None,
            None,
            False,
            NOW,
        )


def fill(db: Database, count: int, spare: int, pools: tuple[int, int], reps: list[int]) -> int:
    rows = customer_tuples(count, spare, pools, reps)
    return _fill_sqlite(db, rows) if db.is_sqlite else _fill_postgresql(db, rows)


def _sqlite_time(value: Any) -> Any:
    """The text SQLAlchemy stores for a UTC datetime on SQLite (checked after the fill)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _fill_sqlite(db: Database, rows: Iterator[tuple[Any, ...]]) -> int:
    return sqlite_fill(db, COLUMNS, (tuple(map(_sqlite_time, row)) for row in rows), 50_000)


def _fill_postgresql(db: Database, rows: Iterator[tuple[Any, ...]]) -> int:
    raw = db.engine.raw_connection()
    count = 0
    try:
        driver: Any = raw.driver_connection
        statement = f"COPY customer ({', '.join(COLUMNS)}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        raw.commit()
    finally:
        raw.close()
    return count


def ids_of(db: Database) -> tuple[tuple[int, int], list[int]]:
    with db.read() as session:
        pools = list(session.execute(select(col(Pool.id)).order_by(col(Pool.id))).scalars())
        reps = list(session.execute(select(col(Member.id)).where(col(Member.role) == "rep")).scalars())
    return (pools[0], pools[1]), reps


def check_fill(db: Database, count: int) -> None:
    """The bulk-inserted timestamps read back as the ORM writes them, and the due count is right."""
    with db.read() as session:
        row = session.get(Customer, 1)
        assert row is not None and row.last_touch_at is not None and row.last_touch_at.tzinfo is not None
    due = dry_run_count(db)
    expected = sum(1 for i in range(count) if kind_of(i) == "due")
    if due != expected:
        raise SystemExit(f"the fill is wrong: {due} due, expected {expected}")


def check_events(db: Database, recycled: int) -> None:
    """Every due customer went back, each with its event (the sweep lost none, invented none)."""
    with db.read() as session:
        events = session.execute(text("SELECT count(*) FROM ownership_event WHERE kind = 'recycled'"))
        still = session.execute(
            text(
                "SELECT count(*) FROM customer"
                " WHERE owner_id IS NOT NULL AND id IN (SELECT id FROM sweep_backup)"
            )
        )
        counts = (events.scalar(), still.scalar())
    if counts != (recycled, 0):
        raise SystemExit(f"recycle() is wrong: {recycled} recycled, (events, due still owned) = {counts}")


def dry_run_count(db: Database) -> int:
    return len(recycle(Services(db, FakeClock(NOW)), dry_run=True).customers)


# ---- the phases (each in its own process) ---------------------------------------------------------------


def raw_update(db: Database) -> int:
    """One UPDATE of every due customer of every pool, in one transaction: the baseline."""
    sweeps = plan(Services(db, FakeClock(NOW)), at=NOW)
    with db.write() as session:
        result = session.execute(
            update(Customer)
            .where(or_(*[recycling.due_condition(s.cutoffs) for s in sweeps]))
            .values(owner_id=None, owned_since=None, last_touch_at=None, pending_member_id=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", -1))


def raw_update_with_events(db: Database) -> int:
    """The raw UPDATE and, before it in the same transaction, one ``recycled`` event per due
    customer by ``INSERT ... SELECT``: the least any sweep that leaves a trace can write, so the
    part of ``recycle()``'s ratio that is its events shows beside the rest."""
    sweeps = plan(Services(db, FakeClock(NOW)), at=NOW)
    due = or_(*[recycling.due_condition(s.cutoffs) for s in sweeps])
    events = select(
        col(Customer.id),
        literal("recycled"),
        col(Customer.owner_id),
        null(),
        literal(NOW, UTCDateTime()),
        literal("not touched for 7 days (priority A)"),
        literal("recycle_days"),
    ).where(due)
    columns = ["customer_id", "kind", "member_id", "actor_id", "at", "reason", "rule"]
    with db.write() as session:
        session.execute(insert(OwnershipEvent).from_select(columns, events))
        result = session.execute(
            update(Customer)
            .where(due)
            .values(owner_id=None, owned_since=None, last_touch_at=None, pending_member_id=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", -1))


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; ``ru_maxrss`` would include the parent's peak,
    which Linux carries across fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(url: str, phase: str, batch: int, answer: Any) -> None:
    db = Database.from_url(url)
    services = Services(db, FakeClock(NOW))
    before = peak_rss_mb()
    started, start = time.time(), time.perf_counter()
    if phase == "raw":
        rows, queued = raw_update(db), 0
    elif phase == "raw+events":
        rows, queued = raw_update_with_events(db), 0
    else:
        report = recycle(services, dry_run=phase == "dry", batch_size=batch)
        rows, queued = len(report.customers), report.queued
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    db.dispose()
    answer.put(
        {
            "rows": rows,
            "queued": queued,
            "seconds": seconds,
            "peak_mb": peak,
            "grew_mb": peak - before,
            "window": (started, started + seconds),
        }
    )


def claimer(url: str, first_id: int, rep: int, ready: Any, stop: Any, answer: Any) -> None:
    """Claim spare customers one per transaction until told to stop; report the latencies.
    ``ready`` is set once the first claim is done (imports loaded, connection open)."""
    db = Database.from_url(url)
    claim = update(Customer).where(col(Customer.owner_id).is_(None))
    latencies: list[tuple[float, float]] = []  # (wall-clock start, seconds)
    customer = first_id
    while not stop.is_set():
        started, start = time.time(), time.perf_counter()
        with db.write() as session:
            session.execute(
                claim.where(col(Customer.id) == customer)
                .values(owner_id=rep, owned_since=NOW, last_touch_at=NOW)
                .execution_options(synchronize_session=False)
            )
        latencies.append((started, time.perf_counter() - start))
        customer += 1
        ready.set()
    db.dispose()
    answer.put(latencies)


@dataclass
class Measured:
    rows: int
    queued: int
    seconds: float
    peak_mb: float
    grew_mb: float
    window: tuple[float, float]
    claims: list[float] | None = None  # latencies of the claims that started during the phase


CLAIMER_DEADLINE = 300.0  # seconds for the claiming process to start and claim once


def measure(url: str, phase: str, batch: int, claims_from: int | None, rep: int) -> Measured:
    """Run ``phase`` in a fresh process (with a claiming process alongside, if ``claims_from``)."""
    started = time.perf_counter()
    context = processes()
    answer, claimed, ready, stop = context.Queue(), context.Queue(), context.Event(), context.Event()
    helper = None
    if claims_from is not None:
        helper = context.Process(target=claimer, args=(url, claims_from, rep, ready, stop, claimed))
        helper.start()
        # it is in its loop once it has claimed once; the deadline only catches a claimer that died
        while not ready.wait(timeout=1.0):
            if not helper.is_alive() or time.perf_counter() - started > CLAIMER_DEADLINE:
                raise SystemExit(f"the claiming process never claimed (exit code {helper.exitcode})")
    worker = context.Process(target=run_phase, args=(url, phase, batch, answer))
    worker.start()
    result = answer.get()
    worker.join()
    measured = Measured(**result)
    if helper is not None:
        stop.set()
        first, last = measured.window
        measured.claims = sorted(s for started, s in claimed.get() if first <= started <= last)
        helper.join()
    return measured


# ---- putting the due rows back between phases ---------------------------------------------------------


def snapshot_due(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS sweep_backup"))
        conn.execute(
            text(
                "CREATE TABLE sweep_backup AS SELECT id, owner_id, owned_since, last_touch_at FROM customer "
                "WHERE owner_id IS NOT NULL AND id % 20 = 1"
            )
        )


def restore_due(db: Database) -> None:
    """Owners back on the due rows; recycle's events and notices gone; tables tidied (PostgreSQL)."""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE customer SET owner_id = b.owner_id, owned_since = b.owned_since, "
                "last_touch_at = b.last_touch_at FROM sweep_backup b WHERE customer.id = b.id"
            )
        )
        conn.execute(text("DELETE FROM ownership_event WHERE kind = 'recycled'"))
        conn.execute(text("DELETE FROM notification"))
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE customer"))
            conn.execute(text("VACUUM ANALYZE ownership_event"))


# ---- the run ---------------------------------------------------------------------------------------------


def timed(label: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    print(f"  {label}: {time.perf_counter() - start:.1f} s", flush=True)
    return result


def bench(kind: str, count: int, spare: int, batch: int, with_claims: bool) -> list[list[object]]:
    rows: list[list[object]] = []
    with scratch_database(kind) as url:
        print(f"{kind}:", flush=True)
        prepare(url, bench_config(REPS), "0001")
        db = Database.from_url(url)
        pools, reps = ids_of(db)
        timed(f"fill {count:,} + {spare:,} spare", lambda: fill(db, count, spare, pools, reps))
        timed("migrations 0002+ (indexes over the filled table)", lambda: upgrade(url))
        timed("ANALYZE", lambda: analyze(db))
        timed("check the fill (a dry run)", lambda: check_fill(db, count))
        snapshot_due(db)
        first_spare, slice_size = count + 1, spare // 2
        plan_: list[tuple[str, str, int | None]] = [
            ("dry run", "dry", None),
            ("raw UPDATE", "raw", None),
            ("raw UPDATE + events", "raw+events", None),
            ("recycle()", "recycle", None),
        ]
        if with_claims:
            plan_ += [
                ("raw UPDATE + claims", "raw", first_spare),
                ("recycle() + claims", "recycle", first_spare + slice_size),
            ]
        dirty = False
        raw: Measured | None = None  # the anchor of the next recycle()
        for label, phase, claims_from in plan_:
            if dirty:
                timed("restore the due rows", lambda: restore_due(db))
            measured = measure(url, phase, batch, claims_from, reps[0])
            anchor = raw if phase in ("recycle", "raw+events") else None
            rows.append(row_of(f"{kind} {count:,}", label, measured, anchor))
            raw = measured if phase == "raw" else raw
            dirty = phase != "dry"
            if phase == "recycle":
                check_events(db, measured.rows)
        again = measure(url, "recycle", batch, None, reps[0])
        rows.append(row_of(f"{kind} {count:,}", "recycle() again", again))
        db.dispose()
    return rows


TARGET = 1.5  # recycle() at most this many times one raw UPDATE of the same rows


def row_of(kind: str, label: str, m: Measured, anchor: Measured | None = None) -> list[object]:
    """A table row; ``anchor``: the raw UPDATE this phase is compared with (same run)."""
    claims = "-"
    if m.claims:
        p99 = m.claims[min(len(m.claims) - 1, int(len(m.claims) * 0.99))]
        claims = f"{len(m.claims):,} / {p99 * 1000:.0f} / {m.claims[-1] * 1000:.0f}"
    memory = f"{m.peak_mb:.0f} (+{m.grew_mb:.0f})"
    ratio = "-"
    if anchor is not None and anchor.seconds > 0:
        value = m.seconds / anchor.seconds
        verdict = f" {'ok' if value <= TARGET else 'over'}" if label.startswith("recycle()") else ""
        ratio = f"{value:.2f}x{verdict}"
    return [kind, label, f"{m.rows:,}", f"{m.queued:,}", f"{m.seconds:.2f}", ratio, memory, claims]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--sizes", default="1000000", help="owned customers, comma-separated: one run per size"
    )
    parser.add_argument("--spare", type=int, default=SPARE, help="unowned customers for the claimers")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE, help="rows per recycle() batch")
    parser.add_argument("--no-claims", action="store_true", help="skip the phases with a claiming process")
    args = parse_args(parser, tiny={"sizes": "2000", "spare": 200, "batch": 100})
    sizes = [int(size) for size in args.sizes.split(",")]
    kinds = db_kinds(args.db)
    print(machine(kinds), flush=True)
    started = time.perf_counter()
    rows: list[list[object]] = []
    for size in sizes:
        for kind in kinds:
            rows += bench(kind, size, args.spare, args.batch, not args.no_claims)
    header = [
        "database, owned",
        "phase",
        "recycled",
        "queued",
        "seconds",
        f"÷ raw UPDATE (target ≤ {TARGET}x)",
        "peak RSS MB (+phase)",
        "claims / p99 ms / max ms",
    ]
    print()
    print(table(header, rows))
    print(
        f"\n{args.sizes} owned customers (5 % due) + {args.spare:,} in the pool; batch {args.batch}; "
        f"total {time.perf_counter() - started:.0f} s; at the end {load_average()}"
    )


if __name__ == "__main__":
    main()
