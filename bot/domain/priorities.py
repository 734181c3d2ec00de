"""A manager sets a customer's priority (A/B/C); the recycle days of the new priority apply at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col

from bot.domain.context import Services, rules_for
from bot.domain.errors import Conflict, Forbidden, NotFound
from bot.domain.views import PRIORITIES, MemberView
from bot.storage import queries as q
from bot.storage.models import Customer


@dataclass(frozen=True)
class PriorityChanged:
    customer_id: int
    customer_name: str
    priority: str
    recycle_days: int  # the pool's rule for the new priority


def set_priority(
    services: Services, *, manager: MemberView, customer_id: int, priority: str
) -> PriorityChanged:
    if not manager.is_manager:
        raise Forbidden("error.managers_only", command="customer … priority:")
    priority = priority.upper()
    if priority not in PRIORITIES:
        raise Conflict("insight.bad_priority", customer=f"#{customer_id}")
    with services.db.write() as session:
        row = q.customer(session, customer_id)
        if row is None or row.id is None:
            raise NotFound("error.customer_unknown", query=str(customer_id))
        rules, team = rules_for(session, row.pool_id)
        if team.id != manager.team.id:
            raise NotFound("error.customer_unknown", query=str(customer_id))
        if row.priority == priority:
            raise Conflict("insight.priority_same", customer=row.name, priority=priority)
        session.execute(update(Customer).where(col(Customer.id) == row.id).values(priority=priority))
        return PriorityChanged(row.id, row.name, priority, rules.recycle_days[priority])
