"""What DingTalk refuses, for the fake in :mod:`dingtalk_fakes`: each rule says where it comes from.

Sources, named in the rules below:

* **[SDK]** the official OpenAPI models, ``alibabacloud-dingtalk`` on PyPI
  (``alibabacloud_dingtalk.robot_1_0/card_1_0/oauth2_1_0/gateway_1_0.models``): the field names
  (a body must survive ``Model().from_map(body).to_map()`` unchanged), the field types (the
  ``__init__`` annotations) and the required fields (the generator's ``# This parameter is
  required.`` comment above the attribute).
* **[stream-sdk]** open-dingtalk/dingtalk-stream-sdk-python and -nodejs (frames, acks, ``ping``).
* **[doc:…]** a page of open.dingtalk.com (the path after ``/document/``).
* **[facts]** ``shared/SDK-FACTS.md``, checked against the platforms by a previous session.
* **[assumed]** our best reading, not found written down: change it when DingTalk says otherwise.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
import typing
from typing import Any

from alibabacloud_dingtalk.card_1_0 import models as card_models
from alibabacloud_dingtalk.gateway_1_0 import models as gateway_models
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth2_models
from alibabacloud_dingtalk.robot_1_0 import models as robot_models
from Tea.model import TeaModel

# [SDK] the request model of each path the bot calls
REQUEST_MODELS: dict[tuple[str, str], type[TeaModel]] = {
    ("POST", "/v1.0/oauth2/accessToken"): oauth2_models.GetAccessTokenRequest,
    ("POST", "/v1.0/gateway/connections/open"): gateway_models.OpenConnectionRequest,
    ("POST", "/v1.0/robot/oToMessages/batchSend"): robot_models.BatchSendOTORequest,
    ("POST", "/v1.0/robot/groupMessages/send"): robot_models.OrgGroupSendRequest,
    ("POST", "/v1.0/card/instances/createAndDeliver"): card_models.CreateAndDeliverRequest,
    ("PUT", "/v1.0/card/instances"): card_models.UpdateCardRequest,
}
# fields a path needs beyond the model's own required ones:
# - accessToken: appSecret [doc:orgapp/obtain-the-access_token-of-an-internal-app] (the model
#   marks only appKey);
# - groupMessages/send: the model leaves robotCode and openConversationId optional because a cool
#   app may send with coolAppCode/token instead; a robot's group message needs both
#   [doc:orgapp/the-robot-sends-a-group-message].
EXTRA_REQUIRED = {
    "/v1.0/oauth2/accessToken": ("appSecret",),
    "/v1.0/robot/groupMessages/send": ("robotCode", "openConversationId"),
}
# fields a real client sends that the model does not list: the gateway's open call carries ``ua``
# (dingtalk-stream's own ``open_connection`` sends it; the protocol page lists it)
# [stream-sdk] [doc:open-dingtalk.github.io/developerpedia/docs/learn/stream/protocol]
EXTRA_FIELDS = {"/v1.0/gateway/connections/open": ("ua",)}

MAX_USERS = 20  # [facts] batchSend takes at most 20 userIds
GROUP_MAX_PARAM_BYTES = 15_000  # [facts] groupMessages/send: msgParam at most 15,000 bytes

# [doc:orgapp/types-of-messages-sent-by-robots] the keys each robot message template needs in
# its msgParam; 2 to 5 buttons are actionTitleN/actionURLN
MSG_PARAM_KEYS: dict[str, tuple[str, ...]] = {
    "sampleText": ("content",),
    "sampleMarkdown": ("title", "text"),
    "sampleImageMsg": ("photoURL",),
    "sampleActionCard": ("title", "text", "singleTitle", "singleURL"),
    **{
        f"sampleActionCard{n}": (
            "title",
            "text",
            *(f"{kind}{i}" for i in range(1, n + 1) for kind in ("actionTitle", "actionURL")),
        )
        for n in range(2, 6)
    },
    "sampleActionCard6": ("title", "text", "buttonTitle1", "buttonUrl1", "buttonTitle2", "buttonUrl2"),
}
# how the buttons of a multi-button ActionCard are laid out:
# - the OpenAPI templates: sampleActionCard2..5 stack their buttons vertically, sampleActionCard6
#   puts two side by side [doc:orgapp/types-of-messages-sent-by-robots] (partly [assumed]: the
#   page shows pictures, not words);
# - a webhook's actionCard: ``btnOrientation`` "0" vertical, "1" horizontal
#   [doc:orgapp/custom-robot-access].
TEMPLATE_LAYOUT = {
    **{f"sampleActionCard{n}": "vertical" for n in range(2, 6)},
    "sampleActionCard6": "horizontal",
}
WEBHOOK_LAYOUT = {"0": "vertical", "1": "horizontal"}


def refusal(code: str, message: str) -> dict[str, str]:
    """DingTalk's error body: ``code`` and ``message`` (and a request id). The shape is DingTalk's
    [facts]; the codes we give for a malformed body are [assumed] (DingTalk uses
    ``MissingParameter`` / ``InvalidParameter``-style codes; the exact wording varies)."""
    return {"code": code, "message": message, "requestid": "fake-request"}


def check_body(method: str, path: str, body: dict[str, Any]) -> dict[str, str] | None:
    """None when DingTalk would take ``body``; else the 400 error body it answers."""
    model = REQUEST_MODELS.get((method, path))
    if model is None:
        return None
    extra = {k: body[k] for k in EXTRA_FIELDS.get(path, ()) if k in body}
    checked = {k: v for k, v in body.items() if k not in extra}
    problem = _shape(model, checked) or _required(model, checked, EXTRA_REQUIRED.get(path, ()))
    if problem is None and path.startswith("/v1.0/robot/"):
        problem = _robot_message(path, checked)
    return None if problem is None else refusal(problem[0], problem[1])


def _shape(model: type[TeaModel], body: dict[str, Any]) -> tuple[str, str] | None:
    """[SDK] the body's fields are the model's, with the model's types."""
    again = model().from_map(copy.deepcopy(body)).to_map()
    # a model writes some containers even when empty (privateData {}, subscriptions [])
    again = {k: v for k, v in again.items() if k in body or v not in ({}, [])}
    if again != body:
        unknown = sorted(set(body) - set(again)) or sorted(k for k in body if body[k] != again.get(k))
        return "InvalidParameter", f"unknown or misshapen field(s): {', '.join(unknown)}"
    wrong = _types(model, body)
    return ("InvalidParameter", f"wrong type: {wrong}") if wrong else None


