"""A manager's moves, told to the member who got the customers."""

from __future__ import annotations

from bot.domain import lookup
from bot.domain.context import Services
from bot.domain.notices import (
    ASSIGNED,
    AUTO_ASSIGNED,
    MEMBER_MOVED,
    TAKEN_AWAY,
    TRANSFERRED,
    Assigned,
    AutoAssigned,
    MemberMoved,
    TakenAway,
    Transferred,
)
from bot.handlers.handover_views import start_buttons
from bot.handlers.notices.registry import renders
from bot.i18n import t
from bot.messages import Actions, Button, Context, Message, Text


@renders(ASSIGNED)
def assigned(services: Services, notice: Assigned, locale: str) -> Message:
    ref = f"#{notice.customer_id}"
    name = lookup.customer_name(services, customer_id=notice.customer_id) or ref
    text = t(locale, "notify.assigned", by=notice.by, customer=name)
    return Message(
        (Text(text), Actions((Button(t(locale, "button.open"), "customer.show", ref),))), summary=text
    )


@renders(TRANSFERRED)
def transferred(services: Services, notice: Transferred, locale: str) -> Message:
    text = t(locale, "notify.transferred", by=notice.by, count=notice.count, from_name=notice.from_name)
    return Message.text(text)


@renders(AUTO_ASSIGNED)
def auto_assigned(services: Services, notice: AutoAssigned, locale: str) -> Message:
    """An assignee's notice of one run: its new customers, each with the reason."""
    if notice.count == 1:
        only = notice.customers[0]
        text = t(locale, "insight.notify_assigned_one", by=notice.by, customer=only.name, reason=only.reason)
        open_button = Button(t(locale, "button.open"), "customer.show", f"#{only.id}")
        return Message((Text(text), Actions((open_button,))), summary=text)
    title = t(locale, "insight.notify_assigned", by=notice.by, count=notice.count)
    lines = [t(locale, "insight.notify_line", customer=c.name, reason=c.reason) for c in notice.customers]
    blocks: list[Text | Context] = [Text(title, heading=True), Text("\n".join(lines))]
    if notice.count > len(notice.customers):
        blocks.append(Context(t(locale, "insight.notify_more", count=notice.count - len(notice.customers))))
    return Message(tuple(blocks), summary=title)


@renders(TAKEN_AWAY)
def taken_away(services: Services, notice: TakenAway, locale: str) -> Message:
    """The member hears what a manager took out of their book, and where it went."""
    reason = f" ({notice.reason})" if notice.reason else ""
    text = t(
        locale,
        f"notify.taken_{notice.change}",
        by=notice.by,
        customer=notice.customer,
        count=notice.count,
        to=notice.to,
        reason=reason,
    )
    return Message.text(text)


@renders(MEMBER_MOVED)
def member_moved(services: Services, notice: MemberMoved, locale: str) -> Message:
    """The old team's managers hear what a member who moved still owns, with the handover's
    buttons and commands."""
    title = t(locale, "notify.member_moved", member=notice.member, team=notice.team, count=notice.count)
    listed = ", ".join(f"#{cid} {name}" for cid, name in notice.customers)
    more = notice.count - len(notice.customers)
    lines = [listed + (t(locale, "notify.member_moved_more", count=more) if more > 0 else "")]
    lines.append(t(locale, "handover.how", handle=notice.handle))
    blocks = (Text(title, heading=True), Text("\n".join(lines)), start_buttons(locale, notice.handle))
    return Message(blocks, summary=title)
