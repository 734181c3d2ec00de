"""Quiet hours: notifications due inside a member's window wait for its end (the team's time
zone) and are then delivered exactly once; claim cards reach managers anyway when the team says
so; a member sets their own window with /settings. The clock travels through a night."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from conftest import TEAM_CONFIG
from helpers import add_one, member, notifications
from notice_fakes import render
from pydantic import ValidationError

from bot.config import PoolbotConfig
from bot.delivery import Delivery
from bot.domain import quiet
from bot.domain.claims import claim, decide
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.setup import sync_config
from bot.handlers.console.chat import ConsoleChat
from bot.scheduler.dispatch import dispatch

EVENING = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tuesday 21:00 in Shanghai


class Recorder:
    """A platform deliverer that accepts everything and remembers who got what, when."""

    platform = "slack"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.got: list[tuple[str, str, datetime]] = []

    def deliver(self, delivery: Delivery) -> dict[str, str]:
        self.got.append((delivery.address, delivery.message.summary, self.clock.now()))
        return {"platform": "slack", "ts": str(len(self.got))}


def quiet_config(*, exempt: bool = False) -> PoolbotConfig:
    raw = copy.deepcopy(TEAM_CONFIG)
    raw["teams"][0]["claim_cards_ignore_quiet_hours"] = exempt
    for person in raw["members"]:
        if person["handle"] == "maria":
            person["quiet_hours"] = "20:00-08:30"
    return PoolbotConfig.model_validate(raw)


@pytest.fixture
def night(services: Services, clock: FakeClock) -> tuple[Services, Recorder]:
    sync_config(services.db, quiet_config())
    clock.set(EVENING)
    return services, Recorder(clock)


def run(services: Services, slack: Recorder) -> None:
    dispatch(services, {"slack": slack}, render)


def test_a_claim_card_at_night_waits_for_the_morning_and_goes_out_once(
    night: tuple[Services, Recorder], clock: FakeClock
) -> None:
    services, slack = night
    claim(services, member=member(services, "alice"), customer_id=add_one(services, "Acme", pool="east-vip"))
    run(services, slack)
    assert slack.got == []  # 21:00: Maria's quiet hours
    (card,) = notifications(services.db, kind="claim_request")
    assert card.status == "pending" and card.attempts == 0
    assert card.next_attempt_at == datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    for _ in range(22):  # through the night, every 30 minutes, to 08:00
        clock.advance(minutes=30)
        run(services, slack)
    clock.set(datetime(2026, 11, 25, 0, 29, tzinfo=UTC))
    run(services, slack)
    assert slack.got == []
    clock.set(datetime(2026, 11, 25, 0, 30, tzinfo=UTC))  # 08:30: the window ends
    run(services, slack)
    clock.advance(minutes=5)
    run(services, slack)
    assert [(address, at) for address, _, at in slack.got] == [("UMARIA", clock.now() - timedelta(minutes=5))]
    (card,) = notifications(services.db, kind="claim_request")
    assert card.status == "sent" and card.attempts == 1


def test_a_team_may_let_claim_cards_through_to_managers(services: Services, clock: FakeClock) -> None:
    sync_config(services.db, quiet_config(exempt=True))
    clock.set(EVENING)
    slack = Recorder(clock)
    claim(services, member=member(services, "alice"), customer_id=add_one(services, "Acme", pool="east-vip"))
    run(services, slack)
    assert [address for address, _, _ in slack.got] == ["UMARIA"]


def test_a_rep_sets_their_own_window_and_their_news_waits_for_it_to_end(
    night: tuple[Services, Recorder], clock: FakeClock
) -> None:
    services, slack = night
    alice = ConsoleChat(services, handle="alice")
    assert alice.say("/settings quiet 22:00-07:00") == (
        "Your quiet hours: 22:00-07:00 (Asia/Shanghai). Notifications falling inside wait for their end."
    )
    outcome = claim(
        services, member=member(services, "alice"), customer_id=add_one(services, "Acme", pool="east-vip")
    )
    assert outcome.request_id is not None
    clock.set(datetime(2026, 11, 24, 15, 30, tzinfo=UTC))  # 23:30: Maria approves from the console
    decide(services, manager=member(services, "maria"), request_id=outcome.request_id, approve=True)
    run(services, slack)
    assert slack.got == []  # Maria's card and Alice's news both wait
    clock.set(datetime(2026, 11, 24, 23, 0, tzinfo=UTC))  # 07:00: Alice's window ends
    run(services, slack)
    assert [address for address, _, _ in slack.got] == ["UALICE"]
    clock.set(datetime(2026, 11, 25, 0, 30, tzinfo=UTC))  # 08:30: Maria's
    run(services, slack)
    assert [address for address, _, _ in slack.got] == ["UALICE", "UMARIA"]
    assert {n.status for n in notifications(services.db)} == {"sent"}


def test_settings_show_change_and_refuse_in_one_line(night: tuple[Services, Recorder]) -> None:
    services, _ = night
    maria = ConsoleChat(services, handle="maria")
    assert maria.say("/settings").startswith(
        "Your quiet hours: 20:00-08:30 (Asia/Shanghai), from the team's config"
    )
    assert maria.say("/settings quiet 25:00-07:00") == (
        "Quiet hours are two times of day, e.g. /settings quiet 20:00-08:30 (or off), not 25:00-07:00"
    )
    assert maria.say("/settings quiet off") == "Quiet hours off: notifications reach you at any time."
    assert quiet.setting(services, member=member(services, "maria")).window is None
    assert maria.say("/设置 免打扰 21:00-07:30").startswith("Your quiet hours: 21:00-07:30")
    sync_config(services.db, quiet_config())  # a restart re-reads the config: the member's own stays
    assert quiet.setting(services, member=member(services, "maria")).window == "21:00-07:30"


def test_the_window_passes_midnight_and_daylight_saving() -> None:
    at = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 21:00 Shanghai
    assert quiet.window_end("20:00-08:30", at, "Asia/Shanghai") == datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    assert quiet.window_end("20:00-08:30", at - timedelta(hours=2), "Asia/Shanghai") is None  # 19:00
    assert quiet.window_end("12:00-14:00", at.replace(hour=4), "Asia/Shanghai") == at.replace(hour=6)
    # New York, the night the clocks go back (2026-11-01): 08:00 local is 13:00 UTC
    ny = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 00:00 EDT
    assert quiet.window_end("22:00-08:00", ny, "America/New_York") == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)


def test_the_config_refuses_a_window_that_is_not_two_times() -> None:
    for bad in ("20:00", "20:00-20:00", "25:00-08:00", "8:00-9:00"):
        raw = copy.deepcopy(TEAM_CONFIG)
        raw["members"][0]["quiet_hours"] = bad
        with pytest.raises(ValidationError):
            PoolbotConfig.model_validate(raw)
