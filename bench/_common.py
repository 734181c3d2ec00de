"""Shared set-up for the benchmark scripts: scratch databases, a team config, names, the machine.

Not a package: the scripts run as ``python bench/<name>.py``, which puts this folder on sys.path.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.context import ForkServerContext, SpawnContext
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from pypinyin import Style, lazy_pinyin
from sqlalchemy import insert, text

from bot.config import PoolbotConfig
from bot.domain.setup import sync_config
from bot.names import name_key, search_key
from bot.storage.engine import Database
from bot.storage.migrate import downgrade, upgrade
from bot.storage.models import Customer

PG_ADMIN_URL = os.environ.get("POOLBOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_KINDS = ("sqlite", "postgresql")
TEAM = "east"
OTHER_TEAM = "west"


# ---- processes -----------------------------------------------------------------------------------


_FORK_SERVER = False  # set by parse_args for --tiny


def processes() -> SpawnContext | ForkServerContext:
    """How the scripts start their worker and phase processes.

    Normally ``spawn``: each process imports poolbot itself before its clock starts, and runs
    nothing but its own imports and phase (no copy-on-write faults inside a timed phase). With
    ``--tiny``, where starting processes is most of the run and the figures mean nothing, a fork
    server that has imported poolbot's modules once (those the script has loaded, and with them
    SQLAlchemy, psycopg, matplotlib...): a process starts in a fraction of a second instead of
    1-2 s. The modules are named explicitly because on Python 3.11 the fork server's default
    ``"__main__"`` preload never receives the script's path."""
    if not _FORK_SERVER:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(sorted(name for name in sys.modules if name.split(".")[0] == "bot"))
    return context


# ---- databases -----------------------------------------------------------------------------------


def db_kinds(choice: str) -> tuple[str, ...]:
    return DB_KINDS if choice == "both" else (choice,)


def parse_args(parser: argparse.ArgumentParser, tiny: dict[str, Any]) -> argparse.Namespace:
    """The script's options, plus ``--tiny``: ``tiny``'s values become the defaults (options given
    on the command line still win), the smallest run that still goes through every step and prints
    every figure. CI runs each script with ``--tiny`` so none can rot; its figures mean nothing."""
    parser.add_argument(
        "--tiny", action="store_true", help=f"a smoke run in seconds ({_options(tiny)}); figures are noise"
    )
    args = parser.parse_args()
    if args.tiny:
        global _FORK_SERVER
        _FORK_SERVER = True
        parser.set_defaults(**tiny)
        args = parser.parse_args()
    return args


def _options(values: dict[str, Any]) -> str:
    flags = [(f"--{name.replace('_', '-')}", value) for name, value in values.items()]
    return " ".join(flag if value is True else f"{flag} {value}" for flag, value in flags)


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """A new, empty database of ``kind``; yields its SQLAlchemy URL and drops it afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="poolbot_bench_") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"poolbot_bench_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{base}/{name}"
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(statement: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(statement.encode())


def bench_config(reps: int, **pool: Any) -> PoolbotConfig:
    """One team with a manager and ``reps`` reps (handles rep0, rep1, ...), two pools, and a
    second team whose customers must never show up in the first team's searches."""
    members = [{"handle": "boss", "name": "Boss", "team": TEAM, "role": "manager"}]
    members += [{"handle": f"rep{i}", "name": f"Rep {i}", "team": TEAM, "role": "rep"} for i in range(reps)]
    members.append({"handle": "wrep", "name": "West Rep", "team": OTHER_TEAM, "role": "rep"})
    return PoolbotConfig.model_validate(
        {
            "teams": [{"name": TEAM, "locale": "en"}, {"name": OTHER_TEAM, "locale": "zh-CN"}],
            "members": members,
            "pools": [
                {"name": "east-main", "team": TEAM, **pool},
                {"name": "east-vip", "team": TEAM, **pool},
                {"name": "west-main", "team": OTHER_TEAM, **pool},
            ],
        }
    )


def prepare(url: str, config: PoolbotConfig, revision: str = "head") -> None:
    """Migrate ``url`` to head and sync ``config``, then step the schema back down to ``revision``
    if it is an earlier one: a script fills its customers there and then runs the later migrations,
    so their indexes are built over a filled table. The config is synced at head because
    ``sync_config`` writes tables of later migrations (``pool_assignment``); the team, member and
    pool rows survive the downgrade (they live in 0001's tables), the later tables' rows do not
    (the bench configs put none there)."""
    upgrade(url)
    db = Database.from_url(url)
    try:
        sync_config(db, config)
    finally:
        db.dispose()
    if revision != "head":
        downgrade(url, revision)


