"""Every Slack listener: slash commands, button presses, modal submissions, the follow-up form's
customer search, App Home and direct messages. Each acknowledges first (Slack allows 3 seconds),
then works; answers go to the person who acted. Modal submissions are the exception: they run
before acknowledging, so a refusal can be shown on the form itself (one short transaction).

A request Slack sends again (a retry, a replayed request, a form submitted twice with the same
values) is recognised by its trigger id, event id or view and values, and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import lookup, releases
from bot.domain.errors import DomainError
from bot.handlers.registry import CHOICE_ACTION, Registry
from bot.handlers.slack import forms, home, shortcuts
from bot.handlers.slack.blocks import RELEASE_BUTTON, base_action_id
from bot.handlers.slack.surface import SlackSurface, responder
from bot.i18n import t
from bot.messages import Reply
from bot.names import as_id

# buttons with a listener of their own: they open a form instead of running their typed twin
REJECT_ACTION = re.compile(r"^claim\.reject(:\d+)?$")
FOLLOWUP_ACTION = re.compile(r"^customer\.followup(:\d+)?$")
RELEASE_ACTION = re.compile(r"^customer\.release(:\d+)?$")
FORM_BUTTONS = ("claim.reject", "customer.followup", RELEASE_BUTTON)


# the namespaced slash command: ``/poolbot claim 云帆`` is ``/claim 云帆`` and bare ``/poolbot`` is help,
# for a workspace where another app took a short name (README, Slack: "Command names")
NAMESPACE = "poolbot"


def slash_pattern(commands: Registry) -> re.Pattern[str]:
    """The slash commands the registry declares, and :data:`NAMESPACE` (config/slack-manifest.yml
    lists the same)."""
    return re.compile(rf"^/({'|'.join(map(re.escape, [*commands.slash_names(), NAMESPACE]))})$")


def twin_pattern(commands: Registry) -> re.Pattern[str]:
    """Buttons that run their typed twin: every declared button but the form ones, and choices.
    Block Kit may suffix an action id with ``:<index>`` (see :mod:`bot.handlers.slack.blocks`)."""
    declared = [re.escape(a) for a in commands.button_actions() if a not in FORM_BUTTONS]
    return re.compile(rf"^({'|'.join([*declared, re.escape(CHOICE_ACTION)])})(:\d+)?$")


def register(app: App, surface: SlackSurface) -> None:
    _commands(app, surface)
    _buttons(app, surface)
    _release_button(app, surface)
    _forms(app, surface)
    _release_form(app, surface)
    _home_and_messages(app, surface)
    shortcuts.register(app, surface)


def _commands(app: App, surface: SlackSurface) -> None:
    @app.command(slash_pattern(surface.bot.commands))
    def slash(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        trigger, user = str(body.get("trigger_id", "")), str(body["user_id"])
        name, text = str(body["command"]).lstrip("/"), surface.decode(str(body.get("text") or "")).strip()
        if name == NAMESPACE:
            word, _, text = (text or "help").partition(" ")
            name, text = word.lstrip("/／"), text.strip()
        member = surface.member(user)
        if name == "followup" and not text and member is not None:
            # opening a form changes nothing: open it before any write, while the trigger is fresh
            surface.open_view(client, user, trigger, forms.followup_modal(member.team.locale))
            return
        if not surface.first_time(trigger):
            return
        reply = surface.run(user, f"/{name} {text}".strip(), request_id=trigger)
        surface.answer(client, user, reply, responder(body, respond), request_id=trigger)


def _buttons(app: App, surface: SlackSurface) -> None:
    @app.action(twin_pattern(surface.bot.commands))
    def press(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        trigger, user = _trigger_and_user(body)
        if not surface.first_time(trigger):
            return
        action_id, value = base_action_id(str(action["action_id"])), str(action.get("value", ""))
        if _from_home(body) and action_id == home.PAGE_ACTION:  # a page of the book, shown in Home
            _publish_home(surface, client, user, page=home.page_of(value), request_id=trigger)
            return
        reply = surface.run(user, surface.bot.commands.twin(action_id, value), request_id=trigger)
        surface.answer(client, user, reply, responder(body, respond), request_id=trigger)
        if _from_home(body):
            _publish_home(surface, client, user, request_id=trigger)

    @app.action(REJECT_ACTION)
    def reject(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        trigger, user = _trigger_and_user(body)
        request_id = as_id(str(action.get("value", "")))
        member = surface.member(user)
        if member is None:  # told to ask an admin, like any command
            _tell_stranger(surface, client, body, respond, user, trigger)
        elif not member.is_manager:  # the form is for managers: the refusal changes nothing
            surface.answer(
                client,
                user,
                surface.run(user, f"/reject {request_id}", request_id=trigger),
                responder(body, respond),
            )
        elif request_id is not None:
            view = forms.reject_modal(member.team.locale, request_id, from_home=_from_home(body))
            surface.open_view(client, user, trigger, view)

    @app.action(FOLLOWUP_ACTION)
    def followup(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        trigger, user = _trigger_and_user(body)
        member = surface.member(user)
        if member is None:
            _tell_stranger(surface, client, body, respond, user, trigger)
            return
        customer_id = as_id(str(action.get("value", "")).removeprefix("#"))
        name = lookup.customer_name(surface.services, customer_id=customer_id) if customer_id else None
        preset = (customer_id, name) if customer_id and name else None
        surface.open_view(client, user, trigger, forms.followup_modal(member.team.locale, preset=preset))


def _release_button(app: App, surface: SlackSurface) -> None:
    @app.action(RELEASE_ACTION)
    def release(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """The form asks (it is the confirmation) the pool's reason and where it goes; one who may
        not release it gets the refusal the typed twin gives."""
        ack()
        trigger, user = _trigger_and_user(body)
        member = surface.member(user)
        if member is None:
            _tell_stranger(surface, client, body, respond, user, trigger)
            return
        value = str(action.get("value", ""))
        customer_id = as_id(value.removeprefix("#"))
        try:
            if customer_id is None:
                raise DomainError("error.customer_unknown", query=value)
            form = releases.release_form(surface.services, member=member, customer_id=customer_id)
        except DomainError:
            reply = surface.run(user, f"/release {value}", request_id=trigger)
            surface.answer(client, user, reply, responder(body, respond), request_id=trigger)
            return
        view = forms.release_modal(member.team.locale, form, from_home=_from_home(body))
        surface.open_view(client, user, trigger, view)


def _tell_stranger(
    surface: SlackSurface, client: WebClient, body: dict[str, Any], respond: Respond, user: str, trigger: str
) -> None:
    """Someone the config does not know pressed a button: the bot's answer tells them to ask an admin."""
    reply = surface.run(user, "/help", request_id=trigger)
    surface.answer(client, user, reply, responder(body, respond), request_id=trigger)


