"""The rules of a pool, as data, and the recycle deadline they give an owned customer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.calendar import WorkCalendar
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
    @property
    def current_extension(self) -> date | None: ...


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
    release_reasons: tuple[str, ...] = ()
    release_reason_required: bool = False
    release_to: tuple[str, ...] = ()  # names of the team's other pools a release may go to
    working: bool = False  # recycle_days, warn_days and extend_days count working days
    extend_days: int = 3
    extend_max: int = 1

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
            release_reasons=tuple(pool.release_reasons or ()),
            release_reason_required=pool.release_reason_required,
            release_to=tuple(pool.release_to or ()),
            working=pool.recycle_days_count == "working",
            extend_days=pool.extend_days,
            extend_max=pool.extend_max,
        )

    def cap_for(self, own_cap: int | None) -> int:
        """The holding cap of a member in this pool: its own ``max_held`` when set, else the pool's
        ``max_held_per_rep``."""
        return self.max_held_per_rep if own_cap is None else own_cap

    def deadline_of(self, customer: Held, calendar: WorkCalendar) -> Deadline | None:
        """The local day ``customer`` goes back to the pool (None: it is not owned, or never does).

        The one deadline every view shows (``/mine``, the card, reminders, warnings, forecasts) and
        the recycle sweep applies. A customer whose last touch was on local day D goes back on the
        ``recycle_days[priority]``-th day after D: calendar days, or the team's working days when
        the pool counts those. With ``recycle_days_without_deal`` it also goes back that many days
        after ownership began, whichever comes first. An extension of the current ownership
        (:attr:`Held.current_extension`) moves it later, never earlier.
        """
        if customer.owner_id is None or customer.won_at is not None or customer.locked:
            return None
        if customer.owned_since is None:
            return None
        touch_day = local_day(customer.last_touch_at or customer.owned_since, calendar.timezone)
        candidates = [
            self._counted(
                calendar, RULE_RECYCLE_DAYS, touch_day, self.recycle_days[customer.priority], customer
            )
        ]
        if self.recycle_days_without_deal is not None:
            since = local_day(customer.owned_since, calendar.timezone)
            candidates.append(
                self._counted(calendar, RULE_WITHOUT_DEAL, since, self.recycle_days_without_deal, customer)
            )
        deadline = min(candidates, key=lambda d: d.day)
        extended = customer.current_extension
        if extended is not None and extended > deadline.day:
            return replace(deadline, day=extended, extended_from=deadline.day)
        return deadline

    def deadlines(self, calendar: WorkCalendar) -> Callable[[Held], Deadline | None]:
        """:meth:`deadline_of`, remembered by everything it depends on (owned, won, locked, the
        priority, the local days of the last touch and of the ownership's start, the extension):
        a sweep or a reminder reads thousands of customers that share a handful of those, and
        counts each distinct one once instead of walking the calendar per customer."""
        memo: dict[tuple[object, ...], Deadline | None] = {}
        zone = calendar.timezone

        def deadline(customer: Held) -> Deadline | None:
            since, touch = customer.owned_since, customer.last_touch_at
            key = (
                customer.owner_id is None,
                customer.won_at is None,
                customer.locked,
                customer.priority,
                local_day(touch, zone) if touch is not None else None,
                local_day(since, zone) if since is not None else None,
                customer.current_extension,
            )
            if key not in memo:
                memo[key] = self.deadline_of(customer, calendar)
            return memo[key]

        return deadline

    def _counted(self, calendar: WorkCalendar, rule: str, basis: date, days: int, customer: Held) -> Deadline:
        day = calendar.after(basis, days, working=self.working)
        skipped = calendar.spans_between(basis, day) if self.working else ()
        return Deadline(day, rule, basis, days, customer.priority, self.working, skipped)

    def extended(self, deadline: Deadline, calendar: WorkCalendar) -> date:
        """The day an extension moves ``deadline`` to: ``extend_days`` more, counted as the pool counts."""
        return calendar.after(deadline.day, self.extend_days, working=self.working)

    def warn_horizon(self, today: date, calendar: WorkCalendar) -> date:
        """The last deadline the owner hears about on ``today``: ``warn_days`` ahead, counted as
        the pool counts its deadlines."""
        return calendar.after(today, max(self.warn_days, 0), working=self.working)

    def cooldown_ends(self, released_on: date) -> date:
        """The first local day a rep may claim again a customer it gave back on ``released_on``."""
        return cooldown_end(released_on, self.reclaim_cooldown_days)


def cooldown_end(released_on: date, days: int) -> date:
    """The first local day a rep may claim again a customer it gave back on ``released_on``, when
    the pool's reclaim cooldown is ``days``."""
    return released_on + timedelta(days=days)
