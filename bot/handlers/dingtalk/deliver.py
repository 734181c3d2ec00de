"""The outbox's DingTalk :class:`~bot.delivery.BatchDeliverer`.

* A member's message: ``POST /v1.0/robot/oToMessages/batchSend`` (robot one-to-one chat). In a
  batch, deliveries whose rendered message is identical (same ``msgKey`` and ``msgParam``) share
  calls of at most :data:`MAX_USERS` ``userIds``. Personalised messages (a morning reminder lists
  that rep's own customers) differ, so each takes its own call: batching saves calls only for
  identical messages (claim cards to several managers, digests, notices). Users DingTalk lists in
  ``flowControlledStaffIdList`` get a per-recipient :class:`Throttled` (that row is retried after
  :data:`FLOW_CONTROL_WAIT`; DingTalk's other rows go on in the same pass), those in
  ``invalidStaffIdList`` get :class:`PermanentDeliveryError` and are logged with the
  member id and the notification key; those in ``filteredStaffIdList`` (DingTalk filtered the
  message for that user and does not say why) get :class:`TransientDeliveryError`: retried with
  the dispatcher's backoff, marked failed after its last attempt, and logged with the member id
  and the notification key each time. Only the others count as sent.
* A team message: ``POST /v1.0/robot/groupMessages/send`` to the team's openConversationId, in
  pieces of at most :data:`~bot.handlers.dingtalk.render.GROUP_MAX_PARAM_BYTES` bytes of
  ``msgParam`` (a long message is split, nothing is cut), and never with a button that types a
  command: DingTalk passes on to the robot only group messages that @-mention it, so the
  commands are shown to be typed instead.
* A claim card, with a card template configured: an interactive card
  (:mod:`bot.handlers.dingtalk.cards`), updated in place after the decision. Without a template:
  an ActionCard whose buttons type ``/approve 42`` back to the bot; it cannot be updated, so after
  the decision each recipient gets one short line saying who decided.

* A message with pictures (a report's chart): each is uploaded first (``media/upload``; a failed
  upload fails the delivery before anything is sent, so it is retried whole), the text is sent,
  then each picture as a ``sampleImageMsg`` to the same users or group. A picture that cannot be
  sent after the text went out is logged, not retried: retrying would send the text twice.

No sleeping and no retrying here (the dispatcher does both); see :mod:`.openapi` for how answers
become exceptions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from bot.delivery import (
    Delivery,
    MessageRef,
    Outcome,
    PermanentDeliveryError,
    Throttled,
    TransientDeliveryError,
)
from bot.handlers.dingtalk import cards
from bot.handlers.dingtalk.openapi import OpenApi
from bot.handlers.dingtalk.render import GROUP_MAX_PARAM_BYTES, Rendered, render
from bot.i18n import t
from bot.messages import Message

log = logging.getLogger("poolbot.dingtalk")

BATCH_SEND = "/v1.0/robot/oToMessages/batchSend"
GROUP_SEND = "/v1.0/robot/groupMessages/send"
IMAGE_KEY = "sampleImageMsg"
MAX_USERS = 20
FLOW_CONTROL_WAIT = 60.0  # seconds; DingTalk's flow-control list says who, not for how long
CARD_KINDS = ("claim_request", "card_refresh")


class DingTalkDeliverer:
    platform = "dingtalk"
    batch_size = MAX_USERS

    def __init__(self, api: OpenApi, *, robot_code: str, card_template_id: str | None) -> None:
        self.api = api
        self.robot_code = robot_code
        self.card_template_id = card_template_id

    # ---- one at a time -------------------------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> MessageRef | None:
        if delivery.replaces is not None:
            return self._refresh(delivery, delivery.replaces)
        request_id = cards.request_id_of(delivery.message)
        if self.card_template_id and delivery.kind in CARD_KINDS and request_id is not None:
            return self._create_card(delivery, self.card_template_id, request_id)
        if delivery.to_team_channel:
            return _with_request(self._group_send(delivery.address, self._rendered(delivery)), request_id)
        outcome = self._batch_send([delivery], self._rendered(delivery))[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _rendered(self, delivery: Delivery, message: Message | None = None) -> Rendered:
        def hint(commands: str) -> str:
            return t(delivery.locale, "dingtalk.group_hint", commands=commands)

        return render(message or delivery.message, twins_hint=hint if delivery.to_team_channel else None)

    def _group_send(self, conversation: str, rendered: Rendered) -> MessageRef:
        media = upload_images(self.api, rendered)
        answer = group_send_all(self.api, self.robot_code, conversation, rendered)
        send_images(self.api, self.robot_code, media, conversation=conversation)
        return _ref(answer)

    def _create_card(self, delivery: Delivery, template_id: str, request_id: str) -> MessageRef:
        track_id = cards.new_track_id(request_id)
        body = cards.create_body(
            template_id=template_id,
            robot_code=self.robot_code,
            track_id=track_id,
            to_group=delivery.to_team_channel,
            address=delivery.address,
            card=cards.params(delivery.message, delivery.locale, request_id),
        )
        errors = cards.failed_deliveries(self.api.call("POST", cards.CREATE_PATH, body))
        if errors:
            raise PermanentDeliveryError(f"dingtalk {cards.CREATE_PATH}: not delivered: {errors[0][:200]}")
        return {"platform": self.platform, "out_track_id": track_id, "request_id": request_id}

    def _refresh(self, delivery: Delivery, replaces: MessageRef) -> MessageRef | None:
        """Update the card in place; an ActionCard cannot be: say who decided in one short line."""
        track_id = replaces.get("out_track_id")
        request_id = replaces.get("request_id") or cards.request_id_of(delivery.message)
        if track_id:
            card = cards.params(delivery.message, delivery.locale, request_id or "")
            self.api.call("PUT", cards.UPDATE_PATH, cards.update_body(track_id, card))
            return dict(replaces)
        line = Message.text(cards.decision_text(delivery.message, delivery.locale, request_id))
        if delivery.to_team_channel:
            self._group_send(delivery.address, self._rendered(delivery, line))
            return None
        outcome = self._batch_send([delivery], self._rendered(delivery, line))[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return None

    # ---- batches -------------------------------------------------------------------------------------

    def deliver_batch(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        """One outcome per delivery. One-to-one deliveries with identical messages share
        ``batchSend`` calls; cards, team messages and updates go one at a time."""
        outcomes: list[Outcome] = [None] * len(deliveries)
        groups: dict[tuple[str, str], list[int]] = {}
        for index, delivery in enumerate(deliveries):
            if self._alone(delivery):
                outcomes[index] = self._one(delivery)
            else:
                groups.setdefault(self._rendered(delivery).msg_key_and_param(), []).append(index)
        for indexes in groups.values():
            rendered = self._rendered(deliveries[indexes[0]])
            for chunk in _chunks(indexes, [d.address for d in deliveries]):
                sent = self._batch_send([deliveries[i] for i in chunk], rendered)
                for index, outcome in zip(chunk, sent, strict=True):
                    outcomes[index] = outcome
        return outcomes

    def _alone(self, delivery: Delivery) -> bool:
        is_card = self.card_template_id is not None and delivery.kind in CARD_KINDS
        return delivery.to_team_channel or delivery.replaces is not None or is_card

    def _one(self, delivery: Delivery) -> Outcome:
        try:
            return self.deliver(delivery)
        except Exception as exc:
            return exc

    def _batch_send(self, chunk: Sequence[Delivery], rendered: Rendered) -> list[Outcome]:
        """One ``batchSend`` to the chunk's users (distinct, at most :data:`MAX_USERS`)."""
        key, param = rendered.msg_key_and_param()
        body = {"robotCode": self.robot_code, "userIds": [d.address for d in chunk], "msgKey": key}
        try:
            media = upload_images(self.api, rendered)
            answer = self.api.call("POST", BATCH_SEND, {**body, "msgParam": param})
        except Exception as exc:
            return [exc] * len(chunk)
        throttled = set(_ids(answer, "flowControlledStaffIdList"))
        invalid = set(_ids(answer, "invalidStaffIdList"))
        filtered = set(_ids(answer, "filteredStaffIdList"))
        reached = [d.address for d in chunk if d.address not in throttled | invalid | filtered]
        if reached:
            send_images(self.api, self.robot_code, media, users=reached)
        return [self._per_user(d, answer, throttled, invalid, filtered) for d in chunk]

    def _per_user(
        self,
        delivery: Delivery,
        answer: dict[str, Any],
        throttled: set[str],
        invalid: set[str],
        filtered: set[str],
    ) -> Outcome:
        if delivery.address in invalid:
            log.error("dingtalk user invalid", extra=_fields(delivery))
            return PermanentDeliveryError("dingtalk batchSend: invalidStaffIdList")
        if delivery.address in filtered:
            log.warning("dingtalk user filtered: not delivered", extra=_fields(delivery))
            return TransientDeliveryError("dingtalk batchSend: filteredStaffIdList")
        if delivery.address in throttled:
            log.warning("dingtalk user flow-controlled", extra=_fields(delivery))
            return Throttled(
                FLOW_CONTROL_WAIT, "dingtalk batchSend: flowControlledStaffIdList", per_recipient=True
            )
        return _with_request(_ref(answer), cards.request_id_of(delivery.message))


