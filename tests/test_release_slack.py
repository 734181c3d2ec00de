"""Release reasons on Slack (a form with a select of the reasons and of the pools it may go to,
checked against Block Kit's rules by the strict fake) and on DingTalk (numbered choices)."""

from __future__ import annotations

import pytest
from dingtalk_fakes import dingtalk_config, running
from helpers import customer_row, events_of, own, owner_of, pool_id
from slack_app import SlackHarness
from slack_fake import FakeSlack
from test_release_reasons import REASONS, reasons_config

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.setup import sync_config


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(reasons_config())


def test_the_release_button_opens_a_form_with_the_reasons_and_pools(
    services: Services, slack: SlackHarness, fake: FakeSlack
) -> None:
    cid = own(services, "alice", "Acme Corp")
    slack.press("customer.release", f"#{cid}", as_="UALICE")
    (opened,) = fake.of("views.open")
    view = opened["args"]["view"]
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    reason, pool = inputs["reason"], inputs["pool"]
    assert reason["optional"] is False  # the pool requires a reason
    assert [o["value"] for o in reason["element"]["options"]] == REASONS
    assert [o["value"] for o in pool["element"]["options"]] == ["-", "east-vip"]
    assert pool["element"]["initial_option"]["text"]["text"] == "east-main (its own)"
    picked = {
        "reason": {"reason": {"selected_option": {"value": "Wrong contact"}}},
        "pool": {"pool": {"selected_option": {"value": "east-vip"}}},
    }
    assert slack.submit("release.form", picked, as_="UALICE").content in (b"", b"{}")
    assert owner_of(services.db, cid) is None
    assert customer_row(services.db, cid).pool_id == pool_id(services.db, "east-vip")
    assert events_of(services.db, cid)[-1].release_reason == "Wrong contact"
    assert any("Reason: Wrong contact." in text for text in fake.texts("chat.postMessage"))


def test_a_release_refused_stays_on_the_form(services: Services, slack: SlackHarness) -> None:
    cid = own(services, "alice", "Acme Corp")
    slack.press("customer.release", f"#{cid}", as_="UALICE")
    picked = {"reason": {"reason": {"selected_option": {"value": "Price too high"}}}}
    slack.submit("release.form", picked, as_="UALICE")  # released
    again = slack.submit(
        "release.form", {"reason": {"reason": {"selected_option": {"value": "1"}}}}, as_="UALICE"
    )
    assert again.json()["response_action"] == "errors"
    assert "in the pool" in again.json()["errors"]["reason"]


def test_someone_who_may_not_release_it_gets_the_refusal_not_the_form(
    services: Services, slack: SlackHarness, fake: FakeSlack
) -> None:
    cid = own(services, "bob", "Acme Corp")
    slack.press("customer.release", f"#{cid}", as_="UALICE")
    assert not fake.of("views.open")
    assert "Acme Corp belongs to Bob" in slack.responses()[-1]


def test_dingtalk_offers_the_reasons_as_numbered_choices(services: Services, clock: FakeClock) -> None:
    raw = dingtalk_config().model_dump(mode="json")
    raw["pools"] = reasons_config()["pools"]
    config = PoolbotConfig.model_validate(raw)
    sync_config(services.db, config)
    cid = own(services, "bob", "杭州云帆科技")
    with running(services, clock, config) as ding:
        asked = ding.reply(ding.say(f"退回 #{cid}", as_="DBOB"))
        done = ding.reply(ding.say("2", as_="DBOB"))
    assert "公海 east-main 需要选一个退回原因" in asked and "No budget this year" in asked
    assert "已退回公海。 原因：No budget this year。" in done
    assert events_of(services.db, cid)[-1].release_reason == "No budget this year"
