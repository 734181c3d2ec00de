"""A manager's decision on a pending claim (the card's Approve / Reject buttons do the same)."""

from __future__ import annotations

from bot.domain import claims, inbox
from bot.handlers import inbox_views
from bot.handlers.ctx import Ctx, Usage
from bot.handlers.registry import MANAGERS, CommandGroup
from bot.messages import Reply
from bot.names import as_id

group = CommandGroup()


@group.command(
    "requests",
    aliases=("待审批", "审批列表"),
    roles=MANAGERS,
    slash=False,  # on Slack: /poolbot requests (no new slash command)
    buttons=(inbox_views.PAGE_ACTION,),
    options=("page",),
)
def do_requests(ctx: Ctx) -> Reply:
    """``/requests [page:N]``: everything waiting for the manager's decision, oldest first."""
    page = as_id(ctx.parsed.options.get("page", "1"))
    if page is None:
        raise Usage
    found = inbox.inbox(ctx.services, manager=ctx.member, page=page)
    return Reply(inbox_views.inbox_message(ctx.locale, found))


def _request_id(ctx: Ctx) -> int:
    request_id = as_id(ctx.parsed.words[0]) if ctx.parsed.words else None
    if request_id is None:
        raise Usage
    return request_id


@group.command("approve", aliases=("审批", "批准"), roles=MANAGERS, buttons=("claim.approve",), changes=True)
def do_approve(ctx: Ctx) -> Reply:
    done = claims.decide(ctx.services, manager=ctx.member, request_id=_request_id(ctx), approve=True)
    return ctx.say(
        "ok.approved", request=done.request_id, customer=done.customer_name, member=done.member_name
    )


@group.command(
    "reject",
    aliases=("拒绝", "驳回"),
    roles=MANAGERS,
    help_key="approve",
    buttons=("claim.reject",),
    changes=True,
)
def do_reject(ctx: Ctx) -> Reply:
    request_id = _request_id(ctx)
    done = claims.decide(
        ctx.services,
        manager=ctx.member,
        request_id=request_id,
        approve=False,
        reason=" ".join(ctx.parsed.words[1:]),
    )
    return ctx.say("ok.rejected", request=done.request_id, customer=done.customer_name)
