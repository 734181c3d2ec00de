"""What every Slack listener shares: who is speaking, running a command through the shared
:class:`~bot.handlers.commands.Bot`, answering the person, and acting once per Slack request.

Listeners translate only: Slack's payload -> a :class:`~bot.messages.Command` -> ``Bot`` -> a
neutral :class:`~bot.messages.Reply` -> Block Kit. Rights, rules and decisions stay in the domain,
whatever a button's value says.

Nothing fails silently: every Web API call's answer and every ``respond()`` result is checked
(:meth:`SlackSurface.call`, :meth:`SlackSurface.answer`). A reply Slack would not show is logged
with the request id and Slack's error, and the person gets a short DM saying so, with the id to
quote.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import logs
from bot.domain import chat, lookup
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.domain.snapshots import MemberView
from bot.handlers.commands import Bot
from bot.handlers.parser import Parsed
from bot.handlers.slack.blocks import images_of, to_block_kit
from bot.handlers.slack.text import decode, slack_commands
from bot.i18n import DEFAULT_LOCALE, t
from bot.messages import Actor, Command, Context, Image, Message, Reply, Text

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

    def not_acted(self, key: str) -> None:
        """The request behind ``key`` changed nothing: the same request may act later."""
        if key:
            chat.not_acted(self.services, platform="slack", key=key)

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

    def decode(self, text: str) -> str:
        """Typed text without Slack's markup; a mention of a mapped member is their ``@handle``."""

        def handle_of(slack_id: str) -> str | None:
            member = self.member(slack_id)
            return member.handle if member else None

        return decode(text, handle_of)

    def for_slack(self, message: Message, locale: str) -> Message:
        """The message as Slack can use it: every command named as registered (``/pool``, not
        ``/公海``), and help ends saying that commands typed in the app's Messages tab need no
        slash."""
        commands = self.bot.commands

        def named(block: Any) -> Any:
            if isinstance(block, Text | Context):
                return type(block)(slack_commands(block.text, commands), *_rest(block))
            return block

        blocks = tuple(named(b) for b in message.blocks)
        title = t(locale, "help.title")
        if any(isinstance(b, Text) and b.heading and b.text == title for b in blocks):
            blocks = (*blocks, Context(t(locale, "slack.help_messages_tab")))
        return Message(blocks, summary=slack_commands(message.summary, commands))

    def answer(
        self,
        client: WebClient,
        user_id: str,
        reply: Reply,
        respond: Respond | None = None,
        *,
        request_id: str = "",
    ) -> bool:
        """Tell the person: through the request's response URL when there is one (ephemeral unless
        the reply is meant for the channel), else in their DM with the app. Pictures go to the DM.
        False (logged, and the person told in a DM) when Slack did not take it."""
        locale = self.locale(user_id)
        message = self.for_slack(reply.message, locale)
        text, blocks = to_block_kit(message, locale=locale)
        if respond is not None:
            kind = "in_channel" if reply.public else "ephemeral"
            shown = self._respond(respond, text, blocks, kind, request_id)
        else:
            posted = self.call(
                "chat.postMessage",
                lambda: client.chat_postMessage(channel=user_id, text=text, blocks=blocks),
                request_id=request_id,
            )
            shown = posted is not None
        for image in images_of(reply.message) if shown else ():
            shown = self._upload(client, user_id, image, request_id=request_id)
        if not shown:
            self.tell_not_shown(client, user_id, request_id)
        return shown

    def _upload(self, client: WebClient, user_id: str, image: Image, *, request_id: str) -> bool:
        """A picture of the reply, uploaded into the person's DM (``files.upload`` v2)."""
        dm = self.dm(client, user_id, request_id=request_id)
        if dm is None:
            return False
        uploaded = self.call(
            "files.upload",
            lambda: client.files_upload_v2(channel=dm, file=image.path, title=image.title),
            request_id=request_id,
        )
        return uploaded is not None

    def _respond(self, respond: Respond, text: str, blocks: list[Any], kind: str, request_id: str) -> bool:
        """A response URL answers ``ok`` (HTTP 200); anything else (``used_url`` after 5 posts,
        ``expired_url`` after 30 minutes, ``invalid_blocks``) means the person saw nothing."""
        try:
            answer = respond(text=text, blocks=blocks, response_type=kind, replace_original=False)
        except (SlackClientError, OSError) as exc:
            log.warning("slack response url failed", extra={"request_id": request_id, "error": repr(exc)})
            return False
        if answer.status_code == 200:
            return True
        log.warning(
            "slack response url refused the reply",
            extra={"request_id": request_id, "status": answer.status_code, "error": str(answer.body)[:200]},
        )
        return False

    def call(self, method: str, send: Callable[[], Any], *, request_id: str) -> Any | None:
        """One Web API call: its answer's data, or None (logged with the request id) when Slack
        refused it (``ok: false``: slack_sdk raises) or could not be reached."""
        try:
            return send().data
        except SlackApiError as exc:
            data = getattr(exc.response, "data", None)
            error = data.get("error") if isinstance(data, dict) else None
            details = data.get("response_metadata") if isinstance(data, dict) else None
            log.warning(
                "slack call refused",
                extra={
                    "method": method,
                    "request_id": request_id,
                    "error": error,
                    "details": str(details)[:500],
                },
            )
        except (SlackClientError, OSError) as exc:
            log.warning(
                "slack call failed", extra={"method": method, "request_id": request_id, "error": repr(exc)}
            )
        return None

    def dm(self, client: WebClient, user_id: str, *, request_id: str) -> str | None:
        """The ``D…`` id of the person's DM with the app (``conversations.open``)."""
        opened = self.call(
            "conversations.open", lambda: client.conversations_open(users=user_id), request_id=request_id
        )
        channel = opened.get("channel") if isinstance(opened, dict) else None
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        return str(channel_id) if channel_id else None

    def tell_not_shown(self, client: WebClient, user_id: str, request_id: str) -> None:
        """The short DM saying an answer could not be shown (itself checked: logged if it fails)."""
        text = t(self.locale(user_id), "slack.not_shown", ref=request_id or "?")
        self.call(
            "chat.postMessage",
            lambda: client.chat_postMessage(channel=user_id, text=text),
            request_id=request_id,
        )

    def open_view(self, client: WebClient, user_id: str, trigger: str, view: dict[str, Any]) -> bool:
        """``views.open``; a refusal (an expired trigger, a view Slack rejects) is told in a DM."""
        opened = self.call(
            "views.open", lambda: client.views_open(trigger_id=trigger, view=view), request_id=trigger
        )
        if opened is None:
            self.tell_not_shown(client, user_id, trigger)
        return opened is not None


def _rest(block: Text | Context) -> tuple[Any, ...]:
    return (block.heading,) if isinstance(block, Text) else ()


def responder(body: dict[str, Any], respond: Respond) -> Respond | None:
    """``respond`` when the payload carries a response URL (messages do; App Home does not)."""
    return respond if body.get("response_url") else None
