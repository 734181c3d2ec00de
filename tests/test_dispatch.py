"""The dispatcher on both databases: delivered once, 429s waited out, errors retried with growing
backoff, permanent failures kept, crashed deliveries taken up again after the lease, two
dispatchers at once, per-platform pacing, and the console's share.

Notifications come from the real use cases (a claim in the approval pool 'east-vip' queues a
claim_request card for each manager: Maria on Slack, Dora on DingTalk). The platforms are fakes
that record what they were given and raise what a real deliverer raises for a 429, a 5xx, a
timeout or an unknown user. Time is a FakeClock; nothing sleeps.
"""

from __future__ import annotations

import copy
import itertools
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from conftest import TEAM_CONFIG
from helpers import add, member, notifications
from notice_fakes import TEAM_NOTE, render
from sqlmodel import select

from bot.config import PoolbotConfig
from bot.delivery import Deliverer, Delivery, PermanentDeliveryError, Throttled, TransientDeliveryError
from bot.domain import outbox
from bot.domain.claims import claim, decide
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.outbox import OutboxItem
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.table import twin
from bot.messages import Message
from bot.scheduler.dispatch import dispatch
from bot.scheduler.retry import DEFAULT_POLICY, RetryPolicy
from bot.storage.models import Notification, Team
from bot.storage.outbox import Outgoing, enqueue_many

EXTRA_REPS = [f"rep{i}" for i in range(1, 9)]


@pytest.fixture
def config() -> PoolbotConfig:
    """conftest's team (no team channels, so claim cards go to the managers' DMs), plus: a
    DingTalk manager (Dora), Alice on both platforms, and eight more reps with no push platform
    (the console's people)."""
    data = copy.deepcopy(TEAM_CONFIG)
    for person in data["members"]:
        if person["handle"] == "alice":
            person["dingtalk"] = "DALICE"
    data["members"].append(
        {"handle": "dora", "name": "Dora", "team": "east", "role": "manager", "dingtalk": "DDORA"}
    )
    data["members"] += [{"handle": h, "name": h.title(), "team": "east", "role": "rep"} for h in EXTRA_REPS]
    return PoolbotConfig.model_validate(data)


class Crash(BaseException):
    """The process dying in the middle of a delivery (as SystemExit or a kill would)."""


@dataclass
class FakePlatform:
    """A chat platform that records every delivery and answers as told: ``answers`` lists, per
    address ("*" for any), the exceptions to raise on the next attempts before accepting."""

    platform: str
    calls: list[Delivery] = field(default_factory=list)
    accepted: list[Delivery] = field(default_factory=list)
    answers: dict[str, list[BaseException]] = field(default_factory=dict)
    always: BaseException | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(self, delivery: Delivery) -> dict[str, str]:
        with self.lock:
            self.calls.append(delivery)
            queued = self.answers.get(delivery.address) or self.answers.get("*") or []
            if queued:
                raise queued.pop(0)
            if self.always is not None:
                raise self.always
            self.accepted.append(delivery)
            return {"platform": self.platform, "message": f"m{len(self.accepted)}"}

    def answer(self, *errors: BaseException, to: str = "*") -> None:
        self.answers.setdefault(to, []).extend(errors)


def slack_429(retry_after: int) -> Throttled:
    """What the Slack deliverer raises for ``429 Too Many Requests`` with ``Retry-After``."""
    return Throttled(retry_after, f"slack 429 ratelimited, Retry-After: {retry_after}")


@pytest.fixture
def slack() -> FakePlatform:
    return FakePlatform("slack")


@pytest.fixture
def dingtalk() -> FakePlatform:
    return FakePlatform("dingtalk")


@pytest.fixture
def both(slack: FakePlatform, dingtalk: FakePlatform) -> dict[str, Deliverer]:
    return {"slack": slack, "dingtalk": dingtalk}


def request_claims(services: Services, rep: str, count: int = 1, *, prefix: str = "Acme") -> list[int]:
    """``rep`` asks for ``count`` customers of 'east-vip'; returns the request ids. Each request
    queues one claim_request card per manager (Maria: Slack, Dora: DingTalk)."""
    ids = add(services, *[f"{prefix} {rep} {i}" for i in range(count)], pool="east-vip")
    who = member(services, rep)
    outcomes = [claim(services, member=who, customer_id=cid, reason="warm lead") for cid in ids]
    return [o.request_id for o in outcomes if o.request_id is not None]


