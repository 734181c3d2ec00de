"""Interactive claim cards from the operator's card template, and their button presses.

A card is created and delivered in one call (``POST /v1.0/card/instances/createAndDeliver``,
``callbackType: STREAM``) to the team's group (``dtv1.card//IM_GROUP.<openConversationId>``) or a
manager's chat with the robot (``dtv1.card//IM_ROBOT.<staffId>``), and updated in place for
everyone after the decision (``PUT /v1.0/card/instances``). Its variables (``cardParamMap``, all
strings, see ``docs/dingtalk.md``): ``title``, ``markdown``, ``request_id``, ``status``
(``pending`` / ``decided``), ``decision``, ``approve_label``, ``reject_label``. The template we
ship (``config/dingtalk-card-template.json``) gives its two buttons the parameters ``action``
(``claim.approve`` / ``claim.reject``) and ``request_id``, and the same action ids.

A press is recognised by ``params.action`` or by any of ``cardPrivateData.actionIds``: DingTalk
reports the actionId an operator set by hand, or else the button's component id
(``single_button_node_…``), so a template built by hand with the ids left at their defaults still
decides through its ``action`` parameter. The ``outTrackId`` also carries the request id, so a
template whose buttons send no ``request_id`` still works.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from bot.handlers.dingtalk.render import render
from bot.handlers.table import COMMANDS
from bot.i18n import t
from bot.messages import Actions, Context, Message

CREATE_PATH = "/v1.0/card/instances/createAndDeliver"
UPDATE_PATH = "/v1.0/card/instances"
CARD_ACTIONS = ("claim.approve", "claim.reject")
_TRACK_PREFIX = "poolbot.claim."


def request_id_of(message: Message) -> str | None:
    """The claim request a card is about: the value of its Approve/Reject buttons."""
    return next((b.value for b in message.buttons if b.action_id in CARD_ACTIONS), None)


def new_track_id(request_id: str) -> str:
    return f"{_TRACK_PREFIX}{request_id}.{uuid.uuid4().hex[:12]}"


def params(message: Message, locale: str, request_id: str) -> dict[str, str]:
    """The template's variables for the card as ``message`` shows it now (all strings)."""
    body = Message(tuple(b for b in message.blocks if not isinstance(b, Actions)), message.summary)
    rendered = render(body)
    decided = not message.buttons
    decision = _last_context(message) if decided else ""
    return {
        "title": rendered.title,
        "markdown": rendered.text,
        "request_id": request_id,
        "status": "decided" if decided else "pending",
        "decision": decision,
        "approve_label": t(locale, "dingtalk.card_approve"),
        "reject_label": t(locale, "dingtalk.card_reject"),
    }


def _last_context(message: Message) -> str:
    return next((b.text for b in reversed(message.blocks) if isinstance(b, Context)), "")


def decision_text(message: Message, locale: str, request_id: str | None) -> str:
    """The short line that says who decided (for an ActionCard, which cannot be updated)."""
    line = _last_context(message) or message.summary
    return t(locale, "dingtalk.card_decided", request=request_id or "?", decision=line)


def create_body(
    *, template_id: str, robot_code: str, track_id: str, to_group: bool, address: str, card: dict[str, str]
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cardTemplateId": template_id,
        "outTrackId": track_id,
        "callbackType": "STREAM",
        "cardData": {"cardParamMap": card},
        "userIdType": 1,
    }
    if to_group:
        body["openSpaceId"] = f"dtv1.card//IM_GROUP.{address}"
        body["imGroupOpenSpaceModel"] = {"supportForward": False}
        body["imGroupOpenDeliverModel"] = {"robotCode": robot_code}
    else:
        body["openSpaceId"] = f"dtv1.card//IM_ROBOT.{address}"
        body["imRobotOpenSpaceModel"] = {"supportForward": False}
        body["imRobotOpenDeliverModel"] = {"spaceType": "IM_ROBOT", "robotCode": robot_code}
    return body


def update_body(track_id: str, card: dict[str, str]) -> dict[str, Any]:
    return {
        "outTrackId": track_id,
        "cardData": {"cardParamMap": card},
        "cardUpdateOptions": {"updateCardDataByKey": True},
    }


def failed_deliveries(answer: dict[str, Any]) -> list[str]:
    """DingTalk answers 200 even when the card reached nobody: the per-space errors, if any."""
    result = answer.get("result")
    results = result.get("deliverResults") if isinstance(result, dict) else None
    if not isinstance(results, list):
        return []
    return [str(r.get("errorMsg") or "not delivered") for r in results if not r.get("success", True)]


@dataclass(frozen=True)
class Press:
    """A button press on a claim card: who pressed and the typed twin of the button."""

    staff_id: str
    action_id: str
    request_id: str

    @property
    def command(self) -> str:
        return COMMANDS.twin(self.action_id, self.request_id)


def press_of(data: dict[str, Any]) -> Press | None:
    """Read a card callback's data (``userId``, ``outTrackId``, ``content`` as a JSON string with
    ``cardPrivateData.actionIds`` / ``params``); None for anything that is not a claim decision."""
    content = _loads(data.get("content"))
    private = _dict(content.get("cardPrivateData"))
    actions = private.get("actionIds")
    given = _dict(private.get("params"))
    named = [
        str(given.get("action") or ""),
        *(str(a) for a in (actions if isinstance(actions, list) else [])),
    ]
    action = next((a for a in named if a in CARD_ACTIONS), "")
    request = str(given.get("request_id") or _request_from_track(str(data.get("outTrackId") or "")))
    staff = str(data.get("userId") or "")
    if action not in CARD_ACTIONS or not request.isdigit() or not staff:
        return None
    return Press(staff, action, request)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _loads(raw: object) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(str(raw or "{}"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _request_from_track(track_id: str) -> str:
    if not track_id.startswith(_TRACK_PREFIX):
        return ""
    return track_id[len(_TRACK_PREFIX) :].split(".", 1)[0]
