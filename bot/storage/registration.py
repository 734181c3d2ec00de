"""The SQL of registration (报备) and the duplicate check: the team lock that serialises a team's
registrations, the set-based candidate lookups, a registered customer's insert, registration
requests and the counts the registration limits read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, any_, bindparam, cast, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlmodel import Session, col

from bot.storage.catalog import insert_customers
from bot.storage.models import ClaimRequest, Customer, OwnershipEvent, Pool, Team
from bot.storage.search import SEARCH_TEXT, _contains
from bot.storage.sql import chunks, team_pool_ids

FUZZY_CANDIDATES = 50  # stored names a fragment search returns per probe, at the most


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """A stored customer the duplicate check compares with."""

    id: int
    name: str
    dup_key: str
    phone_key: str | None
    email: str | None
    credit_code: str | None
    pool_id: int
    owner_id: int | None
    pending_member_id: int | None
    owned_since: datetime | None


_COLUMNS = (
    col(Customer.id),
    col(Customer.name),
    col(Customer.dup_key),
    col(Customer.phone_key),
    col(Customer.email),
    col(Customer.credit_code),
    col(Customer.pool_id),
    col(Customer.owner_id),
    col(Customer.pending_member_id),
    col(Customer.owned_since),
)


def lock_team(session: Session, team_id: int) -> None:
    """Take the team's registration lock for the rest of the transaction: a second registration
    waits, then its duplicate check sees what this one wrote."""
    session.execute(
        update(Team).where(col(Team.id) == team_id).values(register_seq=col(Team.register_seq) + 1)
    )


def _rows(session: Session, where: Any) -> list[CandidateRow]:
    return [CandidateRow(*row) for row in session.execute(select(*_COLUMNS).where(where))]


def with_keys(
    session: Session,
    team_id: int,
    *,
    dup_keys: Iterable[str] = (),
    phone_keys: Iterable[str] = (),
    emails: Iterable[str] = (),
    credits: Iterable[str] = (),
) -> list[CandidateRow]:
    """The team's customers sharing one of the keys (company key, phone, e-mail, credit code), by
    index lookups; each customer once, by id. PostgreSQL answers one statement with each kind of
    key as one array (an import batch's 2,000 keys included); SQLite, which has no arrays, one
    statement per kind and chunk of keys."""
    keys = {
        "dup_keys": sorted({k for k in dup_keys if k}),
        "phone_keys": sorted({k for k in phone_keys if k}),
        "emails": sorted({k for k in emails if k}),
        "credits": sorted({k for k in credits if k}),
    }
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_GENERIC_PLAN)
        found = [CandidateRow(*row) for row in session.execute(_WITH_KEYS_PG, {"team": team_id, **keys})]
        session.execute(_PLAN_AS_BEFORE)
        return sorted(found, key=lambda row: row.id)
    return _with_keys_in_chunks(session, team_id, keys)


# The key lookup is planned without looking at its arrays (PostgreSQL's generic plan guesses ten
# keys a kind), so it always probes the key indexes. Planned for an import batch's actual 2,000
# keys a kind, PostgreSQL 15 expected as many matches and read the whole table instead, in
# parallel: 140 ms a batch at 200,000 customers against 55 ms through the indexes, and growing
# with the table (minutes of server time over a million-row import). SET LOCAL lasts to the end
# of the transaction, so the setting goes back to its default right after the statement.
_GENERIC_PLAN = text("SET LOCAL plan_cache_mode = force_generic_plan")
_PLAN_AS_BEFORE = text("SET LOCAL plan_cache_mode TO DEFAULT")


_KEY_COLUMNS = {
    "dup_keys": col(Customer.dup_key),
    "phone_keys": col(Customer.phone_key),
    "emails": func.lower(col(Customer.email)),
    "credits": col(Customer.credit_code),
}
# Built once: the same SQL text each time, so psycopg parses and prepares it once.
_WITH_KEYS_PG = select(*_COLUMNS).where(
    col(Customer.pool_id).in_(select(col(Pool.id)).where(col(Pool.team_id) == bindparam("team"))),
    or_(*(column == any_(bindparam(name, type_=ARRAY(Text))) for name, column in _KEY_COLUMNS.items())),
)


def _with_keys_in_chunks(session: Session, team_id: int, keys: dict[str, list[str]]) -> list[CandidateRow]:
    found: dict[int, CandidateRow] = {}
    in_team = col(Customer.pool_id).in_(team_pool_ids(team_id))
    for name, column in _KEY_COLUMNS.items():
        for chunk in chunks(keys[name]):
            for row in _rows(session, and_(in_team, column.in_(chunk))):
                found[row.id] = row
    return [found[i] for i in sorted(found)]


def like_fragment(session: Session, team_id: int, fragment: str) -> list[CandidateRow]:
    """Up to :data:`FUZZY_CANDIDATES` of the team's customers whose name contains ``fragment``:
    the bounded candidate set the fuzzy comparison scores. On PostgreSQL the CJK-bigram index
    (every pair of the fragment's Chinese characters) or the trigram index finds them; no order is
    asked for, so the search never walks the whole table in id order."""
    if not fragment:
        return []
    conditions: list[Any] = [
        col(Customer.pool_id).in_(team_pool_ids(team_id)),
        col(Customer.name_key).like(_contains(fragment), escape="\\"),
    ]
    pairs = sorted(
        {fragment[i : i + 2] for i in range(len(fragment) - 1)} if not fragment.isascii() else set()
    )
    pairs = [p for p in pairs if not any(c.isascii() for c in p)]
    if pairs and session.get_bind().dialect.name == "postgresql":
        bigrams = func.poolbot_cjk_bigrams(
            col(Customer.name_key), col(Customer.search_key), func.lower(col(Customer.tags))
        )
        conditions.append(bigrams.op("@>")(cast(array(pairs), ARRAY(Text))))
    elif fragment.isascii() and len(fragment) >= 3 and session.get_bind().dialect.name == "postgresql":
        # the pool search's trigram index (migration 0012) holds name_key among its three texts
        conditions.append(SEARCH_TEXT.like(_contains(fragment), escape="\\"))
    statement = select(*_COLUMNS).where(*conditions).limit(FUZZY_CANDIDATES)
    return [CandidateRow(*row) for row in session.execute(statement)]


def insert_customer(session: Session, row: dict[str, Any]) -> int:
    return insert_customers(session, [row])[0]


def add_registration_request(
    session: Session,
    *,
    candidate_id: int,
    member_id: int,
    pool_id: int,
    proposal: dict[str, object],
    now: datetime,
) -> int:
    request = ClaimRequest(
        customer_id=candidate_id,
        member_id=member_id,
        kind="registration",
        pool_id=pool_id,
        proposal=proposal,
        created_at=now,
    )
    session.add(request)
    session.flush()
    return int(request.id or 0)


def point_request_at(session: Session, request_id: int, customer_id: int) -> None:
    """An approved registration's request names the customer it created from now on."""
    session.execute(
        update(ClaimRequest).where(col(ClaimRequest.id) == request_id).values(customer_id=customer_id)
    )


def pending_registrations(session: Session, member_id: int, pool_id: int) -> int:
    """The member's registrations waiting for a manager in the pool: they count as held."""
    count = session.scalar(
        select(func.count())
        .select_from(ClaimRequest)
        .where(
            col(ClaimRequest.kind) == "registration",
            col(ClaimRequest.status) == "pending",
            col(ClaimRequest.member_id) == member_id,
            col(ClaimRequest.pool_id) == pool_id,
        )
    )
    return int(count or 0)


def registrations_between(
    session: Session, member_id: int, pool_id: int, start: datetime, end: datetime
) -> int:
    """Registrations the member made in the pool in [start, end): customers registered, and
    registrations sent to a manager."""
    registered = session.scalar(
        select(func.count())
        .select_from(OwnershipEvent)
        .join(Customer, col(Customer.id) == col(OwnershipEvent.customer_id))
        .where(
            col(OwnershipEvent.kind) == "registered",
            col(OwnershipEvent.member_id) == member_id,
            col(OwnershipEvent.request_id).is_(None),
            col(Customer.pool_id) == pool_id,
            col(OwnershipEvent.at) >= start,
            col(OwnershipEvent.at) < end,
        )
    )
    requested = session.scalar(
        select(func.count())
        .select_from(ClaimRequest)
        .where(
            col(ClaimRequest.kind) == "registration",
            col(ClaimRequest.member_id) == member_id,
            col(ClaimRequest.pool_id) == pool_id,
            col(ClaimRequest.created_at) >= start,
            col(ClaimRequest.created_at) < end,
        )
    )
    return int(registered or 0) + int(requested or 0)


# ---- /duplicates: blocked candidate pairs, never all pairs ------------------------------------------


def shared_key_groups(session: Session, team_id: int, column_name: str, limit: int) -> list[list[int]]:
    """Groups of the team's customer ids sharing a value of ``column_name`` (``dup_key``,
    ``phone_key``, ``email`` by address, ``credit_code``), the oldest groups first; one GROUP BY
    over the index, at most ``limit`` groups."""
    column: Any = getattr(Customer, column_name)
    key = func.lower(column) if column_name == "email" else col(column)
    in_team = col(Customer.pool_id).in_(team_pool_ids(team_id))
    usable = and_(key.is_not(None), key != "")
    grouped = (
        select(key.label("k"), func.min(col(Customer.id)).label("first"))
        .where(in_team, usable)
        .group_by(key)
        .having(func.count() > 1)
        .order_by(func.min(col(Customer.id)))
        .limit(limit)
        .subquery()
    )
    rows = session.execute(
        select(grouped.c.first, col(Customer.id))
        .join(Customer, key == grouped.c.k)
        .where(in_team)
        .order_by(grouped.c.first, col(Customer.id))
    ).all()
    groups: dict[int, list[int]] = {}
    for first, cid in rows:
        groups.setdefault(int(first), []).append(int(cid))
    return [ids for ids in groups.values() if len(ids) > 1]


def newest(session: Session, team_id: int, limit: int) -> list[CandidateRow]:
    """The team's ``limit`` newest customers: the ones the fuzzy part of /duplicates checks."""
    in_team = col(Customer.pool_id).in_(team_pool_ids(team_id))
    statement = select(*_COLUMNS).where(in_team).order_by(col(Customer.id).desc()).limit(limit)
    return [CandidateRow(*row) for row in session.execute(statement)]


def rows_by_ids(session: Session, ids: Sequence[int]) -> dict[int, CandidateRow]:
    found: dict[int, CandidateRow] = {}
    for chunk in chunks(sorted(set(ids))):
        for row in _rows(session, col(Customer.id).in_(chunk)):
            found[row.id] = row
    return found
