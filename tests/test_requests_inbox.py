"""A manager's inbox: /requests (待审批) lists what waits for a decision, oldest first, with the rep's
holdings and the buttons; a manager's /mine shows it with the team's day; the morning reminder of a
manager with requests waiting includes them. Console, Slack and DingTalk."""

from __future__ import annotations

import json
import re

from dingtalk_fakes import dingtalk_config, running
from helpers import add, add_one, add_west_team, member, notifications, owner_of, requests
from slack_app import SlackHarness

from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.reminders import morning_reminders
from bot.handlers.console.chat import ConsoleChat


def ask(services: Services, handle: str, name: str) -> int:
    """``handle`` asks to claim a new east-vip customer ``name``; the request's id."""
    cid = add_one(services, name, pool="east-vip")
    request_id = claim(
        services, member=member(services, handle), customer_id=cid, reason="met at fair"
    ).request_id
    assert request_id is not None
    return request_id


def manager(services: Services, handle: str = "maria") -> ConsoleChat:
    """The manager at the console, the claim cards already read (so replies stand alone)."""
    chat = ConsoleChat(services, handle=handle)
    chat.notifications()
    return chat


def later(services: Services, minutes: int = 5) -> None:
    assert isinstance(services.clock, FakeClock)
    services.clock.advance(minutes=minutes)


def test_requests_lists_the_teams_pending_requests_oldest_first_with_holdings(services: Services) -> None:
    first = ask(services, "bob", "Contoso")
    later(services)
    second = ask(services, "alice", "Initech")
    later(services)
    ask(services, "bob", "Umbrella")
    out = manager(services).say("/requests")
    assert "3 waiting for your decision, oldest first (page 1 of 1)" in out
    assert out.index("Contoso") < out.index("Initech") < out.index("Umbrella")
    assert f"#{first} Bob asks to claim Contoso (east-vip). Reason: met at fair" in out
    assert "Bob holds 2 of 3 in east-vip" in out  # both of Bob's pending requests count
    assert "Alice holds 1 of 3 in east-vip" in out
    assert f"[Approve: /approve {second}]" in out and f"[Reject: /reject {second}]" in out


def test_the_chinese_alias_and_deciding_from_the_list(services: Services) -> None:
    request = ask(services, "bob", "Contoso")
    chat = ConsoleChat(services, handle="maria")
    assert "Bob asks to claim Contoso" in chat.say("待审批")
    assert "Approved #1: Contoso now belongs to Bob." in chat.say(f"/approve {request}")
    assert chat.say("/requests") == "Nothing is waiting for your decision."


def test_requests_is_paged_and_a_page_past_the_last_is_refused(services: Services) -> None:
    from conftest import TEAM_CONFIG

    from bot.config import PoolbotConfig
    from bot.domain.setup import sync_config

    raw = json.loads(json.dumps(TEAM_CONFIG))
    raw["pools"][1]["max_held_per_rep"] = 20
    raw["pools"][1]["daily_claim_limit"] = 20
    sync_config(services.db, PoolbotConfig.model_validate(raw))
    ids = add(services, *[f"Lead {i:02}" for i in range(12)], pool="east-vip")
    for cid in ids:
        claim(services, member=member(services, "bob"), customer_id=cid)
        later(services, 1)
    chat = manager(services)
    page_one = chat.say("/requests")
    assert "12 waiting for your decision, oldest first (page 1 of 2)" in page_one
    assert "Lead 09" in page_one and "Lead 10" not in page_one
    assert "[Next page: /requests page:2]" in page_one
    page_two = chat.say("/requests page:2")
    assert "Lead 10" in page_two and "Lead 11" in page_two and "Lead 09" not in page_two
    assert "[Previous page: /requests page:1]" in page_two
    assert chat.say("/requests page:3") == "There are 2 pages of requests; page 3 is past the last."