def _required(model: type[TeaModel], body: dict[str, Any], extra: tuple[str, ...]) -> tuple[str, str] | None:
    missing = [name for name in (*required_fields(model), *extra) if body.get(name) in (None, "", [])]
    return ("MissingParameter", f"missing required field(s): {', '.join(missing)}") if missing else None


def _robot_message(path: str, body: dict[str, Any]) -> tuple[str, str] | None:
    key, param = str(body.get("msgKey")), str(body.get("msgParam"))
    if key not in MSG_PARAM_KEYS:
        return "InvalidParameter", f"msgKey {key} is not a robot message template"
    try:
        values = json.loads(param)
    except ValueError:
        return "InvalidParameter", "msgParam is not JSON"
    if not isinstance(values, dict) or any(not values.get(k) for k in MSG_PARAM_KEYS[key]):
        return "InvalidParameter", f"msgParam lacks what {key} needs"
    if path.endswith("/oToMessages/batchSend") and len(body.get("userIds") or []) > MAX_USERS:
        return "InvalidParameter", f"more than {MAX_USERS} userIds"
    if path.endswith("/groupMessages/send") and len(param.encode()) > GROUP_MAX_PARAM_BYTES:
        return "InvalidParameter", f"msgParam over {GROUP_MAX_PARAM_BYTES} bytes"
    return None


def required_fields(model: type[TeaModel]) -> tuple[str, ...]:
    """[SDK] the JSON names of the fields the generator marks ``# This parameter is required.``"""
    init = inspect.getsource(model.__init__)
    attrs = re.findall(r"# This parameter is required\.\n\s*self\.(\w+) =", init)
    return tuple(_json_names(model)[a] for a in attrs)


def _json_names(model: type[TeaModel]) -> dict[str, str]:
    """attribute -> JSON name, read from the model's ``to_map``."""
    source = inspect.getsource(model.to_map)
    plain = re.findall(r"if self\.(\w+) is not None:\n\s*result\['([^']+)'\]", source)
    containers = re.findall(r"result\['([^']+)'\] = (?:\[\]|\{\})\n\s*if self\.(\w+) is not None", source)
    return {**{attr: name for attr, name in plain}, **{attr: name for name, attr in containers}}


def _types(model: type[TeaModel], body: dict[str, Any]) -> str:
    """The first field whose value has not the type the model's ``__init__`` declares, or ""."""
    names = {v: k for k, v in _json_names(model).items()}
    hints = typing.get_type_hints(model.__init__)
    for key, value in body.items():
        hint = hints.get(names.get(key, ""))
        if hint is not None and not _fits(value, hint):
            return key
    return ""


def _fits(value: Any, hint: Any) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if isinstance(hint, type) and issubclass(hint, TeaModel):
        return isinstance(value, dict) and not _types(hint, value)
    if origin is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_fits(v, args[1]) for v in value.values())
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


# ---- card templates and their callbacks --------------------------------------------------------------


def template_buttons(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The callback buttons of a card template in the card platform's export format
    (``{"editorData": "<json>", ...}``, as open-dingtalk/dingtalk-card-examples ships them):
    each a ``SingleButton`` node with ``actionType: request``."""
    editor = json.loads(template["editorData"])
    found: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("componentName") == "SingleButton" and node["props"].get("actionType") == "request":
            found.append(node)
        for child in node.get("children") or []:
            walk(child)

    for root in editor["schema"]["componentsTree"]:
        walk(root)
    return found


def component_id(node: dict[str, Any]) -> str:
    """A component's id as a callback reports it when no actionId was set by hand: the component
    name in snake case, then its node id (``single_button_node_ocltl6e6foq``)
    [doc:dingstart/intelligent-assistant-with-interactive-card-use-tutorial] (the example) and the
    card examples' event chains (``grid_node_…``); the pattern itself is [assumed]."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", str(node["componentName"])).lower()
    return f"{snake}_{node['id']}"


def callback_content(node: dict[str, Any], card: dict[str, str]) -> dict[str, Any]:
    """The ``content`` of a press on ``node`` in a card whose variables are ``card``:
    ``cardPrivateData.actionIds`` holds the actionId set by hand, else the component id, and
    ``params`` the button's parameters (fixed values, or variables read from the card)
    [facts] [doc:dingstart/intelligent-assistant-with-interactive-card-use-tutorial]."""
    props = node["props"]
    action_id = str((props.get("actionId") or {}).get("content") or "") or component_id(node)
    params: dict[str, Any] = {}
    for param in props.get("params") or []:
        if not param.get("name"):
            continue
        fixed = param.get("type") == "fixed"
        params[param["name"]] = param.get("value") if fixed else card.get(str(param.get("variable")), "")
    return {"cardPrivateData": {"actionIds": [action_id], "params": params}}


def template_variables(template: dict[str, Any]) -> set[str]:
    return {str(v["name"]) for v in json.loads(template["editorData"])["variableList"]}
