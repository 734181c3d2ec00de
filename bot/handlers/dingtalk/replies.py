"""Answers to the person who wrote: through the message's sessionWebhook while it is valid (no
token needed), else through the OpenAPI (``oToMessages/batchSend`` to the sender, or
``groupMessages/send`` to the group). A reply that cannot be sent is logged, never raised: the
command has already been done."""

from __future__ import annotations

import logging

from bot.domain.clock import Clock
from bot.handlers.dingtalk.deliver import BATCH_SEND, GROUP_SEND
from bot.handlers.dingtalk.inbound import Inbound
from bot.handlers.dingtalk.openapi import OpenApi
from bot.handlers.dingtalk.render import Rendered, render
from bot.messages import Message

log = logging.getLogger("poolbot.dingtalk")


class Replier:
    def __init__(self, api: OpenApi, *, robot_code: str, clock: Clock) -> None:
        self.api = api
        self.robot_code = robot_code
        self.clock = clock

    def reply(self, inbound: Inbound, message: Message) -> None:
        rendered = render(message)
        fields = {"request_id": inbound.message_id, "group": inbound.group}
        try:
            if inbound.session_webhook and inbound.webhook_valid(self.clock.now()):
                self.api.post_url(inbound.session_webhook, rendered.webhook_body())
            elif inbound.group:
                self._to_group(inbound.conversation_id, rendered)
            else:
                self.to_user(inbound.staff_id, rendered)
        except Exception as exc:
            log.error("dingtalk reply not sent", extra={**fields, "error": f"{type(exc).__name__}: {exc}"})

    def to_user(self, staff_id: str, rendered: Rendered) -> None:
        key, param = rendered.msg_key_and_param()
        body = {"robotCode": self.robot_code, "userIds": [staff_id], "msgKey": key, "msgParam": param}
        self.api.call("POST", BATCH_SEND, body)

    def _to_group(self, conversation_id: str, rendered: Rendered) -> None:
        key, param = rendered.msg_key_and_param()
        body = {"robotCode": self.robot_code, "openConversationId": conversation_id, "msgKey": key}
        self.api.call("POST", GROUP_SEND, {**body, "msgParam": param})
