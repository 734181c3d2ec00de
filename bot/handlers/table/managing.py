"""A manager moves and protects customers: assign (by hand or by the pool's strategy), transfer a
whole book, lock key accounts; an owner or a manager marks a customer won."""

from __future__ import annotations

from bot.domain import assignment, extensions, handover, lookup, ownership
from bot.handlers import insight_views
from bot.handlers.ctx import Ctx, Usage
from bot.handlers.registry import MANAGERS, CommandGroup
from bot.i18n import t
from bot.messages import Actions, Button, Context, Message, Reply, Text
from bot.names import as_id

group = CommandGroup()
AUTO_WORDS = ("auto", "自动")
# the last-day digest's Reassign: "#12" (asks to whom) or "#12 bob" (gives it to bob)
REASSIGN_ACTION = "customer.reassign"
PICKED = 25  # reps offered as buttons (Slack: 25 elements per actions block)


@group.command(
    "assign",
    aliases=("分配",),
    roles=MANAGERS,
    buttons=(REASSIGN_ACTION,),
    changes=True,
    options=("industry", "region", "size", "priority", "pool"),
)
def do_assign(ctx: Ctx) -> Reply:
    words = ctx.parsed.words
    if words and words[0].lower() in AUTO_WORDS and len(words) <= 2:
        return _assign_auto(ctx)
    if len(words) == 1 and words[0] not in AUTO_WORDS:
        return _pick_assignee(ctx)
    if len(words) < 2:
        raise Usage
    target = lookup.member_by_handle(ctx.services, team_id=ctx.member.team.id, handle=ctx.parsed.words[-1])
    customer_id, _ = ctx.customer(whole=True, keep_last=1)
    done = ownership.assign(ctx.services, manager=ctx.member, customer_id=customer_id, to_member_id=target.id)
    return ctx.say("ok.assigned", customer=done.customer_name, member=target.name)


def _pick_assignee(ctx: Ctx) -> Reply:
    """``/assign <customer>`` alone: a button per rep of the team, each the typed ``/assign``."""
    customer_id, _ = ctx.customer(whole=True)
    found = extensions.assignees(ctx.services, manager=ctx.member, customer_id=customer_id)
    if not found.reps:
        return ctx.refuse("error.no_assignee", customer=found.customer_name)
    question = t(ctx.locale, "view.reassign_to", customer=found.customer_name, id=found.customer_id)
    buttons = tuple(
        Button(name, REASSIGN_ACTION, f"#{found.customer_id} {handle}")
        for handle, name in found.reps[:PICKED]
    )
    hint = t(ctx.locale, "view.reassign_hint", id=found.customer_id)
    return Reply(Message((Text(question), Actions(buttons), Context(hint)), summary=question), refused=True)


def _assign_auto(ctx: Ctx) -> Reply:
    """``/assign auto [count] [region:… industry:… size:… priority:… pool:…]``: the pool's strategy
    hands out up to ``count`` matching pool customers (all of them, up to a run's maximum)."""
    limit = assignment.MAX_PER_RUN
    count_text = ctx.parsed.words[1] if len(ctx.parsed.words) > 1 else str(limit)
    if (count := as_id(count_text)) is None or count > limit:
        return ctx.refuse("insight.auto_bad_count", max=limit)
    filters = assignment.filters_from(ctx.parsed.options)
    outcome = assignment.auto_assign(
        ctx.services, manager=ctx.member, team_id=ctx.member.team.id, filters=filters, count=count
    )
    return Reply(insight_views.auto_assigned(ctx.locale, outcome))


@group.command("transfer", aliases=("转移",), roles=MANAGERS, help_key="assign", changes=True)
def do_transfer(ctx: Ctx) -> Reply:
    if len(ctx.parsed.words) != 2:
        raise Usage
    # the source as /handover finds it: of this team, or moved away still owning its customers
    source = handover.find_member(
        ctx.services, manager=ctx.member, handle=ctx.parsed.words[0], command="transfer"
    )
    target = lookup.member_by_handle(ctx.services, team_id=ctx.member.team.id, handle=ctx.parsed.words[1])
    done = ownership.transfer(
        ctx.services, manager=ctx.member, from_member_id=source.id, to_member_id=target.id
    )
    return ctx.say("ok.transferred", count=done.count, from_name=done.from_name, to_name=done.to_name)


@group.command("lock", aliases=("锁定",), roles=MANAGERS, changes=True)
def do_lock(ctx: Ctx) -> Reply:
    return _set_locked(ctx, locked=True)


@group.command("unlock", aliases=("解锁",), roles=MANAGERS, help_key="lock", changes=True)
def do_unlock(ctx: Ctx) -> Reply:
    return _set_locked(ctx, locked=False)


def _set_locked(ctx: Ctx, *, locked: bool) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    customer_id, _ = ctx.customer(whole=True)
    done = ownership.set_locked(ctx.services, manager=ctx.member, customer_id=customer_id, locked=locked)
    return ctx.say("ok.locked" if locked else "ok.unlocked", customer=done.customer_name)


@group.command("won", aliases=("成交", "赢单"), help_key="lock", changes=True)
def do_won(ctx: Ctx) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    customer_id, _ = ctx.customer(whole=True)
    done = ownership.mark_won(ctx.services, member=ctx.member, customer_id=customer_id)
    return ctx.say("ok.won", customer=done.customer_name)
