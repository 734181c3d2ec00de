"""A notification kind no use case declares ("team_note"), for tests of the delivery machinery,
and the renderer such a test hands the dispatcher: the real renderers, plus a team note's text."""

from __future__ import annotations

from bot.domain.context import Services
from bot.domain.outbox import OutboxItem
from bot.handlers import notices
from bot.messages import Message

TEAM_NOTE = "team_note"


def render(services: Services, item: OutboxItem, locale: str) -> Message:
    if item.kind == TEAM_NOTE:
        return Message.text(f"{TEAM_NOTE}: {item.params}")
    return notices.render(services, item, locale)