def test_requests_is_for_managers_and_their_team_only(services: Services) -> None:
    ask(services, "bob", "Contoso")
    assert "Only managers can /requests" in ConsoleChat(services, handle="alice").say("/requests")
    add_west_team(services)
    assert ConsoleChat(services, handle="wendy").say("/requests") == "Nothing is waiting for your decision."


def test_a_managers_mine_shows_the_inbox_and_the_teams_day(services: Services) -> None:
    request = ask(services, "bob", "Contoso")
    out = manager(services).say("/mine")
    assert "You own no customers yet" not in out
    assert "Team east today" in out and re.search(r"Waiting for a decision\s+1", out)
    assert f"[Approve: /approve {request}]" in out


def test_the_morning_reminder_of_a_manager_includes_the_requests(services: Services) -> None:
    request = ask(services, "bob", "Contoso")
    report = morning_reminders(services)
    assert report.queued == 1
    (reminder,) = notifications(services.db, kind="morning_reminder")
    assert reminder.recipient_id == member(services, "maria").id
    shown = ConsoleChat(services, handle="maria").say("/help")
    assert "11-23: 1 requests wait for your decision" in shown
    assert "Waiting for your decision (1):" in shown
    assert f"[Approve: /approve {request}]" in shown
    assert morning_reminders(services).queued == 0  # once a day


def test_no_requests_no_morning_for_the_manager(services: Services) -> None:
    assert morning_reminders(services).queued == 0


# ---- Slack and DingTalk ------------------------------------------------------------------------------


def test_slack_poolbot_requests_and_its_approve_button(services: Services, slack: SlackHarness) -> None:
    request = ask(services, "alice", "Contoso")
    slack.slash("/poolbot", "requests", as_="UMARIA")
    shown = slack.last_response()
    text = json.dumps(shown, ensure_ascii=False)
    assert "Alice asks to claim Contoso" in text and "Alice holds 1 of 3 in east-vip" in text
    slack.press("claim.approve", str(request), as_="UMARIA")
    assert owner_of(services.db, requests(services.db)[0].customer_id) == member(services, "alice").id


def test_dingtalk_daishenpi_lists_them(services: Services, clock: FakeClock) -> None:
    from bot.domain.setup import sync_config

    config = dingtalk_config()
    sync_config(services.db, config)
    request = ask(services, "bob", "Contoso")
    with running(services, clock, config) as ding:
        answer = ding.reply(ding.say("待审批", as_="DDORA"))
        ding.reply(ding.say(f"审批 {request}", as_="DDORA"))
    assert "Bob 申请认领 Contoso（east-vip）" in answer and "Bob 在 east-vip 持有 1/3" in answer
    assert owner_of(services.db, requests(services.db)[0].customer_id) == member(services, "bob").id


def test_a_registration_request_waits_in_the_inbox_beside_claims_and_is_decided_there(
    services: Services,
) -> None:
    claim_request = ask(services, "bob", "Contoso")
    later(services)
    existing = add_one(services, "杭州云帆科技有限公司", pool="east-vip")
    alice = ConsoleChat(services, handle="alice")
    assert "probably a customer we already have" in alice.say("/new 云帆科技 pool:east-vip")
    alice.say("2")  # register anyway: a manager decides
    registration = next(r for r in requests(services.db) if r.kind == "registration")

    out = manager(services).say("/requests")

    assert "2 waiting for your decision" in out
    assert out.index(f"#{claim_request} Bob asks to claim Contoso") < out.index(f"#{registration.id} Alice")
    assert (
        f"#{registration.id} Alice registers “云帆科技” in east-vip, "
        f"which may be #{existing} 杭州云帆科技有限公司" in out
    )
    assert f"[Approve: /approve {registration.id}]" in out
    assert "Alice holds" in out
    assert "approved" in ConsoleChat(services, handle="maria").say(f"/approve {registration.id}").lower()
    assert "1 waiting for your decision" in manager(services).say("/requests")
