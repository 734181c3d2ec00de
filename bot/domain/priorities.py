"""Customer priorities: the words people write for them (one mapping for the import, the
``/assign auto`` filter and ``/customer … priority:``), and a manager setting one (A/B/C), after
which the recycle days of the new priority apply at once."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.domain.context import Services, team_customer
from bot.domain.errors import Conflict, Forbidden
from bot.domain.snapshots import PRIORITIES, MemberView
from bot.storage import customers

# What a spreadsheet cell or a chat option may say for each priority, lower-cased (after NFKC, so
# a full-width Ａ typed with a Chinese input method is an A).
PRIORITY_WORDS: dict[str, str] = {"a": "A", "b": "B", "c": "C", "高": "A", "中": "B", "低": "C"}
assert set(PRIORITY_WORDS.values()) == set(PRIORITIES)
PRIORITY_HINT = "A, B or C (or 高/中/低)"


def priority_code(word: str) -> str | None:
    """A, B or C for a priority as people write it (``a``, ``B``, ``高``, ``中``, ``低``, ``Ａ``);
    None for anything else."""
    return PRIORITY_WORDS.get(unicodedata.normalize("NFKC", word).strip().lower())


def priority_filter(word: str | None) -> str | None:
    """A filter's ``priority:`` value as the stored code; an unknown word is kept as written (it
    matches no customer, as before), None stays None (no filter)."""
    if word is None:
        return None
    return priority_code(word) or word


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
    code = priority_code(priority)
    if code is None:
        raise Conflict("insight.bad_priority", customer=f"#{customer_id}")
    priority = code
    with services.db.write() as session:
        row, rules, _ = team_customer(session, customer_id, manager)
        assert row.id is not None
        if row.priority == priority:
            raise Conflict("insight.priority_same", customer=row.name, priority=priority)
        customers.set_priority(session, row.id, priority)
        return PriorityChanged(row.id, row.name, priority, rules.recycle_days[priority])