def analyze(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def vacuum_analyze(db: Database) -> None:
    """PostgreSQL: VACUUM ANALYZE, as autovacuum does on a server some time after a bulk insert
    (since PostgreSQL 13 inserts alone trigger it). Until then the visibility map is empty and no
    scan is index-only: a filter's capped count reads 10,000 table rows instead of index entries.
    SQLite: ANALYZE."""
    if db.is_sqlite:
        analyze(db)
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


# ---- customers -----------------------------------------------------------------------------------

CITIES = (
    "杭州",
    "上海",
    "北京",
    "深圳",
    "广州",
    "苏州",
    "南京",
    "成都",
    "武汉",
    "西安",
    "宁波",
    "厦门",
    "青岛",
    "天津",
    "长沙",
    "合肥",
    "郑州",
    "济南",
    "福州",
    "昆明",
)
BRAND_FIRST = "云星华金蓝瑞天恒鼎博新嘉宏万启中汇东永远明安泰盛优聚朗卓信和通"
BRAND_SECOND = "帆辰信桥海丰成达盛远元禾象明科智方城航德康源泽宇峰锐创联美景耀图"
TRADES = (
    "科技",
    "贸易",
    "物流",
    "医药",
    "电子",
    "机械",
    "食品",
    "建材",
    "软件",
    "网络",
    "传媒",
    "教育",
    "咨询",
    "能源",
    "化工",
    "纺织",
    "环保",
    "汽车",
    "家居",
    "农业",
)
CN_SUFFIXES = ("有限公司", "股份有限公司", "集团", "有限责任公司")
EN_FIRST = (
    "Blue",
    "North",
    "Silver",
    "Bright",
    "Green",
    "Pacific",
    "Golden",
    "Rapid",
    "Summit",
    "Harbor",
    "Apex",
    "Cedar",
    "Crystal",
    "Eagle",
    "Iron",
    "Lotus",
    "Maple",
    "Nova",
    "Orion",
    "Pioneer",
)
EN_SECOND = (
    "River",
    "Stone",
    "Bridge",
    "Field",
    "Peak",
    "Wave",
    "Star",
    "Gate",
    "Point",
    "Light",
    "Rock",
    "Ridge",
    "Bay",
    "Forge",
    "Crest",
    "Path",
    "Line",
    "Works",
    "Hill",
    "Lake",
)
EN_TRADES = (
    "Logistics",
    "Software",
    "Trading",
    "Medical",
    "Electronics",
    "Machinery",
    "Foods",
    "Materials",
    "Networks",
    "Media",
    "Education",
    "Consulting",
    "Energy",
    "Chemicals",
)
EN_SUFFIXES = ("Ltd", "Inc", "Co Ltd", "LLC", "GmbH", "Corp")
INDUSTRIES = (
    "Software",
    "Logistics",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Education",
    "Finance",
    "Energy",
)
REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北", "海外")
SIZES = ("1-50", "51-200", "201-1000", "1000+")
TAGS = ("", "", "", "", "展会", "老客户", "trade show", "referral", "展会,老客户", "官网询盘")
PRIORITY_WEIGHTS = {"A": 20, "B": 50, "C": 30}


@dataclass(frozen=True)
class Keys:
    name_key: str
    full: str  # pinyin syllables of the part
    initials: str


class NameMaker:
    """Realistic customer names from a small vocabulary; search keys come from per-part caches.

    ``search_key`` of a Chinese name is the concatenation of its parts' pinyin, so it is computed
    once per vocabulary part instead of once per customer (``check`` compares with the real one).
    """

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.brands = [a + b for a in BRAND_FIRST for b in BRAND_SECOND]
        self._keys: dict[str, Keys] = {}

    def _part(self, part: str) -> Keys:
        found = self._keys.get(part)
        if found is None:
            full = name_key("".join(s for s in lazy_pinyin(part) if s.strip()))
            initials = name_key("".join(lazy_pinyin(part, style=Style.FIRST_LETTER)))
            found = self._keys[part] = Keys(name_key(part), full, initials)
        return found

    def chinese(self) -> tuple[str, str, str]:
        rng = self.rng
        parts = (rng.choice(CITIES), rng.choice(self.brands), rng.choice(TRADES), rng.choice(CN_SUFFIXES))
        keys = [self._part(p) for p in parts]
        search = "".join(k.full for k in keys) + "|" + "".join(k.initials for k in keys)
        return "".join(parts), "".join(k.name_key for k in keys), search

    def english(self) -> tuple[str, str, str]:
        rng = self.rng
        parts = (rng.choice(EN_FIRST), rng.choice(EN_SECOND), rng.choice(EN_TRADES), rng.choice(EN_SUFFIXES))
        name = " ".join(parts)
        return name, "".join(self._part(p).name_key for p in parts), ""

    def name(self) -> tuple[str, str, str]:
        return self.chinese() if self.rng.random() < 0.7 else self.english()

    def check(self, samples: int = 2000) -> int:
        """How many of ``samples`` generated names get keys different from bot.names."""
        wrong = 0
        for _ in range(samples):
            name, key, search = self.name()
            wrong += (key, search) != (name_key(name), search_key(name))
        return wrong


def customer_rows(
    maker: NameMaker,
    count: int,
    pools: Sequence[int],
    owners: Sequence[int],
    owned_share: float,
    now: datetime,
) -> Iterator[dict[str, Any]]:
    """``count`` customer rows spread over ``pools``; ``owned_share`` of them owned by ``owners``."""
    rng = maker.rng
    priorities = rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()), k=count)
    for index in range(count):
        name, key, search = maker.name()
        owner = rng.choice(owners) if owners and rng.random() < owned_share else None
        yield {
            "name": name,
            "name_key": key,
            "search_key": search,
            "contact": "张先生",
            "phone": f"138{index:08d}",
            "phone_key": f"138{index:08d}",
            "email": None,
            "industry": rng.choice(INDUSTRIES),
            "region": rng.choice(REGIONS),
            "size": rng.choice(SIZES),
            "priority": priorities[index],
            "stage": "new",
            "tags": rng.choice(TAGS),
            "pool_id": rng.choice(pools),
            "owner_id": owner,
            "pending_member_id": None,
            "owned_since": now if owner else None,
            "last_touch_at": now if owner else None,
            "won_at": None,
            "locked": False,
            "created_at": now,
        }


