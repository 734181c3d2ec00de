"""The outbox's Slack :class:`~bot.delivery.Deliverer`.

A member's notification goes to a DM (``conversations.open(users=<Slack user id>)``, then
``chat.postMessage`` to the ``D…`` id it returns); a team notification is posted to the team's
channel id. Slack's answers become the dispatcher's three exceptions:

* HTTP 429 (either call) -> :class:`Throttled` with the ``Retry-After`` seconds (1 when absent);
* HTTP 5xx, a transient error code (``internal_error``, ``service_unavailable``…), or a
  connection error / timeout -> :class:`TransientDeliveryError`;
* an error code retrying cannot fix (``channel_not_found``, ``user_not_found``,
  ``not_in_channel``, ``is_archived``, ``invalid_auth``, ``account_inactive``, ``invalid_blocks``…)
  -> :class:`PermanentDeliveryError`;
* any other error code -> :class:`TransientDeliveryError` (the dispatcher gives up after its
  ``max_attempts``, so an unknown code costs a few retries, never a lost message).

A chart is uploaded once: each picture shared is kept in the notification's message reference
(``file:<n>`` -> the file id, :func:`bot.domain.outbox.keep_partial`) as soon as Slack took it, so a
retry after a failed ``chat.postMessage`` (a 429, a timeout) posts the message without uploading and
sharing the chart again.

Retries belong to the dispatcher: build the client without slack_sdk's retry handlers
(``WebClient(..., retry_handlers=[])``) and with a timeout well under the dispatcher's lease, so
this class neither sleeps nor retries. Exception messages name the API method and Slack's error
code only: never the token, the address or the message.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse

from bot.delivery import (
    Delivery,
    MessageRef,
    PermanentDeliveryError,
    Throttled,
    TransientDeliveryError,
)
from bot.domain import outbox
from bot.domain.context import Services
from bot.handlers.slack.blocks import images_of, to_block_kit
from bot.messages import Image

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "users_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "restricted_action",
        "cannot_dm_bot",
        "user_disabled",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "invalid_arguments",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
_CONNECTION_ERRORS = (URLError, socket.timeout, TimeoutError, ConnectionError, SlackRequestError)


class SlackDeliverer:
    """Delivers outbox notifications to Slack through a ``slack_sdk.WebClient``."""

    platform = "slack"

    def __init__(self, client: WebClient, services: Services | None = None) -> None:
        self.client = client
        # where uploads are remembered between attempts (None: not remembered, e.g. a unit test)
        self.services = services

    def deliver(self, delivery: Delivery) -> MessageRef:
        """Post the message (or update it in place when ``delivery.replaces`` says where it is);
        return where it landed, so a later decision can update it."""
        text, blocks = to_block_kit(delivery.message, locale=delivery.locale)
        if delivery.replaces and delivery.replaces.get("ts"):
            channel, ts = delivery.replaces["channel"], delivery.replaces["ts"]
            self._call(
                "chat.update",
                lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
            )
            return dict(delivery.replaces)
        channel = delivery.address if delivery.to_team_channel else self._open_dm(delivery.address)
        shared = self._shared_before(delivery)
        for index, image in enumerate(images_of(delivery.message)):
            if f"file:{index}" not in shared:  # shared by an earlier attempt: not again
                shared[f"file:{index}"] = self._upload(channel, image)
                self._keep(delivery, shared)
        posted = self._call(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(channel=channel, text=text, blocks=blocks),
        )
        return {
            **shared,
            "platform": "slack",
            "channel": str(posted.get("channel") or channel),
            "ts": str(posted.get("ts")),
        }

    def _shared_before(self, delivery: Delivery) -> dict[str, str]:
        if self.services is None or not images_of(delivery.message):
            return {}
        ref = outbox.partly_delivered(self.services, notification_id=delivery.notification_id)
        return {k: v for k, v in ref.items() if k.startswith("file:")}

    def _keep(self, delivery: Delivery, shared: dict[str, str]) -> None:
        if self.services is not None:
            ref = {"platform": "slack", **shared}
            outbox.keep_partial(self.services, notification_id=delivery.notification_id, message_ref=ref)

    def _upload(self, channel: str, image: Image) -> str:
        """Upload and share one picture; its Slack file id."""
        if not Path(image.path).is_file():
            raise PermanentDeliveryError(f"slack files.upload: the image {Path(image.path).name} is gone")
        answer = self._call(
            "files.upload",
            lambda: self.client.files_upload_v2(channel=channel, file=image.path, title=image.title),
        )
        files = answer.get("files") if isinstance(answer, dict) else None
        first = files[0] if isinstance(files, list) and files and isinstance(files[0], dict) else {}
        return str(first.get("id") or "uploaded")

    def _open_dm(self, user_id: str) -> str:
        response = self._call("conversations.open", lambda: self.client.conversations_open(users=user_id))
        channel = response.get("channel") if isinstance(response, dict) else None
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not isinstance(channel_id, str) or not channel_id:
            raise TransientDeliveryError("slack conversations.open: no channel id in the answer")
        return channel_id

    def _call(self, method: str, call: Callable[[], SlackResponse]) -> Any:
        try:
            return call().data
        except SlackApiError as exc:
            raise _translate(method, exc) from exc
        except _CONNECTION_ERRORS as exc:
            raise TransientDeliveryError(f"slack {method}: {type(exc).__name__}: {exc}") from exc


def _translate(method: str, exc: SlackApiError) -> Exception:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    code = str(data.get("error", "")) if isinstance(data, dict) else ""
    detail = f"slack {method}: HTTP {status}" + (f" {code}" if code else "")
    if status == 429:
        return Throttled(_retry_after(getattr(response, "headers", None)), detail)
    if status >= 500 or code in TRANSIENT_ERRORS:
        return TransientDeliveryError(detail)
    if code in PERMANENT_ERRORS:
        return PermanentDeliveryError(detail)
    return TransientDeliveryError(detail)


def _retry_after(headers: Any) -> float:
    value = None
    if isinstance(headers, dict):
        for name, raw in headers.items():
            if str(name).lower() == "retry-after":
                value = raw[0] if isinstance(raw, list) and raw else raw
                break
    try:
        seconds = float(value) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
    return seconds if math.isfinite(seconds) and seconds >= 0 else 1.0
