"""The DingTalk deliverer under the real dispatcher, against the fake OpenAPI, on both databases:
batches of at most 20 users, per-user outcomes, throttling, and the token's life.

What is batched: deliveries whose rendered message is identical share ``batchSend`` calls (45
people, one message: three calls of 20, 20 and 5). A morning reminder lists the rep's own
customers, so 45 reminders are 45 different messages: the dispatcher leases them 20 at a time,
and each is its own call with one user."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from dingtalk_fakes import BATCH_SEND, REPS, FakeOpenApi, dingtalk_config, text_of
from helpers import member, notifications, own
from notice_fakes import TEAM_NOTE, render

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.followups import follow_up
from bot.domain.reminders import morning_reminders
from bot.handlers.dingtalk.deliver import DingTalkDeliverer
from bot.handlers.dingtalk.openapi import OpenApi
from bot.scheduler.dispatch import dispatch
from bot.storage.outbox import Outgoing, enqueue_many


@pytest.fixture
def config() -> PoolbotConfig:
    return dingtalk_config(reps=True)


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


def note_to_everyone(services: Services, handles: list[str]) -> None:
    """One identical notice per member (through the storage call the use cases use)."""
    with services.db.write() as session:
        for handle in handles:
            who = member(services, handle)
            note = Outgoing(
                f"note:{who.id}", who.team.id, who.id, TEAM_NOTE, {"text": "office closed friday"}
            )
            enqueue_many(session, [note], now=services.clock.now())


def user_lists(api: FakeOpenApi) -> list[list[str]]:
    return [c.body["userIds"] for c in api.sent(BATCH_SEND)]


def test_one_message_to_45_people_takes_three_calls(
    services: Services, api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    note_to_everyone(services, REPS)
    report = dispatch(services, {"dingtalk": deliverer}, render)
    assert report.sent == 45
    assert [len(users) for users in user_lists(api)] == [20, 20, 5]
    assert sorted(u for users in user_lists(api) for u in users) == sorted(f"D{h.upper()}" for h in REPS)
    assert {n.status for n in notifications(services.db)} == {"sent"}


def test_morning_reminder_to_45_reps(
    services: Services, clock: FakeClock, api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    """Each rep gets its own reminder naming its own customer: 45 messages, each its own call
    (personalised messages cannot share a batchSend), taken 20 at a time by the dispatcher; the
    token expires in the middle of the run and is renewed before it is refused."""
    today = clock.now().date()
    for handle in REPS:
        cid = own(services, handle, f"Customer of {handle}")
        follow_up(services, member=member(services, handle), customer_id=cid, note="call", next_date=today)
    assert morning_reminders(services).queued == 45

    assert dispatch(services, {"dingtalk": deliverer}, render, limit=20).sent == 20
    clock.advance(hours=2)  # the first token (7200 s) is now expired
    assert dispatch(services, {"dingtalk": deliverer}, render).sent == 25

    assert all(len(users) == 1 for users in user_lists(api)) and len(user_lists(api)) == 45
    for handle in REPS:
        (reminder,) = api.messages_to(f"D{handle.upper()}")
        assert f"Customer of {handle}" in text_of(reminder)
    tokens = [c.path for c in api.calls if c.path == "/v1.0/oauth2/accessToken"]
    assert len(tokens) == 2 and all(c.token for c in api.calls if c.path == BATCH_SEND)
    assert not [c for c in api.calls if c.path == BATCH_SEND and c.token == "token-1"][20:]


def test_a_token_revoked_early_is_renewed_once(
    services: Services, api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    note_to_everyone(services, ["alice"])
    deliverer.api.token()
    api.expire_tokens()
    assert dispatch(services, {"dingtalk": deliverer}, render).sent == 1
    assert [c.token for c in api.calls if c.path == BATCH_SEND] == ["token-1", "token-2"]


def test_a_throttled_answer_waits_and_is_retried(
    services: Services, clock: FakeClock, api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    note_to_everyone(services, REPS[:3])
    api.answer(BATCH_SEND, 429, {"code": "Forbidden.AccessDenied.QpsLimitForApi"}, {"Retry-After": "30"})
    report = dispatch(services, {"dingtalk": deliverer}, render)
    assert (report.throttled, report.sent) == (3, 0)
    clock.advance(seconds=29)
    assert dispatch(services, {"dingtalk": deliverer}, render).attempted == 0
    clock.advance(seconds=1)
    assert dispatch(services, {"dingtalk": deliverer}, render).sent == 3
    assert [len(users) for users in user_lists(api)] == [3, 3]


def test_flow_controlled_users_are_retried_and_invalid_ones_failed_and_logged(
    services: Services,
    clock: FakeClock,
    api: FakeOpenApi,
    deliverer: DingTalkDeliverer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    note_to_everyone(services, REPS[:4])
    answer = {
        "processQueryKey": "q",
        "flowControlledStaffIdList": ["DREP02"],
        "invalidStaffIdList": ["DREP03"],
    }
    api.answer(BATCH_SEND, 200, answer)
    with caplog.at_level(logging.WARNING, logger="poolbot.dingtalk"):
        report = dispatch(services, {"dingtalk": deliverer}, render)
    assert (report.sent, report.throttled, report.failed) == (2, 1, 1)
    invalid = member(services, "rep03")
    (record,) = [r for r in caplog.records if r.getMessage() == "dingtalk user invalid"]
    fields = vars(record)  # the log call's extra fields are attributes of the record
    assert (fields["member_id"], fields["notification"]) == (invalid.id, f"note:{invalid.id}")
    assert "DREP03" not in json.dumps(record.__dict__, default=str)

    clock.advance(seconds=60)
    assert dispatch(services, {"dingtalk": deliverer}, render).sent == 1
    assert user_lists(api)[-1] == ["DREP02"]
    statuses = {n.key: n.status for n in notifications(services.db)}
    assert statuses[f"note:{invalid.id}"] == "failed"
    assert list(statuses.values()).count("sent") == 3


def test_a_flow_controlled_user_does_not_hold_back_the_others(
    services: Services, clock: FakeClock, api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    """25 people, one message: DingTalk flow-controls one user of the first call of 20; the
    other 24 are all sent in the same pass, and that one a minute later."""
    note_to_everyone(services, REPS[:25])
    api.answer(BATCH_SEND, 200, {"processQueryKey": "q", "flowControlledStaffIdList": ["DREP02"]})
    report = dispatch(services, {"dingtalk": deliverer}, render)
    assert (report.sent, report.throttled, report.paused) == (24, 1, {})
    clock.advance(seconds=59)
    assert dispatch(services, {"dingtalk": deliverer}, render).attempted == 0
    clock.advance(seconds=1)
    assert dispatch(services, {"dingtalk": deliverer}, render).sent == 1
    assert user_lists(api)[-1] == ["DREP02"]


def test_throttling_without_retry_after_backs_off_up_to_five_minutes(
    services: Services, clock: FakeClock, api: FakeOpenApi, deliverer: DingTalkDeliverer
) -> None:
    """DingTalk's QPS limit usually says nothing about how long: 1 s, 2 s, 4 s ... 300 s, and the
    twelve throttles cost the notification none of its 8 attempts."""
    note_to_everyone(services, ["alice"])
    for _ in range(12):
        api.answer(BATCH_SEND, 403, {"code": "Forbidden.AccessDenied.QpsLimitForApi"})
    waits = []
    for _ in range(12):
        report = dispatch(services, {"dingtalk": deliverer}, render)
        assert report.throttled == 1
        wait = (report.paused["dingtalk"] - clock.now()).total_seconds()
        waits.append(wait)
        clock.advance(seconds=wait - 0.5)
        assert dispatch(services, {"dingtalk": deliverer}, render).attempted == 0  # not before its time
        clock.advance(seconds=0.5)
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert dispatch(services, {"dingtalk": deliverer}, render).sent == 1
    assert [n.status for n in notifications(services.db)] == ["sent"]
