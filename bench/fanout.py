"""Morning reminders for 5,000 reps: composed and queued, on SQLite and PostgreSQL.

    python bench/fanout.py [--db sqlite|postgresql|both] [--reps 5000] [--per-rep 20] [--timeout 300]
                           [--tiny]

For each database: a fresh database, one team of ``--reps`` reps (Asia/Shanghai, reminder 09:00,
Monday to Friday; a pool with recycle_days A 7 / B 15 / C 30 and warn_days 3), ``--per-rep``
owned customers per rep (priorities A 20 %, B 50 %, C 30 %, last touched 0 to recycle_days - 1
days ago, so some go back to the pool within warn_days), and 0, 1 or 2 follow-ups per customer:
the latest one plans the next follow-up for today or earlier for about a fifth of them, the older
one always for a past day (only the latest counts). The run happens on Monday 10:00 local.

Phases, each in a fresh process (its peak RSS is its own; "+MB" is what the phase itself needed)
and each stopped after ``--timeout`` seconds:

  dry run      ``morning_reminders(dry_run=True)``: reads and composes every reminder, queues none
  run          ``morning_reminders()``: the same, plus the outbox INSERTs (500 rows a transaction);
               the target: at most 1 s (its ratio to that is printed beside it)
  run again    the same instant once more (a second scheduler): every rep is found done, nothing queued
  render       every queued row rendered into the neutral message the chat surfaces send

The script checks the reminders against what it put in (reps with something due, customers listed)
and counts the SQL statements of each phase: they grow with the number of pools and batches, not
with the number of reps.
"""

from __future__ import annotations

import argparse
import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
    table,
)
from sqlalchemy import event, insert, select, text
from sqlmodel import col

from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.notices import MORNING_REMINDER
from bot.domain.outbox import OutboxItem
from bot.domain.reminders import morning_reminders
from bot.handlers.notices import render
from bot.storage.engine import Database
from bot.storage.models import Customer, FollowUp, Member, Notification, Pool

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Asia/Shanghai
ZONE = ZoneInfo("Asia/Shanghai")
TODAY = NOW.astimezone(ZONE).date()
RECYCLE_DAYS = {"A": 7, "B": 15, "C": 30}
WARN_DAYS = 3
POOL_RULES = {"max_held_per_rep": 1000, "recycle_days": RECYCLE_DAYS, "warn_days": WARN_DAYS}
CHUNK = 10_000


# ---- the data ----------------------------------------------------------------------------------------


@dataclass
class Expected:
    """What the reminders must say, from the generator's own arithmetic."""

    reps: set[int]
    soon: int = 0
    due: int = 0  # follow-ups due, whether or not the customer is also in ``soon``


