"""The chat process's dispatch kicker: a command's notifications leave at once, not at the next
scheduler minute."""

from __future__ import annotations

import threading

from helpers import add_one, member

from bot.delivery import Delivery, MessageRef
from bot.domain.claims import claim
from bot.domain.context import Services
from bot.handlers.notices import render
from bot.scheduler.kicker import DispatchKicker


class Recorder:
    platform = "slack"

    def __init__(self) -> None:
        self.delivered: list[Delivery] = []
        self.arrived = threading.Condition()

    def deliver(self, delivery: Delivery) -> MessageRef:
        with self.arrived:
            self.delivered.append(delivery)
            self.arrived.notify_all()
        return {"platform": "slack", "channel": "D1", "ts": str(len(self.delivered))}

    def wait_for(self, count: int) -> list[Delivery]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.delivered) >= count, 10)
            return list(self.delivered)


def test_a_kick_delivers_what_a_command_queued(services: Services) -> None:
    slack = Recorder()
    kicker = DispatchKicker(services, {"slack": slack}, render, idle=3600)  # only a kick can wake it
    kicker.start()
    try:
        contoso = add_one(services, "Contoso Ltd", pool="east-vip")
        claim(services, member=member(services, "alice"), customer_id=contoso)
        kicker.kick()
        (card,) = slack.wait_for(1)
        assert (card.kind, card.address) == ("claim_request", "UMARIA")
    finally:
        kicker.stop()
