"""Importing a 1M-row CSV: rows per second and peak memory, on SQLite and PostgreSQL.

    python bench/import.py [--db sqlite|postgresql|both] [--rows 1000000] [--runs 3] [--dry-run] [--tiny]

Writes one CSV of ``--rows`` customers (70 % Chinese and 30 % English company names, each made
unique by a number, a unique phone, a contact, a region, a priority and tags), then, for each
database and run, imports it with ``bot.importer.import_file`` into a fresh, empty database (so
every run inserts every row), in a fresh process: its peak RSS (VmHWM) is the import's own, with
poolbot and its libraries loaded. ``--dry-run`` adds a dry run of the same file per database
(it keeps a hash of every name and phone, so it needs more memory than the real import).

Targets (issue 12): 1M rows under 300 MB peak RSS, and under 60 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    CITIES,
    TEAM,
    NameMaker,
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
)

from bot.domain.clock import FakeClock
from bot.importer import import_file
from bot.storage.engine import Database

POOL = f"{TEAM}-main"
NOW_ISO = "2026-11-23T02:00:00+00:00"


def write_csv(path: Path, rows: int, seed: int = 12) -> None:
    maker = NameMaker(seed)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["客户名称", "联系人", "电话", "地区", "优先级", "标签"])
        for index in range(rows):
            name, _, _ = maker.name()
            phone = f"1{30 + index % 60} {index // 10_000 % 10_000:04d} {index % 10_000:04d}"
            writer.writerow(
                [
                    f"{name} {index}",
                    rng.choice(("王磊", "李娜", "Ann Lee", "张伟", "")),
                    phone,
                    rng.choice(CITIES),
                    rng.choice("ABBC高中低"),
                    rng.choice(("", "展会", "老客户,转介绍", "web")),
                ]
            )


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; ``ru_maxrss`` would include the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_import(url: str, path: str, dry_run: bool, answer: Any) -> None:
    """One import in this (fresh) process; sends (seconds, imported, skipped, errors, peak MB)."""
    from datetime import datetime

    db = Database.from_url(url)
    before = peak_rss_mb()
    started = time.perf_counter()
    report = import_file(
        db, FakeClock(datetime.fromisoformat(NOW_ISO)), Path(path), pool_name=POOL, dry_run=dry_run
    )
    seconds = time.perf_counter() - started
    db.dispose()
    answer.put((seconds, report.imported, report.skipped_total, report.errors_total, before, peak_rss_mb()))


def measure(kind: str, path: Path, dry_run: bool) -> tuple[float, int, int, int, float, float]:
    with scratch_database(kind) as url:
        prepare(url, bench_config(reps=2))
        context = processes()
        answer = context.Queue()
        worker = context.Process(target=run_import, args=(url, str(path), dry_run, answer))
        worker.start()
        result: tuple[float, int, int, int, float, float] = answer.get()
        worker.join()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dry-run", action="store_true", help="also time a dry run per database")
    args = parse_args(parser, tiny={"rows": 2_000, "runs": 1, "dry_run": True})
    kinds = db_kinds(args.db)
    print(machine(kinds), flush=True)
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="poolbot_bench_import_") as folder:
        path = Path(folder) / "customers.csv"
        started = time.perf_counter()
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / (1 << 20)
        print(
            f"{args.rows:,} rows, {size_mb:,.1f} MB of CSV, written in {time.perf_counter() - started:.1f} s"
        )
        for kind in kinds:
            modes = [False, True] if args.dry_run else [False]
            for dry_run in modes:
                runs = []
                for run in range(args.runs if not dry_run else 1):
                    result = measure(kind, path, dry_run)
                    runs.append(result)
                    seconds, imported, skipped, errors, _, peak = result
                    print(
                        f"{kind} {'dry run' if dry_run else 'import'} run {run + 1}: {seconds:.1f} s, "
                        f"{imported:,} imported, {skipped:,} skipped, {errors:,} errors, "
                        f"peak {peak:.0f} MB; {load_average()}",
                        flush=True,
                    )
                    if imported + skipped + errors != args.rows:
                        raise SystemExit(
                            f"{kind}: {imported + skipped + errors:,} rows reported, not {args.rows:,}"
                        )
                seconds = median([r[0] for r in runs])
                rows.append(
                    [
                        kind,
                        "dry run" if dry_run else "import",
                        f"{args.rows:,}",
                        len(runs),
                        f"{seconds:.1f}",
                        f"{args.rows / seconds:,.0f}",
                        f"{median([r[4] for r in runs]):.0f}",
                        f"{median([r[5] for r in runs]):.0f}",
                    ]
                )
    print()
    header = ["database", "mode", "rows", "runs", "median s", "rows/s", "MB at start", "peak RSS MB"]
    print(table(header, rows))


if __name__ == "__main__":
    main()