# ---- sends shared with the replies ------------------------------------------------------------------


def group_send(api: OpenApi, robot_code: str, conversation: str, key: str, param: str) -> dict[str, Any]:
    body = {"robotCode": robot_code, "openConversationId": conversation, "msgKey": key, "msgParam": param}
    return api.call("POST", GROUP_SEND, body)


def group_send_all(api: OpenApi, robot_code: str, conversation: str, rendered: Rendered) -> dict[str, Any]:
    """``rendered`` to the group, in as many messages as :data:`GROUP_MAX_PARAM_BYTES` needs; the
    answer to the last one."""
    answer: dict[str, Any] = {}
    for piece in rendered.pieces(GROUP_MAX_PARAM_BYTES):
        answer = group_send(api, robot_code, conversation, *piece.msg_key_and_param())
    return answer


def upload_images(api: OpenApi, rendered: Rendered) -> list[str]:
    """The ``media_id`` of each of the message's pictures, uploaded now (raises if one fails)."""
    return [api.upload_image(image.path) for image in rendered.images]


def send_images(
    api: OpenApi,
    robot_code: str,
    media_ids: Sequence[str],
    *,
    users: Sequence[str] = (),
    conversation: str | None = None,
) -> None:
    """Each uploaded picture as an image message, to ``users`` (one-to-one) or the group
    ``conversation``. After the text went out: a failure is logged, never raised."""
    for media_id in media_ids:
        param = json.dumps({"photoURL": media_id})
        try:
            if conversation is not None:
                group_send(api, robot_code, conversation, IMAGE_KEY, param)
            else:
                body = {"robotCode": robot_code, "userIds": list(users), "msgKey": IMAGE_KEY}
                api.call("POST", BATCH_SEND, {**body, "msgParam": param})
        except Exception as exc:
            log.error("dingtalk picture not sent", extra={"error": f"{type(exc).__name__}: {exc}"})