def row(services: Services, key: str) -> Notification:
    found = [n for n in notifications(services.db) if n.key == key]
    assert len(found) == 1, key
    return found[0]


def card_key(request_id: int, services: Services, manager: str) -> str:
    return f"claim_request:{request_id}:{member(services, manager).id}"


def set_team_channels(services: Services, *, slack: str | None, dingtalk: str | None) -> None:
    with services.db.write() as session:
        (team,) = session.exec(select(Team)).all()
        team.slack_channel, team.dingtalk_conversation = slack, dingtalk
        session.add(team)


def statuses(services: Services) -> Counter[str]:
    return Counter(n.status for n in notifications(services.db))


# ---- delivered once --------------------------------------------------------------------------------


def test_delivered_once_and_marked_sent(services: Services, clock: FakeClock, slack: FakePlatform) -> None:
    (rid,) = request_claims(services, "alice")
    report = dispatch(services, {"slack": slack}, render)

    assert (report.sent, report.attempted) == (1, 1)
    (delivery,) = slack.accepted
    maria = member(services, "maria")
    assert (delivery.key, delivery.kind, delivery.platform, delivery.address, delivery.recipient_id) == (
        card_key(rid, services, "maria"),
        "claim_request",
        "slack",
        "UMARIA",
        maria.id,
    )
    assert (delivery.locale, delivery.to_team_channel) == ("en", False)
    sent = row(services, delivery.key)
    assert (sent.status, sent.sent_at, sent.attempts, sent.last_error) == ("sent", clock.now(), 1, None)

    clock.advance(hours=2)
    assert dispatch(services, {"slack": slack}, render).attempted == 0
    assert len(slack.calls) == 1
    # Dora is on DingTalk only and no DingTalk deliverer runs here: her card waits, untouched
    waiting = row(services, card_key(rid, services, "dora"))
    assert (waiting.status, waiting.attempts) == ("pending", 0)


def test_the_message_is_the_neutral_card_for_its_kind(
    services: Services, slack: FakePlatform, dingtalk: FakePlatform, both: dict[str, Deliverer]
) -> None:
    (rid,) = request_claims(services, "alice")
    dispatch(services, both, render)

    (to_maria,), (to_dora,) = slack.accepted, dingtalk.accepted
    assert (to_dora.address, to_dora.kind) == ("DDORA", "claim_request")
    expected = render(
        services,
        OutboxItem(to_maria.notification_id, "claim_request", {"request_id": rid}, to_maria.recipient_id),
        "en",
    )
    assert isinstance(to_maria.message, Message)
    assert to_maria.message == expected == to_dora.message
    buttons = to_maria.message.buttons
    assert [(b.action_id, twin(b)) for b in buttons] == [
        ("claim.approve", f"/approve {rid}"),
        ("claim.reject", f"/reject {rid}"),
    ]
    assert "Acme alice 0" in to_maria.message.summary


def test_slack_is_preferred_and_team_channel_rows_go_to_the_team_channel(
    services: Services, slack: FakePlatform, dingtalk: FakePlatform, both: dict[str, Deliverer]
) -> None:
    """Alice has both ids: Slack wins while a Slack deliverer runs. A team-channel row (no use
    case queues one yet; queued here through the storage call the use cases use) goes to the
    team's channel on the same terms."""
    (rid,) = request_claims(services, "alice")
    maria = member(services, "maria")
    decide(services, manager=maria, request_id=rid, approve=True)
    team_id = maria.team.id
    set_team_channels(services, slack="CEAST", dingtalk="cidEAST")
    with services.db.write() as session:
        for n in (1, 2):
            note = Outgoing(f"team_note:{n}", team_id, None, TEAM_NOTE, {"n": n})
            enqueue_many(session, [note], now=services.clock.now())

    dispatch(services, both, render, limit=4)  # the two cards, the decision, the first team note
    dispatch(services, {"dingtalk": dingtalk}, render)  # the second team note: DingTalk only now
    assert [(d.kind, d.address) for d in slack.accepted] == [
        ("claim_request", "UMARIA"),
        ("claim_decided", "UALICE"),
        ("team_note", "CEAST"),
    ]
    assert [(d.kind, d.address, d.to_team_channel) for d in dingtalk.accepted] == [
        ("claim_request", "DDORA", False),
        ("team_note", "cidEAST", True),
    ]
    assert statuses(services) == {"sent": 5}


