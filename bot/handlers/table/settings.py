"""A member's own settings: quiet hours, for now."""

from __future__ import annotations

from bot.domain import quiet
from bot.handlers.ctx import Ctx
from bot.handlers.registry import CommandGroup
from bot.messages import Reply

group = CommandGroup()
QUIET_WORDS = ("quiet", "免打扰")


@group.command("settings", aliases=("设置",), slash=False, changes=True)
def do_settings(ctx: Ctx) -> Reply:
    """``/settings`` shows them; ``/settings quiet 20:00-08:30`` or ``/settings quiet off`` sets
    the member's own quiet hours (their notifications wait for the end of the window)."""
    words = ctx.parsed.words
    if not words:
        return _show(ctx, quiet.setting(ctx.services, member=ctx.member))
    if len(words) != 2 or words[0].lower() not in QUIET_WORDS:
        return ctx.refuse("settings.usage")
    return _show(ctx, quiet.set_quiet(ctx.services, member=ctx.member, text=words[1]), changed=True)


def _show(ctx: Ctx, setting: quiet.QuietSetting, *, changed: bool = False) -> Reply:
    if setting.window is None:
        key = "settings.quiet_off" if setting.own else "settings.quiet_none"
    else:
        key = "settings.quiet_own" if setting.own else "settings.quiet_config"
    said = ctx.say(key, window=setting.window, zone=ctx.member.team.timezone)
    return said if changed else Reply(said.message)
