"""Every SQL statement the domain needs. Decisions that race are conditional UPDATEs whose
row count says who won; nothing here checks in Python and then writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Text, and_, cast, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from bot.names import name_key
from bot.storage.models import (
    ClaimRequest,
    Customer,
    FollowUp,
    Member,
    Notification,
    OwnershipEvent,
    Pool,
    Team,
)

IN_CHUNK = 500  # ids per IN list: well under SQLite's bound-parameter limit
CLAIM_EVENT_KINDS = ("claimed", "claim_requested")
GIVEN_BACK_KINDS = ("released", "recycled")


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE changed: the answer every conditional update is decided by."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


# ---- members and teams -------------------------------------------------------------------------


def member_by_identity(session: Session, field: str, value: str) -> tuple[Member, Team] | None:
    column = {
        "handle": col(Member.handle),
        "slack": col(Member.slack_id),
        "dingtalk": col(Member.dingtalk_id),
    }[field]
    row = session.execute(
        select(Member, Team).join(Team, col(Team.id) == col(Member.team_id)).where(column == value)
    ).first()
    return (row[0], row[1]) if row else None


def member_and_team(session: Session, member_id: int) -> tuple[Member, Team] | None:
    row = session.execute(
        select(Member, Team)
        .join(Team, col(Team.id) == col(Member.team_id))
        .where(col(Member.id) == member_id)
    ).first()
    return (row[0], row[1]) if row else None


def team_channels(session: Session, team_id: int) -> dict[str, str]:
    """platform -> the team's channel on it, for the platforms where it has one."""
    team = session.get(Team, team_id)
    if team is None:
        return {}
    channels = {"slack": team.slack_channel, "dingtalk": team.dingtalk_conversation}
    return {platform: channel for platform, channel in channels.items() if channel}


def manager_routes(session: Session, team_id: int) -> list[tuple[int, str | None]]:
    """The team's active managers with the platform a notification reaches them on first (Slack,
    then DingTalk; None: the console only)."""
    rows = session.execute(
        select(col(Member.id), col(Member.slack_id), col(Member.dingtalk_id))
        .where(col(Member.team_id) == team_id, col(Member.role).in_(("manager", "admin")), col(Member.active))
        .order_by(col(Member.id))
    ).all()
    return [(mid, "slack" if slack else "dingtalk" if ding else None) for mid, slack, ding in rows]


def manager_ids(session: Session, team_id: int) -> list[int]:
    """The team's active managers and admins: who decides claims and reads digests."""
    return list(
        session.execute(
            select(col(Member.id))
            .where(
                col(Member.team_id) == team_id, col(Member.role).in_(("manager", "admin")), col(Member.active)
            )
            .order_by(col(Member.id))
        ).scalars()
    )


def lock_member(session: Session, member_id: int) -> None:
    """Take the member's row lock for the rest of the transaction (serialises its claims)."""
    session.execute(
        update(Member).where(col(Member.id) == member_id).values(claim_seq=col(Member.claim_seq) + 1)
    )


def pool_and_team(session: Session, pool_id: int) -> tuple[Pool, Team]:
    row = session.execute(
        select(Pool, Team).join(Team, col(Team.id) == col(Pool.team_id)).where(col(Pool.id) == pool_id)
    ).one()
    return row[0], row[1]


def pool_by_name(session: Session, name: str) -> Pool | None:
    return session.execute(select(Pool).where(col(Pool.name) == name)).scalars().first()


# ---- counts the rules need ---------------------------------------------------------------------


def held_count(session: Session, member_id: int, pool_id: int | None = None) -> int:
    """Active customers the member owns (won ones excluded) plus its pending requests, in one pool
    (the holding cap is a rule of the pool) or, without ``pool_id``, across the team's pools."""
    in_pool = () if pool_id is None else (col(Customer.pool_id) == pool_id,)
    owned = session.scalar(
        select(func.count())
        .select_from(Customer)
        .where(col(Customer.owner_id) == member_id, col(Customer.won_at).is_(None), *in_pool)
    )
    pending = session.scalar(
        select(func.count())
        .select_from(Customer)
        .where(col(Customer.pending_member_id) == member_id, *in_pool)
    )
    return int(owned or 0) + int(pending or 0)


