"""Extensions (延期): the owner's Extend, and a manager's decision on one beyond the quota."""

from __future__ import annotations

from bot.domain import extensions
from bot.handlers import views
from bot.handlers.ctx import Ctx, Usage
from bot.handlers.registry import CommandGroup
from bot.i18n import t
from bot.messages import Message, Reply
from bot.names import as_id

group = CommandGroup()


@group.command(
    "extend",
    aliases=("延期",),
    buttons=("customer.extend", "extension.approve", "extension.reject"),
    changes=True,
    options=("request", "reject"),
    slash=False,  # on Slack: /poolbot extend <customer>
)
def do_extend(ctx: Ctx) -> Reply:
    """``/extend <customer>`` (the owner's, or a manager's, Extend); ``request:N`` approves request
    N (the card's Approve); ``reject:N [reason]`` rejects it (the card's Reject)."""
    if not ctx.parsed.words:
        raise Usage
    if "reject" in ctx.parsed.options:
        return _reject(ctx)
    request_text = ctx.parsed.options.get("request")
    request_id = as_id(request_text) if request_text is not None else None
    if request_text is not None and request_id is None:
        raise Usage
    customer_id, _ = ctx.customer(whole=True)
    done = extensions.extend(ctx.services, member=ctx.member, customer_id=customer_id, request_id=request_id)
    if done.request_id is not None:
        return ctx.say(
            "ok.extension_requested",
            customer=done.customer_name,
            used=done.used,
            max=done.allowed,
            request=done.request_id,
        )
    key = "ok.extended" if done.owner_name == ctx.member.name else "ok.extended_for"
    said = t(ctx.locale, key, customer=done.customer_name, day=done.deadline.day, owner=done.owner_name)
    said += "\n" + views.describe_deadline(ctx.locale, done.deadline)
    return Reply(Message.text(said))


def _reject(ctx: Ctx) -> Reply:
    request_id = as_id(ctx.parsed.options["reject"])
    if request_id is None:
        raise Usage
    _, rest = ctx.customer()
    done = extensions.reject(ctx.services, manager=ctx.member, request_id=request_id, reason=" ".join(rest))
    return ctx.say(
        "ok.extension_rejected", request=done.request_id, customer=done.customer_name, member=done.member_name
    )
