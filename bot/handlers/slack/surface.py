"""What every Slack listener shares: who is speaking, running a command through the shared
:class:`~bot.handlers.commands.Bot`, answering the person, and acting once per Slack request.

Listeners translate only: Slack's payload -> a :class:`~bot.messages.Command` -> ``Bot`` -> a
neutral :class:`~bot.messages.Reply` -> Block Kit. Rights, rules and decisions stay in the domain,
whatever a button's value says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot import logs
from bot.domain import chat, lookup
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.domain.snapshots import MemberView
from bot.handlers.commands import Bot
from bot.handlers.parser import Parsed
from bot.handlers.slack.blocks import images_of, to_block_kit
from bot.i18n import DEFAULT_LOCALE
from bot.messages import Actor, Command, Reply

log = logging.getLogger("poolbot.slack")


@dataclass(frozen=True)
class SlackSurface:
    services: Services
    bot: Bot
    # called after anything that may have queued notifications: kicks the outbox dispatcher
    on_change: Callable[[], None]

    def member(self, user_id: str) -> MemberView | None:
        try:
            return lookup.member_for(self.services, platform="slack", user_id=user_id)
        except DomainError:
            return None

    def locale(self, user_id: str) -> str:
        member = self.member(user_id)
        return member.team.locale if member else DEFAULT_LOCALE

    def first_time(self, key: str | None) -> bool:
        """False for a request Slack (or a proxy) sent again: it must change nothing. Requests
        without a key (none of Slack's carry none) are let through."""
        if not key:
            return True
        if chat.first_time(self.services, platform="slack", key=key):
            return True
        log.info("repeated slack request ignored", extra={"slack_request": key})
        return False

    def run(self, user_id: str, text: str, *, request_id: str) -> Reply:
        """Run a typed command (or a button's typed twin) for a Slack user."""
        with logs.bound(slack_user=user_id, request_id=request_id):
            reply = self.bot.handle(Command(Actor("slack", user_id), text, request_id=request_id))
        self._changed(reply)
        return reply

    def run_parsed(self, user_id: str, parsed: Parsed, *, request_id: str) -> Reply:
        """Run a command a modal's fields already took apart."""
        command = Command(Actor("slack", user_id), f"/{parsed.name} (form)", request_id=request_id)
        with logs.bound(slack_user=user_id, request_id=request_id):
            reply = self.bot.handle_parsed(command, parsed)
        self._changed(reply)
        return reply

    def _changed(self, reply: Reply) -> None:
        if not reply.refused:
            self.on_change()

    def answer(self, client: WebClient, user_id: str, reply: Reply, respond: Respond | None = None) -> None:
        """Tell the person: through the request's response URL when there is one (ephemeral unless
        the reply is meant for the channel), else in their DM with the app. Pictures go to the DM."""
        locale = self.locale(user_id)
        text, blocks = to_block_kit(reply.message, locale=locale)
        if respond is not None:
            kind = "in_channel" if reply.public else "ephemeral"
            respond(text=text, blocks=blocks, response_type=kind, replace_original=False)
        else:
            client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        for image in images_of(reply.message):
            dm = _dm(client, user_id)
            client.files_upload_v2(channel=dm, file=image.path, title=image.title)


def _dm(client: WebClient, user_id: str) -> str:
    opened: Any = client.conversations_open(users=user_id).get("channel") or {}
    return str(opened.get("id") or user_id)


def responder(body: dict[str, Any], respond: Respond) -> Respond | None:
    """``respond`` when the payload carries a response URL (messages do; App Home does not)."""
    return respond if body.get("response_url") else None