def claims_between(session: Session, member_id: int, pool_id: int, start: datetime, end: datetime) -> int:
    """Claims (immediate or requested) the member made from the pool in [start, end), from the log."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OwnershipEvent)
            .join(Customer, col(Customer.id) == col(OwnershipEvent.customer_id))
            .where(
                col(OwnershipEvent.member_id) == member_id,
                col(OwnershipEvent.kind).in_(CLAIM_EVENT_KINDS),
                col(OwnershipEvent.at) >= start,
                col(OwnershipEvent.at) < end,
                col(Customer.pool_id) == pool_id,
            )
        )
        or 0
    )


def last_given_back_at(session: Session, customer_id: int, member_id: int) -> datetime | None:
    return session.scalar(
        select(func.max(col(OwnershipEvent.at))).where(
            col(OwnershipEvent.customer_id) == customer_id,
            col(OwnershipEvent.member_id) == member_id,
            col(OwnershipEvent.kind).in_(GIVEN_BACK_KINDS),
        )
    )


# ---- customers: the conditional updates ---------------------------------------------------------


def customer(session: Session, customer_id: int) -> Customer | None:
    return session.get(Customer, customer_id, populate_existing=True)


def _owner_values(member_id: int, now: datetime) -> dict[str, Any]:
    return {"owner_id": member_id, "owned_since": now, "last_touch_at": now, "pending_member_id": None}


def take_from_pool(session: Session, customer_id: int, member_id: int, now: datetime) -> bool:
    """Give a pool customer to ``member_id``; False if it is owned or pending by now."""
    result = session.execute(
        update(Customer)
        .where(
            col(Customer.id) == customer_id,
            col(Customer.owner_id).is_(None),
            col(Customer.pending_member_id).is_(None),
        )
        .values(**_owner_values(member_id, now))
    )
    return rowcount(result) == 1


def mark_pending(session: Session, customer_id: int, member_id: int) -> bool:
    result = session.execute(
        update(Customer)
        .where(
            col(Customer.id) == customer_id,
            col(Customer.owner_id).is_(None),
            col(Customer.pending_member_id).is_(None),
        )
        .values(pending_member_id=member_id)
    )
    return rowcount(result) == 1


def settle_pending(
    session: Session, customer_id: int, member_id: int, *, approve: bool, now: datetime
) -> bool:
    values = _owner_values(member_id, now) if approve else {"pending_member_id": None}
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.pending_member_id) == member_id)
        .values(**values)
    )
    return rowcount(result) == 1


def give_back(session: Session, customer_id: int, owner_id: int) -> bool:
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.owner_id) == owner_id)
        .values(owner_id=None, owned_since=None, last_touch_at=None, won_at=None, locked=False)
    )
    return rowcount(result) == 1


def reassign(
    session: Session, customer_id: int, from_owner: int | None, to_member: int, now: datetime
) -> bool:
    """Move a customer from ``from_owner`` (None: the pool) to ``to_member``, if still there."""
    owner_matches = (
        col(Customer.owner_id).is_(None) if from_owner is None else col(Customer.owner_id) == from_owner
    )
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, owner_matches, col(Customer.pending_member_id).is_(None))
        .values(**_owner_values(to_member, now))
    )
    return rowcount(result) == 1


def touch(session: Session, customer_id: int, owner_id: int, now: datetime) -> bool:
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.owner_id) == owner_id)
        .values(last_touch_at=now)
    )
    return rowcount(result) == 1


def set_flags(session: Session, customer_id: int, owner_id: int | None, **values: Any) -> bool:
    """Update won/locked/stage on an owned customer, if ``owner_id`` still owns it."""
    result = session.execute(
        update(Customer)
        .where(col(Customer.id) == customer_id, col(Customer.owner_id) == owner_id)
        .values(**values)
    )
    return rowcount(result) == 1


def book_of(session: Session, member_id: int) -> list[int]:
    return list(
        session.execute(
            select(col(Customer.id)).where(col(Customer.owner_id) == member_id).order_by(col(Customer.id))
        ).scalars()
    )


def move_book(
    session: Session, customer_ids: list[int], from_id: int, to_id: int, now: datetime
) -> list[int]:
    """Move the listed customers still owned by ``from_id``, in one statement; the ids it moved
    (one released or recycled meanwhile is not among them)."""
    result = session.execute(
        update(Customer)
        .where(col(Customer.id).in_(customer_ids), col(Customer.owner_id) == from_id)
        .values(owner_id=to_id, owned_since=now, last_touch_at=now)
        .returning(col(Customer.id))
    )
    return sorted(result.scalars().all())


# ---- requests, events, follow-ups, outbox ---------------------------------------------------------


def add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def add_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(OwnershipEvent), rows)


def pending_request_for(session: Session, customer_id: int) -> ClaimRequest | None:
    return (
        session.execute(
            select(ClaimRequest).where(
                col(ClaimRequest.customer_id) == customer_id, col(ClaimRequest.status) == "pending"
            )
        )
        .scalars()
        .first()
    )


def request(session: Session, request_id: int) -> ClaimRequest | None:
    return session.get(ClaimRequest, request_id, populate_existing=True)


def decide_request(
    session: Session, request_id: int, *, status: str, by: int, now: datetime, reason: str
) -> bool:
    """First decision wins: only a still-pending request changes."""
    result = session.execute(
        update(ClaimRequest)
        .where(col(ClaimRequest.id) == request_id, col(ClaimRequest.status) == "pending")
        .values(status=status, decided_by_id=by, decided_at=now, decision_reason=reason)
    )
    return rowcount(result) == 1


def enqueue(
    session: Session,
    *,
    key: str,
    team_id: int,
    recipient_id: int | None,
    kind: str,
    params: dict[str, Any],
    now: datetime,
    platform: str | None = None,
    refreshes_id: int | None = None,
) -> None:
    """Queue a notification; a second one with the same key (the same cause) is ignored.

    No ``recipient_id``: it goes to the team's channel (``platform``: that platform's channel only).
    """
    values = {
        "key": key,
        "team_id": team_id,
        "recipient_id": recipient_id,
        "to_team_channel": recipient_id is None,
        "kind": kind,
        "payload": params,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "platform": platform,
        "refreshes_id": refreshes_id,
    }
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(builder(Notification).values(**values).on_conflict_do_nothing(index_elements=["key"]))


# ---- reads for views --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    words: tuple[str, ...] = ()
    industry: str | None = None
    region: str | None = None
    size: str | None = None
    priority: str | None = None


def _pool_search_conditions(team_id: int, filters: SearchFilters, dialect: str = "") -> list[Any]:
    """Unowned customers of the team's pools whose name, pinyin or tags contain every word (a
    substring, lower-cased) and whose fields equal the filters (case-insensitive).

    On PostgreSQL a two-character non-ASCII word (云帆) also gets a test that the CJK-bigram index
    of migration 0002 can answer; it only narrows the rows the LIKE then checks, so the result is
    the same as without it.
    """
    conditions: list[Any] = [
        col(Customer.pool_id).in_(select(col(Pool.id)).where(col(Pool.team_id) == team_id)),
        col(Customer.owner_id).is_(None),
    ]
    for word in filters.words:
        conditions.extend(_word_conditions(word, dialect))
    return conditions + attribute_conditions(filters)


def attribute_conditions(filters: Any) -> list[Any]:
    """``industry:``, ``region:``, ``size:`` (any case) and ``priority:`` filters of a search or an
    auto-assignment; ``filters`` has those four attributes, each None when not given."""
    conditions: list[Any] = []
    for name in ("industry", "region", "size"):
        value = getattr(filters, name)
        if value:
            conditions.append(func.lower(getattr(Customer, name)) == value.lower())
    if filters.priority:
        conditions.append(col(Customer.priority) == filters.priority.upper())
    return conditions


def _word_conditions(word: str, dialect: str) -> list[Any]:
    key, text = name_key(word), word.lower()
    if not key:  # punctuation or emoji only: names hold none, so only tags can match it
        return [func.lower(col(Customer.tags)).like(_contains(text), escape="\\")]
    conditions: list[Any] = []
    if dialect == "postgresql" and len(key) == 2 and not any(c.isascii() for c in key):
        bigrams = func.poolbot_cjk_bigrams(
            col(Customer.name_key), col(Customer.search_key), func.lower(col(Customer.tags))
        )
        conditions.append(bigrams.op("@>")(cast(array([key]), ARRAY(Text))))
    conditions.append(
        or_(
            col(Customer.name_key).like(_contains(key), escape="\\"),
            col(Customer.search_key).like(_contains(key), escape="\\"),
            func.lower(col(Customer.tags)).like(_contains(text), escape="\\"),
        )
    )
    return conditions


def _contains(fragment: str) -> str:
    """A LIKE pattern for ``fragment`` anywhere, with % and _ taken literally."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_pool(
    session: Session,
    team_id: int,
    filters: SearchFilters,
    *,
    offset: int,
    limit: int,
    count_cap: int = 10_000,
) -> tuple[Sequence[Customer], int]:
    """One page of the team's unowned customers matching ``filters``, by priority then id, and how
    many match: the exact number when it is at most ``count_cap``, else ``count_cap + 1`` (meaning
    "more than ``count_cap``"). The page is exact at any offset, past the cap too.

    With words (few matches, usually): one ordered scan of ids, stopped after ``count_cap + 1``
    matches, gives both the page and the count. Without: the page, then a count that stops at
    ``count_cap + 1`` rows (skipped when the page is short, since it then tells the total).
    """
    where = and_(*_pool_search_conditions(team_id, filters, session.get_bind().dialect.name))
    order = (col(Customer.priority), col(Customer.id))
    if filters.words:
        ids = (
            session.execute(
                select(col(Customer.id))
                .where(where)
                .order_by(*order)
                .limit(max(count_cap + 1, offset + limit))
            )
            .scalars()
            .all()
        )
        page_ids = ids[offset : offset + limit]
        by_id = {row.id: row for row in customers_by_ids(session, page_ids)}
        # a customer deleted between the two statements is left out rather than failing the search
        return [by_id[i] for i in page_ids if i in by_id], min(len(ids), count_cap + 1)
    page = select(Customer).where(where).order_by(*order).offset(offset).limit(limit)
    rows = session.execute(page).scalars().all()
    if len(rows) < limit and (rows or offset == 0):
        return rows, min(offset + len(rows), count_cap + 1)
    capped = select(col(Customer.id)).where(where).limit(count_cap + 1).subquery()
    return rows, int(session.scalar(select(func.count()).select_from(capped)) or 0)


