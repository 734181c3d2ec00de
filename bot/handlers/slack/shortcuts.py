"""The message shortcut "Log as follow-up" (config/slack-manifest.yml, callback id
:data:`LOG_FOLLOWUP`): on any message a rep can see, it opens the follow-up form with the
message's text as the note (Slack's markup decoded: mentions, channels, links, entities) and the
message's permalink kept with the follow-up. The customer field searches the rep's own book, as
the form always does.

The payload (``type: message_action``: bolt-js ``MessageShortcut``, docs.slack.dev "Message
shortcuts") carries ``channel.id``, ``message_ts`` and ``message.text``; the permalink comes from
``chat.getPermalink`` (no scope needed). The form opens even when Slack gives no permalink: the
note is the point, the link a bonus.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.handlers.slack import forms
from bot.handlers.slack.surface import SlackSurface, responder
from bot.i18n import t

LOG_FOLLOWUP = "followup.from_message"


def register(app: App, surface: SlackSurface) -> None:
    @app.message_shortcut(LOG_FOLLOWUP)
    def log_followup(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        user, trigger = str(body["user"]["id"]), str(body.get("trigger_id", ""))
        member = surface.member(user)
        if member is None:  # told to ask an admin, as for any command
            reply = surface.run(user, "/help", request_id=trigger)
            surface.answer(client, user, reply, responder(body, respond), request_id=trigger)
            return
        locale = member.team.locale
        text = surface.decode(str((body.get("message") or {}).get("text") or "")).strip()
        view = forms.followup_modal(
            locale,
            note=text or t(locale, "slack.from_message_no_text"),
            permalink=_permalink(surface, client, body, trigger),
        )
        surface.open_view(client, user, trigger, view)


def _permalink(surface: SlackSurface, client: WebClient, body: dict[str, Any], trigger: str) -> str:
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str(body.get("message_ts") or (body.get("message") or {}).get("ts") or "")
    if not channel or not ts:
        return ""
    found = surface.call(
        "chat.getPermalink",
        lambda: client.chat_getPermalink(channel=channel, message_ts=ts),
        request_id=trigger,
    )
    link = str((found or {}).get("permalink") or "")
    return link if link.startswith("https://") else ""
