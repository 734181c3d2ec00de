"""The router: text in (from any surface), a neutral reply out.

It resolves who is speaking, finds the command in the command table
(:data:`bot.handlers.table.COMMANDS`), turns domain refusals into a sentence in the team's
language, remembers numbered choices, and makes sure no exception ever reaches a chat: an
unexpected one is logged with a reference the user can quote.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from bot import logs
from bot.domain import chat, lookup
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.domain.snapshots import MemberView
from bot.handlers.ctx import Choices, Ctx, NeedChoice, Usage
from bot.handlers.parser import MAX_COMMAND_LENGTH, Parsed, control_character, normalise, parse
from bot.handlers.registry import CHOICE_ACTION
from bot.handlers.table import COMMANDS
from bot.handlers.table.help import help_message
from bot.i18n import DEFAULT_LOCALE, t
from bot.messages import Actions, Actor, Button, Command, Context, Message, Reply, Text
from bot.names import as_id

FORWARD_CHOICES = 9  # customers offered for a forwarded message (the most urgent first)
log = logging.getLogger("poolbot.commands")


class Bot:
    """Routes a :class:`Command` to its handler and always answers with a :class:`Reply`."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.commands = COMMANDS

    def parse(self, text: str) -> Parsed | None:
        return parse(text, self.commands)

    def handle(self, command: Command) -> Reply:
        """Answer one line; whatever goes wrong, the answer is a sentence, never a traceback."""
        return self._guarded(command, lambda request_id: self._handle(command, request_id))

    def handle_direct(self, command: Command) -> Reply:
        """A one-to-one message: a command or a choice's number, as :meth:`handle`; any other
        text is a message forwarded to the bot, and the answer offers to log it as a follow-up on
        one of the sender's customers (numbered choices, each a ``/followup``)."""
        text = normalise(command.text).strip()
        typed_command = text.startswith("/")  # a mistyped command is answered as one, not logged
        if not text or typed_command or as_id(text) is not None or self.parse(text) is not None:
            return self.handle(command)
        return self._guarded(command, lambda request_id: self._offer_log(command, text, request_id))

    def _offer_log(self, command: Command, text: str, request_id: str) -> Reply:
        member = self.member_of(command, request_id)
        if isinstance(member, Reply):
            return member
        if control_character(text) is not None or len(text) > MAX_COMMAND_LENGTH:
            return self.handle(command)  # refused there, in one line
        owned = lookup.mine(self.services, member=member)[:FORWARD_CHOICES]
        locale = member.team.locale
        if not owned:
            return _refused(Message.text(t(locale, "dingtalk.forwarded_none")))
        note = " ".join(text.split())
        commands = [f"/followup #{c.id} {note} kind:message" for c in owned]
        buttons = tuple(
            Button(f"{i}) #{c.id} {c.name}", CHOICE_ACTION, str(i)) for i, c in enumerate(owned, start=1)
        )
        chat.offer(
            self.services, platform=command.actor.platform, user_id=command.actor.user_id, commands=commands
        )
        said = t(locale, "dingtalk.forwarded_offer")
        blocks = (Text(said), Actions(buttons), Context(t(locale, "view.choices_hint")))
        return Reply(Message(blocks, summary=said), choices=tuple(commands), refused=True)

    def handle_parsed(self, command: Command, parsed: Parsed) -> Reply:
        """Answer a command a form already took apart (a Slack modal's fields): no re-parsing, so a
        note may hold quotes or ``key:value`` text. ``command.text`` is only for the logs."""
        return self._guarded(command, lambda request_id: self._handle_parsed(command, parsed, request_id))

    def _guarded(self, command: Command, answer: Callable[[str], Reply]) -> Reply:
        request_id = command.request_id or uuid.uuid4().hex[:12]
        try:
            return answer(request_id)
        except Exception:
            log.exception("command failed", extra={"user": command.actor.user_id, "request_id": request_id})
            return _refused(Message.text(t(DEFAULT_LOCALE, "error.internal", ref=request_id)))

    def member_of(self, command: Command, request_id: str) -> MemberView | Reply:
        """The member behind the platform identity, or the answer telling a stranger to ask an admin."""
        try:
            return lookup.member_for(
                self.services, platform=command.actor.platform, user_id=command.actor.user_id
            )
        except DomainError as exc:
            log.info(
                "unknown member",
                extra={
                    "platform": command.actor.platform,
                    "user": command.actor.user_id,
                    "request_id": request_id,
                },
            )
            return _refused(Message.text(t(DEFAULT_LOCALE, exc.key, **exc.params)))

    def _handle_parsed(self, command: Command, parsed: Parsed, request_id: str) -> Reply:
        member = self.member_of(command, request_id)
        if isinstance(member, Reply):
            return member
        fields = " ".join((*parsed.words, *parsed.options.values()))
        if (bad := control_character(fields)) is not None:
            return _refused(Message.text(t(member.team.locale, "error.control_character", code=ord(bad))))
        if self.commands.get(parsed.name) is None:
            return self._unknown(member, parsed.name)
        return self._run(Ctx(self.services, member, parsed, self.commands), command.actor, request_id)

    def _handle(self, command: Command, request_id: str) -> Reply:
        member = self.member_of(command, request_id)
        if isinstance(member, Reply):
            return member
        if (bad := control_character(command.text)) is not None:
            return _refused(Message.text(t(member.team.locale, "error.control_character", code=ord(bad))))
        text = self._expand_choice(command.actor, normalise(command.text).strip())
        if len(text) > MAX_COMMAND_LENGTH:
            what = t(member.team.locale, "what.message")
            too_long = t(
                member.team.locale, "error.too_long", what=what, length=len(text), limit=MAX_COMMAND_LENGTH
            )
            return _refused(Message.text(too_long))
        parsed = self.parse(text)
        if parsed is None:
            return self._unknown(member, text)
        return self._run(Ctx(self.services, member, parsed, self.commands), command.actor, request_id)

    def _run(self, ctx: Ctx, actor: Actor, request_id: str) -> Reply:
        spec = self.commands.get(ctx.parsed.name)
        assert spec is not None  # parsed names come from this registry
        fields = {"member": ctx.member.handle, "command": spec.name, "request_id": request_id}
        try:
            with logs.bound(**fields):
                reply = spec.handler(ctx)
        except NeedChoice as choice:
            return self._offer(ctx, actor, choice)
        except Choices as question:
            return self._numbered(ctx, actor, question.text, question.options)
        except Usage:
            return ctx.refuse("error.usage", usage=t(ctx.locale, spec.help))
        except DomainError as exc:
            log.info("refused", extra={**fields, "reason": exc.key, **_loggable(exc.params)})
            return ctx.refuse(exc.key, **_translated(ctx.locale, exc.params))
        except Exception:
            log.exception("command failed", extra=fields)
            return ctx.refuse("error.internal", ref=request_id)
        log.info("done", extra=fields)
        return reply

    def _offer(self, ctx: Ctx, actor: Actor, choice: NeedChoice) -> Reply:
        exc = choice.ambiguous
        options = tuple(
            (f"#{cid} {name}", f"/{choice.command} #{cid} {choice.remainder}".rstrip())
            for cid, name in exc.choices
        )
        return self._numbered(ctx, actor, t(ctx.locale, exc.key, **exc.params), options)

    def _numbered(self, ctx: Ctx, actor: Actor, question: str, options: tuple[tuple[str, str], ...]) -> Reply:
        """Ask ``question`` with numbered ``options`` (label, command): typing a number (or pressing
        its button) runs that command, from any process."""
        commands = [command for _, command in options]
        buttons = tuple(
            Button(f"{i}) {label}", CHOICE_ACTION, str(i)) for i, (label, _) in enumerate(options, start=1)
        )
        chat.offer(self.services, platform=actor.platform, user_id=actor.user_id, commands=commands)
        message = Message(
            (Text(question), Actions(buttons), Context(t(ctx.locale, "view.choices_hint"))),
            summary=question,
        )
        return Reply(message, choices=tuple(commands), refused=True)

    def _expand_choice(self, actor: Actor, text: str) -> str:
        """A bare number answers the choices offered last (any process may have offered them)."""
        choice = as_id(text)
        if choice is None:
            return text
        offered = chat.take_offer(self.services, platform=actor.platform, user_id=actor.user_id)
        return offered[choice - 1] if choice <= len(offered) else text

    def _unknown(self, member: MemberView, text: str) -> Reply:
        head = text.split()[0] if text.split() else ""
        intro = t(member.team.locale, "error.unknown_command", command=head)
        help_text = help_message(member.team.locale, self.commands)
        return _refused(Message((Text(intro), *help_text.blocks), summary=intro))


def _refused(message: Message) -> Reply:
    return Reply(message, refused=True)


def _translated(locale: str, params: dict[str, object]) -> dict[str, object]:
    """Domain params name some things by code ("what": "note", "status": "approved"); show them
    in the team's words."""
    shown = dict(params)
    for name in ("what", "status", "role"):
        if name in shown:
            shown[name] = t(locale, f"{name}.{shown[name]}")
    return shown


def _loggable(params: dict[str, object]) -> dict[str, object]:
    """Domain params are ids, names and numbers; prefix them so they never clash with log fields."""
    return {f"p_{k}": v for k, v in params.items()}
