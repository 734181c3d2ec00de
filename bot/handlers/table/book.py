"""A rep's own book: what they hold, follow-ups, giving back, and one customer's card."""

from __future__ import annotations

from bot.domain import followups, home, inbox, lookup, ownership, priorities, releases
from bot.domain.context import today
from bot.handlers import inbox_views, views
from bot.handlers.ctx import Choices, Ctx, Usage
from bot.handlers.dates import BadDate, parse_date
from bot.handlers.registry import CommandGroup
from bot.i18n import t
from bot.messages import Message, Reply, Text
from bot.names import as_id

group = CommandGroup()
MAX_BOOK = 100_000  # only for the "bad page" sentence: a page past the last shows the last


@group.command("mine", aliases=("我的客户", "我的"), buttons=(views.MINE_PAGE_ACTION,), options=("page",))
def do_mine(ctx: Ctx) -> Reply:
    """``/mine [page:N]``: the rep's book, a page at a time (the buttons' typed twins)."""
    page_text = ctx.parsed.options.get("page", "1")
    if (page := as_id(page_text)) is None:
        return ctx.refuse("error.bad_page", max=views.mine_pages(MAX_BOOK))
    if ctx.member.is_manager:  # managers own nothing: their inbox and the team's day instead
        return _manager_mine(ctx)
    owned = lookup.mine(ctx.services, member=ctx.member)
    local_today, zone = today(ctx.services, ctx.member.team), ctx.member.team.timezone
    return Reply(views.mine(ctx.locale, owned, local_today, zone, page=page))


def _manager_mine(ctx: Ctx) -> Reply:
    figures = home.team_today(ctx.services, team=ctx.member.team)
    found = inbox.inbox(ctx.services, manager=ctx.member)
    return Reply(inbox_views.manager_mine(ctx.locale, ctx.member.team.name, figures, found))


@group.command(
    "followup",
    aliases=("follow-up", "跟进"),
    buttons=("customer.followup",),
    changes=True,
    options=("next", "kind", "link"),
)
def do_followup(ctx: Ctx) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    customer_id, rest = ctx.customer()
    next_text = ctx.parsed.options.get("next")
    try:
        next_date = (
            parse_date(next_text, today(ctx.services, ctx.member.team)) if next_text is not None else None
        )
    except BadDate:
        return ctx.refuse("error.bad_date", text=next_text)
    done = followups.follow_up(
        ctx.services,
        member=ctx.member,
        customer_id=customer_id,
        note=" ".join(rest),
        kind=ctx.parsed.options.get("kind", "call").lower(),
        next_date=next_date,
        permalink=ctx.parsed.options.get("link"),
    )
    key = "ok.followup_next" if done.next_date else "ok.followup"
    reply = t(ctx.locale, key, customer=done.customer_name, next=done.next_date)
    if done.deadline is not None:
        reply += "\n" + views.describe_deadline(ctx.locale, done.deadline)
    return Reply(Message.text(reply))


@group.command("release", aliases=("退回",), buttons=("customer.release",), changes=True, options=("pool",))
def do_release(ctx: Ctx) -> Reply:
    """``/release <customer> [reason] [pool:<name>]``; a reason of the pool's list by number or words."""
    if not ctx.parsed.words:
        raise Usage
    customer_id, rest = ctx.customer()
    to_pool = ctx.parsed.options.get("pool")
    try:
        done = ownership.release(
            ctx.services, member=ctx.member, customer_id=customer_id, reason=" ".join(rest), to_pool=to_pool
        )
    except releases.PickReason as exc:
        where = "" if to_pool is None else (f' "pool:{to_pool}"' if " " in to_pool else f" pool:{to_pool}")
        options = tuple((r, f'/release #{customer_id} "{r}"{where}') for r in exc.reasons)
        raise Choices(t(ctx.locale, exc.key, **exc.params), options) from exc
    said = t(ctx.locale, "ok.released", customer=done.customer_name)
    if to_pool is not None:
        said = t(ctx.locale, "release.moved", customer=done.customer_name, pool=done.pool_name)
    if done.reason:
        said += t(ctx.locale, "release.with_reason", reason=done.reason)
    return Reply(Message.text(said))


@group.command("customer", aliases=("客户",), buttons=("customer.show",), options=("priority",))
def do_customer(ctx: Ctx) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    priority = ctx.parsed.options.get("priority")
    customer_id, _ = ctx.customer(whole=True, exact=priority is not None)  # a priority edit changes it
    if priority is not None:
        return _set_priority(ctx, customer_id, priority)
    card = lookup.card(ctx.services, member=ctx.member, customer_id=customer_id)
    return Reply(views.customer_card(ctx.locale, card, viewer=ctx.member))


def _set_priority(ctx: Ctx, customer_id: int, priority: str) -> Reply:
    """A manager's ``/customer <customer> priority:A``: the card follows with the new deadline."""
    done = priorities.set_priority(
        ctx.services, manager=ctx.member, customer_id=customer_id, priority=priority
    )
    said = t(
        ctx.locale,
        "insight.priority_set",
        customer=done.customer_name,
        priority=done.priority,
        days=done.recycle_days,
    )
    card = lookup.card(ctx.services, member=ctx.member, customer_id=customer_id)
    shown = views.customer_card(ctx.locale, card, viewer=ctx.member)
    return Reply(Message((Text(said), *shown.blocks), summary=said))
