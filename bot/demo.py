"""Demo data: a small team and about 200 customers, so anyone can try poolbot in a minute.

The pools have deliberately small caps (5 held, 3 claims a day) so a new user hits every rule
within minutes. Everything is deterministic (a seeded random generator) and loading is
idempotent: the team, members and pools are upserted by name, and a customer is added only when
no customer of the same name is in the demo pools yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from pypinyin import lazy_pinyin
from sqlmodel import Session

from bot.config import MemberConfig, PoolbotConfig, PoolConfig, RecycleDays, TeamConfig
from bot.domain.catalog import NewCustomer, add_customers
from bot.domain.claims import claim
from bot.domain.clock import Clock, FakeClock
from bot.domain.context import Services
from bot.domain.followups import follow_up
from bot.domain.lookup import member_for
from bot.domain.setup import sync_config
from bot.names import duplicate_key, name_key
from bot.storage import catalog, customers, members, teams
from bot.storage.engine import Database

TEAM = "demo"
MAIN_POOL = "demo-main"
KEY_POOL = "demo-key-accounts"
SEED = 20_261_123
MAIN_COUNT = 170
KEY_COUNT = 30

# The customers the README walkthrough names; always present, always first.
YUNFAN = NewCustomer(
    name="杭州云帆科技有限公司",
    contact="王磊",
    phone="13800571001",
    email="wanglei@yunfan.cn",
    industry="software",
    region="East",
    size="51-200",
    priority="A",
    tags="SaaS,展会",
)
NORTHWIND = NewCustomer(
    name="Northwind Traders",
    contact="Nancy Davolio",
    phone="13900212002",
    email="nancy@northwindtraders.com",
    industry="retail",
    region="North",
    size="201-1000",
    priority="B",
    tags="wholesale,referral",
)
CONTOSO = NewCustomer(
    name="Contoso Ltd",
    contact="Megan Bowen",
    phone="13700103003",
    email="megan@contoso.com",
    industry="manufacturing",
    region="South",
    size="1000+",
    priority="A",
    tags="key account,tender",
)

_CITIES = {
    "杭州": "East",
    "上海": "East",
    "南京": "East",
    "苏州": "East",
    "宁波": "East",
    "深圳": "South",
    "广州": "South",
    "厦门": "South",
    "北京": "North",
    "天津": "North",
    "青岛": "North",
    "成都": "West",
    "重庆": "West",
    "西安": "West",
    "武汉": "West",
}
_WORDS = (
    "星辰",
    "华信",
    "远航",
    "明德",
    "博雅",
    "恒通",
    "瑞丰",
    "金石",
    "天成",
    "鼎盛",
    "新锐",
    "汇智",
    "聚力",
    "卓越",
    "安泰",
    "海纳",
    "启明",
    "润泽",
    "嘉禾",
    "正阳",
    "蓝海",
    "长青",
)
_CN_TRADES = {
    "software": ("科技", "软件", "信息技术", "网络科技"),
    "manufacturing": ("机械", "精密制造", "电子", "新材料"),
    "retail": ("商贸", "百货", "贸易"),
    "logistics": ("物流", "供应链", "运输"),
    "healthcare": ("医疗器械", "生物科技", "健康管理"),
    "education": ("教育科技", "文化传播"),
}
_CN_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团")
_EN_FIRST = (
    "Blue",
    "Silver",
    "Summit",
    "Harbor",
    "Pioneer",
    "Atlas",
    "Evergreen",
    "Redwood",
    "Granite",
    "Maple",
    "Lakeside",
    "Bright",
    "Golden",
    "Iron",
    "Crescent",
    "Falcon",
    "Orchid",
    "Cedar",
)
_EN_TRADES = {
    "software": ("Systems", "Software", "Analytics", "Cloud"),
    "manufacturing": ("Robotics", "Machinery", "Textiles", "Components"),
    "retail": ("Markets", "Foods", "Outfitters"),
    "logistics": ("Logistics", "Freight", "Shipping"),
    "healthcare": ("Medical", "Health", "Labs"),
    "education": ("Learning", "Academy"),
}
_EN_SUFFIXES = ("Inc", "Ltd", "LLC", "Co", "Group")
_CN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_CN_GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "霞", "平")
_EN_PEOPLE_FIRST = ("James", "Mary", "Robert", "Linda", "Michael", "Susan", "David", "Karen", "Lisa")
_EN_PEOPLE_LAST = ("Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Clark", "Lewis")
_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
_TAGS = ("展会", "老客户", "转介绍", "官网", "referral", "trade-show", "inbound", "webinar", "renewal")
# Words the walkthrough names must match only their own customer, so no generated name uses them.
_RESERVED = ("云帆", "northwind", "contoso")


class DemoError(Exception):
    """The demo cannot be loaded without taking over real data; the message says what clashes."""


@dataclass(frozen=True)
class DemoReport:
    team: str
    members: tuple[str, ...]
    pools: tuple[str, ...]
    added: int
    total: int

    def lines(self) -> list[str]:
        """What was loaded, and how to start."""
        if self.added:
            first = f"Demo data loaded: {self.added} customers added to pools {', '.join(self.pools)}."
        else:
            first = f"Demo data already loaded: nothing added ({self.total} customers in the demo pools)."
        return [
            first,
            f"Team {self.team}: maria (manager), alice, bob and chen (reps), admin (admin).",
            f"{MAIN_POOL}: claim directly, at most 5 held and 3 claims a day per rep; "
            f"{KEY_POOL}: every claim needs a manager's approval.",
            "Try: /pool, /claim 杭州云帆科技有限公司, /claim Northwind Traders, /claim Contoso Ltd.",
        ]

    def describe(self) -> str:
        return "\n".join(self.lines())


def demo_config() -> PoolbotConfig:
    team = TeamConfig(name=TEAM, timezone="Asia/Shanghai", locale="en")
    people = (
        MemberConfig(handle="maria", name="Maria Chen", team=TEAM, role="manager"),
        MemberConfig(handle="alice", name="Alice Wang", team=TEAM, role="rep"),
        MemberConfig(handle="bob", name="Bob Li", team=TEAM, role="rep"),
        MemberConfig(handle="chen", name="陈静", team=TEAM, role="rep"),
        MemberConfig(handle="admin", name="Admin", team=TEAM, role="admin"),
    )
    pools = (
        PoolConfig(
            name=MAIN_POOL,
            team=TEAM,
            claim_requires_approval=False,
            max_held_per_rep=5,
            daily_claim_limit=3,
            reclaim_cooldown_days=7,
            recycle_days=RecycleDays(A=7, B=15, C=30),
            warn_days=3,
            hide_contact_in_pool=True,
        ),
        PoolConfig(
            name=KEY_POOL,
            team=TEAM,
            claim_requires_approval=True,
            max_held_per_rep=5,
            daily_claim_limit=3,
        ),
    )
    return PoolbotConfig(teams=(team,), members=people, pools=pools)


def demo_customers() -> dict[str, list[NewCustomer]]:
    """The demo customers by pool: the same list every time, names unique even ignoring suffixes."""
    rng = random.Random(SEED)
    phones = {c.phone for c in (YUNFAN, NORTHWIND, CONTOSO)}
    seen = {duplicate_key(c.name) for c in (YUNFAN, NORTHWIND, CONTOSO)}  # name_key of the core
    generated: list[NewCustomer] = []
    while len(generated) < MAIN_COUNT + KEY_COUNT - 3:
        core, customer = _random_customer(rng, phones)
        key = name_key(core)
        if key in seen or any(word in key for word in _RESERVED):
            continue
        seen.add(key)
        assert customer.phone is not None
        phones.add(customer.phone)
        generated.append(customer)
    split = MAIN_COUNT - 2
    return {MAIN_POOL: [YUNFAN, NORTHWIND, *generated[:split]], KEY_POOL: [CONTOSO, *generated[split:]]}


def _random_customer(rng: random.Random, taken_phones: set[str | None]) -> tuple[str, NewCustomer]:
    """A random customer and its name without the legal suffix (uniqueness is judged on that)."""
    industry = rng.choice(tuple(_CN_TRADES))
    chinese = rng.random() < 0.6
    if chinese:
        city = rng.choice(tuple(_CITIES))
        word = rng.choice(_WORDS)
        core = f"{city}{word}{rng.choice(_CN_TRADES[industry])}"
        name = core + rng.choice(_CN_SUFFIXES)
        region = _CITIES[city]
        contact = rng.choice(_CN_SURNAMES) + "".join(rng.sample(_CN_GIVEN, rng.choice((1, 2))))
        domain = "".join(lazy_pinyin(word + city)) + ".cn"
    else:
        core = f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_TRADES[industry])}"
        name = f"{core} {rng.choice(_EN_SUFFIXES)}"
        region = rng.choice(("East", "South", "North", "West"))
        contact = f"{rng.choice(_EN_PEOPLE_FIRST)} {rng.choice(_EN_PEOPLE_LAST)}"
        domain = name_key(core) + ".com"
    return core, NewCustomer(
        name=name,
        contact=contact,
        phone=_phone(rng, taken_phones),
        email=f"sales@{domain}" if rng.random() < 0.7 else None,
        industry=industry,
        region=region,
        size=rng.choice(_SIZES),
        priority=rng.choices(("A", "B", "C"), weights=(2, 5, 3))[0],
        tags=",".join(rng.sample(_TAGS, rng.choice((0, 1, 1, 2)))),
    )


def _phone(rng: random.Random, taken: set[str | None]) -> str:
    while True:
        phone = f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
        if phone not in taken:
            return phone


def load_demo(db: Database, clock: Clock) -> DemoReport:
    """Create (or refresh) the demo team, members and pools, then add the missing demo customers.

    Raises :class:`DemoError`, changing nothing, when a demo handle or pool name already belongs
    to another team: loading would otherwise move a real member into the demo team.
    """
    config = demo_config()
    _refuse_clashes(db, config)
    sync_config(db, config)
    wanted = demo_customers()
    added = 0
    imported_at = FakeClock(clock.now() - timedelta(days=HISTORY_DAYS))
    with db.write() as session:
        admin = members.member_by_identity(session, "handle", "admin")
        admin_id = admin[0].id if admin else None
        for pool_name, pool_customers in wanted.items():
            added += _add_missing(session, pool_name, pool_customers, imported_at, admin_id)
        total = catalog.count_in_pools(session, tuple(wanted))
    if added:
        _play_history(db, clock)
    return DemoReport(
        team=TEAM,
        members=tuple(m.handle for m in config.members),
        pools=tuple(wanted),
        added=added,
        total=total,
    )


# Bob's and Chen's books, so /mine, /customer and the scheduler have something to show: which rep
# claimed the n-th customer from the end of demo-main how many days ago, and when they last
# followed it up (None: never). Played through the real use cases with a clock set in the past.
HISTORY_DAYS = 30
BOOKS: tuple[tuple[str, int, int | None], ...] = (
    ("bob", 20, 6),
    ("bob", 13, None),
    ("bob", 9, 3),
    ("bob", 4, None),
    ("chen", 25, 10),
    ("chen", 12, None),
    ("chen", 6, 2),
    ("chen", 2, None),
)


def _play_history(db: Database, clock: Clock) -> None:
    with db.read() as session:
        pool = teams.pool_by_name(session, MAIN_POOL)
        assert pool is not None and pool.id is not None
        last = customers.newest_ids(session, pool.id, len(BOOKS))
    for customer_id, (handle, claimed_ago, followed_ago) in zip(last, BOOKS, strict=True):
        past = FakeClock(clock.now() - timedelta(days=claimed_ago))
        services = Services(db=db, clock=past)
        rep = member_for(services, platform="console", user_id=handle)
        claim(services, member=rep, customer_id=customer_id, reason="demo history")
        if followed_ago is not None:
            past.set(clock.now() - timedelta(days=followed_ago))
            follow_up(
                services, member=rep, customer_id=customer_id, note="需求沟通 / discussed needs", kind="call"
            )


def _refuse_clashes(db: Database, config: PoolbotConfig) -> None:
    handles = [m.handle for m in config.members]
    pools = [p.name for p in config.pools]
    with db.read() as session:
        taken_handles = members.handles_in_other_teams(session, handles, TEAM)
        taken_pools = teams.pools_in_other_teams(session, pools, TEAM)
    clashes = [f"member {h} (team {t})" for h, t in taken_handles]
    clashes += [f"pool {p} (team {t})" for p, t in taken_pools]
    if clashes:
        raise DemoError(
            "Cannot load the demo: these names already belong to another team: "
            + ", ".join(clashes)
            + ". Use an empty database for the demo."
        )


def _add_missing(
    session: Session, pool_name: str, candidates: list[NewCustomer], clock: Clock, actor_id: int | None
) -> int:
    pool = teams.pool_by_name(session, pool_name)
    assert pool is not None and pool.id is not None
    present = catalog.present_name_keys(session, [name_key(c.name) for c in candidates])
    missing = [c for c in candidates if name_key(c.name) not in present]
    add_customers(session, pool_id=pool.id, customers=missing, now=clock.now(), actor_id=actor_id)
    return len(missing)