# ---- throttling and retries -------------------------------------------------------------------------


def test_429_waits_exactly_retry_after_and_loses_nothing(
    services: Services, clock: FakeClock, slack: FakePlatform
) -> None:
    (rid,) = request_claims(services, "alice")
    key = card_key(rid, services, "maria")
    slack.answer(slack_429(30))
    start = clock.now()

    report = dispatch(services, {"slack": slack}, render)
    assert (report.throttled, report.sent, report.paused) == (1, 0, {"slack": start + timedelta(seconds=30)})
    waiting = row(services, key)
    assert (waiting.status, waiting.next_attempt_at, waiting.attempts) == (
        "pending",
        start + timedelta(seconds=30),
        0,  # a throttle is not a failed attempt
    )
    assert "Retry-After: 30" in (waiting.last_error or "")

    clock.advance(seconds=29, microseconds=999_999)
    assert dispatch(services, {"slack": slack}, render).attempted == 0
    assert len(slack.calls) == 1
    clock.advance(microseconds=1)
    assert dispatch(services, {"slack": slack}, render).sent == 1
    assert [d.key for d in slack.accepted] == [key]
    assert row(services, key).status == "sent"


def test_5xx_and_timeouts_are_retried_with_growing_backoff(
    services: Services, clock: FakeClock, slack: FakePlatform
) -> None:
    """A 503, a timeout the deliverer reports, a raw socket timeout it did not translate, a 502:
    four retries, each later than the last, none before its time, then delivered."""
    (rid,) = request_claims(services, "alice")
    key = card_key(rid, services, "maria")
    slack.answer(
        TransientDeliveryError("HTTP 503"),
        TransientDeliveryError("read timed out after 10 s"),
        TimeoutError("timed out"),
        TransientDeliveryError("HTTP 502"),
    )
    delays: list[timedelta] = []
    for attempt in range(1, 5):
        assert dispatch(services, {"slack": slack}, render).retried == 1
        waiting = row(services, key)
        assert (waiting.status, waiting.attempts) == ("pending", attempt)
        delays.append(waiting.next_attempt_at - clock.now())
        clock.set(waiting.next_attempt_at - timedelta(microseconds=1))
        assert dispatch(services, {"slack": slack}, render).attempted == 0  # not before its time
        clock.advance(microseconds=1)
    assert dispatch(services, {"slack": slack}, render).sent == 1

    assert len(slack.calls) == 5 and [d.key for d in slack.accepted] == [key]
    assert delays == sorted(delays) and len(set(delays)) == 4
    for attempt, delay in enumerate(delays, start=1):
        raw = timedelta(seconds=30 * 2 ** (attempt - 1))
        assert raw * 0.8 <= delay <= raw
    assert row(services, key).status == "sent" and row(services, key).attempts == 5


def test_backoff_grows_to_the_cap_with_jitter() -> None:
    policy = RetryPolicy()
    waits = [policy.backoff(7, n) for n in range(1, 12)]
    assert all(later > earlier for earlier, later in itertools.pairwise(waits[:8]))  # attempts 1-8
    assert max(waits) <= timedelta(hours=1)
    assert waits[-1] >= timedelta(hours=1) * 0.8
    # rows that failed at the same moment do not all come back at the same moment
    assert len({policy.backoff(nid, 1) for nid in range(1, 50)}) > 40


def test_a_permanent_error_fails_at_once_and_is_kept(
    services: Services, clock: FakeClock, slack: FakePlatform, caplog: pytest.LogCaptureFixture
) -> None:
    (rid,) = request_claims(services, "alice")
    key = card_key(rid, services, "maria")
    slack.answer(PermanentDeliveryError("users_not_found"))

    with caplog.at_level(logging.ERROR, logger="poolbot.dispatch"):
        assert dispatch(services, {"slack": slack}, render).failed == 1
    failed = row(services, key)
    assert (failed.status, failed.attempts, failed.sent_at) == ("failed", 1, None)
    assert failed.last_error == "PermanentDeliveryError: users_not_found"
    (record,) = [r for r in caplog.records if r.getMessage() == "notification failed"]
    fields = vars(record)  # the log call's extra fields are attributes of the record
    assert (fields["notification"], fields["member_id"], fields["kind"]) == (
        key,
        member(services, "maria").id,
        "claim_request",
    )
    assert "UMARIA" not in str(record.__dict__)  # no platform addresses, no message text

    clock.advance(days=2)
    assert dispatch(services, {"slack": slack}, render).attempted == 0
    assert len(slack.calls) == 1


