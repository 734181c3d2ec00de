"""What real Slack refuses, for the fake in :mod:`slack_fake`. Each rule names its source.

Sources, abbreviated below:

* **SDK** -- ``slack_sdk.models`` 3.48: ``Block.parse(...)`` / ``View(**...)`` and ``to_dict()``
  (which runs every nested ``validate_json()``). It checks, among others: section text ≤ 3000,
  header ≤ 150, button ``value`` ≤ 2000, ``action_id`` ≤ 255, ``ConfirmObject`` title ≤ 100 /
  text ≤ 300 / confirm, deny ≤ 30, ≤ 10 section fields, ≤ 100 blocks in a view, modal title /
  submit / close ≤ 24, ``private_metadata`` ≤ 3000.
* **BK** -- the Block Kit reference (docs.slack.dev/reference/block-kit): what the SDK leaves out,
  checked here by hand: 50 blocks per message; a text object's ``text`` at least 1 character; a
  button's text ≤ 75; an option's text ≤ 75 and value ≤ 150; a section field ≤ 2000; a context
  block ≤ 10 elements; an actions block ≤ 25 elements; ``block_id`` ≤ 255 and unique in a message;
  ``action_id`` unique in its block.
* **API** -- the Web API method pages (docs.slack.dev/reference/methods/...): the error codes
  (``invalid_blocks`` for messages, ``invalid_arguments`` for views, ``msg_too_long`` past
  40,000 characters of ``text``, ``no_text``, ``missing_scope`` with ``needed`` / ``provided``,
  ``not_in_channel``, ``expired_trigger_id`` / ``invalid_trigger_id`` / ``exchanged_trigger_id``)
  and each method's required bot scope.

ASSUMED (not found spelled out in the SDK or the docs): the exact wording of the
``response_metadata.messages`` lines (modelled on answers quoted in slackapi issues:
``"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MANIFEST = Path(__file__).resolve().parent.parent / "config" / "slack-manifest.yml"

MAX_MESSAGE_BLOCKS = 50  # BK: "You can include up to 50 blocks in each message"
MAX_VIEW_BLOCKS = 100  # BK / SDK: "100 blocks in modals or Home tabs"
MAX_MESSAGE_TEXT = 40_000  # API chat.postMessage: text past 40,000 characters -> msg_too_long
MAX_BUTTON_TEXT = 75  # BK button element: text "Maximum length ... 75 characters"
MAX_OPTION_TEXT = 75  # BK option object: text max 75
MAX_OPTION_VALUE = 150  # BK option object: value max 150
MAX_FIELD_TEXT = 2000  # BK section block: "Maximum length for the text in each item is 2000"
MAX_CONTEXT_ELEMENTS = 10  # BK context block: "Maximum number of items is 10"
MAX_ACTIONS_ELEMENTS = 25  # BK actions block: "There is a maximum of 25 elements"
MAX_BLOCK_ID = 255  # BK: block_id "Maximum length ... 255 characters"

# API: each method's page, "Required scopes" (bot token). None: no scope needed. A method the app
# may call that is missing here is an error in the fake, answered ``unknown_method``.
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "chat.getPermalink": None,  # API: "No scopes required"
    "conversations.open": "im:write",
    "conversations.info": "channels:read",
    "conversations.members": "channels:read",
    "conversations.join": "channels:join",
    "users.info": "users:read",
    "users.lookupByEmail": "users:read.email",
    "views.open": None,
    "views.update": None,
    "views.push": None,
    "views.publish": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.upload": "files:write",
    "files.info": "files:read",
    "files.list": "files:read",
    "apps.connections.open": None,  # app-level token with connections:write (Socket Mode)
}

MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


def manifest_scopes() -> frozenset[str]:
    """The bot scopes config/slack-manifest.yml asks for: what an installed app's token holds."""
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return frozenset(data["oauth_config"]["scopes"]["bot"])


def missing_scope(method: str, granted: frozenset[str]) -> dict[str, Any] | None:
    """API: a method called without its scope answers ``missing_scope``, naming what was needed."""
    if method not in METHOD_SCOPES:
        return {"ok": False, "error": "unknown_method"}
    needed = METHOD_SCOPES[method]
    if needed is None or needed in granted:
        return None
    return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(sorted(granted))}


def block_errors(blocks: Any, *, limit: int, pointer: str = "/blocks") -> list[str]:
    """Every reason Slack would refuse these blocks (empty: they would be shown)."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if not blocks and pointer == "/blocks":
        return []  # an empty list is the same as none (API: then ``text`` is required)
    if len(blocks) > limit:
        errors.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]")
    block_ids: set[str] = set()
    for index, raw in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(raw, dict):
            errors.append(f"[ERROR] must be an object [json-pointer:{where}]")
            continue
        errors += _sdk_errors(raw, where)
        errors += _by_hand(raw, where)
        block_id = raw.get("block_id")
        if isinstance(block_id, str):
            if block_id in block_ids:  # BK: block_id "unique for each message and each iteration"
                errors.append(f"[ERROR] duplicate block_id [json-pointer:{where}/block_id]")
            block_ids.add(block_id)
    return errors


def view_errors(view: Any) -> list[str]:
    """SDK ``View(**view).to_dict()`` plus the block rules above on the view's blocks."""
    if not isinstance(view, dict):
        return ["[ERROR] must be an object [json-pointer:/view]"]
    errors: list[str] = []
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError, ValueError, AttributeError) as exc:
        errors.append(f"[ERROR] {exc} [json-pointer:/view]")
    if view.get("type") not in ("modal", "home"):  # API views.open / views.publish
        errors.append("[ERROR] must be 'modal' or 'home' [json-pointer:/view/type]")
    if view.get("type") == "modal" and not view.get("title"):  # BK modal: title is required
        errors.append("[ERROR] title is required [json-pointer:/view/title]")
    errors += block_errors(view.get("blocks", []), limit=MAX_VIEW_BLOCKS, pointer="/view/blocks")
    return errors


