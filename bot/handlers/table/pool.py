"""Browsing the pool and taking a customer from it."""

from __future__ import annotations

from bot.domain import claims, lookup
from bot.handlers import views
from bot.handlers.ctx import Ctx, Usage, unparse
from bot.handlers.registry import REPS, CommandGroup
from bot.messages import Reply
from bot.names import as_id

group = CommandGroup()
MAX_PAGE = 100_000  # 1M customers at 10 a page; beyond that a page number is a typo


@group.command(
    "pool",
    aliases=("公海",),
    buttons=("pool.page",),
    options=("industry", "region", "size", "priority", "page"),
)
def do_pool(ctx: Ctx) -> Reply:
    opts = ctx.parsed.options
    page_text = opts.get("page", "1")
    if (page := as_id(page_text)) is None or page > MAX_PAGE:
        return ctx.refuse("error.bad_page", max=MAX_PAGE)
    filters = lookup.pool_filters(ctx.parsed.words, opts)
    found = lookup.search(ctx.services, member=ctx.member, filters=filters, page=page)
    if page > found.pages:
        return ctx.refuse("error.page_beyond", page=page, pages=found.pages)
    query = unparse(ctx.parsed.words, {k: v for k, v in opts.items() if k != "page"})
    return Reply(views.search_page(ctx.locale, found, query))


@group.command("claim", aliases=("认领",), roles=REPS, buttons=("claim.claim",), changes=True)
def do_claim(ctx: Ctx) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    customer_id, rest = ctx.customer()
    outcome = claims.claim(ctx.services, member=ctx.member, customer_id=customer_id, reason=" ".join(rest))
    if outcome.request_id is not None:
        return ctx.say("ok.requested", request=outcome.request_id, customer=outcome.customer_name)
    card = lookup.card(ctx.services, member=ctx.member, customer_id=customer_id)
    deadline = card.customer.deadline
    if deadline is None:
        return ctx.say(
            "ok.claimed_no_deadline", customer=outcome.customer_name, held=outcome.held, cap=outcome.cap
        )
    return ctx.say(
        "ok.claimed",
        customer=outcome.customer_name,
        held=outcome.held,
        cap=outcome.cap,
        deadline=deadline.day,
    )