def customers_owned_by(session: Session, member_id: int) -> Sequence[Customer]:
    return session.execute(select(Customer).where(col(Customer.owner_id) == member_id)).scalars().all()


def latest_next_dates(session: Session, customer_ids: Sequence[int]) -> dict[int, Any]:
    """Each customer's next follow-up date, from its most recent follow-up."""
    if not customer_ids:
        return {}
    latest = (
        select(col(FollowUp.customer_id), func.max(col(FollowUp.id)).label("fid"))
        .where(col(FollowUp.customer_id).in_(customer_ids))
        .group_by(col(FollowUp.customer_id))
        .subquery()
    )
    rows = session.execute(
        select(col(FollowUp.customer_id), col(FollowUp.next_date)).join(
            latest, col(FollowUp.id) == latest.c.fid
        )
    ).all()
    return {row[0]: row[1] for row in rows}


def find_by_name_key(session: Session, team_id: int, name_key: str) -> Sequence[Customer]:
    return (
        session.execute(
            select(Customer)
            .where(
                col(Customer.pool_id).in_(select(col(Pool.id)).where(col(Pool.team_id) == team_id)),
                col(Customer.name_key) == name_key,
            )
            .order_by(col(Customer.id))
        )
        .scalars()
        .all()
    )


def find_like(session: Session, team_id: int, fragment: str, limit: int) -> Sequence[Customer]:
    pattern = f"%{fragment}%"
    return (
        session.execute(
            select(Customer)
            .where(
                col(Customer.pool_id).in_(select(col(Pool.id)).where(col(Pool.team_id) == team_id)),
                or_(col(Customer.name_key).like(pattern), col(Customer.search_key).like(pattern)),
            )
            .order_by(col(Customer.id))
            .limit(limit)
        )
        .scalars()
        .all()
    )


