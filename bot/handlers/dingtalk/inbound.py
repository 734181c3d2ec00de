"""Translation in: a DingTalk bot message (the ``data`` of a ``/v1.0/im/bot/messages/get`` frame)
-> a neutral :class:`~bot.messages.Command` plus where to answer it. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dingtalk_stream import ChatbotMessage

from bot.messages import Actor, Command

GROUP = "2"  # ChatbotMessage.conversation_type of a group chat ("1": one-to-one)


@dataclass(frozen=True)
class Inbound:
    """A text a member sent to the bot, and how to answer it."""

    message_id: str
    staff_id: str
    text: str
    group: bool
    # the openConversationId (groups) for an answer through the OpenAPI
    conversation_id: str
    session_webhook: str | None
    webhook_expires_at: datetime | None

    @property
    def command(self) -> Command:
        return Command(Actor("dingtalk", self.staff_id), self.text, request_id=self.message_id)

    def webhook_valid(self, now: datetime) -> bool:
        if not self.session_webhook:
            return False
        return self.webhook_expires_at is None or now < self.webhook_expires_at


def from_bot_message(data: dict[str, Any]) -> Inbound | None:
    """None when the message cannot be a command (no sender staffId or no message id). A message
    that is not text arrives with empty text: the bot answers it with help."""
    message = ChatbotMessage.from_dict(data)
    staff_id = message.sender_staff_id or ""
    message_id = message.message_id or ""
    if not staff_id or not message_id:
        return None
    text = message.text.content if message.message_type == "text" and message.text else ""
    expires = message.session_webhook_expired_time
    return Inbound(
        message_id=str(message_id),
        staff_id=str(staff_id),
        # after an @-mention the content keeps a leading space
        text=(text or "").strip(),
        group=str(message.conversation_type) == GROUP,
        conversation_id=str(message.conversation_id or ""),
        session_webhook=message.session_webhook or None,
        webhook_expires_at=datetime.fromtimestamp(int(expires) / 1000, UTC) if expires else None,
    )
