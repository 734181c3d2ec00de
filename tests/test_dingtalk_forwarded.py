"""A message forwarded to the bot's one-to-one chat on DingTalk: the bot offers to log it as a
follow-up on one of the rep's customers (numbered choices); the number logs it. End to end:
dingtalk-stream's real client, the fake gateway and the fake OpenAPI."""

from __future__ import annotations

import pytest
from dingtalk_fakes import dingtalk_config, running
from helpers import member, own
from sqlmodel import select

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.storage.models import FollowUp

FORWARDED = "王总：下周二来公司看演示，带上报价单"


@pytest.fixture
def config() -> PoolbotConfig:
    return dingtalk_config()


def test_a_forwarded_message_is_offered_as_a_follow_up_and_the_number_logs_it(
    services: Services, clock: FakeClock
) -> None:
    first = own(services, "bob", "杭州云帆科技", priority="A")
    second = own(services, "bob", "上海星河", priority="C")
    with running(services, clock, dingtalk_config()) as ding:
        offer = ding.reply(ding.say(FORWARDED, as_="DBOB"))
        done = ding.reply(ding.say("1", as_="DBOB"))
    assert "把这条消息记为跟进？选择客户" in offer
    assert offer.index("杭州云帆科技") < offer.index("上海星河")  # most urgent first
    assert "杭州云帆科技" in done
    with services.db.read() as session:
        (row,) = session.exec(select(FollowUp)).all()
    assert (row.customer_id, row.member_id, row.kind, row.note) == (
        first,
        member(services, "bob").id,
        "message",
        FORWARDED.replace("：", ":"),  # typed text is normalised (full-width forms to ASCII)
    )
    assert second != first


def test_without_customers_the_rep_is_told_and_a_group_message_stays_a_command(
    services: Services, clock: FakeClock
) -> None:
    with running(services, clock, dingtalk_config()) as ding:
        alone = ding.reply(ding.say(FORWARDED, as_="DBOB"))
        in_group = ding.reply(ding.say(FORWARDED, as_="DALICE", group=True))
    assert "你还没有客户，无法记录这条消息" in alone
    assert "记为跟进" not in in_group  # in a group, unknown text is answered with help as before


def test_a_mistyped_command_in_the_one_to_one_chat_is_answered_as_a_command(
    services: Services, clock: FakeClock
) -> None:
    own(services, "bob", "杭州云帆科技", priority="A")
    with running(services, clock, dingtalk_config()) as ding:
        typo = ding.reply(ding.say("/clam 杭州云帆科技", as_="DBOB"))
    assert "记为跟进" not in typo
