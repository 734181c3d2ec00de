"""What every use case needs: the database and the clock, plus the row-to-view helpers."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from sqlmodel import Session

from bot.domain.calendar import calendar_of
from bot.domain.clock import Clock, local_day
from bot.domain.errors import Merged, NotFound, RuleViolation
from bot.domain.rules import PoolRules
from bot.domain.snapshots import CustomerView, MemberView, TeamView
from bot.storage import customers, members, merges, teams
from bot.storage.engine import Database
from bot.storage.models import Customer, Member, Team


def _default_files_dir() -> Path:
    return Path(tempfile.gettempdir()) / "poolbot"


@dataclass(frozen=True)
class Services:
    db: Database
    clock: Clock
    # where the bot writes files it makes (report charts); POOLBOT_FILES_DIR
    files_dir: Path = field(default_factory=_default_files_dir)


def team_view(team: Team) -> TeamView:
    assert team.id is not None
    return TeamView(id=team.id, name=team.name, timezone=team.timezone, locale=team.locale)


def member_view(member: Member, team: Team) -> MemberView:
    assert member.id is not None
    return MemberView(
        id=member.id,
        handle=member.handle,
        name=member.name,
        role=member.role,
        active=member.active,
        team=team_view(team),
    )


def load_member(session: Session, member_id: int) -> MemberView:
    found = members.member_and_team(session, member_id)
    if found is None:
        raise NotFound("error.member_unknown", who=str(member_id))
    return member_view(*found)


def rules_for(session: Session, pool_id: int) -> tuple[PoolRules, Team]:
    pool, team = teams.pool_and_team(session, pool_id)
    return PoolRules.of(pool), team


def rules_by_pool(session: Session, pool_ids: set[int]) -> dict[int, tuple[PoolRules, Team]]:
    """The rules and team of each of ``pool_ids``: one lookup per pool for a page of customers."""
    return {pool_id: rules_for(session, pool_id) for pool_id in pool_ids}


def team_customer(session: Session, customer_id: int, member: MemberView) -> tuple[Customer, PoolRules, Team]:
    """The customer with its pool's rules and team, when it is a customer of ``member``'s team: one
    of another team is as unknown to the member as one that does not exist."""
    row = customers.customer(session, customer_id)
    if row is None or row.id is None:
        refuse_unknown(session, customer_id, member, found=False)
    rules, team = rules_for(session, row.pool_id)
    if team.id != member.team.id:
        refuse_unknown(session, customer_id, member, found=True)
    return row, rules, team


def refuse_unknown(session: Session, customer_id: int, member: MemberView, *, found: bool) -> NoReturn:
    """Refuse ``customer_id`` as unknown to ``member``: it is another team's (``found``), or there
    is no such customer, and then it may have been merged into one of the member's team."""
    merge = None if found else merges.merged_into(session, customer_id)
    if merge is not None and merge.team_id == member.team.id:
        raise Merged("reg.merged_into", id=customer_id, name=merge.name, into=merge.into_id)
    raise NotFound("error.customer_unknown", query=str(customer_id))


def customer_view(
    session: Session,
    row: Customer,
    *,
    viewer: MemberView | None,
    names: dict[int, str] | None = None,
    next_follow_up: date | None = None,
    pool: tuple[PoolRules, Team] | None = None,
) -> CustomerView:
    """A snapshot of ``row`` as ``viewer`` may see it (contact hidden while in a hiding pool).

    ``pool``: the rules and team of ``row``'s pool when the caller already has them (a page of
    rows looks each pool up once, not once per row)."""
    assert row.id is not None
    rules, team = pool if pool is not None else rules_for(session, row.pool_id)
    if names is None:
        names = members.member_names(session, {row.owner_id} if row.owner_id else set())
    hidden = (
        rules.hide_contact_in_pool
        and viewer is not None
        and not viewer.is_manager
        and row.owner_id != viewer.id
    )
    deadline = rules.deadline_of(row, calendar_of(team))
    return CustomerView(
        id=row.id,
        name=row.name,
        contact=None if hidden else row.contact,
        phone=None if hidden else row.phone,
        email=None if hidden else row.email,
        industry=row.industry,
        region=row.region,
        size=row.size,
        priority=row.priority,
        stage=row.stage,
        tags=row.tags,
        pool_id=row.pool_id,
        pool_name=rules.pool_name,
        owner_id=row.owner_id,
        owner_name=names.get(row.owner_id) if row.owner_id else None,
        pending_member_id=row.pending_member_id,
        owned_since=row.owned_since,
        last_touch_at=row.last_touch_at,
        won=row.won_at is not None,
        locked=row.locked,
        contact_hidden=hidden,
        deadline=deadline,
        next_follow_up=next_follow_up,
    )


def today(services: Services, team: TeamView | Team) -> date:
    return local_day(services.clock.now(), team.timezone)


TEXT_LIMITS = {"reason": 500, "note": 2000}


def checked_text(text: str, what: str) -> str:
    """Strip ``text`` and refuse it when longer than the limit for ``what``."""
    text = text.strip()
    limit = TEXT_LIMITS[what]
    if len(text) > limit:
        raise RuleViolation("text_length", "error.too_long", what=what, limit=limit, length=len(text))
    return text


def event_row(
    customer_id: int,
    kind: str,
    member_id: int | None,
    actor_id: int | None,
    at: datetime,
    *,
    reason: str = "",
    request_id: int | None = None,
    from_member_id: int | None = None,
    rule: str | None = None,
) -> dict[str, object]:
    """One ownership-event row, ready for a bulk insert."""
    return {
        "customer_id": customer_id,
        "kind": kind,
        "member_id": member_id,
        "actor_id": actor_id,
        "at": at,
        "reason": reason,
        "request_id": request_id,
        "from_member_id": from_member_id,
        "rule": rule,
    }
