"""Answers to the person who wrote: through the message's sessionWebhook while it is valid (no
token needed), else through the OpenAPI (``oToMessages/batchSend`` to the sender, or
``groupMessages/send`` to the group). A webhook that refuses the answer (a network error, an
``errcode`` on a 200, a webhook that expired before its time) is not the end: what it did not take
goes through the OpenAPI instead (a group answer in pieces: only the pieces after the last one the
webhook took, so nobody reads a piece twice), and is logged only if that fails too. Never raised:
the command has already been done.

In a group the answer carries no button that types a command (DingTalk would not pass that
message on: only messages that @-mention the robot reach it); it names the commands to type, in
the ``locale`` given, and goes in pieces of at most 15,000 bytes of ``msgParam``.

Pictures (a report's chart) are uploaded and sent as image messages after the text, always
through the OpenAPI: a sessionWebhook takes text, markdown and ActionCards, and an image message
there would need a public picture URL, which the bot does not have.
"""

from __future__ import annotations

import logging

from bot.domain.clock import Clock
from bot.handlers.dingtalk.deliver import BATCH_SEND, group_send, send_images, upload_images
from bot.handlers.dingtalk.inbound import Inbound
from bot.handlers.dingtalk.openapi import OpenApi
from bot.handlers.dingtalk.render import GROUP_MAX_PARAM_BYTES, Rendered, render
from bot.i18n import DEFAULT_LOCALE, t
from bot.messages import Message

log = logging.getLogger("poolbot.dingtalk")


class Replier:
    def __init__(self, api: OpenApi, *, robot_code: str, clock: Clock) -> None:
        self.api = api
        self.robot_code = robot_code
        self.clock = clock

    def reply(self, inbound: Inbound, message: Message, locale: str = DEFAULT_LOCALE) -> None:
        def hint(commands: str) -> str:
            return t(locale, "dingtalk.group_hint", commands=commands)

        rendered = render(message, twins_hint=hint if inbound.group else None)
        fields = {"request_id": inbound.message_id, "group": inbound.group}
        media = self._upload(rendered, fields)
        pieces = rendered.pieces(GROUP_MAX_PARAM_BYTES) if inbound.group else [rendered]
        try:
            taken = self._by_webhook(inbound, pieces, fields)
            self._by_openapi(inbound, pieces[taken:])
        except Exception as exc:
            log.error("dingtalk reply not sent", extra={**fields, "error": _error(exc)})
            return
        if inbound.group:
            send_images(self.api, self.robot_code, media, conversation=inbound.conversation_id)
        else:
            send_images(self.api, self.robot_code, media, users=[inbound.staff_id])

    def _upload(self, rendered: Rendered, fields: dict[str, object]) -> list[str]:
        try:
            return upload_images(self.api, rendered)
        except Exception as exc:
            log.error("dingtalk picture not uploaded", extra={**fields, "error": _error(exc)})
            return []

    def _by_webhook(self, inbound: Inbound, pieces: list[Rendered], fields: dict[str, object]) -> int:
        """How many of ``pieces``, in order, the session webhook took (all of them, or up to the
        first it refused)."""
        if not inbound.session_webhook or not inbound.webhook_valid(self.clock.now()):
            return 0
        for taken, piece in enumerate(pieces):
            try:
                self.api.post_url(inbound.session_webhook, piece.webhook_body())
            except Exception as exc:
                log.info(
                    "dingtalk webhook refused the reply: trying the OpenAPI",
                    extra={**fields, "error": _error(exc), "pieces_sent": taken},
                )
                return taken
        return len(pieces)

    def _by_openapi(self, inbound: Inbound, pieces: list[Rendered]) -> None:
        for piece in pieces:
            if inbound.group:
                group_send(self.api, self.robot_code, inbound.conversation_id, *piece.msg_key_and_param())
            else:
                self.to_user(inbound.staff_id, piece)

    def to_user(self, staff_id: str, rendered: Rendered) -> None:
        key, param = rendered.msg_key_and_param()
        body = {"robotCode": self.robot_code, "userIds": [staff_id], "msgKey": key, "msgParam": param}
        self.api.call("POST", BATCH_SEND, body)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