def test_fails_after_max_attempts_and_stays_in_the_table(
    services: Services, clock: FakeClock, slack: FakePlatform
) -> None:
    (rid,) = request_claims(services, "alice")
    key = card_key(rid, services, "maria")
    slack.always = TransientDeliveryError("HTTP 500")
    for _ in range(DEFAULT_POLICY.max_attempts - 1):
        assert dispatch(services, {"slack": slack}, render).retried == 1
        clock.advance(hours=1)
    assert dispatch(services, {"slack": slack}, render).failed == 1

    failed = row(services, key)
    assert (failed.status, failed.attempts) == ("failed", DEFAULT_POLICY.max_attempts)
    assert failed.last_error == "gave up after 8 attempts: TransientDeliveryError: HTTP 500"
    clock.advance(days=1)
    assert dispatch(services, {"slack": slack}, render).attempted == 0
    assert len(slack.calls) == DEFAULT_POLICY.max_attempts


# ---- leases -------------------------------------------------------------------------------------------


def test_a_crashed_delivery_is_taken_again_after_the_lease(
    services: Services, clock: FakeClock, slack: FakePlatform
) -> None:
    (rid,) = request_claims(services, "alice")
    key = card_key(rid, services, "maria")
    slack.answer(Crash())
    with pytest.raises(Crash):
        dispatch(services, {"slack": slack}, render)
    leased = row(services, key)
    assert (leased.status, leased.attempts) == ("sending", 1)
    assert leased.next_attempt_at == clock.now() + DEFAULT_POLICY.lease

    clock.advance(seconds=DEFAULT_POLICY.lease.total_seconds() - 1)
    assert dispatch(services, {"slack": slack}, render).attempted == 0  # still leased
    clock.advance(seconds=1)
    assert dispatch(services, {"slack": slack}, render).sent == 1
    assert [d.key for d in slack.calls] == [key, key] and len(slack.accepted) == 1
    assert (row(services, key).status, row(services, key).attempts) == ("sent", 2)


def test_an_outcome_after_the_lease_was_taken_over_changes_nothing(
    services: Services, clock: FakeClock, slack: FakePlatform
) -> None:
    """A dispatcher stalls past its lease; another takes the row and records a retry; the first
    then reports success: its report is dropped, the newer attempt's outcome stands."""
    (rid,) = request_claims(services, "alice")
    key = card_key(rid, services, "maria")
    stale = outbox.lease_next(
        services, routes=["slack"], open_platforms=["slack"], now=clock.now(), lease_for=DEFAULT_POLICY.lease
    )
    assert stale is not None and stale.key == key
    clock.advance(minutes=6)
    slack.answer(TransientDeliveryError("HTTP 503"))
    assert dispatch(services, {"slack": slack}, render).retried == 1

    assert outbox.settle_sent(services, stale, now=clock.now()) is False
    current = row(services, key)
    assert (current.status, current.attempts, current.sent_at) == ("pending", 2, None)


# ---- concurrency ------------------------------------------------------------------------------------


def run_concurrently(services: Services, both: dict[str, Deliverer], workers: int) -> list[int]:
    barrier = threading.Barrier(workers)
    sent: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            sent.append(dispatch(services, both, render).sent)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return sent


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_dispatchers_deliver_each_notification_exactly_once(
    services: Services,
    slack: FakePlatform,
    dingtalk: FakePlatform,
    both: dict[str, Deliverer],
    workers: int,
) -> None:
    for rep in ["alice", *EXTRA_REPS]:
        request_claims(services, rep, 3)
    total = len(notifications(services.db))
    assert total == 2 * 3 * (1 + len(EXTRA_REPS))  # a card for Maria and one for Dora per request

    sent = run_concurrently(services, both, workers)
    delivered = Counter(d.notification_id for d in slack.calls + dingtalk.calls)
    assert len(delivered) == total and set(delivered.values()) == {1}
    assert sum(sent) == total
    assert statuses(services) == {"sent": total}


