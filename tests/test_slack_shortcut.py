"""The message shortcut "Log as follow-up", end to end against the fake Slack: declared in the
manifest, Slack's message_action payload, the form with the decoded message as the note and the
rep's own customers to pick from, and the message's permalink kept with the follow-up and shown
in the timeline."""

from __future__ import annotations

from pathlib import Path

import yaml
from helpers import add, member
from slack_app import SlackHarness
from slack_fake import FakeSlack
from sqlmodel import select

from bot.domain.claims import claim
from bot.domain.context import Services
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.slack.shortcuts import LOG_FOLLOWUP
from bot.storage.models import FollowUp

MANIFEST = Path(__file__).parent.parent / "config" / "slack-manifest.yml"
MESSAGE = (
    "<@UALICE> can you call them back? see <#C0SALES|sales> and "
    "<https://acme.example/quote?id=7&amp;v=2|the quote> &lt;urgent&gt; &amp; soon"
)


def test_the_manifest_declares_the_message_shortcut() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut == {
        "name": "Log as follow-up",
        "type": "message",
        "callback_id": LOG_FOLLOWUP,
        "description": "Record this message as a follow-up on one of your customers",
    }
    assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 80


def test_log_as_follow_up_opens_the_form_and_keeps_the_permalink(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    mine, other = add(services, "杭州云帆科技", "Acme Corp")
    claim(services, member=member(services, "alice"), customer_id=mine)
    answer = slack.shortcut(LOG_FOLLOWUP, MESSAGE, as_="UALICE")
    assert answer.status_code == 200
    (link_call,) = fake.of("chat.getPermalink")
    ts = link_call["args"]["message_ts"]
    assert link_call["args"]["channel"] == "C0SALES"
    (opened,) = fake.of("views.open")
    view = opened["args"]["view"]
    assert view["callback_id"] == "followup.form"
    (note,) = [b for b in view["blocks"] if b["block_id"] == "note"]
    assert note["element"]["initial_value"] == (
        "@alice can you call them back? see #sales and https://acme.example/quote?id=7&v=2 <urgent> & soon"
    )
    # the customer field searches only Alice's own book
    options = slack.suggest("", as_="UALICE").json()["options"]
    assert [o["value"] for o in options] == [f"#{mine}"]

    values = {
        "customer": {"customer": {"selected_option": {"value": f"#{mine}"}}},
        "kind": {"kind": {"selected_option": {"value": "message"}}},
        "note": {"note": {"value": note["element"]["initial_value"]}},
    }
    assert slack.submit("followup.form", values, as_="UALICE").content in (b"", b"{}")
    permalink = f"https://example.slack.com/archives/C0SALES/p{ts.replace('.', '')}"
    with services.db.read() as session:
        (row,) = session.exec(select(FollowUp)).all()
    assert (row.customer_id, row.kind, row.permalink) == (mine, "message", permalink)
    assert row.note.startswith("@alice can you call them back?")
    card = ConsoleChat(services, handle="alice").say(f"/customer #{mine}")
    assert f"from the message {permalink}" in card
    assert other != mine


def test_a_stranger_is_told_to_ask_an_admin_and_no_form_opens(slack: SlackHarness, fake: FakeSlack) -> None:
    slack.shortcut(LOG_FOLLOWUP, "hello", as_="USTRANGER")
    assert fake.of("views.open") == []
    assert any("admin" in text for text in slack.responses())


def test_a_typed_link_must_be_one_https_address(services: Services) -> None:
    (mine,) = add(services, "Acme Corp")
    claim(services, member=member(services, "alice"), customer_id=mine)
    chat = ConsoleChat(services, handle="alice")
    refused = chat.say(f"/followup #{mine} called link:javascript:alert(1)")
    assert refused.startswith("A follow-up's link is one https:// address")
    done = chat.say(f"/followup #{mine} called link:https://example.slack.com/archives/C1/p1")
    assert "Acme Corp" in done
    assert "from the message https://example.slack.com/archives/C1/p1" in chat.say(f"/customer #{mine}")
