"""``/help``: the help line of every command, in the team's language."""

from __future__ import annotations

from bot.handlers.ctx import Ctx
from bot.handlers.registry import CommandGroup, Registry
from bot.i18n import t
from bot.messages import Message, Reply, Text

group = CommandGroup()


@group.command("help", aliases=("帮助", "?"))
def do_help(ctx: Ctx) -> Reply:
    return Reply(help_message(ctx.locale, ctx.commands))


def help_message(locale: str, commands: Registry) -> Message:
    lines = [t(locale, key) for key in commands.help_keys()]
    return Message(
        (Text(t(locale, "help.title"), heading=True), Text("\n".join(lines))), summary=t(locale, "help.title")
    )