# ---- pacing and the console ----------------------------------------------------------------------------


def test_a_throttled_slack_does_not_stop_dingtalk(
    services: Services,
    clock: FakeClock,
    slack: FakePlatform,
    dingtalk: FakePlatform,
    both: dict[str, Deliverer],
) -> None:
    request_claims(services, "alice", 3)  # 3 cards to Maria (Slack), 3 to Dora (DingTalk), interleaved
    slack.answer(slack_429(60))

    report = dispatch(services, both, render)
    assert (report.throttled, report.sent) == (1, 3)
    assert len(slack.calls) == 1 and len(dingtalk.accepted) == 3  # Slack left alone for the pass
    untouched = [
        n
        for n in notifications(services.db)
        if n.status == "pending" and n.attempts == 0 and n.last_error is None
    ]
    assert len(untouched) == 2 and all(n.next_attempt_at == clock.now() for n in untouched)

    assert dispatch(services, both, render).sent == 2  # the next pass: Slack's other rows
    clock.advance(seconds=60)
    assert dispatch(services, both, render).sent == 1  # and the throttled one once its wait is over
    assert statuses(services) == {"sent": 6}
    assert len(slack.accepted) == 3 and len(slack.calls) == 4


def test_members_without_a_push_platform_are_left_for_the_console(
    services: Services, clock: FakeClock, both: dict[str, Deliverer]
) -> None:
    (rid,) = request_claims(services, "bob")
    decide(services, manager=member(services, "maria"), request_id=rid, approve=False, reason="not yet")
    key = f"claim_decided:{rid}"

    report = dispatch(services, both, render)
    assert report.sent == 2  # the two managers' cards
    left = row(services, key)
    assert (left.status, left.attempts, left.next_attempt_at) == ("pending", 0, clock.now())
    clock.advance(days=1)
    assert dispatch(services, both, render).attempted == 0

    shown = ConsoleChat(services, handle="bob").notifications()
    assert "Your claim on Acme bob 0 was rejected by Maria." in shown
    assert row(services, key).status == "sent"


def test_a_limit_bounds_one_pass(services: Services, both: dict[str, Deliverer]) -> None:
    request_claims(services, "alice", 3)
    assert dispatch(services, both, render, limit=4).sent == 4
    assert dispatch(services, both, render, limit=4).sent == 2


def test_at_fixes_the_time_of_a_pass(services: Services, clock: FakeClock, slack: FakePlatform) -> None:
    """``at`` (an operator's ``--at``) decides what is due and when retries come back."""
    (rid,) = request_claims(services, "alice")
    key = card_key(rid, services, "maria")
    slack.answer(TransientDeliveryError("HTTP 503"))
    later = clock.now() + timedelta(hours=3)
    assert dispatch(services, {"slack": slack}, render, at=later).retried == 1
    assert row(services, key).next_attempt_at > later
    assert dispatch(services, {"slack": slack}, render, at=later).attempted == 0


def test_an_unknown_platform_is_refused(services: Services, slack: FakePlatform) -> None:
    with pytest.raises(ValueError, match="teams"):
        dispatch(services, {"teams": FakePlatform("teams")}, render)
    with pytest.raises(ValueError, match="slack"):
        dispatch(services, {"dingtalk": slack}, render)


# ---- claim cards: where they go, and updated in place after the decision ------------------------------


def test_a_team_channel_takes_the_card_instead_of_the_dms_of_its_platform(
    services: Services, slack: FakePlatform, dingtalk: FakePlatform, both: dict[str, Deliverer]
) -> None:
    """With a Slack channel only: one card in the channel for Maria (Slack), a DM for Dora
    (DingTalk, which has no team channel)."""
    set_team_channels(services, slack="CEAST", dingtalk=None)
    request_claims(services, "alice")
    dispatch(services, both, render)
    assert [(d.kind, d.address, d.to_team_channel) for d in slack.accepted] == [
        ("claim_request", "CEAST", True)
    ]
    assert [(d.kind, d.address) for d in dingtalk.accepted] == [("claim_request", "DDORA")]


