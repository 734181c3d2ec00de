"""A chat session on the terminal: type as a member, see replies and your notifications.

``/as <handle>`` switches identity; a bare number picks from the last numbered choice.
"""

from __future__ import annotations

import logging

from bot.domain import lookup, outbox
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.domain.notice_kind import NoticeError
from bot.domain.outbox import OutboxItem
from bot.handlers.commands import Bot
from bot.handlers.console.render import render_text
from bot.handlers.notices import render
from bot.handlers.parser import tokenize
from bot.i18n import DEFAULT_LOCALE, t
from bot.messages import Actor, Command

log = logging.getLogger("poolbot.console")
SWITCH = "as"  # the console's own command: ``/as <handle>`` acts as another member


class ConsoleChat:
    def __init__(self, services: Services, *, handle: str) -> None:
        self.services = services
        self.bot = Bot(services)
        self.handle = handle
        self._counter = 0

    def say(self, text: str) -> str:
        """Send one line as the current member; return what the console prints."""
        text = text.strip()
        if not text:
            return ""
        words = tokenize(text)
        if words[0].lstrip("/／").lower() == SWITCH:
            if len(words) != 2:
                return t(DEFAULT_LOCALE, "error.usage", usage=t(DEFAULT_LOCALE, "help.console"))
            return self._switch(words[1])
        self._counter += 1
        reply = self.bot.handle(
            Command(Actor("console", self.handle), text, request_id=f"console-{self._counter}")
        )
        return "\n".join(part for part in (render_text(reply.message), self.notifications()) if part)

    def notifications(self) -> str:
        """Deliver, on this console, the pending notifications addressed to the current member."""
        try:
            member = lookup.member_for(self.services, platform="console", user_id=self.handle)
            items = outbox.undelivered_for(self.services, member_id=member.id)
        except DomainError:
            return ""
        except Exception:  # the reply already said what went wrong; do not print a trace too
            log.exception("notifications unavailable", extra={"member": self.handle})
            return ""
        if not items:
            return ""
        shown = [(item, self._shown(item, member.team.locale)) for item in items]
        outbox.mark_delivered(self.services, ids=[item.id for item, text in shown if text is not None])
        return "\n".join(text for _, text in shown if text is not None)

    def _shown(self, item: OutboxItem, locale: str) -> str | None:
        """The notification as the console prints it; None (and the row failed) when it cannot be
        rendered: a kind no one declared, or params that do not fit its payload."""
        try:
            return f"🔔 {render_text(render(self.services, item, locale))}"
        except NoticeError as exc:
            log.error(
                "notification cannot be rendered", extra={"kind": item.kind, "notification_id": item.id}
            )
            outbox.mark_failed(self.services, notification_id=item.id, error=f"{type(exc).__name__}: {exc}")
            return None

    def _switch(self, handle: str) -> str:
        if not handle.strip().lstrip("@"):
            return t(DEFAULT_LOCALE, "error.usage", usage=t(DEFAULT_LOCALE, "help.console"))
        try:
            member = lookup.member_for(self.services, platform="console", user_id=handle.lstrip("@"))
        except DomainError as exc:
            return t(DEFAULT_LOCALE, exc.key, **exc.params)
        self.handle = member.handle
        greeting = t(
            member.team.locale,
            "ok.as",
            name=member.name,
            handle=member.handle,
            role=t(member.team.locale, f"role.{member.role}"),
        )
        return "\n".join(part for part in (greeting, self.notifications()) if part)