def _chunks(indexes: list[int], addresses: list[str]) -> list[list[int]]:
    """The deliveries at ``indexes`` in runs of at most :data:`MAX_USERS` distinct addresses (a
    user with two identical messages gets them in two calls)."""
    chunks: list[list[int]] = []
    for index in indexes:
        fits = (c for c in chunks if len(c) < MAX_USERS and all(addresses[i] != addresses[index] for i in c))
        chunk = next(fits, None)
        if chunk is None:
            chunks.append([index])
        else:
            chunk.append(index)
    return chunks


def _ids(answer: dict[str, Any], name: str) -> list[str]:
    value = answer.get(name)
    return [str(v) for v in value] if isinstance(value, list) else []


def _ref(answer: dict[str, Any]) -> MessageRef:
    """Where the message went (DingTalk's query key); an ActionCard cannot be updated, so the
    reference has no card id."""
    key = answer.get("processQueryKey")
    return {"platform": "dingtalk", "process_query_key": str(key)} if key else {"platform": "dingtalk"}


def _with_request(ref: MessageRef, request_id: str | None) -> MessageRef:
    """An ActionCard's reference keeps its claim request, for the line sent after the decision."""
    return {**ref, "request_id": request_id} if request_id else ref


def _fields(delivery: Delivery) -> dict[str, object]:
    """What the logs say: the member and the notification, never the staffId or the message."""
    return {"member_id": delivery.recipient_id, "notification": delivery.key, "kind": delivery.kind}