COLUMNS = (
    "name",
    "name_key",
    "search_key",
    "contact",
    "phone",
    "phone_key",
    "email",
    "industry",
    "region",
    "size",
    "priority",
    "stage",
    "tags",
    "pool_id",
    "owner_id",
    "pending_member_id",
    "owned_since",
    "last_touch_at",
    "won_at",
    "locked",
    "created_at",
)


def bulk_insert(db: Database, rows: Iterable[dict[str, Any]], batch: int = 20_000) -> int:
    """Insert ``rows`` (PostgreSQL: COPY; SQLite: executemany in batches); returns the count."""
    if db.is_sqlite:
        return _insert_batches(db, rows, batch)
    return _copy_rows(db, rows)


def fill_customers(db: Database, rows: Iterable[dict[str, Any]], batch: int = 50_000) -> int:
    """Insert ``rows`` (every one with the keys of :data:`COLUMNS`) the fastest way each database
    takes them: COPY on PostgreSQL; on SQLite one transaction of executemany on the driver's
    connection, timestamps written as SQLAlchemy stores them (no per-row type processing: a
    million rows in seconds, not minutes). Returns the count."""
    if not db.is_sqlite:
        return _copy_rows(db, rows)
    values = (tuple(sqlite_value(row[c]) for c in COLUMNS) for row in rows)
    return sqlite_fill(db, COLUMNS, values, batch)


def sqlite_fill(db: Database, columns: Sequence[str], values: Iterable[tuple[Any, ...]], batch: int) -> int:
    """``values`` into ``customer (columns)`` in one transaction of executemany on the driver's
    connection (values already as SQLite stores them); returns the count."""
    statement = f"INSERT INTO customer ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    raw = db.engine.raw_connection()
    count = 0
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        while chunk := list(itertools.islice(values, batch)):
            cursor.executemany(statement, chunk)
            count += len(chunk)
        cursor.execute("COMMIT")
    finally:
        raw.close()
    return count


def sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy stores it on SQLite: a timestamp as UTC text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _insert_batches(db: Database, rows: Iterable[dict[str, Any]], batch: int) -> int:
    """executemany into the columns the rows name, not the model's: a script fills the table at an
    earlier revision, which lacks columns the model gives defaults (``dup_key``)."""
    count = 0
    chunk: list[dict[str, Any]] = []
    with db.engine.begin() as conn:
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch:
                conn.execute(insert(_customer_table(chunk[0])), chunk)
                count, chunk = count + len(chunk), []
        if chunk:
            conn.execute(insert(_customer_table(chunk[0])), chunk)
            count += len(chunk)
    return count


def _customer_table(row: dict[str, Any]) -> sqlalchemy.TableClause:
    """The customer table with only the columns of ``row`` (their types from the model, so
    timestamps are stored as the model stores them)."""
    model = Customer.__table__.c  # type: ignore[attr-defined]  # a table=True model's columns
    return sqlalchemy.table("customer", *(sqlalchemy.column(name, model[name].type) for name in row))


def _copy_rows(db: Database, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    raw = db.engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        statement = f"COPY customer ({', '.join(COLUMNS)}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in COLUMNS])
                count += 1
        raw.commit()
    finally:
        raw.close()
    return count


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---- figures and the machine ---------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [list(map(str, header)), *[list(map(str, row)) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine(kinds: Iterable[str]) -> str:
    lines = [
        f"cores: {os.cpu_count()}  cpu: {_cpu_model()}  memory: {_memory_gib()} GiB",
        f"python {platform.python_version()}  SQLAlchemy {sqlalchemy.__version__}",
        load_average(),
    ]
    for kind in kinds:
        version = sqlite3.sqlite_version if kind == "sqlite" else _pg_version()
        lines.append(f"{kind} {version}")
    return "\n".join(lines)


def load_average() -> str:
    """The 1/5/15-minute load: other work on the machine skews every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f} {five:.2f} {fifteen:.2f}"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        first = Path("/proc/meminfo").read_text().splitlines()[0]
        return f"{int(first.split()[1]) / 1024 / 1024:.0f}"
    except (OSError, IndexError, ValueError):
        return "?"


def _pg_version() -> str:
    with psycopg.connect(PG_ADMIN_URL) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"