def customers(reps: list[int], per_rep: int, pool: int, expected: Expected) -> Iterator[dict[str, Any]]:
    priorities = "ABBBBBCCCA"
    for index in range(len(reps) * per_rep):
        owner = reps[index // per_rep]
        priority = priorities[index % 10]
        age = (index * 7 + index // 10) % RECYCLE_DAYS[priority]  # days since the last touch
        touch = NOW - timedelta(days=age)
        if RECYCLE_DAYS[priority] - age <= WARN_DAYS:
            expected.soon += 1
            expected.reps.add(owner)
        yield {
            "id": index + 1,
            "name": f"Customer {index}",
            "name_key": f"customer{index}",
            "search_key": "",
            "priority": priority,
            "stage": "new",
            "tags": "",
            "pool_id": pool,
            "owner_id": owner,
            "owned_since": touch,
            "last_touch_at": touch,
            "locked": False,
            "created_at": NOW,
        }


def follow_ups(reps: list[int], per_rep: int, expected: Expected) -> Iterator[dict[str, Any]]:
    for index in range(len(reps) * per_rep):
        count = index % 3
        if count == 2:  # an older follow-up that planned a past day: superseded by the latest
            yield _follow_up(index, reps[index // per_rep], TODAY - timedelta(days=5), days_ago=2)
        if count >= 1:
            due = (index // 3) % 5 == 0
            planned = TODAY - timedelta(days=index % 3) if due else TODAY + timedelta(days=1 + index % 10)
            if due:
                expected.due += 1
                expected.reps.add(reps[index // per_rep])
            yield _follow_up(index, reps[index // per_rep], planned, days_ago=1)


def _follow_up(index: int, member: int, planned: date, days_ago: int) -> dict[str, Any]:
    return {
        "customer_id": index + 1,
        "member_id": member,
        "kind": "call",
        "note": "called",
        "next_date": planned,
        "at": NOW - timedelta(days=days_ago),
    }


def insert_all(db: Database, model: type[Any], rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with db.engine.begin() as conn:
        while chunk := [row for _, row in zip(range(CHUNK), rows, strict=False)]:
            conn.execute(insert(model), chunk)
            count += len(chunk)
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{model.__tablename__}', 'id'), "
                    f"(SELECT max(id) FROM {model.__tablename__}))"
                )
            )
    return count


def fill(db: Database, per_rep: int) -> Expected:
    with db.read() as session:
        pool = session.execute(select(col(Pool.id)).where(col(Pool.name) == "east-main")).scalar_one()
        reps = list(
            session.execute(
                select(col(Member.id))
                .where(col(Member.role) == "rep", col(Member.handle).like("rep%"))
                .order_by(col(Member.id))
            ).scalars()
        )
    expected = Expected(set())
    insert_all(db, Customer, customers(reps, per_rep, int(pool or 0), expected))
    insert_all(db, FollowUp, follow_ups(reps, per_rep, expected))
    return expected


# ---- the phases (each in its own process) --------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM, which fork and exec do not inherit)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_phase(url: str, phase: str, answer: Any) -> None:
    db = Database.from_url(url)
    statements = [0]

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        statements[0] += 1

    services = Services(db, FakeClock(NOW))
    before = peak_rss_mb()
    start = time.perf_counter()
    result = render_all(services) if phase == "render" else fan_out(services, dry_run=phase == "dry")
    seconds = time.perf_counter() - start
    answer.put(
        {
            **result,
            "seconds": seconds,
            "peak_mb": peak_rss_mb(),
            "grew_mb": peak_rss_mb() - before,
            "statements": statements[0],
        }
    )
    db.dispose()


def fan_out(services: Services, *, dry_run: bool) -> dict[str, Any]:
    report = morning_reminders(services, dry_run=dry_run)
    team = next(t for t in report.teams if t.moment.team.name == "east")
    return {
        "reminders": len(team.reminders),
        "queued": report.queued,
        "quiet": len(team.nothing_due),
        "soon": sum(len(r.soon) for r in team.reminders),
        "due": sum(1 for r in team.reminders for i in (*r.soon, *r.due) if i.next_date is not None),
        "already": team.already_queued,
    }


def render_all(services: Services) -> dict[str, Any]:
    with services.db.read() as session:
        rows = list(
            session.execute(
                select(Notification).where(col(Notification.kind) == MORNING_REMINDER.name)
            ).scalars()
        )
    blocks = sum(
        len(render(services, OutboxItem(r.id or 0, r.kind, dict(r.payload), r.recipient_id), "zh-CN").blocks)
        for r in rows
    )
    return {
        "reminders": len(rows),
        "queued": 0,
        "quiet": 0,
        "soon": 0,
        "due": 0,
        "already": 0,
        "blocks": blocks,
    }


def measure(url: str, phase: str, timeout: float) -> dict[str, Any] | None:
    """Run ``phase`` in a fresh process; None when it did not finish within ``timeout`` seconds."""
    context = processes()
    answer = context.Queue()
    worker = context.Process(target=run_phase, args=(url, phase, answer))
    worker.start()
    try:
        result: dict[str, Any] = answer.get(timeout=timeout)
    except queue.Empty:
        worker.terminate()
        worker.join()
        return None
    worker.join()
    return result


# ---- the run -------------------------------------------------------------------------------------------


PHASES = (("dry run", "dry"), ("run", "run"), ("run again", "again"), ("render", "render"))


def bench(kind: str, reps: int, per_rep: int, timeout: float) -> list[list[object]]:
    rows: list[list[object]] = []
    with scratch_database(kind) as url:
        print(f"{kind}:", flush=True)
        prepare(url, bench_config(reps, **POOL_RULES))
        db = Database.from_url(url)
        start = time.perf_counter()
        expected = fill(db, per_rep)
        analyze(db)
        print(
            f"  fill {reps * per_rep:,} customers and their follow-ups: {time.perf_counter() - start:.1f} s",
            flush=True,
        )
        for label, phase in PHASES:
            result = measure(url, phase, timeout)
            if result is None:
                rows.append([kind, label, f"timed out after {timeout:.0f} s", "", "", "", "", "", ""])
                continue
            check(phase, result, expected, reps)
            rows.append(row_of(kind, label, result))
        db.dispose()
    return rows


def check(phase: str, result: dict[str, Any], expected: Expected, reps: int) -> None:
    """Stop with an error when the reminders disagree with what was put in."""
    if phase in ("dry", "run"):
        got = (result["reminders"], result["quiet"], result["soon"], result["due"])
        want = (len(expected.reps), reps - len(expected.reps), expected.soon, expected.due)
        if got != want or (phase == "run" and result["queued"] != len(expected.reps)):
            raise SystemExit(
                f"{phase}: (reminders, quiet, soon, due) = {got}, expected {want}; queued {result['queued']}"
            )
    reminded = len(expected.reps)  # every rep at the default sizes; not at --tiny's
    if phase == "again" and (result["queued"], result["already"]) != (0, reminded):
        raise SystemExit(
            f"run again: queued {result['queued']}, already {result['already']} of the {reminded} reminded"
        )


TARGET = 1.0  # seconds: every rep's reminder composed and queued (the "run" phase)


def row_of(kind: str, label: str, r: dict[str, Any]) -> list[object]:
    target = "-"
    if label == "run":
        target = f"{r['seconds'] / TARGET:.2f} {'ok' if r['seconds'] <= TARGET else 'over'}"
    return [
        kind,
        label,
        f"{r['reminders']:,}",
        f"{r['queued']:,}",
        f"{r['seconds']:.2f}",
        target,
        f"{r['peak_mb']:.0f} (+{r['grew_mb']:.0f})",
        f"{r['statements']:,}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--reps", type=int, default=5_000)
    parser.add_argument("--per-rep", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed for each phase")
    args = parse_args(parser, tiny={"reps": 20, "per_rep": 5})
    kinds = db_kinds(args.db)
    print(machine(kinds), flush=True)
    started = time.perf_counter()
    rows: list[list[object]] = []
    for kind in kinds:
        rows += bench(kind, args.reps, args.per_rep, args.timeout)
    print()
    print(
        table(
            [
                "database",
                "phase",
                "reminders",
                "rows queued",
                "seconds",
                f"÷ {TARGET:.0f} s target",
                "peak RSS MB (+phase)",
                "SQL statements",
            ],
            rows,
        )
    )
    print(
        f"\n{args.reps:,} reps x {args.per_rep} customers; total {time.perf_counter() - started:.0f} s; "
        f"at the end {load_average()}"
    )


if __name__ == "__main__":
    main()
