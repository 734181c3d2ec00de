"""The console surface, driven like a person would: transcripts through the real router."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.catalog import NewCustomer, add_customers
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.handlers.console.chat import ConsoleChat
from bot.messages import Reply
from bot.storage.engine import Database
from bot.storage.teams import pool_by_name


@pytest.fixture
def chat(services: Services) -> ConsoleChat:
    now = services.clock.now()
    with services.db.write() as session:
        main = pool_by_name(session, "east-main")
        vip = pool_by_name(session, "east-vip")
        assert main is not None and vip is not None and main.id and vip.id
        add_customers(
            session,
            pool_id=main.id,
            now=now,
            customers=[
                NewCustomer("杭州云帆科技有限公司", contact="王总", phone="13800000001", industry="制造"),
                NewCustomer("Acme Corp", priority="A"),
                NewCustomer("Acme Ltd"),
                NewCustomer("Globex", priority="C"),
            ],
        )
        add_customers(session, pool_id=vip.id, now=now, customers=[NewCustomer("Contoso Ltd")])
    return ConsoleChat(services, handle="alice")


def test_claim_by_pinyin_shows_the_recycle_deadline(chat: ConsoleChat) -> None:
    guess = chat.say("/claim yunfan warm lead")
    assert "No customer is called “yunfan”. Did you mean #1 杭州云帆科技有限公司? Reply 1." in guess
    out = chat.say("1")
    assert "杭州云帆科技有限公司 is yours (1 of 3 held)" in out
    assert "12-08" in out  # priority B: 15 days after the claim on 11-23


def test_ambiguous_name_offers_numbered_choices_and_a_number_picks(chat: ConsoleChat) -> None:
    out = chat.say("/claim acme")
    assert "No customer is called “acme”. Did you mean one of these?" in out
    assert "[1) #2 Acme Corp: 1]" in out and "[2) #3 Acme Ltd: 2]" in out
    assert "Acme Ltd is yours" in chat.say("2")


def test_each_rule_is_refused_with_its_numbers(chat: ConsoleChat, services: Services) -> None:
    chat.say("/claim 杭州云帆科技有限公司")
    chat.say("/claim Globex")
    assert "You have claimed 2 of 2 customers today" in chat.say('/claim "Acme Corp"')
    assert isinstance(services.clock, FakeClock)
    services.clock.advance(days=1)
    assert "Acme Corp is yours (3 of 3 held)" in chat.say('/claim "Acme Corp"')
    assert "You hold 3 of 3 customers" in chat.say('/claim "Acme Ltd"')
    assert "is back in the pool" in chat.say("/release Globex no budget")
    out = chat.say("/claim Globex")
    assert "the 7-day cooldown lets you claim it again on 12-01" in out


def test_owner_only_actions_are_refused_to_others(chat: ConsoleChat) -> None:
    chat.say("/claim 杭州云帆科技有限公司")
    chat.say("/as bob")
    assert "belongs to Alice" in chat.say("/claim 杭州云帆科技有限公司")
    assert "Only the owner can record a follow-up" in chat.say("/followup 杭州云帆科技有限公司 called")
    assert "Only reps can /claim" in chat.say("/as maria") + chat.say("/claim Globex")


def test_followup_with_chinese_date_and_bad_date(chat: ConsoleChat) -> None:
    chat.say("/claim 杭州云帆科技有限公司")
    out = chat.say("/跟进 杭州云帆科技有限公司 拜访了王总 next:明天 kind:visit")
    assert "next on 11-24" in out
    assert "I can't read “someday-ish” as a day" in chat.say(
        "/followup 杭州云帆科技有限公司 called next:someday-ish"
    )
    card = chat.say("/customer 云帆")
    assert "visit: 拜访了王总 → 11-24" in card
    assert "claimed by Alice" in card


def test_approval_flow_notifies_manager_and_rep(chat: ConsoleChat) -> None:
    assert "Claim request #1 for Contoso Ltd sent to the managers" in chat.say(
        '/claim "Contoso Ltd" big deal'
    )
    out = chat.say("/as maria")
    assert "Claim request #1" in out and "[Approve: /approve 1]" in out
    assert "Approved #1: Contoso Ltd now belongs to Alice" in chat.say("/approve 1")
    assert "already approved by Maria" in chat.say("/approve 1")
    assert "was approved by Maria" in chat.say("/as alice")


def test_manager_assigns_and_transfers(chat: ConsoleChat) -> None:
    chat.say("/claim 杭州云帆科技有限公司")
    chat.say("/as maria")
    assert "Globex now belongs to Bob" in chat.say("/assign Globex bob")
    assert "Moved 1 customers from Alice to Bob" in chat.say("/transfer alice bob")
    out = chat.say("/as bob")
    assert "Maria assigned Globex to you" in out
    assert "Maria moved 1 customers from Alice to you" in out
    assert "Your customers (2)" in chat.say("/mine")


def test_contact_hidden_in_pool_but_shown_to_owner(chat: ConsoleChat) -> None:
    assert "hidden until claimed" in chat.say("/customer 云帆")
    chat.say("/claim 杭州云帆科技有限公司")
    assert "13800000001" in chat.say("/customer 云帆")


def test_unknown_command_and_unknown_member_get_help_not_a_trace(chat: ConsoleChat) -> None:
    out = chat.say("/frobnicate now")
    assert "I don't know “/frobnicate”" in out and "/claim <customer>" in out
    assert "I don't know nobody" in chat.say("/as nobody")
    assert "Usage:" in chat.say("/claim")
    assert "No customer matches “zzzz”" in chat.say("/claim zzzz")
    assert "too long" in chat.say("/claim 杭州云帆科技有限公司 " + "x" * 600)
    assert "Your customers" not in chat.say("/mine")  # nothing was claimed by the refusals


def test_pool_search_filters_and_paging(chat: ConsoleChat) -> None:
    out = chat.say("/pool priority:A")
    assert "Acme Corp" in out and "Globex" not in out
    assert "制造" in chat.say("/公海 industry:制造")
    assert "Pages are numbers" in chat.say("/pool page:two")
    assert "Pages are numbers from 1 to 100000" in chat.say("/pool page:99999999999999999999")
    assert "Usage: /as <handle>" in chat.say("/as")


def test_chinese_locale_answers_in_chinese(services: Services) -> None:
    from bot.config import PoolbotConfig
    from bot.domain.setup import sync_config

    sync_config(
        services.db,
        PoolbotConfig.model_validate(
            {
                "teams": [{"name": "south", "locale": "zh-CN"}],
                "members": [{"handle": "li", "name": "李雷", "team": "south"}],
                "pools": [{"name": "south-main", "team": "south"}],
            }
        ),
    )
    chat = ConsoleChat(services, handle="li")
    assert "公海中没有匹配的客户" in chat.say("/公海")
    assert "你还没有客户" in chat.say("我的客户")


def test_no_stack_trace_reaches_the_chat_when_something_breaks(
    chat: ConsoleChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.domain import lookup

    def explode(*args: object, **kwargs: object) -> Reply:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(lookup, "mine", explode)
    out = chat.say("/mine")
    assert "Something went wrong on our side; nothing was changed" in out
    assert "Traceback" not in out and "database on fire" not in out


def test_times_are_shown_in_the_team_timezone(services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, FakeClock)
    clock.set(datetime(2026, 11, 23, 17, 30, tzinfo=UTC))  # 01:30 on 11-24 in Shanghai
    chat = ConsoleChat(services, handle="alice")
    with services.db.write() as session:
        pool = pool_by_name(session, "east-main")
        assert pool is not None and pool.id
        add_customers(session, pool_id=pool.id, now=clock.now(), customers=[NewCustomer("Initech")])
    chat.say("/claim Initech")
    assert "11-24 01:30 claimed by Alice" in chat.say("/customer Initech")


def test_overlong_message_is_refused_in_the_team_language(chat: ConsoleChat) -> None:
    out = chat.say("/claim 杭州云帆科技有限公司 " + "x" * 5000)
    assert "The message is too long (5018 characters, at most 4000)" in out
    assert "The reason is too long" in chat.say("/claim 杭州云帆科技有限公司 " + "x" * 600)
    assert "You own no customers yet" in chat.say("/mine")


def test_a_broken_database_answers_with_a_reference_not_a_trace(tmp_path: Path, clock: FakeClock) -> None:
    unreachable = Database.from_url(f"sqlite:///{tmp_path / 'missing-dir' / 'poolbot.db'}")
    out = ConsoleChat(Services(db=unreachable, clock=clock), handle="alice").say("/mine")
    assert "Something went wrong on our side; nothing was changed. Reference: console-1" in out
    assert "Traceback" not in out and "OperationalError" not in out


def test_a_rejected_rep_reads_the_managers_reason(chat: ConsoleChat) -> None:
    chat.say('/claim "Contoso Ltd" my own reason')
    chat.say("/as maria")
    assert "Rejected #1: Contoso Ltd stays in the pool" in chat.say("/reject 1 already in talks with HQ")
    out = chat.say("/as alice")
    assert "was rejected by Maria. already in talks with HQ" in out
    assert "my own reason" not in out


def test_an_expired_request_reads_as_expired_everywhere(chat: ConsoleChat, services: Services) -> None:
    from bot.domain.expiry import expire_requests

    chat.say('/claim "Contoso Ltd"')
    assert isinstance(services.clock, FakeClock)
    services.clock.advance(hours=73)  # the pool's request_expiry_hours is 72 by default
    expire_requests(services)
    assert "Contoso Ltd" in chat.say("/mine")  # the rep is told with the next reply
    chat.say("/as maria")
    assert "Request #1 expired: no manager decided in time" in chat.say("/approve 1")
    card = chat.say("/customer Contoso")
    assert "claim by Alice expired: no manager decided in time" in card
    assert "rejected by ?" not in card


def test_a_decision_conflict_speaks_chinese_in_a_chinese_team(services: Services) -> None:
    from bot.config import PoolbotConfig
    from bot.domain.setup import sync_config

    sync_config(
        services.db,
        PoolbotConfig.model_validate(
            {
                "teams": [{"name": "south", "locale": "zh-CN"}],
                "members": [
                    {"handle": "li", "name": "李雷", "team": "south"},
                    {"handle": "wang", "name": "王经理", "team": "south", "role": "manager"},
                ],
                "pools": [{"name": "south-vip", "team": "south", "claim_requires_approval": True}],
            }
        ),
    )
    with services.db.write() as session:
        pool = pool_by_name(session, "south-vip")
        assert pool is not None and pool.id
        add_customers(
            session, pool_id=pool.id, now=services.clock.now(), customers=[NewCustomer("深圳蓝海物流")]
        )
    chat = ConsoleChat(services, handle="li")
    chat.say("认领 深圳蓝海物流")
    chat.say("/as wang")
    chat.say("审批 1")
    assert "申请 #1 已被 王经理 批准" in chat.say("审批 1")


@pytest.mark.parametrize(
    "text",
    [
        "/claim #99999999999999999999",
        "/claim #3000000000",
        "/customer #²",
        "/approve ²",
        "/approve 99999999999",
        "/pool page:²",
        "/lock #4294967296",
    ],
)
def test_numbers_that_name_nothing_get_a_clear_answer(chat: ConsoleChat, text: str) -> None:
    chat.say("/as maria")
    out = chat.say(text)
    assert "Something went wrong" not in out
    assert any(hint in out for hint in ("No customer matches", "Usage:", "Pages are numbers"))


def test_review_findings_get_clear_answers(chat: ConsoleChat) -> None:
    chat.say("/claim 杭州云帆科技有限公司")
    assert "more than 366 days away" in chat.say("/followup 杭州云帆科技有限公司 plan next:9999-12-31")
    assert "I can't read “” as a day" in chat.say("/followup 杭州云帆科技有限公司 call next:")
    assert "No follow-ups yet" in chat.say("/customer 云帆")  # neither was recorded
    chat.say("/as maria")
    assert "Maria's role is manager: only reps own customers" in chat.say("/assign Globex maria")
    assert "Globex (#4)" in chat.say("/customer Globex") and "in the pool" in chat.say("/customer Globex")


def test_a_number_answers_the_question_in_another_process(chat: ConsoleChat, services: Services) -> None:
    """The choices live in the database: a second bot (another process behind Slack or DingTalk)
    takes the answer; a number answers once, and not after an hour."""
    from bot.handlers.commands import Bot
    from bot.messages import Actor, Command

    alice = Actor("console", "alice")
    first, second = Bot(services), Bot(services)
    assert first.handle(Command(alice, "/claim acme")).refused
    assert "Acme Ltd is yours" in second.handle(Command(alice, "2")).message.summary
    assert "yours" not in second.handle(Command(alice, "1")).message.summary

    first.handle(Command(alice, "/customer acme"))
    assert isinstance(services.clock, FakeClock)
    services.clock.advance(hours=1, minutes=1)
    assert "Acme Corp" not in second.handle(Command(alice, "1")).message.summary


def test_pool_filters_by_a_chinese_priority_word(chat: ConsoleChat) -> None:
    out = chat.say("/pool priority:高")
    assert "Acme Corp" in out and "Globex" not in out and "Acme Ltd" not in out


def test_an_ambiguous_name_says_how_many_match_when_only_some_are_shown(
    chat: ConsoleChat, services: Services
) -> None:
    with services.db.write() as session:
        main = pool_by_name(session, "east-main")
        assert main is not None and main.id
        add_customers(
            session,
            pool_id=main.id,
            now=services.clock.now(),
            customers=[NewCustomer(f"Northwind Branch {n}") for n in range(1, 8)],
        )
    out = chat.say("/customer northwind branch")
    assert "7 customers match “northwind branch”; the 5 closest are below" in out
    assert sum(f"#{n} Northwind Branch" in out for n in range(1, 12)) == 5
