"""The shape of what Slack posts to ``POST /slack/events``, checked before Bolt sees it.

Bolt and the listeners index what they read (``body["user"]["id"]``, ``event.get(...)``,
``view["state"]["values"]``) and answer anything else with a 500. :func:`problem` names the first
thing a payload lacks, or None for one Bolt may handle: the body is parsed exactly as Bolt parses it
(:func:`slack_bolt.request.internals.parse_body`), so what passes here is what Bolt gets.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from slack_bolt.request.internals import parse_body

# payloads a person triggers: each names who (``user.id``)
INTERACTIVE = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
    }
)
VIEWS = frozenset({"view_submission", "view_closed"})
# an id, or an object with one (``user``, ``team``, …: Slack sends either, Bolt reads both)
ID_OR_OBJECT = ("enterprise", "team", "user", "channel")
NESTED = ("message", "previous_message", "item", "assistant_thread", "function_data", "container")
TEXTS = ("trigger_id", "response_url", "api_app_id", "team_id", "user_id", "channel_id", "event_id")


def problem(raw: bytes, content_type: str | None) -> str | None:
    """What is wrong with a (signed) body, in a few words without its content; None when nothing."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    try:
        body: Any = parse_body(text, content_type.split(";")[0] if content_type else None)
    except (ValueError, RecursionError):
        return "payload is not JSON"
    if not isinstance(body, dict):
        return "payload is not a JSON object"
    return shape_problem(body)


def shape_problem(body: dict[str, Any]) -> str | None:
    kind = body.get("type")
    if kind is not None and not isinstance(kind, str):
        return "type is not a string"
    found = _common(body, "payload")
    if found:
        return found
    if "event" in body:
        found = _event(body["event"])
    if not found and "command" in body:
        found = _slash(body)
    if not found and kind in INTERACTIVE:
        found = _interactive(body, kind)
    return found


def _common(value: dict[str, Any], where: str) -> str | None:
    """What Bolt's id extraction and middleware read of any object that may carry ids."""
    for key in ID_OR_OBJECT:
        item = value.get(key)
        if item is not None and not isinstance(item, str | dict):
            return f"{where}.{key} is neither an id nor an object"
        if isinstance(item, dict) and not _optional_text(item.get("id")):
            return f"{where}.{key}.id is not a string"
    for key in (*NESTED, "view"):
        if value.get(key) is not None and not isinstance(value[key], dict):
            return f"{where}.{key} is not an object"
    for key in TEXTS:
        if not _optional_text(value.get(key)):
            return f"{where}.{key} is not a string"
    for key in ("authorizations", "response_urls", "actions"):
        items = value.get(key)
        if items is not None and not (isinstance(items, list) and all(isinstance(i, dict) for i in items)):
            return f"{where}.{key} is not a list of objects"
    view = value.get("view")
    if isinstance(view, dict):
        for key in ("type", "callback_id", "id", "private_metadata"):
            if not _optional_text(view.get(key)):
                return f"{where}.view.{key} is not a string"
    return None


def _event(event: Any) -> str | None:
    if not isinstance(event, dict):
        return "event is not an object"
    if not isinstance(event.get("type"), str):
        return "event.type is missing"
    found = _common(event, "event")
    for key in ("message", "previous_message"):
        if not found and isinstance(event.get(key), dict):
            found = _common(event[key], f"event.{key}")
    for key in ("subtype", "bot_id", "channel_type", "text", "tab", "thread_ts", "user_team"):
        if not found and not _optional_text(event.get(key)):
            found = f"event.{key} is not a string"
    if found:
        return found
    # the events the app listens to name the person (a person's message has no subtype, no bot id)
    person = event["type"] == "app_home_opened" or (
        event["type"] == "message" and not event.get("subtype") and not event.get("bot_id")
    )
    if person and not (isinstance(event.get("user"), str) and event["user"]):
        return "event.user is missing"
    return None


def _slash(body: dict[str, Any]) -> str | None:
    if not (isinstance(body.get("command"), str) and body["command"].startswith("/")):
        return "command is not a slash command"
    if not (isinstance(body.get("user_id"), str) and body["user_id"]):
        return "user_id is missing"
    return None if _optional_text(body.get("text")) else "text is not a string"


def _interactive(body: dict[str, Any], kind: str) -> str | None:
    user = body.get("user")
    if not (isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]):
        return "user is missing"
    if kind == "block_actions":
        actions = body.get("actions")
        if not actions:
            return "actions are missing"
        for action in actions:
            for key in ("action_id", "block_id", "value", "type", "action_ts"):
                if not _optional_text(action.get(key)):
                    return f"actions.{key} is not a string"
            if not isinstance(action.get("action_id"), str):
                return "actions.action_id is missing"
    if kind == "block_suggestion":
        for key in ("action_id", "block_id", "value"):
            if not _optional_text(body.get(key)):
                return f"{key} is not a string"
        if not isinstance(body.get("action_id"), str):
            return "action_id is missing"
    if kind in VIEWS:
        view = body.get("view")
        if not (isinstance(view, dict) and isinstance(view.get("callback_id"), str)):
            return "view.callback_id is missing"
        if not isinstance(view.get("type"), str):
            return "view.type is missing"
        return _state(view.get("state"))
    return None


def _state(state: Any) -> str | None:
    """A view's ``state.values``: ``{block: {action: element}}``, each element as its type has it."""
    if state is None:
        return None
    if not isinstance(state, dict):
        return "view.state is not an object"
    values = state.get("values", {})
    if not isinstance(values, dict):
        return "view.state.values is not an object"
    for block in values.values():
        if not isinstance(block, dict):
            return "view.state.values holds a block that is not an object"
        for element in block.values():
            found = _element(element)
            if found:
                return found
    return None


def _element(element: Any) -> str | None:
    if not isinstance(element, dict):
        return "a form value is not an object"
    for key in ("type", "value", "selected_date", "selected_time", "selected_user", "selected_channel"):
        if not _optional_text(element.get(key)):
            return f"a form's {key} is not a string"
    option = element.get("selected_option")
    if option is not None and not _is_option(option):
        return "a form's selected_option is not an option"
    options = element.get("selected_options")
    if options is not None and not (isinstance(options, list) and all(map(_is_option, options))):
        return "a form's selected_options are not options"
    if element.get("selected_date") and not _is_date(element["selected_date"]):
        return "a form's selected_date is not a date"
    if element.get("selected_time") and not _is_time(element["selected_time"]):
        return "a form's selected_time is not a time"
    return None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10  # YYYY-MM-DD, as the date picker sends it


def _is_time(text: str) -> bool:
    try:
        datetime.strptime(text, "%H:%M")
    except ValueError:
        return False
    return True


def _is_option(option: Any) -> bool:
    return isinstance(option, dict) and _optional_text(option.get("value"))


def _optional_text(value: Any) -> bool:
    return value is None or isinstance(value, str)
