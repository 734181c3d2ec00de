"""Bring the database in line with the config file: teams, members and pools by name.

Rows are upserted, never deleted: a member removed from the file keeps its history and should be
marked ``active = false`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from bot.config import PoolbotConfig, TeamConfig
from bot.domain.assignment import sync_settings
from bot.storage.engine import Database
from bot.storage.models import Member, Pool, Team


@dataclass(frozen=True)
class SyncReport:
    teams: int
    members: int
    pools: int


def sync_config(db: Database, config: PoolbotConfig) -> SyncReport:
    with db.write() as session:
        teams = {t.name: _upsert_team(session, t) for t in config.teams}
        for m in config.members:
            _upsert(
                session,
                Member,
                "handle",
                m.handle,
                {
                    "name": m.name,
                    "team_id": teams[m.team],
                    "role": m.role,
                    "slack_id": m.slack,
                    "dingtalk_id": m.dingtalk,
                    "active": m.active,
                },
            )
        for p in config.pools:
            _upsert(
                session,
                Pool,
                "name",
                p.name,
                {
                    "team_id": teams[p.team],
                    "claim_requires_approval": p.claim_requires_approval,
                    "max_held_per_rep": p.max_held_per_rep,
                    "daily_claim_limit": p.daily_claim_limit,
                    "reclaim_cooldown_days": p.reclaim_cooldown_days,
                    "recycle_days_a": p.recycle_days.A,
                    "recycle_days_b": p.recycle_days.B,
                    "recycle_days_c": p.recycle_days.C,
                    "recycle_days_without_deal": p.recycle_days_without_deal,
                    "warn_days": p.warn_days,
                    "hide_contact_in_pool": p.hide_contact_in_pool,
                    "request_expiry_hours": p.request_expiry_hours,
                },
            )
    sync_settings(db, config)
    return SyncReport(len(config.teams), len(config.members), len(config.pools))


def _upsert_team(session: Session, team: TeamConfig) -> int:
    return _upsert(
        session,
        Team,
        "name",
        team.name,
        {
            "timezone": team.timezone,
            "locale": team.locale,
            "reminder_time": team.reminder_time.strftime("%H:%M"),
            "working_days": ",".join(team.working_days),
            "slack_channel": team.slack_channel,
            "dingtalk_conversation": team.dingtalk_conversation,
        },
    )


def _upsert(session: Session, model: type, key: str, value: str, fields: dict[str, object]) -> int:
    row = session.exec(select(model).where(getattr(model, key) == value)).first()
    if row is None:
        row = model(**{key: value}, **fields)
        session.add(row)
    else:
        for name, field_value in fields.items():
            setattr(row, name, field_value)
    session.flush()
    return int(row.id)
