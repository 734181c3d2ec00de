"""A manager hands a departing member's book over (离职交接): ``/handover <member> [auto|pool|<member>]``
previews it; ``… confirm`` (the preview's Confirm button) does it."""

from __future__ import annotations

from bot.domain import handover, lookup
from bot.handlers import handover_views
from bot.handlers.ctx import Ctx, Usage
from bot.handlers.registry import MANAGERS, CommandGroup
from bot.i18n import t
from bot.messages import Reply

group = CommandGroup()
AUTO_WORDS = ("auto", "自动")
POOL_WORDS = ("pool", "公海")
CONFIRM_WORDS = ("confirm", "确认")


@group.command(
    "handover",
    aliases=("交接",),
    roles=MANAGERS,
    slash=False,  # on Slack: /poolbot handover …
    buttons=(handover_views.PREVIEW_ACTION, handover_views.CONFIRM_ACTION),
    changes=True,
)
def do_handover(ctx: Ctx) -> Reply:
    words = ctx.parsed.words
    if not 1 <= len(words) <= 3 or (len(words) == 3 and words[2].lower() not in CONFIRM_WORDS):
        raise Usage
    source = handover.find_member(ctx.services, manager=ctx.member, handle=words[0])
    to, mode, mode_text = _target(ctx, words[1] if len(words) > 1 else "auto", source.name)
    team_id = ctx.member.team.id
    if len(words) < 3:
        found = handover.preview(
            ctx.services, manager=ctx.member, team_id=team_id, member_id=source.id, to=to
        )
        return Reply(handover_views.preview(ctx.locale, found, mode, mode_text))
    outcome = handover.hand_over(
        ctx.services, manager=ctx.member, team_id=team_id, member_id=source.id, to=to
    )
    return Reply(handover_views.report(ctx.locale, outcome))


def _target(ctx: Ctx, word: str, source_name: str) -> tuple[handover.Target, str, str]:
    """Where the book goes, the mode's word in the Confirm button's twin, and what will happen."""
    if word.lower() in AUTO_WORDS:
        return handover.AUTO, "auto", t(ctx.locale, "handover.mode_auto", member=source_name)
    if word.lower() in POOL_WORDS:
        return handover.POOL, "pool", t(ctx.locale, "handover.mode_pool", member=source_name)
    target = lookup.member_by_handle(ctx.services, team_id=ctx.member.team.id, handle=word)
    return target.id, target.handle, t(ctx.locale, "handover.mode_member", to=target.name, member=source_name)
