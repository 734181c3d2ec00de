"""The DingTalk surface: what the composition root builds and runs.

``DingTalkSurface(services, settings, config, bot, on_change).run(stop)`` blocks until ``stop`` is
set: it keeps a Stream connection (see :mod:`.stream`), acks every frame at once and does the work
on a small thread pool, never on the SDK's event loop. ``deliverer()`` is the outbox's DingTalk
deliverer, for the dispatcher of this or another process.

* A bot message (one-to-one, or a group message that @-mentions the bot) becomes a
  :class:`~bot.messages.Command` for :meth:`Bot.handle`; a redelivered message (same ``msgId``, in
  any process) is ignored. The answer goes back through the sessionWebhook while it is valid,
  else through the OpenAPI; in a group, in the sender's team language.
* A message without ``senderStaffId`` comes from a robot that is not published yet (DingTalk
  sends only the opaque ``senderId`` until then): it cannot be a member's command; the first one
  logs one WARNING saying so, the others an INFO line.
* A press on a claim card runs the button's typed twin (``/approve 42``) as the presser: the
  command checks role and pending state; a refusal is sent to the presser, a decision changes the
  card for everyone through the outbox's card refresh.
* ``on_change()`` is called after every command that may have queued notifications, so the owner
  can kick the dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from dingtalk_stream import Card_Callback_Router_Topic, ChatbotMessage, Credential

from bot.config import PoolbotConfig
from bot.domain import chat, lookup
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.handlers.commands import Bot
from bot.handlers.dingtalk.cards import press_of
from bot.handlers.dingtalk.deliver import DingTalkDeliverer
from bot.handlers.dingtalk.inbound import Inbound, from_bot_message
from bot.handlers.dingtalk.openapi import OpenApi
from bot.handlers.dingtalk.render import render
from bot.handlers.dingtalk.replies import Replier
from bot.handlers.dingtalk.stream import FrameHandler, StreamClient
from bot.i18n import DEFAULT_LOCALE
from bot.messages import Actor, Command
from bot.settings import Settings

log = logging.getLogger("poolbot.dingtalk")


class DingTalkSurface:
    def __init__(
        self,
        services: Services,
        settings: Settings,
        config: PoolbotConfig,
        bot: Bot,
        on_change: Callable[[], None],
        *,
        silence: float = 60.0,
        retry_min: float = 1.0,
        workers: int = 4,
        http: httpx.Client | None = None,
    ) -> None:
        if settings.dingtalk_client_id is None or settings.dingtalk_client_secret is None:
            raise ValueError("DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET are needed for DingTalk")
        client_id = settings.dingtalk_client_id
        secret = settings.dingtalk_client_secret.get_secret_value()
        self.services, self.bot, self.on_change = services, bot, on_change
        self.api = OpenApi(
            base_url=settings.dingtalk_api_url,
            client_id=client_id,
            client_secret=secret,
            clock=services.clock,
            http=http,
        )
        self.robot_code = settings.dingtalk_robot_code or client_id
        self.card_template_id = config.dingtalk.card_template_id
        self.replier = Replier(self.api, robot_code=self.robot_code, clock=services.clock)
        self.client = StreamClient(
            Credential(client_id, secret), api=self.api, silence=silence, retry_min=retry_min
        )
        self.client.register_callback_handler(ChatbotMessage.TOPIC, FrameHandler(self._queue(self._message)))
        self.client.register_callback_handler(
            Card_Callback_Router_Topic, FrameHandler(self._queue(self._press))
        )
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._unpublished_told = threading.Event()

    def deliverer(self) -> DingTalkDeliverer:
        return DingTalkDeliverer(self.api, robot_code=self.robot_code, card_template_id=self.card_template_id)

    def run(self, stop: threading.Event) -> None:
        """Connect, reconnect and serve until ``stop`` is set; then finish the commands in hand."""
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="dingtalk")
        try:
            asyncio.run(self._main(stop))
        finally:
            self._pool.shutdown(wait=True)
            log.info("dingtalk stopped")

    async def _main(self, stop: threading.Event) -> None:
        stopping = asyncio.Event()
        client = asyncio.create_task(self.client.run_until(stopping))
        while not stop.is_set() and not client.done():
            await asyncio.sleep(0.1)
        stopping.set()
        await client

    # ---- work, on the pool ------------------------------------------------------------------------------

    def _queue(self, work: Callable[[dict[str, Any], str], None]) -> Callable[[dict[str, Any], str], None]:
        def submit(data: dict[str, Any], frame_id: str) -> None:
            if self._pool is None:
                return
            self._pool.submit(self._guarded, work, data, frame_id)

        return submit

    @staticmethod
    def _guarded(work: Callable[[dict[str, Any], str], None], data: dict[str, Any], frame_id: str) -> None:
        try:
            work(data, frame_id)
        except Exception:
            log.exception("dingtalk frame failed", extra={"frame": frame_id})

    def _message(self, data: dict[str, Any], frame_id: str) -> None:
        inbound = from_bot_message(data)
        if inbound is None and not data.get("senderStaffId") and not self._unpublished_told.is_set():
            self._unpublished_told.set()
            log.warning(
                "dingtalk message without senderStaffId: the robot must be published (developer "
                "console: 版本管理与发布) before members' messages can be answered",
                extra={"frame": frame_id},
            )
            return
        if inbound is None:
            log.info("dingtalk message without sender or id ignored", extra={"frame": frame_id})
            return
        if not chat.first_time(self.services, platform="dingtalk", key=inbound.message_id):
            log.info("dingtalk message redelivered: ignored", extra={"request_id": inbound.message_id})
            return
        self._answer(inbound)

    def _answer(self, inbound: Inbound) -> None:
        # one-to-one, a text that is no command is a message forwarded to the bot: offer to log it
        reply = self.bot.handle(inbound.command) if inbound.group else self.bot.handle_direct(inbound.command)
        self.replier.reply(inbound, reply.message, self._locale(inbound) if inbound.group else DEFAULT_LOCALE)
        if not reply.refused:
            self.on_change()

    def _locale(self, inbound: Inbound) -> str:
        """The sender's team language (for the words around a group answer), else the default."""
        try:
            return lookup.member_for(self.services, platform="dingtalk", user_id=inbound.staff_id).team.locale
        except DomainError:
            return DEFAULT_LOCALE

    def _press(self, data: dict[str, Any], frame_id: str) -> None:
        press = press_of(data)
        if press is None:
            log.info("dingtalk card callback ignored", extra={"frame": frame_id})
            return
        if not chat.first_time(self.services, platform="dingtalk", key=f"card:{frame_id}"):
            return
        command = Command(Actor("dingtalk", press.staff_id), press.command, request_id=f"card-{frame_id}")
        reply = self.bot.handle(command)
        log.info(
            "dingtalk card pressed",
            extra={"request": press.request_id, "action": press.action_id, "refused": reply.refused},
        )
        if reply.refused:
            try:
                self.replier.to_user(press.staff_id, render(reply.message))
            except Exception as exc:
                log.error("dingtalk refusal not sent", extra={"error": f"{type(exc).__name__}: {exc}"})
        else:
            self.on_change()
