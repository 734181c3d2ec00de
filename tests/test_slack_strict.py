"""Issue 11 on Slack: the fake refuses what Slack refuses, and the bot works against it.

Every flow runs the real Bolt app behind our HTTP server against :mod:`slack_fake`, whose rules
(:mod:`slack_rules`) come from slack_sdk's models and Slack's docs. Each test of §2 failed before
its fix.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import slack_rules
from conftest import TEAM_CONFIG
from helpers import add, add_one, member, owner_of
from slack_app import SlackHarness, running_app
from slack_fake import TOKEN, FakeSlack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import PoolbotConfig
from bot.domain import claims
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.setup import sync_config
from bot.handlers.slack.blocks import to_block_kit
from bot.messages import Actions, Button, Message
from bot.storage.followups import follow_ups_of


def _team(locale: str = "en") -> PoolbotConfig:
    """conftest's team, Bob on Slack too, and room in the main pool for a big book."""
    data = copy.deepcopy(TEAM_CONFIG)
    for person in data["members"]:
        if person["handle"] == "bob":
            person["slack"] = "UBOB"
    data["pools"][0].update(max_held_per_rep=100, daily_claim_limit=100)
    data["teams"][0]["locale"] = locale
    return PoolbotConfig.model_validate(data)


@pytest.fixture
def config() -> PoolbotConfig:
    return _team()


def _client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.base_url, retry_handlers=[])


def _error(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as refused:
        call()
    data: dict[str, Any] = refused.value.response.data
    return data


def _button(value: str, text: str = "Go") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": "a", "value": value}


def _dm_texts(fake: FakeSlack, user: str) -> list[str]:
    dm = fake.dm_of(user)
    return [
        json.dumps(c["args"], ensure_ascii=False)
        for c in fake.of("chat.postMessage")
        if c["args"].get("channel") in (user, dm)
    ]


# ---- §1: the fake is as strict as Slack ---------------------------------------------------------


def test_the_fake_refuses_blocks_and_views_slack_refuses(fake: FakeSlack) -> None:
    client = _client(fake)
    dm = fake.dm_of("UALICE")
    divider = {"type": "divider"}
    too_many = _error(lambda: client.chat_postMessage(channel=dm, text="x", blocks=[divider] * 51))
    assert too_many["error"] == "invalid_blocks" and "/blocks" in too_many["response_metadata"]["messages"][0]
    long_value = [{"type": "actions", "elements": [_button("v" * 2001)]}]
    assert _error(lambda: client.chat_postMessage(channel=dm, text="x", blocks=long_value))["error"] == (
        "invalid_blocks"
    )
    long_text = [{"type": "actions", "elements": [_button("v", "t" * 76)]}]  # checked by hand
    assert _error(lambda: client.chat_postMessage(channel=dm, text="x", blocks=long_text))["error"] == (
        "invalid_blocks"
    )
    empty = [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]
    assert _error(lambda: client.chat_postMessage(channel=dm, text="x", blocks=empty))["error"] == (
        "invalid_blocks"
    )
    home = {"type": "home", "blocks": [divider] * 101}
    assert _error(lambda: client.views_publish(user_id="UALICE", view=home))["error"] == "invalid_arguments"
    assert client.views_publish(user_id="UALICE", view={"type": "home", "blocks": [divider] * 100})["ok"]


def test_the_fake_answers_like_slack(fake: FakeSlack) -> None:
    client = _client(fake)
    opened = client.conversations_open(users="UALICE")["channel"]["id"]
    assert opened.startswith("D") and "ALICE" not in opened
    assert client.chat_postMessage(channel="UALICE", text="hi")["channel"] == opened
    assert _error(lambda: client.chat_postMessage(channel="C0SALES", text="hi"))["error"] == "not_in_channel"
    stranger = WebClient(token="xoxb-someone-else", base_url=fake.base_url, retry_handlers=[])
    assert _error(lambda: stranger.auth_test())["error"] == "invalid_auth"
    assert _error(lambda: WebClient(base_url=fake.base_url).auth_test())["error"] == "not_authed"
    scope = _error(lambda: client.users_info(user="UALICE"))
    assert (scope["error"], scope["needed"]) == ("missing_scope", "users:read")

    url = fake.response_url()
    with httpx.Client(trust_env=False) as web:
        answers = [web.post(url, json={"text": "hi"}) for _ in range(6)]
    assert [a.text for a in answers] == ["ok"] * 5 + ["used_url"]
    late = fake.response_url()
    fake.advance(30 * 60 + 1)
    with httpx.Client(trust_env=False) as web:
        assert web.post(late, json={"text": "hi"}).text == "expired_url"

    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [{"type": "divider"}]}
    trigger = fake.issue_trigger()
    fake.advance(3.5)
    assert _error(lambda: client.views_open(trigger_id=trigger, view=view))["error"] == "expired_trigger_id"
    fresh = fake.issue_trigger()
    assert client.views_open(trigger_id=fresh, view=view)["ok"]
    assert _error(lambda: client.views_open(trigger_id=fresh, view=view))["error"] == "exchanged_trigger_id"


