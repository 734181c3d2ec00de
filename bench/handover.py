"""A handover of one big book: ``auto`` (each pool's strategy), ``pool`` and ``<member>``.

    python bench/handover.py [--db sqlite|postgresql|both] [--book 20000] [--reps 50] [--tiny]

For each database and mode: a fresh database with one team of ``--reps`` reps (each capped far
above the book, so everything moves), ``--book`` customers owned by rep0 over two pools, then one
``hand_over()`` as the manager, timed, in this process. Figures: wall time, customers moved, rows
written (events, notices), and the customers moved per second.
"""

from __future__ import annotations

import argparse
import time

from _common import (
    NameMaker,
    analyze,
    bench_config,
    bulk_insert,
    customer_rows,
    db_kinds,
    machine,
    parse_args,
    prepare,
    scratch_database,
    table,
    utcnow,
)
from sqlalchemy import func, select
from sqlmodel import Session, col

from bot.domain.clock import FakeClock
from bot.domain.context import Services, load_member
from bot.domain.handover import Target, hand_over
from bot.storage import members, teams
from bot.storage.engine import Database
from bot.storage.models import Notification, OwnershipEvent

MODES = ("auto", "pool", "member")


def run(kind: str, mode: str, book: int, reps: int) -> list[object]:
    with scratch_database(kind) as url:
        prepare(url, bench_config(reps, max_held_per_rep=book + 1))
        db = Database.from_url(url)
        try:
            with db.read() as session:
                found = [members.member_by_identity(session, "handle", h) for h in ("boss", "rep0", "rep1")]
                pools = [_pool_id(session, name) for name in ("east-main", "east-vip")]
            boss, rep0, rep1 = (int(f[0].id or 0) for f in found if f is not None)
            bulk_insert(db, customer_rows(NameMaker(book), book, pools, [rep0], 1.0, utcnow()))
            analyze(db)
            services = Services(db=db, clock=FakeClock(utcnow()))
            with db.read() as session:
                manager = load_member(session, boss)
            to: Target = rep1 if mode == "member" else ("auto" if mode == "auto" else "pool")
            started = time.perf_counter()
            outcome = hand_over(services, manager=manager, team_id=manager.team.id, member_id=rep0, to=to)
            seconds = time.perf_counter() - started
            with db.read() as session:
                events = session.scalar(select(func.count()).select_from(OwnershipEvent)) or 0
                notices = session.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(col(Notification.kind) != "claim_request")
                )
            moved = len(outcome.moved)
            return [kind, mode, f"{moved:,}", f"{seconds:.2f} s", f"{moved / seconds:,.0f}", events, notices]
        finally:
            db.dispose()


def _pool_id(session: Session, name: str) -> int:
    pool = teams.pool_by_name(session, name)
    assert pool is not None and pool.id is not None
    return pool.id


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--book", type=int, default=20_000, help="customers the departing rep owns")
    parser.add_argument("--reps", type=int, default=50, help="reps of the team")
    args = parse_args(parser, {"book": 300, "reps": 3})
    kinds = db_kinds(args.db)
    print(machine(kinds))
    rows = [run(kind, mode, args.book, args.reps) for kind in kinds for mode in MODES]
    header = ("database", "mode", "moved", "hand_over()", "customers/s", "events", "notices")
    print(table(header, rows))


if __name__ == "__main__":
    main()
