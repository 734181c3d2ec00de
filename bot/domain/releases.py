"""Why and where a release goes: a pool's configured reasons and the other pools it may go to.

A pool may list ``release_reasons`` (and require one), and ``release_to``: other pools of the same
team a release may be sent to. A reason is taken only exactly — its number in the list, or its
words (any case, width or spacing); a near word is offered back as a choice, never taken. Pools
without a list keep the free-text reason they always had.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlmodel import Session

from bot.domain.context import Services, team_customer
from bot.domain.errors import Conflict, DomainError, Forbidden, NotFound
from bot.domain.rules import PoolRules
from bot.domain.snapshots import MemberView
from bot.names import as_id
from bot.storage import members, teams
from bot.storage.models import Customer, Pool

NEAR_FLOOR = 75  # rapidfuzz WRatio: a shared word scores about 90, single shared characters about 67


class PickReason(DomainError):
    """The release needs one of the pool's reasons and was not given one exactly: ``reasons`` are
    offered as numbered choices (every reason, or the near ones), nothing is released meanwhile."""

    def __init__(self, key: str, reasons: tuple[str, ...], **params: object) -> None:
        super().__init__(key, **params)
        self.reasons = reasons


@dataclass(frozen=True)
class ReleaseForm:
    """What the release form asks: a reason of the pool's list, and where it goes."""

    customer_id: int
    customer_name: str
    pool_name: str
    reasons: tuple[str, ...]
    required: bool
    targets: tuple[str, ...]  # the other pools it may go to (the form's default: its own pool)


def release_form(services: Services, *, member: MemberView, customer_id: int) -> ReleaseForm:
    """The form for releasing ``customer_id``; refused like the release itself would be."""
    with services.db.read() as session:
        row, rules, _ = team_customer(session, customer_id, member)
        require_owner_or_manager(session, row, member)
        assert row.id is not None
        return ReleaseForm(
            row.id,
            row.name,
            rules.pool_name,
            rules.release_reasons,
            rules.release_reason_required,
            rules.release_to,
        )


def require_owner_or_manager(session: Session, row: Customer, actor: MemberView) -> None:
    """Only the owner, or a manager of the pool's team, changes an owned customer's state."""
    if row.owner_id is None:
        raise Conflict("error.in_pool", customer=row.name)
    if row.owner_id != actor.id and not actor.is_manager:
        owner = members.member_names(session, {row.owner_id}).get(row.owner_id, "?")
        raise Forbidden("error.not_owner", customer=row.name, owner=owner)


def pick_reason(rules: PoolRules, text: str, *, customer: str) -> str | None:
    """The configured reason ``text`` names exactly (its number or its words), None for none given
    where none is required; raise :class:`PickReason` otherwise. For a pool without a list of
    reasons there is nothing to pick (None): the text stays the release's free reason."""
    reasons, text = rules.release_reasons, " ".join(text.split())
    if not reasons:
        return None
    names = {"customer": customer, "pool": rules.pool_name, "count": len(reasons)}
    if not text:
        if rules.release_reason_required:
            raise PickReason("release.pick_reason", reasons, **names)
        return None
    if (number := as_id(text.removeprefix("#"))) is not None:
        if number <= len(reasons):
            return reasons[number - 1]
        raise PickReason("release.reason_number", reasons, number=number, **names)
    wanted = _folded(text)
    for reason in reasons:
        if _folded(reason) == wanted:
            return reason
    near = _near(text, reasons)
    if near:
        raise PickReason("release.reason_near", near, text=text, **names)
    raise PickReason("release.reason_unknown", reasons, text=text, **names)


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _near(text: str, reasons: tuple[str, ...]) -> tuple[str, ...]:
    """The reasons close to ``text`` (sharing a word, or containing it), best first."""
    wanted = _folded(text)
    scored = process.extract(
        wanted, [_folded(r) for r in reasons], scorer=fuzz.WRatio, score_cutoff=NEAR_FLOOR, limit=None
    )
    found = [reasons[index] for _, _, index in scored]
    found += [r for r in reasons if r not in found and (wanted in _folded(r) or _folded(r) in wanted)]
    return tuple(found)


def target_pool(session: Session, rules: PoolRules, team_id: int, name: str | None) -> Pool | None:
    """The other pool of the team a release goes to (``pool:<name>``), when the pool allows it;
    None for the customer's own pool."""
    if name is None:
        return None
    wanted = _folded(name)
    pool = next((p for p in teams.pools_of_team(session, team_id) if _folded(p.name) == wanted), None)
    allowed = ", ".join(rules.release_to)
    if pool is None:
        raise NotFound("release.pool_unknown", pool=name, allowed=allowed or rules.pool_name)
    if pool.id == rules.pool_id:
        return None
    if pool.name not in rules.release_to:
        if not rules.release_to:
            raise Forbidden("release.pool_only_own", pool=pool.name, from_pool=rules.pool_name)
        raise Forbidden(
            "release.pool_not_allowed", pool=pool.name, from_pool=rules.pool_name, allowed=allowed
        )
    return pool
