"""The extension card and the last-day digest as Slack shows them: delivered through the real
slack_sdk WebClient to the strict fake Slack, which refuses what Slack refuses (Block Kit limits,
button values, text lengths), in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from helpers import local, notifications, own
from slack_fake import TOKEN, FakeSlack, running_fake_slack
from slack_sdk import WebClient
from test_extensions import acme, chat, config  # noqa: F401  (fixtures)
from test_holidays_travel import SHANGHAI
from test_recycle import shown

from bot.delivery import Delivery
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.last_day import last_day_digest
from bot.handlers.slack.deliver import SlackDeliverer
from bot.messages import Message


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with running_fake_slack() as slack:
        yield slack


def _post(fake: FakeSlack, kind: str, message: Message, locale: str) -> None:
    client = WebClient(token=TOKEN, base_url=f"http://127.0.0.1:{fake.port}/api/", retry_handlers=[])
    SlackDeliverer(client).deliver(
        Delivery(
            notification_id=1,
            key=f"{kind}:1",
            kind=kind,
            platform="slack",
            recipient_id=7,
            to_team_channel=False,
            address="U0MARIA",
            locale=locale,
            message=message,
        )
    )


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_extension_card_and_the_last_day_digest_pass_slacks_rules(
    services: Services,
    clock: FakeClock,
    acme: int,  # noqa: F811  (the fixture imported above)
    fake: FakeSlack,
    locale: str,
) -> None:
    for index in range(30):  # touched with Acme (02-13): back on 03-02, more than the digest lists
        own(services, "alice", f"杭州云帆科技有限公司第{index}分公司", priority="A")
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9))
    chat(services, "alice").say(f"/extend #{acme}")  # within the quota
    chat(services, "alice").say(f"/extend #{acme}")  # beyond it: the managers' card
    clock.set(local(SHANGHAI, date(2026, 2, 28), 9, 30))  # make-up Saturday: 03-02 is next
    assert last_day_digest(services).queued == 2
    for kind in ("extension_request", "last_day_digest"):
        (row, *_) = notifications(services.db, kind=kind)
        message = shown(services, row, locale)
        _post(fake, kind, message, locale)  # a refusal would raise PermanentDeliveryError
    assert len(fake.of("chat.postMessage")) == 2
