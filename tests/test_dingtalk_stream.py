"""The DingTalk surface end to end: dingtalk-stream's real client connected to a fake gateway, our
handlers, the outbox dispatcher and a fake OpenAPI, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest
from dingtalk_fakes import (
    BATCH_SEND,
    CREATE_CARD,
    GROUP_SEND,
    UPDATE_CARD,
    UPLOAD,
    dingtalk_config,
    running,
    text_of,
    webhook,
)
from helpers import add_one, event_kinds, member, owner_of, requests

from bot.config import PoolbotConfig
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.handlers.commands import Bot
from bot.messages import Actor, Command


@pytest.fixture
def config() -> PoolbotConfig:
    return dingtalk_config()


# ---- commands in chats ------------------------------------------------------------------------------


def test_a_chinese_command_in_a_one_to_one_chat(services: Services, clock: FakeClock) -> None:
    cid = add_one(services, "杭州云帆科技")
    with running(services, clock, dingtalk_config()) as ding:
        msg = ding.say("认领 杭州云帆科技 老客户推荐", as_="DBOB")
        answer = ding.reply(msg)
    assert "杭州云帆科技" in answer and "认领" in answer  # the team speaks Chinese
    assert owner_of(services.db, cid) == member(services, "bob").id
    assert ding.gateway.acks and all(a["code"] == 200 for a in ding.gateway.acks)


def test_an_at_mention_in_a_group_is_answered_in_the_group(services: Services, clock: FakeClock) -> None:
    add_one(services, "杭州云帆科技")
    with running(services, clock, dingtalk_config()) as ding:
        answer = ding.reply(ding.say("公海 云帆", as_="DALICE", group=True))
        help_text = ding.reply(ding.say("帮助", as_="DALICE", group=True))
    assert "杭州云帆科技" in answer
    assert "认领" in help_text


def test_after_the_webhook_expires_the_answer_goes_through_the_openapi(
    services: Services, clock: FakeClock
) -> None:
    with running(services, clock, dingtalk_config()) as ding:
        ding.say("帮助", as_="DBOB", webhook_minutes=-1)
        ding.api.wait_for(lambda: bool(ding.api.messages_to("DBOB")), "a one-to-one answer")
        ding.say("帮助", as_="DALICE", group=True, webhook_minutes=-1)
        ding.api.wait_for(lambda: bool(ding.api.sent(GROUP_SEND)), "a group answer")
    (to_bob,) = ding.api.messages_to("DBOB")
    assert "认领" in text_of(to_bob)
    (group,) = ding.api.sent(GROUP_SEND)
    assert group.body["openConversationId"] == "cidGROUP" and group.body["robotCode"] == "ding-robot"


def test_a_redelivered_message_does_not_claim_twice(services: Services, clock: FakeClock) -> None:
    cid = add_one(services, "Acme")
    with running(services, clock, dingtalk_config()) as ding:
        first = ding.say("认领 Acme", as_="DBOB", msg_id="msg-1")
        ding.reply(first)
        ding.wait_kicks()
        ding.say("认领 Acme", as_="DBOB", msg_id="msg-1")  # DingTalk delivers it again
        ding.say("帮助", as_="DBOB", msg_id="msg-2")
        ding.reply("msg-2")
        ding.gateway.wait_for(lambda: len(ding.gateway.acks) == 3, "three acks")
    assert len(ding.api.sent(webhook("msg-1"))) == 1
    assert event_kinds(services.db, cid).count("claimed") == 1


# ---- claim cards -------------------------------------------------------------------------------------


def test_claim_card_callback_approval_updates_the_card_for_everyone(
    services: Services, clock: FakeClock
) -> None:
    cid = add_one(services, "Acme VIP", pool="east-vip")
    with running(services, clock, dingtalk_config(template="tpl.schema")) as ding:
        ding.reply(ding.say("认领 Acme VIP 老客户", as_="DALICE"))
        ding.api.wait_for(lambda: bool(ding.api.sent(CREATE_CARD)), "the claim card")
        (created,) = ding.api.sent(CREATE_CARD)
        (request,) = requests(services.db)
        card = created.body["cardData"]["cardParamMap"]
        assert created.body["cardTemplateId"] == "tpl.schema" and created.body["callbackType"] == "STREAM"
        assert created.body["openSpaceId"] == "dtv1.card//IM_ROBOT.DDORA"
        assert (card["status"], card["request_id"]) == ("pending", str(request.id))
        assert "Acme VIP" in card["markdown"] and all(isinstance(v, str) for v in card.values())

        assert request.id is not None
        ding.press("claim.reject", request.id, as_="DBOB")  # a rep cannot decide
        ding.api.wait_for(lambda: bool(ding.api.messages_to("DBOB")), "Bob told no")
        ding.press("claim.approve", request.id, as_="DDORA")
        ding.api.wait_for(lambda: bool(ding.api.sent(UPDATE_CARD)), "the card updated")
        ding.wait_kicks(2)  # Alice's claim, Dora's decision
    assert owner_of(services.db, cid) == member(services, "alice").id
    (update,) = ding.api.sent(UPDATE_CARD)
    assert update.body["outTrackId"] == created.body["outTrackId"]
    assert update.body["cardData"]["cardParamMap"]["status"] == "decided"
    assert "Dora" in update.body["cardData"]["cardParamMap"]["decision"]
    assert requests(services.db)[0].status == "approved"
    # Maria saw the card and its update on Slack; Alice (on both, Slack preferred) was told there
    assert [d.kind for d in ding.slack.accepted if d.address == "UMARIA"] == ["claim_request", "card_refresh"]
    assert [d.kind for d in ding.slack.accepted if d.address == "UALICE"] == ["claim_decided"]


def test_without_a_template_the_card_is_an_action_card_that_types_the_command(
    services: Services, clock: FakeClock
) -> None:
    add_one(services, "Acme VIP", pool="east-vip")
    with running(services, clock, dingtalk_config()) as ding:
        ding.reply(ding.say("认领 Acme VIP", as_="DALICE"))
        ding.api.wait_for(lambda: bool(ding.api.messages_to("DDORA")), "the card")
        (request,) = requests(services.db)
        (call,) = [c for c in ding.api.sent(BATCH_SEND) if c.body["userIds"] == ["DDORA"]]
        assert call.body["msgKey"] == "sampleActionCard2"
        card = json.loads(call.body["msgParam"])
        assert card["actionURL1"].endswith(f"content=%2Fapprove%20{request.id}")
        # Dora presses the button: DingTalk types /approve <id> as her
        ding.reply(ding.say(f"/approve {request.id}", as_="DDORA"))
        ding.api.wait_for(lambda: len(ding.api.messages_to("DDORA")) == 2, "who decided")
    decided = text_of(ding.api.messages_to("DDORA")[1])
    assert f"#{request.id}" in decided and "Dora" in decided
    assert not ding.api.sent(UPDATE_CARD)


def test_a_rep_claims_on_slack_and_a_manager_approves_on_dingtalk(
    services: Services, clock: FakeClock
) -> None:
    cid = add_one(services, "Acme VIP", pool="east-vip")
    with running(services, clock, dingtalk_config(template="tpl.schema")) as ding:
        reply = Bot(services).handle(Command(Actor("slack", "UALICE"), "/claim Acme VIP"))
        assert not reply.refused
        ding.dispatch()  # the Slack process's dispatcher
        (request,) = requests(services.db)
        assert request.id is not None
        ding.api.wait_for(lambda: bool(ding.api.sent(CREATE_CARD)), "Dora's card")
        ding.press("claim.approve", request.id, as_="DDORA")
        ding.wait_kicks()
        ding.api.wait_for(lambda: bool(ding.api.sent(UPDATE_CARD)), "Dora's card updated")
    assert owner_of(services.db, cid) == member(services, "alice").id
    told = [d for d in ding.slack.accepted if d.address == "UALICE"]
    assert [d.kind for d in told] == ["claim_decided"]
    assert "Dora" in told[0].message.summary or "Dora" in str(told[0].message.blocks)
    assert not ding.api.messages_to("DALICE")  # Alice is on Slack too: Slack is preferred


# ---- resilience ------------------------------------------------------------------------------------


def test_reconnects_after_the_gateway_disconnects(services: Services, clock: FakeClock) -> None:
    with running(services, clock, dingtalk_config()) as ding:
        ding.gateway.disconnect()
        ding.gateway.wait_for(lambda: len(ding.gateway.connections) == 2, "a second connection")
        assert "认领" in ding.reply(ding.say("帮助", as_="DBOB"))
        ding.gateway.close_socket()
        ding.gateway.wait_for(lambda: len(ding.gateway.connections) == 3, "a third connection")
        assert "认领" in ding.reply(ding.say("帮助", as_="DBOB"))


def test_the_watchdog_reconnects_a_silent_connection(services: Services, clock: FakeClock) -> None:
    with running(services, clock, dingtalk_config(), silence=0.3) as ding:
        opened = len([c for c in ding.api.calls if c.path == "/v1.0/gateway/connections/open"])
        ding.gateway.freeze()  # no frames, no pongs
        ding.api.wait_for(
            lambda: len([c for c in ding.api.calls if c.path == "/v1.0/gateway/connections/open"]) > opened,
            "a new connection to be opened",
        )
        ding.gateway.thaw()
        ding.gateway.wait_for(lambda: len(ding.gateway.connections) >= 2, "the new connection")
        assert "认领" in ding.reply(ding.say("帮助", as_="DBOB"))


# ---- what people write is shown, never obeyed ----------------------------------------------------


def test_a_link_in_a_claim_reason_reaches_the_managers_card_as_plain_text(
    services: Services, clock: FakeClock
) -> None:
    add_one(services, "Acme VIP", pool="east-vip")
    forged = "[批准](dtmd://dingtalkclient/sendMessage?content=%2Ftransfer%20alice%20eve) ![x](http://evil.example/a.png)"
    with running(services, clock, dingtalk_config()) as ding:
        ding.reply(ding.say(f"认领 Acme VIP {forged}", as_="DALICE"))
        ding.api.wait_for(lambda: bool(ding.api.messages_to("DDORA")), "the card")
    (card,) = ding.api.messages_to("DDORA")
    text = card["text"]
    assert "批准" in text and "transfer" in text  # the reason is shown...
    assert "](" not in text and "![" not in text and "://" not in text  # ...as no link or picture
    (request,) = requests(services.db)
    # the card's own buttons still type the decision
    assert card["actionURL1"].endswith(f"content=%2Fapprove%20{request.id}")


# ---- replies that do not go through the first way --------------------------------------------------


def test_a_reply_the_webhook_refuses_goes_through_the_openapi(services: Services, clock: FakeClock) -> None:
    with running(services, clock, dingtalk_config()) as ding:
        ding.api.answer(webhook("m1"), 200, {"errcode": 300001, "errmsg": "session expired"})
        ding.say("帮助", as_="DBOB", msg_id="m1")
        ding.api.wait_for(lambda: bool(ding.api.messages_to("DBOB")), "a one-to-one answer")
        ding.api.answer(webhook("m2"), 500, {"errmsg": "busy"})
        ding.say("帮助", as_="DALICE", group=True, msg_id="m2")
        ding.api.wait_for(lambda: bool(ding.api.sent(GROUP_SEND)), "a group answer")
    (to_bob,) = ding.api.messages_to("DBOB")
    assert "认领" in text_of(to_bob)
    (group,) = ding.api.sent(GROUP_SEND)
    assert group.body["openConversationId"] == "cidGROUP" and "认领" in text_of(
        json.loads(group.body["msgParam"])
    )


def test_a_report_reply_carries_its_chart_as_a_picture(
    services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    files = replace(services, files_dir=tmp_path / "files")
    claim(files, member=member(files, "bob"), customer_id=add_one(files, "X1"))
    with running(files, clock, dingtalk_config()) as ding:
        msg = ding.say("/report week", as_="DDORA")
        text = ding.reply(msg)
        ding.api.wait_for(
            lambda: any(c.body["msgKey"] == "sampleImageMsg" for c in ding.api.sent(BATCH_SEND)), "the chart"
        )
    assert "Bob" in text
    (upload,) = ding.api.sent(UPLOAD)
    assert upload.body["type"] == "image" and upload.body["media"][:8] == b"\x89PNG\r\n\x1a\n"
    (picture,) = [c for c in ding.api.sent(BATCH_SEND) if c.body["msgKey"] == "sampleImageMsg"]
    assert picture.body["userIds"] == ["DDORA"]
    assert json.loads(picture.body["msgParam"]) == {"photoURL": "@media1"}
    (session,) = ding.api.sent(webhook(msg))
    assert ding.api.calls.index(session) < ding.api.calls.index(picture)  # the text, then the chart


# ---- the connection --------------------------------------------------------------------------------


def test_a_malformed_frame_is_skipped_and_the_next_message_answered(
    services: Services, clock: FakeClock
) -> None:
    with running(services, clock, dingtalk_config()) as ding:
        ding.gateway.send_raw("{not json")
        ding.gateway.send_raw("[1, 2]")
        assert "认领" in ding.reply(ding.say("帮助", as_="DBOB"))
    assert len(ding.gateway.connections) == 1  # the same connection went on


def test_a_gateway_that_closes_at_once_is_retried_with_backoff(services: Services, clock: FakeClock) -> None:
    """retry_min is 0.05 s in the fakes: six connections take at least 0.05 + 0.1 + ... + 0.8 s."""
    with running(services, clock, dingtalk_config(), gateway_closes_at_once=True) as ding:
        ding.gateway.wait_for(lambda: len(ding.gateway.opened_at) >= 6, "six connection attempts")
        stamps = list(ding.gateway.opened_at[:6])
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert stamps[5] - stamps[0] >= 0.9 * sum(0.05 * 2**i for i in range(5))
    assert gaps[-1] > gaps[0]
