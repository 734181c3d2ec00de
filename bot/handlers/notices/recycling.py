"""What went back to the pool (read at delivery from the run's recycle events, so a notice lists
everything the run recycled whichever batch did it), and the warnings before it goes."""

from __future__ import annotations

from itertools import groupby

from bot.domain import recycling
from bot.domain.context import Services
from bot.domain.notices import (
    RECYCLE_DIGEST,
    RECYCLE_WARNING,
    RECYCLED,
    RecycleDigest,
    RecycledNotice,
    RecycleWarning,
)
from bot.handlers import views
from bot.handlers.notices.buttons import soon_buttons
from bot.handlers.notices.registry import renders
from bot.i18n import t
from bot.messages import Context, Message, Text

RECYCLED_LINES = 30  # lines of customers in one recycle notice or digest; the rest are counted


@renders(RECYCLED)
def recycled_notice(services: Services, notice: RecycledNotice, locale: str) -> Message:
    """A former owner's customers that went back that day."""
    return _recycled(services, locale, notice, notice.member_id)


@renders(RECYCLE_DIGEST)
def recycle_digest(services: Services, digest: RecycleDigest, locale: str) -> Message:
    """A manager's view of the day: per former owner, what went back."""
    return _recycled(services, locale, digest, None)


def _recycled(
    services: Services, locale: str, run: RecycledNotice | RecycleDigest, owner: int | None
) -> Message:
    day = run.day
    events = recycling.recycled_on(
        services, team_id=run.team_id, day=day, member_id=owner, since=run.since, until=run.until
    )
    if not events:
        return Message.text(t(locale, "notify.recycled_none", day=day))
    lines: list[str] = []
    for _, group in groupby(events, key=lambda e: e.member_id):
        items = list(group)
        if owner is None:
            name = items[0].member_name
            lines.append(t(locale, "notify.recycle_digest_owner", member=name, count=len(items)))
        lines += [
            t(locale, "notify.recycled_line", customer=e.customer_name, priority=e.priority, reason=e.reason)
            for e in items
        ]
    key = "notify.recycled_title" if owner is not None else "notify.recycle_digest_title"
    title = t(locale, key, count=len(events), day=day)
    blocks: list[Text | Context] = [Text(title, heading=True), Text("\n".join(lines[:RECYCLED_LINES]))]
    if len(lines) > RECYCLED_LINES:
        blocks.append(Context(t(locale, "notify.recycled_more", count=len(lines) - RECYCLED_LINES)))
    return Message(tuple(blocks), summary=title)


@renders(RECYCLE_WARNING)
def recycle_warning(services: Services, warning: RecycleWarning, locale: str) -> Message:
    """A warning before a recycle, with the buttons that answer it (a follow-up keeps the customer)."""
    key = "notify.warning_last" if warning.stage == "last" else "notify.warning_early"
    text = t(locale, key, customer=warning.customer, days=warning.days_left, day=warning.deadline.day)
    if warning.managers_told:
        text += t(locale, "notify.warning_managers_told")
    rule = Context(views.describe_deadline(locale, warning.deadline))
    return Message(
        (Text(text), rule, soon_buttons(locale, warning.customer_id, warning.customer)), summary=text
    )
