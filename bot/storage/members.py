"""The SQL of members: who a chat identity is, a team's managers, names and handles, the member
row lock that serialises a rep's claims, and the config sync's upsert."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Integer, bindparam, select, update
from sqlmodel import Session, col

from bot.storage.driver import DriverStatement, connection_of
from bot.storage.models import Member, Team
from bot.storage.sql import chunks, upsert

MANAGER_ROLES = ("manager", "admin")


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


def manager_routes(session: Session, team_id: int) -> list[tuple[int, str | None]]:
    """The team's active managers with the platform a notification reaches them on first (Slack,
    then DingTalk; None: the console only)."""
    rows = session.execute(
        select(col(Member.id), col(Member.slack_id), col(Member.dingtalk_id))
        .where(col(Member.team_id) == team_id, col(Member.role).in_(MANAGER_ROLES), col(Member.active))
        .order_by(col(Member.id))
    ).all()
    return [(mid, "slack" if slack else "dingtalk" if ding else None) for mid, slack, ding in rows]


def manager_ids(session: Session, team_id: int) -> list[int]:
    """The team's active managers and admins: who decides claims and reads digests."""
    return list(
        session.execute(
            select(col(Member.id))
            .where(col(Member.team_id) == team_id, col(Member.role).in_(MANAGER_ROLES), col(Member.active))
            .order_by(col(Member.id))
        ).scalars()
    )


# built once, run on the driver (bot.storage.driver): every claim takes it first
_LOCK = DriverStatement(
    update(Member)
    .where(col(Member.id) == bindparam("member", type_=Integer))
    .values(claim_seq=col(Member.claim_seq) + 1)
)


def lock_member(unit: Session | Connection, member_id: int) -> None:
    """Take the member's row lock for the rest of the transaction (serialises its claims)."""
    _LOCK.rowcount(connection_of(unit), {"member": member_id})


def own_caps(session: Session, ids: Iterable[int]) -> dict[int, int | None]:
    """Each member's own holding cap (``max_held``; None: the pools' caps apply), by id."""
    found: dict[int, int | None] = {}
    for chunk in chunks(sorted(set(ids))):
        rows = session.execute(select(col(Member.id), col(Member.max_held)).where(col(Member.id).in_(chunk)))
        found.update({int(member_id or 0): cap for member_id, cap in rows})
    return found


def own_cap(session: Session, member_id: int) -> int | None:
    return own_caps(session, [member_id]).get(member_id)


def member_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Names of the members ``ids``, read in chunks that stay under SQLite's parameter limit."""
    found: dict[int, str] = {}
    for chunk in chunks(sorted({i for i in ids if i})):
        rows = session.execute(select(col(Member.id), col(Member.name)).where(col(Member.id).in_(chunk)))
        found.update({int(member_id or 0): name for member_id, name in rows})
    return found


def handles(session: Session) -> dict[int, str]:
    """Every member's handle, by id."""
    rows = session.execute(select(col(Member.id), col(Member.handle))).all()
    return {int(member_id): str(handle) for member_id, handle in rows}


def first_active_handle(session: Session) -> str | None:
    """The member the console speaks as when none is named: the first rep, else anyone."""
    rows = session.execute(
        select(col(Member.handle), col(Member.role)).where(col(Member.active)).order_by(col(Member.id))
    ).all()
    reps = [handle for handle, role in rows if role == "rep"]
    return reps[0] if reps else (rows[0][0] if rows else None)


def handles_in_other_teams(session: Session, wanted: Sequence[str], team_name: str) -> list[tuple[str, str]]:
    """(handle, team name) of the members among ``wanted`` that belong to a team other than
    ``team_name``."""
    rows = session.execute(
        select(col(Member.handle), col(Team.name))
        .join(Team, col(Team.id) == col(Member.team_id))
        .where(col(Member.handle).in_(wanted), col(Team.name) != team_name)
    ).all()
    return [(handle, team) for handle, team in rows]


def deactivate(session: Session, handle: str) -> int | None:
    """Mark the member ``handle`` inactive if it is active; its id when this call did it (the row
    count decides, so of two processes syncing the same config only one sees the change)."""
    result = session.execute(
        update(Member)
        .where(col(Member.handle) == handle, col(Member.active))
        .values(active=False)
        .returning(col(Member.id))
    )
    found = result.scalars().first()
    return int(found) if found is not None else None


def upsert_member(session: Session, handle: str, fields: dict[str, object]) -> int:
    return upsert(session, Member, "handle", handle, fields)


def teams_by_handle(session: Session) -> dict[str, int]:
    """Every member's team, by handle (to see whom a config change moves)."""
    return {
        handle: team_id
        for handle, team_id in session.execute(select(col(Member.handle), col(Member.team_id)))
    }
