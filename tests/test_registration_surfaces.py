"""Registration on Slack and DingTalk: the real SDKs against the fake platforms, both databases."""

from __future__ import annotations

import json

from dingtalk_fakes import dingtalk_config, running
from helpers import add_one, member, owner_of, requests
from slack_app import SlackHarness
from slack_fake import FakeSlack

from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.setup import sync_config


def posted_to(fake: FakeSlack, channel: str) -> list[dict[str, object]]:
    return [c["args"] for c in fake.of("chat.postMessage") if c["args"].get("channel") == channel]


def test_slack_a_rep_registers_and_a_near_duplicate_is_decided_on_a_card(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    pool_customer = add_one(services, "Contoso Ltd")
    slack.slash("/poolbot", "new Fabrikam phone:13911112222", as_="UALICE")
    assert "Fabrikam is registered to you" in slack.responses()[-1]
    slack.slash("/poolbot", "new contoso, ltd.", as_="UALICE")
    answer = slack.last_response()
    assert "is in the pool" in json.dumps(answer, ensure_ascii=False)
    assert ("claim.claim", f"#{pool_customer}") in [
        (e["action_id"], e["value"])
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    slack.slash("/poolbot", "new Contoso Holdings", as_="UALICE")
    assert "probably a customer we already have" in slack.responses()[-1]
    slack.press("choice.pick", "2", as_="UALICE")  # register anyway
    assert "Registration request #" in slack.responses()[-1]
    (card,) = posted_to(fake, fake.dm_of("UMARIA"))
    shown = json.dumps(card["blocks"], ensure_ascii=False)
    assert "Contoso Holdings | Contoso Ltd" in shown  # both records side by side
    (request,) = requests(services.db)
    slack.press("claim.approve", str(request.id), as_="UMARIA")
    registered = requests(services.db)[0].customer_id
    assert owner_of(services.db, registered) == member(services, "alice").id
    told = " ".join(str(a["text"]) for a in posted_to(fake, fake.dm_of("UALICE")))
    assert "Your registration of Contoso Holdings was approved by Maria" in told


def test_dingtalk_a_rep_registers_in_chinese_and_a_colleagues_customer_stays_private(
    services: Services, clock: FakeClock
) -> None:
    sync_config(services.db, dingtalk_config())  # the team in Chinese, Alice and Bob on DingTalk
    with running(services, clock, dingtalk_config()) as ding:
        first = ding.reply(ding.say("报备 杭州云帆科技有限公司 phone:13800001111 contact:王总", as_="DBOB"))
        second = ding.reply(ding.say("报备 （中国）杭州云帆科技", as_="DALICE"))
    assert "已报备给你" in first
    assert "已于" in second and "被同事报备" in second
    assert "Bob" not in second and "13800001111" not in second and "王总" not in second
