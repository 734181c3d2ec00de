"""Registration (报备) after the duplicate check, and a manager's duplicates and merges."""

from __future__ import annotations

from bot.domain import duplicates, merging, registration
from bot.domain.registration import NewRecord
from bot.handlers import registration_views as views
from bot.handlers.ctx import Ctx, Usage, unparse
from bot.handlers.registry import MANAGERS, REPS, CommandGroup
from bot.messages import Reply
from bot.names import as_id

group = CommandGroup()
FIELDS = ("phone", "contact", "email", "credit", "industry", "region", "size")
ANYWAY = "anyway"


@group.command(
    "new",
    aliases=("报备", "新建"),
    roles=REPS,
    slash=False,  # Slack: /poolbot new … (the namespaced command)
    changes=True,
    options=(*FIELDS, "priority", "pool", ANYWAY),
)
def do_new(ctx: Ctx) -> Reply:
    """``/new <name> [phone:… contact:… email:… credit:… industry:… region:… size:… priority:…
    pool:…]``: the customer becomes the rep's, unless the duplicate check finds it."""
    if not ctx.parsed.words:
        raise Usage
    opts = ctx.parsed.options
    record = NewRecord(
        name=" ".join(ctx.parsed.words),
        **{field: opts.get(field) for field in FIELDS},
        priority=opts.get("priority", "B"),
        pool=opts.get("pool"),
    )
    done = registration.register(ctx.services, member=ctx.member, record=record, anyway=ANYWAY in opts)
    anyway = "/new " + unparse(ctx.parsed.words, {**opts, ANYWAY: "yes"})
    return views.registered(ctx.locale, done, register_anyway=anyway)


@group.command(
    "duplicates",
    aliases=("查重",),
    roles=MANAGERS,
    slash=False,
    buttons=(views.DUPLICATES_PAGE,),
    options=("page",),
)
def do_duplicates(ctx: Ctx) -> Reply:
    """``/duplicates [page:N]``: suspected duplicates across the team, strongest first."""
    page = as_id(ctx.parsed.options.get("page", "1"))
    if page is None:
        return ctx.refuse("error.bad_page", max=duplicates.MAX_PAIRS // duplicates.PAGE_SIZE)
    found = duplicates.suspected(ctx.services, manager=ctx.member, page=page)
    return Reply(views.duplicates_page(ctx.locale, found))


@group.command(
    "merge",
    aliases=("合并",),
    roles=MANAGERS,
    help_key="duplicates",
    slash=False,
    buttons=(views.MERGE_ACTION,),
    changes=True,
)
def do_merge(ctx: Ctx) -> Reply:
    """``/merge #a #b``: #b goes into #a, with its follow-ups and history."""
    words = ctx.parsed.words
    ids = [as_id(w) for w in words if w.startswith("#")]
    if len(words) != 2 or len(ids) != 2 or None in ids:
        raise Usage
    keep, other = (int(i or 0) for i in ids)
    done = merging.merge(ctx.services, manager=ctx.member, keep_id=keep, other_id=other)
    return ctx.say(
        "reg.merged",
        id=done.merged_id,
        customer=done.merged_name,
        into=done.kept_id,
        into_name=done.kept_name,
    )
