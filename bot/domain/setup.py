"""Bring the database in line with the config file: teams, members and pools by name.

Rows are upserted, never deleted: a member removed from the file keeps its history and should be
marked ``active = false`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.config import PoolbotConfig, TeamConfig
from bot.domain.assignment import sync_settings
from bot.domain.calendar import calendar_of
from bot.domain.clock import Clock, SystemClock, local_day
from bot.domain.team_moves import settle_departure, settle_move
from bot.storage import members, teams
from bot.storage.engine import Database


@dataclass(frozen=True)
class SyncReport:
    teams: int
    members: int
    pools: int


def sync_config(db: Database, config: PoolbotConfig, clock: Clock | None = None) -> SyncReport:
    """Upsert the config; a member it moves to another team keeps nothing of the old team's they
    can no longer act on (:func:`bot.domain.team_moves.settle_move`), and the managers of a member
    it makes inactive get a handover card (:func:`bot.domain.team_moves.settle_departure`)."""
    now = (clock or SystemClock()).now()
    with db.write() as session:
        teams_before = members.teams_by_handle(session)
        team_ids = {t.name: _upsert_team(session, t) for t in config.teams}
        for m in config.members:
            departed = None if m.active else members.deactivate(session, m.handle)
            members.upsert_member(
                session,
                m.handle,
                {
                    "name": m.name,
                    "team_id": team_ids[m.team],
                    "role": m.role,
                    "slack_id": m.slack,
                    "dingtalk_id": m.dingtalk,
                    "active": m.active,
                    "max_held": m.max_held,
                    "quiet_hours": m.quiet_hours,
                },
            )
            if (old := teams_before.get(m.handle)) is not None and old != team_ids[m.team]:
                settle_move(session, handle=m.handle, old_team_id=old, now=now)
            if departed is not None:
                settle_departure(session, member_id=departed, now=now)
        for p in config.pools:
            teams.upsert_pool(
                session,
                p.name,
                {
                    "team_id": team_ids[p.team],
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
                    "daily_register_limit": p.daily_register_limit,
                    "release_reasons": list(p.release_reasons),
                    "release_reason_required": p.release_reason_required,
                    "release_to": list(p.release_to),
                    "recycle_days_count": p.recycle_days_count,
                    "extend_days": p.extend_days,
                    "extend_max": p.extend_max,
                },
            )
    sync_settings(db, config)
    return SyncReport(len(config.teams), len(config.members), len(config.pools))


def calendar_warnings(db: Database, now: datetime) -> list[str]:
    """One line per team whose holiday source has no published schedule for the days its
    deadlines may reach: poolbot falls back to ``working_days`` there, and says so."""
    with db.read() as session:
        found = [(team.name, calendar_of(team)) for team in teams.all_teams(session)]
    lines = []
    for name, calendar in found:
        warning = calendar.warning(local_day(now, calendar.timezone))
        if warning is not None:
            lines.append(f"team {name!r}: {warning}")
    return lines


def _upsert_team(session: Session, team: TeamConfig) -> int:
    return teams.upsert_team(
        session,
        team.name,
        {
            "timezone": team.timezone,
            "locale": team.locale,
            "reminder_time": team.reminder_time.strftime("%H:%M"),
            "working_days": ",".join(team.working_days),
            "slack_channel": team.slack_channel,
            "dingtalk_conversation": team.dingtalk_conversation,
            "duplicate_threshold": team.duplicate_threshold,
            "holidays": team.holidays,
            "extra_holidays": [day.isoformat() for day in team.extra_holidays],
            "extra_workdays": [day.isoformat() for day in team.extra_workdays],
            "claim_cards_ignore_quiet_hours": team.claim_cards_ignore_quiet_hours,
        },
    )