def message_errors(args: dict[str, Any]) -> tuple[str, list[str]] | None:
    """(error code, messages) for a message Slack would refuse, else None."""
    blocks = args.get("blocks")
    text = args.get("text")
    if not blocks and not (isinstance(text, str) and text.strip()):
        return "no_text", []  # API chat.postMessage: "no_text" when neither text nor blocks
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return "msg_too_long", []
    if blocks:
        errors = block_errors(blocks, limit=MAX_MESSAGE_BLOCKS)
        if errors:
            return "invalid_blocks", errors
    return None


def _sdk_errors(raw: dict[str, Any], where: str) -> list[str]:
    sdk_log = logging.getLogger("slack_sdk.models")
    level = sdk_log.level
    sdk_log.setLevel(logging.ERROR)  # Block.parse logs an unknown type as a warning and returns None
    try:
        parsed = Block.parse(raw)
        if parsed is None:
            return [f"[ERROR] unknown block type {raw.get('type')!r} [json-pointer:{where}/type]"]
        parsed.to_dict()
    except (SlackObjectFormationError, TypeError, ValueError, AttributeError, KeyError) as exc:
        return [f"[ERROR] {exc} [json-pointer:{where}]"]
    finally:
        sdk_log.setLevel(level)
    return []


def _by_hand(raw: dict[str, Any], where: str) -> list[str]:
    """BK rules slack_sdk does not check."""
    errors: list[str] = []
    kind = raw.get("type")
    if isinstance(raw.get("block_id"), str) and len(raw["block_id"]) > MAX_BLOCK_ID:
        errors.append(
            f"[ERROR] must be less than {MAX_BLOCK_ID + 1} characters [json-pointer:{where}/block_id]"
        )
    for path, obj in _text_objects(raw, where):
        if not str(obj.get("text") or ""):  # BK text object: text "minimum 1 character"
            errors.append(f"[ERROR] must be more than 0 characters [json-pointer:{path}/text]")
    if kind == "section":
        for i, field in enumerate(raw.get("fields") or []):
            if len(str(field.get("text", ""))) > MAX_FIELD_TEXT:
                errors.append(
                    f"[ERROR] must be less than {MAX_FIELD_TEXT + 1} characters "
                    f"[json-pointer:{where}/fields/{i}/text]"
                )
    if kind == "context" and len(raw.get("elements") or []) > MAX_CONTEXT_ELEMENTS:
        errors.append(
            f"[ERROR] no more than {MAX_CONTEXT_ELEMENTS} items allowed [json-pointer:{where}/elements]"
        )
    if kind == "actions":
        elements = raw.get("elements") or []
        if len(elements) > MAX_ACTIONS_ELEMENTS:
            errors.append(
                f"[ERROR] no more than {MAX_ACTIONS_ELEMENTS} items allowed [json-pointer:{where}/elements]"
            )
        seen: set[str] = set()
        for i, element in enumerate(elements):
            action_id = element.get("action_id")
            if action_id in seen:  # BK: action_id "unique among all other action_ids in the block"
                errors.append(f"[ERROR] duplicate action_id [json-pointer:{where}/elements/{i}/action_id]")
            seen.add(action_id)
    for path, element in _elements(raw, where):
        if (
            element.get("type") == "button"
            and len(str((element.get("text") or {}).get("text", ""))) > MAX_BUTTON_TEXT
        ):
            errors.append(
                f"[ERROR] must be less than {MAX_BUTTON_TEXT + 1} characters [json-pointer:{path}/text]"
            )
        for j, option in enumerate(_options(element)):
            if len(str((option.get("text") or {}).get("text", ""))) > MAX_OPTION_TEXT:
                errors.append(f"[ERROR] option text too long [json-pointer:{path}/options/{j}/text]")
            if len(str(option.get("value", ""))) > MAX_OPTION_VALUE:
                errors.append(f"[ERROR] option value too long [json-pointer:{path}/options/{j}/value]")
    return errors


def _elements(raw: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for i, element in enumerate(raw.get("elements") or []):
        if isinstance(element, dict):
            found.append((f"{where}/elements/{i}", element))
    for key in ("accessory", "element"):
        if isinstance(raw.get(key), dict):
            found.append((f"{where}/{key}", raw[key]))
    return found


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = [o for o in element.get("options") or [] if isinstance(o, dict)]
    if isinstance(element.get("initial_option"), dict):
        options.append(element["initial_option"])
    return options


def _text_objects(value: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """Every text object (``{"type": "plain_text" | "mrkdwn", "text": ...}``) inside a block."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(value, dict):
        if value.get("type") in ("plain_text", "mrkdwn") and "text" in value:
            found.append((where, value))
        for key, inner in value.items():
            found += _text_objects(inner, f"{where}/{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _text_objects(inner, f"{where}/{i}")
    return found


def option_errors(options: Any) -> list[str]:
    """BK: an external select's answer holds at most 100 options, each within the option limits."""
    if not isinstance(options, list):
        return []
    errors = ["[ERROR] no more than 100 items allowed [json-pointer:/options]"] if len(options) > 100 else []
    for j, option in enumerate(options):
        if len(str((option.get("text") or {}).get("text", ""))) > MAX_OPTION_TEXT:
            errors.append(f"[ERROR] option text too long [json-pointer:/options/{j}/text]")
    return errors
