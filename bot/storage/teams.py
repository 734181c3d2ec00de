"""The SQL of teams and their pools: a pool by name or with its team, the team's channels, and the
config sync's upserts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from bot.storage.models import Pool, Team
from bot.storage.sql import upsert


def team(session: Session, team_id: int) -> Team | None:
    return session.get(Team, team_id)


def all_teams(session: Session) -> Sequence[Team]:
    return session.execute(select(Team).order_by(col(Team.id))).scalars().all()


def team_channels(session: Session, team_id: int) -> dict[str, str]:
    """platform -> the team's channel on it, for the platforms where it has one."""
    row = session.get(Team, team_id)
    if row is None:
        return {}
    channels = {"slack": row.slack_channel, "dingtalk": row.dingtalk_conversation}
    return {platform: channel for platform, channel in channels.items() if channel}


def pool_and_team(session: Session, pool_id: int) -> tuple[Pool, Team]:
    row = session.execute(
        select(Pool, Team).join(Team, col(Team.id) == col(Pool.team_id)).where(col(Pool.id) == pool_id)
    ).one()
    return row[0], row[1]


def pool_by_name(session: Session, name: str) -> Pool | None:
    return session.execute(select(Pool).where(col(Pool.name) == name)).scalars().first()


def pools_of_team(session: Session, team_id: int) -> list[Pool]:
    return list(
        session.execute(select(Pool).where(col(Pool.team_id) == team_id).order_by(col(Pool.id))).scalars()
    )


def pool_names(session: Session) -> list[str]:
    """Every pool's name, alphabetically (for "no pool named …, pools: …")."""
    return list(session.execute(select(col(Pool.name)).order_by(col(Pool.name))).scalars().all())


def pool_names_by_id(session: Session) -> dict[int, str]:
    return {int(pid or 0): name for pid, name in session.execute(select(col(Pool.id), col(Pool.name)))}


def pools_with_timezone(session: Session) -> list[tuple[Pool, str]]:
    """Every pool with its team's time zone."""
    rows = session.execute(
        select(Pool, col(Team.timezone)).join(Team, col(Team.id) == col(Pool.team_id))
    ).all()
    return [(pool, timezone) for pool, timezone in rows]


def pools_in_other_teams(session: Session, names: Sequence[str], team_name: str) -> list[tuple[str, str]]:
    """(pool name, team name) of the pools among ``names`` that belong to a team other than
    ``team_name``."""
    rows = session.execute(
        select(col(Pool.name), col(Team.name))
        .join(Team, col(Team.id) == col(Pool.team_id))
        .where(col(Pool.name).in_(names), col(Team.name) != team_name)
    ).all()
    return [(pool, owner) for pool, owner in rows]


def upsert_team(session: Session, name: str, fields: dict[str, object]) -> int:
    return upsert(session, Team, "name", name, fields)


def upsert_pool(session: Session, name: str, fields: dict[str, object]) -> int:
    return upsert(session, Pool, "name", name, fields)


def team_threshold(session: Session, team_id: int) -> int:
    """The team's ``duplicate_threshold``: how similar a name must be to be "probably the same"."""
    return int(session.scalar(select(col(Team.duplicate_threshold)).where(col(Team.id) == team_id)) or 85)


def team_pools(session: Session, team_id: int) -> list[Pool]:
    """The team's pools, the first configured first (the default pool of a registration)."""
    return list(
        session.execute(select(Pool).where(col(Pool.team_id) == team_id).order_by(col(Pool.id))).scalars()
    )
