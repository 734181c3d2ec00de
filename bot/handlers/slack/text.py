"""Text between Slack and the bot, both ways.

In: Slack sends typed text with its markup (docs.slack.dev "Formatting text for app surfaces",
"Retrieving messages"): ``<https://…|label>`` and ``<https://…>`` links, ``<mailto:a@b|a@b>``
e-mails, ``<@U…>`` user mentions (``<@U…|name>`` from a slash command with ``should_escape``),
``<#C…|name>`` channels, ``<!here>`` and ``<!subteam^S…|@team>`` special mentions, and ``&``,
``<``, ``>`` escaped as ``&amp;``, ``&lt;``, ``&gt;``. :func:`decode` turns that back into what the
person typed: a link keeps its plain URL (a note then holds the address, not a label), an e-mail
its address, a user mention the mapped member's ``@handle`` (so ``/assign Northwind @Bob`` picked
from Slack's autocomplete names Bob), a channel ``#name``.

Out: Slack's client refuses any message that starts with ``/`` and is not a registered command
("/认领 is not a valid command"), so on Slack every ``/<alias>`` the bot says (``试试 /公海 云帆``)
becomes the registered ``/<name>`` (:func:`slack_commands`); typing ``认领 云帆`` without the slash
in the app's Messages tab works as well, and help says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.handlers.registry import Registry

# <target> or <target|label>: no "<" or ">" inside (Slack escapes those as &lt; &gt;)
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
ZERO_WIDTH = "\u200b"  # what blocks.escape puts around mrkdwn markers: never part of a typed word


def decode(text: str, handle_of: Callable[[str], str | None]) -> str:
    """Slack's markup back to plain text; ``handle_of(slack_user_id)`` is the mapped member's
    handle, or None for someone poolbot does not know (who then keeps their Slack name)."""

    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            user = target[1:]
            handle = handle_of(user)
            return f"@{handle}" if handle else f"@{label or user}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            special = target[1:].split("^")[0]
            return label or f"@{special}"
        if target.startswith("mailto:"):
            return target.removeprefix("mailto:")
        return target  # a link: the address itself, whatever its label says

    decoded = _MARKUP.sub(plain, text)
    decoded = decoded.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return decoded.replace(ZERO_WIDTH, "")


def slack_commands(text: str, commands: Registry) -> str:
    """Every ``/<alias>`` of a slash command as the ``/<name>`` Slack registered, and every word
    of a command Slack does not register as the namespaced ``/poolbot <name>``."""
    return _alias_pattern(commands).sub(lambda m: "/" + _aliases(commands)[m.group(1).lower()], text)


def _aliases(commands: Registry) -> dict[str, str]:
    registered = {
        alias.lower(): spec.name
        for spec in commands
        if spec.slash
        for alias in spec.aliases
        if alias.lower() != spec.name
    }
    namespaced = {
        word.lower(): f"poolbot {spec.name}" for spec in commands if not spec.slash for word in spec.words
    }
    return {**registered, **namespaced}


def _alias_pattern(commands: Registry) -> re.Pattern[str]:
    longest_first = sorted(_aliases(commands), key=len, reverse=True)
    if not longest_first:
        return re.compile(r"(?!x)x")
    words = "|".join(re.escape(alias) for alias in longest_first)
    # "/" not inside a word or a path, and the alias not the start of a longer word ("/我的客户"
    # is not "/我的" + "客户"; Latin aliases end at a non-letter)
    return re.compile(rf"(?<![\w/])[/／]({words})(?![A-Za-z0-9_-])", re.IGNORECASE)