def test_a_card_pinned_to_one_platform_never_goes_to_another(
    services: Services, slack: FakePlatform, dingtalk: FakePlatform
) -> None:
    set_team_channels(services, slack="CEAST", dingtalk="cidEAST")
    request_claims(services, "alice")
    dispatch(services, {"dingtalk": dingtalk}, render)
    assert [(d.key, d.address) for d in dingtalk.accepted] == [
        ("claim_request:1:channel:dingtalk", "cidEAST")
    ]
    assert row(services, "claim_request:1:channel:slack").status == "pending"
    dispatch(services, {"slack": slack}, render)
    assert [d.address for d in slack.accepted] == ["CEAST"]


def test_a_decision_updates_every_delivered_card_in_place(
    services: Services, slack: FakePlatform, dingtalk: FakePlatform, both: dict[str, Deliverer]
) -> None:
    (rid,) = request_claims(services, "alice")
    dispatch(services, both, render)
    decide(services, manager=member(services, "dora"), request_id=rid, approve=True)
    dispatch(services, both, render)

    maria_card, dora_card = (row(services, card_key(rid, services, m)) for m in ("maria", "dora"))
    (slack_update,) = [d for d in slack.accepted if d.kind == "card_refresh"]
    (ding_update,) = [d for d in dingtalk.accepted if d.kind == "card_refresh"]
    assert slack_update.replaces == maria_card.message_ref == {"platform": "slack", "message": "m1"}
    assert ding_update.replaces == dora_card.message_ref
    shown = " ".join(b.text for b in slack_update.message.blocks if hasattr(b, "text"))
    assert "approved by Dora at 11-23 10:00" in shown and not slack_update.message.buttons


def test_a_card_not_yet_delivered_needs_no_update_and_shows_the_decision(
    services: Services, slack: FakePlatform
) -> None:
    (rid,) = request_claims(services, "alice")
    decide(services, manager=member(services, "maria"), request_id=rid, approve=False, reason="not ours")
    dispatch(services, {"slack": slack}, render)
    kinds = [d.kind for d in slack.accepted]
    assert kinds == ["claim_request", "claim_decided"]  # no refresh was queued: nothing to update
    assert not slack.accepted[0].message.buttons


def test_an_update_waits_for_a_card_still_in_flight(
    services: Services, clock: FakeClock, slack: FakePlatform
) -> None:
    """The decision lands while the card is being posted: the update retries until the card has
    a place, then replaces it."""
    (rid,) = request_claims(services, "alice")
    key = card_key(rid, services, "maria")
    lease = outbox.lease_next(
        services, routes=["slack"], open_platforms=["slack"], now=clock.now(), lease_for=timedelta(minutes=5)
    )
    assert lease is not None and lease.key == key
    decide(services, manager=member(services, "maria"), request_id=rid, approve=True)
    report = dispatch(services, {"slack": slack}, render)
    assert report.retried == 1 and not any(d.kind == "card_refresh" for d in slack.accepted)

    outbox.settle_sent(services, lease, now=clock.now(), message_ref={"platform": "slack", "message": "x"})
    clock.advance(minutes=2)
    dispatch(services, {"slack": slack}, render)
    (update,) = [d for d in slack.accepted if d.kind == "card_refresh"]
    assert update.replaces == {"platform": "slack", "message": "x"}


def test_a_channel_that_refuses_the_card_sends_it_to_the_managers_dms_instead(
    services: Services, slack: FakePlatform, dingtalk: FakePlatform, both: dict[str, Deliverer]
) -> None:
    """The bot was never invited to the Slack channel: the card reaches Maria (Slack) by DM; Dora
    (DingTalk, which has no team channel) had hers anyway and gets no second one."""
    set_team_channels(services, slack="CEAST", dingtalk=None)
    slack.answer(PermanentDeliveryError("slack chat.postMessage: HTTP 200 not_in_channel"), to="CEAST")
    (rid,) = request_claims(services, "alice")
    dispatch(services, both, render)
    dispatch(services, both, render)
    assert row(services, f"claim_request:{rid}:channel:slack").status == "failed"
    assert [(d.kind, d.address) for d in slack.accepted] == [("claim_request", "UMARIA")]
    assert [(d.kind, d.address) for d in dingtalk.accepted] == [("claim_request", "DDORA")]

    decide(services, manager=member(services, "maria"), request_id=rid, approve=True)
    dispatch(services, both, render)
    assert [d.kind for d in slack.accepted].count("card_refresh") == 1  # the DM card is updated