def _forms(app: App, surface: SlackSurface) -> None:
    @app.options(forms.CUSTOMER_FIELD)
    def customers(ack: Ack, body: dict[str, Any]) -> None:
        member = surface.member(str(body["user"]["id"]))
        owned = lookup.mine(surface.services, member=member) if member else ()
        ack(options=forms.matching_options(owned, str(body.get("value") or "")))

    @app.view(forms.FOLLOWUP_FORM)
    def followup_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = str(body["user"]["id"])
        parsed = forms.read_followup(view)
        if parsed is None:
            error = t(surface.locale(user), "slack.pick_customer")
            ack(response_action="errors", errors={forms.CUSTOMER_FIELD: error})
            return
        key = _submission_key(view)
        if not surface.first_time(key):
            ack()
            return
        reply = surface.run_parsed(user, parsed, request_id=_view_key(body))
        _submit(surface, ack, client, user, reply, "note", key=key, request_id=_view_key(body))

    @app.view(forms.REJECT_FORM)
    def reject_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = str(body["user"]["id"])
        key = _submission_key(view)
        if not surface.first_time(key):
            ack()
            return
        reply = surface.run_parsed(user, forms.read_reject(view), request_id=_view_key(body))
        _submit(surface, ack, client, user, reply, "reason", key=key, request_id=_view_key(body))
        if forms.from_home(view):
            _publish_home(surface, client, user, request_id=_view_key(body))


def _release_form(app: App, surface: SlackSurface) -> None:
    @app.view(forms.RELEASE_FORM)
    def release_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = str(body["user"]["id"])
        key = _submission_key(view)
        if not surface.first_time(key):
            ack()
            return
        reply = surface.run_parsed(user, forms.read_release(view), request_id=_view_key(body))
        inputs = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
        if inputs:
            _submit(surface, ack, client, user, reply, str(inputs[0]), key=key, request_id=_view_key(body))
        else:  # a form that only asked: no field to show a refusal on, so the DM says it
            ack()
            if reply.refused:
                surface.not_acted(key)
            surface.answer(client, user, reply, request_id=_view_key(body))
        if forms.from_home(view):
            _publish_home(surface, client, user, request_id=_view_key(body))


def _submit(
    surface: SlackSurface,
    ack: Ack,
    client: WebClient,
    user: str,
    reply: Reply,
    field: str,
    *,
    key: str,
    request_id: str,
) -> None:
    """A refusal stays on the form, next to ``field``; a success closes it and is confirmed in the DM.

    Only a command that acted uses up the form's submission key: after a refusal or an internal
    error (both change nothing) the same Save, with the same values, is tried again."""
    if reply.refused:
        surface.not_acted(key)
        summary = surface.for_slack(reply.message, surface.locale(user)).summary
        ack(response_action="errors", errors={field: summary[:150]})
        return
    ack()
    surface.answer(client, user, reply, request_id=request_id)


def _home_and_messages(app: App, surface: SlackSurface) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            _publish_home(surface, client, str(event["user"]))

    @app.event("message")
    def direct_message(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        """Typing to the app in its Messages tab works like the console: commands, or a number that
        answers "which one?"."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not surface.first_time(str(body.get("event_id") or "")):
            return
        user, event_id = str(event["user"]), str(body.get("event_id") or "")
        text = surface.decode(str(event.get("text") or ""))
        surface.answer(client, user, surface.run(user, text, request_id=event_id), request_id=event_id)


def _trigger_and_user(body: dict[str, Any]) -> tuple[str, str]:
    return str(body.get("trigger_id", "")), str(body["user"]["id"])


def _view_key(body: dict[str, Any]) -> str:
    view = body.get("view") or {}
    return str(body.get("trigger_id") or view.get("id") or "")


def _submission_key(view: dict[str, Any]) -> str:
    """A form submitted twice with the same values (a retry, a second press after a slow answer)
    acts once; a corrected resubmission after a refusal has other values and goes through."""
    state = json.dumps(view.get("state", {}), sort_keys=True, ensure_ascii=False)
    return f"view:{view.get('id', '')}:{hashlib.sha256(state.encode()).hexdigest()[:32]}"


def _from_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def _publish_home(
    surface: SlackSurface, client: WebClient, user: str, *, page: int = 1, request_id: str = ""
) -> None:
    """App Home, built fresh: on open, and after an action taken from it (``page`` of the book)."""
    view = home.home_view(surface.services, surface.member(user), user, page=page)
    published = surface.call(
        "views.publish", lambda: client.views_publish(user_id=user, view=view), request_id=request_id
    )
    if published is None:
        surface.tell_not_shown(client, user, request_id)
