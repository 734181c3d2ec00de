"""DingTalk as strict as DingTalk (issue 11): the fake refuses what DingTalk refuses, and the bot
copes with what real DingTalk does (a token refused with HTTP 400, presses that carry component
ids, filtered users, groups that pass on only @-mentions, 15,000-byte group messages, pings,
the old media API's throttling, an unpublished robot, one button layout)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dingtalk_fakes import (
    BATCH_SEND,
    CREATE_CARD,
    GROUP_SEND,
    UPDATE_CARD,
    UPLOAD,
    WAIT,
    FakeOpenApi,
    button_for,
    dingtalk_config,
    running,
    shipped_template,
    text_of,
    webhook,
    with_default_ids,
)
from dingtalk_rules import (
    GROUP_MAX_PARAM_BYTES,
    TEMPLATE_LAYOUT,
    WEBHOOK_LAYOUT,
    component_id,
    template_buttons,
    template_variables,
)
from helpers import add_one, member, notifications, requests
from notice_fakes import TEAM_NOTE, render

from bot.config import PoolbotConfig
from bot.delivery import Delivery, PermanentDeliveryError, Throttled
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.handlers.dingtalk import cards
from bot.handlers.dingtalk.deliver import DingTalkDeliverer
from bot.handlers.dingtalk.inbound import Inbound
from bot.handlers.dingtalk.openapi import OpenApi
from bot.handlers.dingtalk.render import MAX_TEXT_BYTES
from bot.handlers.dingtalk.render import render as render_dingtalk
from bot.handlers.dingtalk.replies import Replier
from bot.messages import Actions, Button, Image, Message, Text
from bot.scheduler.dispatch import dispatch
from bot.storage.outbox import Outgoing, enqueue_many


@pytest.fixture
def config() -> PoolbotConfig:
    return dingtalk_config()


@pytest.fixture
def api(clock: FakeClock) -> Iterator[FakeOpenApi]:
    fake = FakeOpenApi(clock)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def deliverer(api: FakeOpenApi, clock: FakeClock) -> DingTalkDeliverer:
    client = OpenApi(base_url=api.url, client_id="ding-robot", client_secret="s", clock=clock)
    return DingTalkDeliverer(client, robot_code="ding-robot", card_template_id=None)


def post(api: FakeOpenApi, path: str, body: dict[str, Any], *, token: str | None = None) -> httpx.Response:
    headers = {"x-acs-dingtalk-access-token": token} if token else {}
    with httpx.Client(trust_env=False) as client:
        return client.post(api.url + path, json=body, headers=headers)


def valid_token(api: FakeOpenApi) -> str:
    answer = post(api, "/v1.0/oauth2/accessToken", {"appKey": "ding-robot", "appSecret": "s"})
    token: str = answer.json()["accessToken"]
    return token


def markdown(text: str) -> str:
    return json.dumps({"title": "t", "text": text}, ensure_ascii=False)


def delivery(message: Message, *, group: bool = False, address: str = "DALICE") -> Delivery:
    return Delivery(
        notification_id=1,
        key="note:1",
        kind="team_note",
        platform="dingtalk",
        recipient_id=None if group else 7,
        to_team_channel=group,
        address="cidGROUP" if group else address,
        locale="zh-CN",
        message=message,
    )


# ---- the fake refuses what DingTalk refuses ------------------------------------------------------


def test_the_fake_refuses_bodies_the_official_models_refuse(api: FakeOpenApi) -> None:
    token = valid_token(api)
    good = {"robotCode": "r", "userIds": ["DA"], "msgKey": "sampleMarkdown", "msgParam": markdown("x")}
    assert post(api, BATCH_SEND, good, token=token).status_code == 200
    refused = [
        {**good, "userId": ["DA"]},  # not a field of BatchSendOTORequest
        {**good, "userIds": "DA"},  # List[str] in the model
        {k: v for k, v in good.items() if k != "robotCode"},  # required
        {**good, "userIds": [f"D{i}" for i in range(21)]},  # at most 20
        {**good, "msgKey": "sampleMarkdown", "msgParam": json.dumps({"title": "t"})},  # no text
    ]
    for body in refused:
        answer = post(api, BATCH_SEND, body, token=token)
        assert answer.status_code == 400 and answer.json()["code"] in ("InvalidParameter", "MissingParameter")
    group = {"robotCode": "r", "openConversationId": "cid", "msgKey": "sampleMarkdown"}
    fits = "云" * ((GROUP_MAX_PARAM_BYTES - 100) // 3)
    assert post(api, GROUP_SEND, {**group, "msgParam": markdown(fits)}, token=token).status_code == 200
    too_long = post(api, GROUP_SEND, {**group, "msgParam": markdown(fits + "云" * 50)}, token=token)
    assert too_long.status_code == 400
    card = {"cardTemplateId": "t", "outTrackId": "o", "openSpaceId": "dtv1.card//IM_ROBOT.DA"}
    numbers = post(api, CREATE_CARD, {**card, "cardData": {"cardParamMap": {"n": 1}}}, token=token)
    assert numbers.status_code == 400  # cardParamMap is Dict[str, str]


def test_a_bad_token_is_http_400_invalid_authentication(api: FakeOpenApi) -> None:
    body = {"robotCode": "r", "userIds": ["DA"], "msgKey": "sampleMarkdown", "msgParam": markdown("x")}
    answer = post(api, BATCH_SEND, body, token="revoked")
    assert (answer.status_code, answer.json()["code"]) == (400, "InvalidAuthentication")


def test_the_fake_knows_the_organisation_like_dingtalk(
    api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    """A staffId outside the organisation is listed invalid with HTTP 200, not refused."""
    api.staff = {"DALICE"}
    with pytest.raises(PermanentDeliveryError):
        deliverer.deliver(delivery(Message.text("hello"), address="DGHOST"))
    deliverer.deliver(delivery(Message.text("hello"), address="DALICE"))
    assert [c.body["userIds"] for c in api.sent(BATCH_SEND)] == [["DGHOST"], ["DALICE"]]


# ---- 1. the token is renewed when DingTalk says it is bad ----------------------------------------


def test_invalid_authentication_drops_the_token_and_retries_once(
    services: Services, api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    """DingTalk refuses a revoked token with HTTP 400 InvalidAuthentication: the bot fetches a new
    one and sends again, instead of failing every send until the cached token expires."""
    who = member(services, "alice")
    with services.db.write() as session:
        note = Outgoing(f"note:{who.id}", who.team.id, who.id, TEAM_NOTE, {"text": "office closed"})
        enqueue_many(session, [note], now=services.clock.now())
    deliverer.api.token()
    api.expire_tokens()
    assert dispatch(services, {"dingtalk": deliverer}, render).sent == 1
    assert [c.token for c in api.calls if c.path == BATCH_SEND] == ["token-1", "token-2"]


# ---- 2. card presses work with the template as documented ----------------------------------------


def test_the_shipped_template_declares_what_the_bot_fills_in() -> None:
    template = shipped_template()
    message = Message((Text("Claim request #42"), Actions((Button("Approve", "claim.approve", "42"),))))
    assert template_variables(template) == set(cards.params(message, "en", "42"))
    for action in cards.CARD_ACTIONS:
        node = button_for(template, action)
        params = {p["name"]: p for p in node["props"]["params"]}
        assert params["action"]["type"] == "fixed" and params["action"]["value"] == action
        assert params["request_id"]["type"] == "variable" and params["request_id"]["variable"] == "request_id"
        assert node["props"]["visible"]["condition"]["conditions"][0]["variable"] == "status"
    assert len(template_buttons(template)) == 2


@pytest.mark.parametrize("ids", ["set by hand", "left at the defaults"])
def test_a_card_press_approves_whatever_the_buttons_ids(
    services: Services, clock: FakeClock, ids: str
) -> None:
    """An operator who builds the card but leaves the buttons' ids alone: DingTalk reports the
    component id (``single_button_node_…``) in actionIds; the ``action`` param still decides."""
    template = shipped_template() if ids == "set by hand" else with_default_ids(shipped_template())
    add_one(services, "Acme VIP", pool="east-vip")
    with running(services, clock, dingtalk_config(template="tpl.schema")) as ding:
        ding.reply(ding.say("认领 Acme VIP 老客户", as_="DALICE"))
        ding.api.wait_for(lambda: bool(ding.api.sent(CREATE_CARD)), "the claim card")
        (request,) = requests(services.db)
        assert request.id is not None
        frame = ding.press("claim.approve", request.id, as_="DDORA", template=template)
        ding.api.wait_for(lambda: bool(ding.api.sent(UPDATE_CARD)), "the card updated")
        ding.gateway.wait_for(lambda: ding.gateway.acked(frame), "the press acked")
    assert requests(services.db)[0].status == "approved"
    if ids == "left at the defaults":
        node = button_for(template, "claim.approve")
        assert component_id(node).startswith("single_button_node_")


def test_a_press_without_params_is_read_from_its_action_id_and_the_card(
    services: Services, clock: FakeClock
) -> None:
    """The other way round: ids set by hand, no parameters (the request comes from outTrackId)."""
    template = shipped_template()
    editor = json.loads(template["editorData"])
    for node in editor["schema"]["componentsTree"][0]["children"]:
        node["props"].pop("params", None)
    bare = {**template, "editorData": json.dumps(editor)}
    add_one(services, "Acme VIP", pool="east-vip")
    with running(services, clock, dingtalk_config(template="tpl.schema")) as ding:
        ding.reply(ding.say("认领 Acme VIP", as_="DALICE"))
        ding.api.wait_for(lambda: bool(ding.api.sent(CREATE_CARD)), "the claim card")
        (request,) = requests(services.db)
        assert request.id is not None
        ding.press("claim.reject", request.id, as_="DDORA", template=bare)
        ding.api.wait_for(lambda: bool(ding.api.sent(UPDATE_CARD)), "the card updated")
    assert requests(services.db)[0].status == "rejected"


# ---- 3. filtered users are not "sent" --------------------------------------------------------------


def test_filtered_users_are_retried_logged_and_never_counted_sent(
    services: Services, api: FakeOpenApi, deliverer: DingTalkDeliverer, caplog: pytest.LogCaptureFixture
) -> None:
    handles = ["alice", "bob"]
    with services.db.write() as session:
        for handle in handles:
            who = member(services, handle)
            note = Outgoing(f"note:{who.id}", who.team.id, who.id, TEAM_NOTE, {"text": "office closed"})
            enqueue_many(session, [note], now=services.clock.now())
    api.answer(BATCH_SEND, 200, {"processQueryKey": "q", "filteredStaffIdList": ["DBOB"]})
    with caplog.at_level(logging.WARNING, logger="poolbot.dingtalk"):
        report = dispatch(services, {"dingtalk": deliverer}, render)
    assert (report.sent, report.retried) == (1, 1)
    bob = member(services, "bob")
    (record,) = [r for r in caplog.records if r.getMessage() == "dingtalk user filtered: not delivered"]
    assert (vars(record)["member_id"], vars(record)["notification"]) == (bob.id, f"note:{bob.id}")
    statuses = {n.key: n.status for n in notifications(services.db)}
    assert statuses[f"note:{bob.id}"] != "sent"


# ---- 4. buttons only where they can reach the bot ---------------------------------------------------


def test_a_group_answer_carries_no_button_that_types_a_command(services: Services, clock: FakeClock) -> None:
    """``公海`` lists customers with Claim buttons; in the group those would post ``/claim 1``
    without @-mentioning the robot, which DingTalk never passes on: the answer names the command."""
    add_one(services, "Acme")
    with running(services, clock, dingtalk_config()) as ding:
        msg = ding.say("公海", as_="DALICE", group=True)
        answer = ding.reply(msg)
        one = ding.reply(ding.say("公海", as_="DALICE"))
    assert "Acme" in answer and "dtmd://" not in answer and "/claim" in answer
    (sent,) = ding.api.sent(webhook(msg))
    assert sent.body["msgtype"] == "markdown"
    assert "dtmd://" in one  # one-to-one, the buttons type the command back


def test_a_team_message_with_buttons_goes_to_the_group_without_them(
    api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    buttons = Actions((Button("Approve", "claim.approve", "42"), Button("Reject", "claim.reject", "42")))
    deliverer.deliver(delivery(Message((Text("Claim request #42"), buttons)), group=True))
    (call,) = api.sent(GROUP_SEND)
    assert call.body["msgKey"] == "sampleMarkdown"
    text = text_of(json.loads(call.body["msgParam"]))
    assert "dtmd://" not in text and "/approve 42" in text and "@" in text


# ---- 5. sizes, in bytes -------------------------------------------------------------------------------


def test_a_long_group_message_is_split_under_15000_bytes(
    api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    lines = [f"第{i}行：杭州云帆科技有限公司的跟进记录" for i in range(1500)]  # ≈ 90,000 bytes
    deliverer.deliver(delivery(Message((Text("\n".join(lines)),)), group=True))
    calls = [c for c in api.calls if c.path == GROUP_SEND]
    assert len(calls) > 5 and api.sent(GROUP_SEND) == calls  # every piece accepted
    assert all(len(c.body["msgParam"].encode()) <= GROUP_MAX_PARAM_BYTES for c in calls)
    shown = "\n".join(json.loads(c.body["msgParam"])["text"] for c in calls)
    assert all(line in shown for line in lines)  # split, nothing lost


def test_a_long_group_answer_the_webhook_stops_taking_goes_on_by_openapi_without_repeating_a_piece(
    api: FakeOpenApi, clock: FakeClock
) -> None:
    """The webhook takes the first piece and refuses the second: the OpenAPI sends the second and
    the rest, and no piece reaches the group twice."""
    replier = Replier(
        OpenApi(base_url=api.url, client_id="ding-robot", client_secret="s", clock=clock),
        robot_code="ding-robot",
        clock=clock,
    )
    lines = [f"第{i}行：杭州云帆科技有限公司的跟进记录" for i in range(1500)]
    inbound = Inbound("m9", "DALICE", "公海", True, "cidGROUP", api.webhook_url("m9"), None)
    api.answer(webhook("m9"), 200, {"errcode": 0, "errmsg": "ok"})
    api.answer(webhook("m9"), 200, {"errcode": 130101, "errmsg": "send too fast"})
    replier.reply(inbound, Message((Text("\n".join(lines)),)), "zh-CN")
    by_webhook = [c.body["markdown"] for c in api.calls if c.path == webhook("m9")]
    assert len(by_webhook) == 2  # the first piece taken, the second refused
    by_openapi = [json.loads(c.body["msgParam"]) for c in api.sent(GROUP_SEND)]
    titles = [str(m["title"]) for m in by_webhook[:1] + by_openapi]
    count, title = len(titles), titles[0].rsplit(" (", 1)[0]
    assert count > 5 and titles == [f"{title} ({i}/{count})" for i in range(1, count + 1)]
    shown = "\n".join(m["text"] for m in by_webhook[:1] + by_openapi)
    assert all(line in shown for line in lines)


def test_a_long_one_to_one_text_is_cut_in_bytes() -> None:
    rendered = render_dingtalk(Message((Text("云" * 10_000),)))  # 10,000 characters, 30,000 bytes
    assert len(rendered.text.encode()) <= MAX_TEXT_BYTES and rendered.text.endswith("…")


# ---- 6. noise and setup ---------------------------------------------------------------------------


def test_ping_frames_are_answered_without_a_warning(
    services: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO), running(services, clock, dingtalk_config()) as ding:
        pings = [ding.gateway.ping() for _ in range(3)]
        ding.gateway.wait_for(lambda: all(ding.gateway.acked(p) for p in pings), "the pings answered")
        ding.gateway.wait_for(lambda: len(ding.gateway.ping_acks) >= 5, "the gateway's own pings answered")
        frames = [ding.gateway.ack_of(p) for p in pings]
    assert all(f is not None and f["code"] == 200 and "opaque" in f["data"] for f in frames)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_old_media_api_throttling_waits_without_using_an_attempt(
    api: FakeOpenApi, deliverer: DingTalkDeliverer, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    api.answer(UPLOAD, 200, {"errcode": 90002, "errmsg": "请求太频繁"})
    message = Message((Text("weekly report"), Image(str(chart), "Claims")))
    with pytest.raises(Throttled):
        deliverer.deliver(delivery(message))
    assert not api.sent(BATCH_SEND)  # nothing sent before every picture is uploaded
    deliverer.deliver(delivery(message))
    assert [c.body["msgKey"] for c in api.sent(BATCH_SEND)] == ["sampleMarkdown", "sampleImageMsg"]


def test_an_unpublished_robot_is_said_once(
    services: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="poolbot.dingtalk"),
        running(services, clock, dingtalk_config()) as ding,
    ):
        first = ding.say("帮助", as_="DBOB", published=False)
        second = ding.say("帮助", as_="DBOB", published=False)
        wait_until(lambda: len(told(caplog)) == 2, "both messages handled")
        assert "认领" in ding.reply(ding.say("帮助", as_="DBOB"))  # a published robot's message
    warnings = [r for r in told(caplog) if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "published" in warnings[0].getMessage()
    assert not ding.api.sent(webhook(first)) and not ding.api.sent(webhook(second))


def told(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the surface said about messages it could not take."""
    return [
        r for r in caplog.records if "senderStaffId" in r.getMessage() or "without sender" in r.getMessage()
    ]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.parametrize("count", [2, 3, 4, 5])
def test_buttons_lay_out_the_same_way_on_every_send_path(count: int) -> None:
    buttons = tuple(Button(f"Page {i}", "pool.page", str(i)) for i in range(1, count + 1))
    rendered = render_dingtalk(Message((Text("pages"), Actions(buttons))))
    key, _ = rendered.msg_key_and_param()
    card = rendered.webhook_body()["actionCard"]
    assert len(card["btns"]) == count
    assert WEBHOOK_LAYOUT[card["btnOrientation"]] == TEMPLATE_LAYOUT[key]
