"""Every Slack listener: slash commands, button presses, modal submissions, the follow-up form's
customer search, App Home and direct messages. Each acknowledges first (Slack allows 3 seconds),
then works; answers go to the person who acted. Modal submissions are the exception: they run
before acknowledging, so a refusal can be shown on the form itself (one short transaction).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import lookup
from bot.handlers.slack import forms
from bot.handlers.slack.blocks import base_action_id, to_block_kit
from bot.handlers.slack.home import home_view
from bot.handlers.slack.surface import SlackSurface, responder
from bot.i18n import t
from bot.messages import Button, Reply
from bot.names import as_id

# the slash commands of config/slack-manifest.yml (PRODUCT.md's commands)
SLASH_COMMANDS = (
    "pool",
    "claim",
    "mine",
    "followup",
    "release",
    "customer",
    "approve",
    "reject",
    "assign",
    "transfer",
    "lock",
    "won",
    "report",
    "help",
)
SLASH = re.compile(rf"^/({'|'.join(SLASH_COMMANDS)})$")
# buttons that run their typed twin (claim.reject and customer.followup open a form instead)
TWIN_ACTIONS = re.compile(
    r"^(claim\.claim|claim\.approve|customer\.show|customer\.release|pool\.page|cmd\.[a-z]+)(:\d+)?$"
)
REJECT_ACTION = re.compile(r"^claim\.reject(:\d+)?$")
FOLLOWUP_ACTION = re.compile(r"^customer\.followup(:\d+)?$")


def register(app: App, surface: SlackSurface) -> None:
    _commands(app, surface)
    _buttons(app, surface)
    _forms(app, surface)
    _home_and_messages(app, surface)


def _commands(app: App, surface: SlackSurface) -> None:
    @app.command(SLASH)
    def slash(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        trigger, user = str(body.get("trigger_id", "")), str(body["user_id"])
        if not surface.first_time(trigger):
            return
        name, text = str(body["command"]).lstrip("/"), str(body.get("text") or "").strip()
        if name == "followup" and not text and surface.member(user) is not None:
            client.views_open(trigger_id=trigger, view=forms.followup_modal(surface.locale(user)))
            return
        reply = surface.run(user, f"/{name} {text}".strip(), request_id=trigger)
        surface.answer(client, user, reply, responder(body, respond))


def _buttons(app: App, surface: SlackSurface) -> None:
    @app.action(TWIN_ACTIONS)
    def press(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        trigger, user = _trigger_and_user(body)
        if not surface.first_time(trigger):
            return
        twin = Button("", base_action_id(str(action["action_id"])), str(action.get("value", ""))).twin
        reply = surface.run(user, twin, request_id=trigger)
        surface.answer(client, user, reply, responder(body, respond))
        _refresh_home(surface, client, body, user)

    @app.action(REJECT_ACTION)
    def reject(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        trigger, user = _trigger_and_user(body)
        request_id = as_id(str(action.get("value", "")))
        if request_id is not None and surface.member(user) is not None:
            client.views_open(trigger_id=trigger, view=forms.reject_modal(surface.locale(user), request_id))

    @app.action(FOLLOWUP_ACTION)
    def followup(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        trigger, user = _trigger_and_user(body)
        if surface.member(user) is None:
            return
        customer_id = as_id(str(action.get("value", "")).removeprefix("#"))
        name = lookup.customer_name(surface.services, customer_id=customer_id) if customer_id else None
        preset = (customer_id, name) if customer_id and name else None
        client.views_open(trigger_id=trigger, view=forms.followup_modal(surface.locale(user), preset=preset))


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
            ack(
                response_action="errors",
                errors={forms.CUSTOMER_FIELD: t(surface.locale(user), "slack.pick_customer")},
            )
            return
        _submit(
            surface, ack, client, user, surface.run_parsed(user, parsed, request_id=_view_key(body)), "note"
        )

    @app.view(forms.REJECT_FORM)
    def reject_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = str(body["user"]["id"])
        reply = surface.run_parsed(user, forms.read_reject(view), request_id=_view_key(body))
        _submit(surface, ack, client, user, reply, "reason")


def _submit(surface: SlackSurface, ack: Ack, client: WebClient, user: str, reply: Reply, field: str) -> None:
    """A refusal stays on the form, next to ``field``; a success closes it and is confirmed in the DM."""
    if reply.refused:
        ack(response_action="errors", errors={field: reply.message.summary[:150]})
        return
    ack()
    surface.answer(client, user, reply)


def _home_and_messages(app: App, surface: SlackSurface) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            user = str(event["user"])
            client.views_publish(user_id=user, view=home_view(surface.services, surface.member(user), user))

    @app.event("message")
    def direct_message(body: dict[str, Any], event: dict[str, Any], say: Any) -> None:
        """Typing to the app in its Messages tab works like the console: commands, or a number that
        answers "which one?"."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not surface.first_time(str(body.get("event_id") or "")):
            return
        user = str(event["user"])
        reply = surface.run(user, str(event.get("text") or ""), request_id=str(body.get("event_id") or ""))
        text, blocks = _rendered(surface, user, reply)
        say(text=text, blocks=blocks)


def _rendered(surface: SlackSurface, user: str, reply: Reply) -> tuple[str, list[dict[str, Any]]]:
    return to_block_kit(reply.message, locale=surface.locale(user))


def _trigger_and_user(body: dict[str, Any]) -> tuple[str, str]:
    return str(body.get("trigger_id", "")), str(body["user"]["id"])


def _view_key(body: dict[str, Any]) -> str:
    view = body.get("view") or {}
    return str(body.get("trigger_id") or view.get("id") or "")


def _refresh_home(surface: SlackSurface, client: WebClient, body: dict[str, Any], user: str) -> None:
    """An action taken on App Home shows its result there at once."""
    if (body.get("view") or {}).get("type") == "home":
        client.views_publish(user_id=user, view=home_view(surface.services, surface.member(user), user))
