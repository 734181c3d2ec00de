"""The rules of a pool, as data, and the recycle deadline they give an owned customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.clock import local_day
from bot.domain.snapshots import Deadline
from bot.storage.models import Pool

RULE_RECYCLE_DAYS = "recycle_days"
RULE_WITHOUT_DEAL = "recycle_days_without_deal"


class Held(Protocol):
    """A customer as its recycle deadline sees it (a customer row, a recycle candidate)."""

    @property
    def owner_id(self) -> int | None: ...
    @property
    def priority(self) -> str: ...
    @property
    def last_touch_at(self) -> datetime | None: ...
    @property
    def owned_since(self) -> datetime | None: ...
    @property
    def won_at(self) -> datetime | None: ...
    @property
    def locked(self) -> bool: ...


@dataclass(frozen=True)
class PoolRules:
    pool_id: int
    pool_name: str
    claim_requires_approval: bool
    max_held_per_rep: int
    daily_claim_limit: int
    reclaim_cooldown_days: int
    recycle_days: dict[str, int]
    recycle_days_without_deal: int | None
    warn_days: int
    hide_contact_in_pool: bool
    request_expiry_hours: int

    @classmethod
    def of(cls, pool: Pool) -> PoolRules:
        assert pool.id is not None
        return cls(
            pool_id=pool.id,
            pool_name=pool.name,
            claim_requires_approval=pool.claim_requires_approval,
            max_held_per_rep=pool.max_held_per_rep,
            daily_claim_limit=pool.daily_claim_limit,
            reclaim_cooldown_days=pool.reclaim_cooldown_days,
            recycle_days={"A": pool.recycle_days_a, "B": pool.recycle_days_b, "C": pool.recycle_days_c},
            recycle_days_without_deal=pool.recycle_days_without_deal,
            warn_days=pool.warn_days,
            hide_contact_in_pool=pool.hide_contact_in_pool,
            request_expiry_hours=pool.request_expiry_hours,
        )

    def cap_for(self, own_cap: int | None) -> int:
        """The holding cap of a member in this pool: its own ``max_held`` when set, else the pool's
        ``max_held_per_rep``."""
        return self.max_held_per_rep if own_cap is None else own_cap

    def deadline_of(self, customer: Held, timezone: str) -> Deadline | None:
        """The local day ``customer`` goes back to the pool (None: it is not owned, or never does)."""
        if customer.owner_id is None:
            return None
        return self._deadline(
            priority=customer.priority,
            last_touch_at=customer.last_touch_at,
            owned_since=customer.owned_since,
            won=customer.won_at is not None,
            locked=customer.locked,
            timezone=timezone,
        )

    def _deadline(
        self,
        *,
        priority: str,
        last_touch_at: datetime | None,
        owned_since: datetime | None,
        won: bool,
        locked: bool,
        timezone: str,
    ) -> Deadline | None:
        """The local day the customer goes back to the pool, or None when it never does.

        A customer whose last touch was on local day D goes back on D + recycle_days[priority]
        (that is the day its last touch becomes that many calendar days old). With
        ``recycle_days_without_deal`` it also goes back that many days after ownership began,
        whichever comes first.
        """
        if won or locked or owned_since is None:
            return None
        touch_day = local_day(last_touch_at or owned_since, timezone)
        days = self.recycle_days[priority]
        candidates = [
            Deadline(touch_day + timedelta(days=days), RULE_RECYCLE_DAYS, touch_day, days, priority)
        ]
        if self.recycle_days_without_deal is not None:
            since = local_day(owned_since, timezone)
            without = self.recycle_days_without_deal
            candidates.append(
                Deadline(since + timedelta(days=without), RULE_WITHOUT_DEAL, since, without, priority)
            )
        return min(candidates, key=lambda d: d.day)

    def cooldown_ends(self, released_on: date) -> date:
        """The first local day a rep may claim again a customer it gave back on ``released_on``."""
        return released_on + timedelta(days=self.reclaim_cooldown_days)
