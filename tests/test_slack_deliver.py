"""SlackDeliverer against a local fake Slack Web API, through the real slack_sdk WebClient."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from slack_fake import TOKEN, FakeSlack, running_fake_slack
from slack_sdk import WebClient

from bot.delivery import Delivery, PermanentDeliveryError, Throttled, TransientDeliveryError
from bot.handlers.slack.blocks import to_block_kit
from bot.handlers.slack.deliver import SlackDeliverer
from bot.messages import Actions, Button, Message, Text

MESSAGE = Message(
    blocks=(
        Text("Follow-up due <today>", heading=False),
        Actions((Button("Record follow-up", "customer.followup", "101", "primary"),)),
    ),
    summary="Follow-up due for 杭州云帆科技",
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with running_fake_slack() as slack:
        slack.join("C0SALES", "C1")  # the team channels these tests post to have the bot in them
        yield slack


def _client(port: int, timeout: int = 3) -> WebClient:
    # no retry handlers: the dispatcher owns retries
    return WebClient(
        token=TOKEN, base_url=f"http://127.0.0.1:{port}/api/", timeout=timeout, retry_handlers=[]
    )


def _delivery(*, to_team_channel: bool = False, address: str = "U0MARIA") -> Delivery:
    return Delivery(
        notification_id=1,
        key="reminder:1",
        kind="reminder",
        platform="slack",
        recipient_id=None if to_team_channel else 7,
        to_team_channel=to_team_channel,
        address=address,
        locale="en",
        message=MESSAGE,
    )


def test_member_delivery_opens_a_dm_and_posts_there(fake: FakeSlack) -> None:
    deliverer = SlackDeliverer(_client(fake.port))
    assert deliverer.platform == "slack"
    deliverer.deliver(_delivery())

    assert fake.methods() == ["conversations.open", "chat.postMessage"]
    opened, posted = fake.calls
    assert opened["args"]["users"] == "U0MARIA"
    assert posted["auth"] == f"Bearer {TOKEN}"
    text, blocks = to_block_kit(MESSAGE)
    assert posted["args"]["channel"] == fake.dm_of("U0MARIA")  # the id conversations.open answered
    assert posted["args"]["text"] == text == "Follow-up due for 杭州云帆科技"
    blocks_sent = posted["args"]["blocks"]
    if isinstance(blocks_sent, str):  # form-encoded clients send blocks as a JSON string
        blocks_sent = json.loads(blocks_sent)
    assert blocks_sent == blocks
    assert blocks_sent[0]["text"]["text"] == "Follow-up due &lt;today&gt;"
    assert blocks_sent[1]["elements"][0]["action_id"] == "customer.followup"
    assert blocks_sent[1]["elements"][0]["value"] == "101"
    assert blocks_sent[1]["elements"][0]["style"] == "primary"


def test_team_channel_delivery_posts_to_the_channel(fake: FakeSlack) -> None:
    SlackDeliverer(_client(fake.port)).deliver(_delivery(to_team_channel=True, address="C0SALES"))
    assert fake.methods() == ["chat.postMessage"]
    assert fake.calls[0]["args"]["channel"] == "C0SALES"


def test_429_is_throttled_with_retry_after(fake: FakeSlack) -> None:
    fake.script(
        "chat.postMessage", (429, {"Retry-After": "7"}, json.dumps({"ok": False, "error": "ratelimited"}))
    )
    deliverer = SlackDeliverer(_client(fake.port))
    with pytest.raises(Throttled) as caught:
        deliverer.deliver(_delivery(to_team_channel=True, address="C0SALES"))
    assert caught.value.retry_after_seconds == 7.0
    assert fake.methods() == ["chat.postMessage"]  # no retry inside the client
    # the next attempt (the dispatcher's) goes through
    deliverer.deliver(_delivery(to_team_channel=True, address="C0SALES"))
    assert fake.methods() == ["chat.postMessage", "chat.postMessage"]


def test_429_without_retry_after_waits_one_second(fake: FakeSlack) -> None:
    fake.script("conversations.open", (429, {}, json.dumps({"ok": False, "error": "ratelimited"})))
    with pytest.raises(Throttled) as caught:
        SlackDeliverer(_client(fake.port)).deliver(_delivery())
    assert caught.value.retry_after_seconds == 1.0
    assert fake.methods() == ["conversations.open"]  # nothing posted


def test_500_is_transient(fake: FakeSlack) -> None:
    fake.script("chat.postMessage", (500, {}, "<html>Internal Server Error</html>"))
    with pytest.raises(TransientDeliveryError, match="HTTP 500"):
        SlackDeliverer(_client(fake.port)).deliver(_delivery())
    assert fake.methods() == ["conversations.open", "chat.postMessage"]


def test_503_with_json_is_transient(fake: FakeSlack) -> None:
    fake.script("chat.postMessage", (503, {}, json.dumps({"ok": False, "error": "service_unavailable"})))
    with pytest.raises(TransientDeliveryError, match="service_unavailable"):
        SlackDeliverer(_client(fake.port)).deliver(_delivery(to_team_channel=True, address="C1"))


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("chat.postMessage", "channel_not_found"),
        ("chat.postMessage", "not_in_channel"),
        ("chat.postMessage", "is_archived"),
        ("chat.postMessage", "invalid_auth"),
        ("conversations.open", "user_not_found"),
        ("conversations.open", "account_inactive"),
    ],
)
def test_permanent_error_codes(fake: FakeSlack, method: str, error: str) -> None:
    fake.script(method, (200, {}, json.dumps({"ok": False, "error": error})))
    with pytest.raises(PermanentDeliveryError) as caught:
        SlackDeliverer(_client(fake.port)).deliver(_delivery())
    assert error in str(caught.value)
    assert TOKEN not in str(caught.value) and "U0MARIA" not in str(caught.value)
    assert fake.methods()[-1] == method


def test_transient_and_unknown_error_codes_are_retried(fake: FakeSlack) -> None:
    fake.script("chat.postMessage", (200, {}, json.dumps({"ok": False, "error": "internal_error"})))
    fake.script("chat.postMessage", (200, {}, json.dumps({"ok": False, "error": "something_new"})))
    deliverer = SlackDeliverer(_client(fake.port))
    for code in ("internal_error", "something_new"):
        with pytest.raises(TransientDeliveryError, match=code):
            deliverer.deliver(_delivery(to_team_channel=True, address="C1"))


def test_open_without_a_channel_id_is_transient(fake: FakeSlack) -> None:
    fake.script("conversations.open", (200, {}, json.dumps({"ok": True})))
    with pytest.raises(TransientDeliveryError, match="no channel id"):
        SlackDeliverer(_client(fake.port)).deliver(_delivery())
    assert fake.methods() == ["conversations.open"]


def test_connection_refused_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # the port is closed now: nothing listens there
    with pytest.raises(TransientDeliveryError, match=r"conversations\.open"):
        SlackDeliverer(_client(port)).deliver(_delivery())


def test_timeout_is_transient(fake: FakeSlack) -> None:
    fake.script("chat.postMessage", None)  # the server never answers
    with pytest.raises(TransientDeliveryError, match=r"chat\.postMessage"):
        SlackDeliverer(_client(fake.port, timeout=1)).deliver(_delivery(to_team_channel=True, address="C1"))
