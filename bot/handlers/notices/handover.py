"""Handover notices: what a receiver got, and the managers' card for a member made inactive."""

from __future__ import annotations

from bot.domain.context import Services
from bot.domain.notices import HANDED_OVER, HANDOVER_DUE, HandedOver, HandoverDue
from bot.handlers.handover_views import start_buttons
from bot.handlers.notices.registry import renders
from bot.i18n import t
from bot.messages import Context, Message, Text


@renders(HANDED_OVER)
def handed_over(services: Services, notice: HandedOver, locale: str) -> Message:
    """One notice per receiver, however many customers it got."""
    title = t(locale, "handover.notify_received", by=notice.by, count=notice.count, member=notice.from_name)
    listed = "\n".join(f"#{cid} {name}" for cid, name in notice.customers)
    blocks: list[Text | Context] = [Text(title, heading=True), Text(listed)]
    if notice.count > len(notice.customers):
        blocks.append(Context(t(locale, "handover.notify_more", count=notice.count - len(notice.customers))))
    return Message(tuple(blocks), summary=title)


@renders(HANDOVER_DUE)
def handover_due(services: Services, notice: HandoverDue, locale: str) -> Message:
    """The card a team's managers get when the config makes a member who still holds customers
    inactive: the book per pool, and the buttons that preview a handover."""
    title = t(locale, "handover.due_title", member=notice.member, count=notice.count)
    pools = ", ".join(f"{pool} {count}" for pool, count in notice.pools)
    lines = [pools] if pools else []
    if notice.pending:
        lines.append(t(locale, "handover.due_pending", count=notice.pending))
    lines.append(t(locale, "handover.how", handle=notice.handle))
    return Message(
        (Text(title, heading=True), Text("\n".join(lines)), start_buttons(locale, notice.handle)),
        summary=title,
    )