# ---- §2.1: a form refused once can be saved again ---------------------------------------------------


def test_a_refused_follow_up_form_saved_again_records_the_follow_up(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    acme = add_one(services, "Acme Corp")  # in the pool: Alice may not follow it up yet
    slack.press("customer.followup", f"#{acme}", as_="UALICE")  # the form, from a button
    values = {
        "customer": {"customer": {"selected_option": {"value": f"#{acme}"}}},
        "note": {"note": {"value": "called the buyer"}},
    }
    refused = slack.submit("followup.form", values, as_="UALICE", view_id="VFORM").json()
    assert "Only the owner" in refused["errors"]["note"]
    claim(services, member=member(services, "alice"), customer_id=acme)  # now she may
    again = slack.submit("followup.form", values, as_="UALICE", view_id="VFORM")
    assert again.content in (b"", b"{}")  # the form closes ...
    with services.db.read() as session:
        assert len(follow_ups_of(session, acme, 10)) == 1  # ... and the follow-up is recorded
    again = slack.submit("followup.form", values, as_="UALICE", view_id="VFORM")  # a third Save
    with services.db.read() as session:
        assert len(follow_ups_of(session, acme, 10)) == 1


def test_a_reject_form_that_failed_inside_can_be_saved_again(
    slack: SlackHarness, fake: FakeSlack, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    contoso = add_one(services, "Contoso Ltd", pool="east-vip")
    claim(services, member=member(services, "alice"), customer_id=contoso)
    slack.dispatch()  # the claim card reaches Maria
    slack.press("claim.reject", "1", as_="UMARIA")
    metadata = fake.of("views.open")[-1]["args"]["view"]["private_metadata"]
    real, calls = claims.decide, []

    def broken_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(claims, "decide", broken_once)
    values = {"reason": {"reason": {"value": "already a partner"}}}
    failed = slack.submit("reject.form", values, as_="UMARIA", metadata=metadata, view_id="VREJ").json()
    assert failed["response_action"] == "errors"
    slack.submit("reject.form", values, as_="UMARIA", metadata=metadata, view_id="VREJ")
    assert len(calls) == 2
    assert "rejected by Maria" in json.dumps(fake.of("chat.update")[-1]["args"]["blocks"])


# ---- §2.2: every value inside Slack's limits ------------------------------------------------------


def test_confirm_dialogs_keep_slacks_limits() -> None:
    """slack_sdk's ConfirmObject: title ≤ 100, text ≤ 300, confirm / deny ≤ 30."""
    long = Button("Lock " + "Northwind " * 8, "customer.lock", "#1", confirm="Really? " * 60)
    _, blocks = to_block_kit(Message((Actions((long,)),)))
    assert slack_rules.message_errors({"text": "x", "blocks": blocks}) is None
    confirm = blocks[0]["elements"][0]["confirm"]
    assert len(confirm["text"]["text"]) == 300 and len(confirm["confirm"]["text"]) == 30


def test_customer_text_is_shown_as_typed_not_as_mrkdwn(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    cid = add_one(services, "*Bold* _Trading_ ~Co~ `x`")
    claim(services, member=member(services, "alice"), customer_id=cid)
    slack.slash("/customer", f"#{cid}", as_="UALICE")
    slack.slash("/followup", f"#{cid} > quoted terms", as_="UALICE")
    slack.slash("/mine", "", as_="UALICE")
    title = next(b for b in slack.last_response()["blocks"] if b["type"] == "section")["text"]["text"]
    fence = "\u200b"
    assert "*Bold*" not in title and f"{fence}*{fence}Bold{fence}*{fence}" in title
    assert f"{fence}~{fence}Co{fence}~{fence}" in title and f"{fence}`{fence}x{fence}`{fence}" in title
    assert not _dm_texts(fake, "UALICE")  # every answer was shown


# ---- §2.3: no silent failures ---------------------------------------------------------------------


def test_a_reply_slack_refuses_is_logged_and_the_person_told_in_a_dm(
    slack: SlackHarness, fake: FakeSlack, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    add_one(services, "Acme Corp")
    fake.script("respond", (404, {"Content-Type": "text/html"}, "expired_url"))
    with caplog.at_level(logging.WARNING, logger="poolbot.slack"):
        slack.slash("/pool", "Acme", as_="UALICE", trigger="t-lost")
    (told,) = _dm_texts(fake, "UALICE")
    assert "could not show" in told and "t-lost" in told
    assert any(getattr(r, "request_id", None) == "t-lost" for r in caplog.records)


def test_a_form_opened_too_late_is_told_not_lost(slack: SlackHarness, fake: FakeSlack) -> None:
    trigger = fake.issue_trigger("t-slow")
    fake.advance(4)  # the answer took longer than the trigger lives
    slack.slash("/followup", "", as_="UALICE", trigger=trigger)
    assert fake.of("views.open")  # tried, and Slack said expired_trigger_id
    (told,) = _dm_texts(fake, "UALICE")
    assert "could not show" in told


# ---- §2.4: help that works on Slack ----------------------------------------------------------------


def test_chinese_help_and_hints_name_the_registered_slash_commands(
    slack: SlackHarness, services: Services
) -> None:
    sync_config(services.db, _team("zh-CN"))
    slack.slash("/help", "", as_="UALICE")
    shown = slack.responses()[-1]
    for registered in ("/pool", "/claim", "/mine", "/followup", "/release", "/approve", "/assign"):
        assert registered in shown
    assert "/公海" not in shown and "/认领" not in shown and "/我的客户" not in shown
    assert "认领 云帆" in shown and "消息" in shown  # typed without a slash in the Messages tab
    slack.slash("/claim", "无此客户", as_="UALICE")
    assert "试试 /pool 无此客户" in slack.responses()[-1]


def test_every_command_works_under_the_namespaced_slash_command(
    slack: SlackHarness, services: Services
) -> None:
    acme = add_one(services, "Acme Corp")
    slack.slash("/poolbot", f"认领 #{acme}", as_="UALICE")
    assert owner_of(services.db, acme) == member(services, "alice").id
    slack.slash("/poolbot", "", as_="UALICE")
    assert "/claim" in slack.responses()[-1] and "/pool" in slack.responses()[-1]


# ---- §2.5: Slack's markup in typed text --------------------------------------------------------------


def test_a_picked_mention_names_the_member_and_a_link_keeps_its_url(
    slack: SlackHarness, services: Services
) -> None:
    northwind = add_one(services, "Northwind")
    slack.slash("/assign", f"#{northwind} <@UBOB|bob>", as_="UMARIA")  # should_escape: true
    assert owner_of(services.db, northwind) == member(services, "bob").id
    slack.slash(
        "/followup",
        f"#{northwind} deck at <https://example.com/deal?id=7|the deal> from <mailto:cfo@nw.cn|cfo@nw.cn>",
        as_="UBOB",
    )
    with services.db.read() as session:
        (note,) = follow_ups_of(session, northwind, 10)
    assert note.note == "deck at https://example.com/deal?id=7 from cfo@nw.cn"


def test_every_kind_of_slack_markup_is_decoded() -> None:
    from bot.handlers.slack.text import decode

    handles = {"UBOB": "bob"}.get
    typed = "<@UBOB> <@UBOB|bob> <@UX|Xu> <#C1|sales> <!here> <!subteam^S1|@east> <https://a.cn/x> P&amp;G"
    assert decode(typed, handles) == "@bob @bob @Xu #sales @here @east https://a.cn/x P&G"
    assert decode("\u200b*\u200bACME\u200b*\u200b", handles) == "*ACME*"  # copied from our own text


# ---- §2.6: a chart is uploaded once --------------------------------------------------------------


def test_a_retried_weekly_report_shares_its_chart_once(
    services: Services, fake: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    from test_report import history

    from bot.domain.weekly_report import weekly_report

    files = replace(services, files_dir=tmp_path / "files")
    history(files, clock)
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    with running_app(files, fake) as slack:
        slack.dispatch()  # what the history queued
        assert weekly_report(files).queued == 1  # to Maria's DM: the team has no channel
        ratelimited = json.dumps({"ok": False, "error": "ratelimited"})
        fake.script("chat.postMessage", (429, {"Retry-After": "30"}, ratelimited))
        assert slack.dispatch().throttled == 1
        clock.advance(seconds=30)
        assert slack.dispatch().sent == 1
    assert len(fake.of("files.completeUploadExternal")) == 1  # shared once, not once per attempt
    assert len(fake.of("files.getUploadURLExternal")) == 1
    assert len([c for c in fake.of("chat.postMessage") if "11-23 to 11-29" in str(c["args"])]) == 2


# ---- §2.7: a whole book ----------------------------------------------------------------------------


def test_mine_and_app_home_page_through_a_book_of_any_size(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    alice = member(services, "alice")
    ids = add(services, *[f"Customer {i:02d}" for i in range(1, 24)])
    for cid in ids:
        claim(services, member=alice, customer_id=cid)
    slack.slash("/mine", "", as_="UALICE")
    pages = [slack.last_response()]
    assert "1–10 of 23" in json.dumps(pages[0], ensure_ascii=False)
    assert ("mine.page", "page:2") in _buttons(pages[0]) and len(pages[0]["blocks"]) <= 50
    slack.press("mine.page", "page:2", as_="UALICE")
    pages.append(slack.last_response())
    assert "11–20 of 23" in json.dumps(pages[1], ensure_ascii=False)
    assert {("mine.page", "page:1"), ("mine.page", "page:3")} <= set(_buttons(pages[1]))
    slack.slash("/mine", "page:3", as_="UALICE")  # the typed twin
    pages.append(slack.last_response())
    assert "21–23 of 23" in json.dumps(pages[2], ensure_ascii=False)
    shown = [n for page in pages for n in _customers(page)]
    assert sorted(shown) == sorted(f"Customer {i:02d}" for i in range(1, 24))  # each once

    slack.event({"type": "app_home_opened", "user": "UALICE", "channel": fake.dm_of("UALICE"), "tab": "home"})
    slack.press("mine.page", "page:2", as_="UALICE", home=True)
    home = fake.of("views.publish")[-1]["args"]["view"]
    assert "11–20 of 23" in json.dumps(home, ensure_ascii=False) and "more not shown" not in json.dumps(home)
    assert not slack.responses()[3:]  # a page in Home is Home's, not an answer elsewhere


def _buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (e["action_id"].split(":")[0], e["value"])
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def _customers(message: dict[str, Any]) -> list[str]:
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section" and "text" in b]
    return [text.split(" ", 1)[1].split(" [")[0] for text in texts if text.startswith("#")]


def test_a_command_slack_does_not_register_is_named_poolbot_command_in_help(
    slack: SlackHarness, services: Services
) -> None:
    """/extend (延期) is not one of the app's slash commands: help names it /poolbot extend."""
    for locale in ("en", "zh-CN"):
        sync_config(services.db, _team(locale))
        slack.slash("/help", "", as_="UALICE")
        shown = slack.responses()[-1]
        assert "/poolbot extend " in shown
        assert "/extend " not in shown.replace("/poolbot extend ", "") and "/延期" not in shown