def names_in_team(session: Session, team_id: int, limit: int) -> Sequence[tuple[int, str, str]]:
    rows = session.execute(
        select(col(Customer.id), col(Customer.name_key), col(Customer.search_key))
        .where(col(Customer.pool_id).in_(select(col(Pool.id)).where(col(Pool.team_id) == team_id)))
        .limit(limit)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def customers_by_ids(session: Session, ids: Sequence[int]) -> Sequence[Customer]:
    return session.execute(select(Customer).where(col(Customer.id).in_(ids))).scalars().all()


def member_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Names of the members ``ids``, read in chunks that stay under SQLite's parameter limit."""
    wanted = sorted({i for i in ids if i})
    found: dict[int, str] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        rows = session.execute(select(col(Member.id), col(Member.name)).where(col(Member.id).in_(chunk)))
        found.update({int(member_id or 0): name for member_id, name in rows})
    return found


def follow_ups_of(session: Session, customer_id: int, limit: int) -> Sequence[FollowUp]:
    return (
        session.execute(
            select(FollowUp)
            .where(col(FollowUp.customer_id) == customer_id)
            .order_by(col(FollowUp.at).desc(), col(FollowUp.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def events_of(session: Session, customer_id: int, limit: int) -> Sequence[OwnershipEvent]:
    return (
        session.execute(
            select(OwnershipEvent)
            .where(col(OwnershipEvent.customer_id) == customer_id)
            .order_by(col(OwnershipEvent.at).desc(), col(OwnershipEvent.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def notifications_for(session: Session, member_id: int, after_id: int) -> Sequence[Notification]:
    return (
        session.execute(
            select(Notification)
            .where(col(Notification.recipient_id) == member_id, col(Notification.id) > after_id)
            .order_by(col(Notification.id))
        )
        .scalars()
        .all()
    )


def mark_sent(session: Session, notification_ids: Sequence[int], now: datetime) -> None:
    """Mark rows the console showed; only pending ones, so a dispatcher's lease is never overridden."""
    if notification_ids:
        session.execute(
            update(Notification)
            .where(col(Notification.id).in_(notification_ids), col(Notification.status) == "pending")
            .values(status="sent", sent_at=now)
        )


def cards_to_refresh(session: Session, request_id: int) -> Sequence[Notification]:
    """The claim cards of a request that a platform holds, or is being handed right now: those a
    decision must update in place. Cards still pending render the decision when they go out.

    Every card row of the request is locked first (PostgreSQL): a dispatcher about to lease one
    skips it until this decision commits, and then renders the decided card, so no card can slip
    out with live buttons between this read and the commit."""
    cards = (
        session.execute(
            select(Notification)
            .where(col(Notification.key).like(f"claim_request:{request_id}:%"))
            .order_by(col(Notification.id))
            .with_for_update()
        )
        .scalars()
        .all()
    )
    return [c for c in cards if c.status == "sending" or (c.status == "sent" and c.message_ref)]


def enqueue_card_refreshes(session: Session, request_id: int, now: datetime) -> int:
    """Queue an in-place update of every delivered card of the request (after its decision or
    expiry), in the transaction of that change; each keyed by the card it updates."""
    cards = cards_to_refresh(session, request_id)
    for card in cards:
        enqueue(
            session,
            key=f"card_refresh:{card.id}",
            team_id=card.team_id,
            recipient_id=card.recipient_id,
            kind="card_refresh",
            params={"request_id": request_id},
            now=now,
            platform=card.platform,
            refreshes_id=card.id,
        )
    return len(cards)


def first_active_handle(session: Session) -> str | None:
    """The member the console speaks as when none is named: the first rep, else anyone."""
    rows = session.execute(
        select(col(Member.handle), col(Member.role)).where(col(Member.active)).order_by(col(Member.id))
    ).all()
    reps = [handle for handle, role in rows if role == "rep"]
    return reps[0] if reps else (rows[0][0] if rows else None)


def all_teams(session: Session) -> Sequence[Team]:
    return session.execute(select(Team).order_by(col(Team.id))).scalars().all()
