"""``POST /slack/events`` refuses garbage cheaply: a body over 1 MiB gets 413 before it is read,
unsigned and malformed requests a 4xx and one log line without their body, and nothing reaches
Bolt or the database. Through real HTTP against the app (``tests/slack_app.py``), both databases."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import socket
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from helpers import member, own
from slack_app import SlackHarness
from slack_fake import SIGNING_SECRET, FakeSlack, payload_body, signed_headers, slash_body
from sqlalchemy import func, inspect, select, table

from bot import logs
from bot.domain import lookup
from bot.domain.context import Services
from bot.handlers.slack.app import build_app
from bot.handlers.slack.http_guard import MAX_BODY, guarded
from bot.storage.engine import Database

FORM = "application/x-www-form-urlencoded"
MARK = "BODYMARK7q"  # in every body below: never in a log


def rows(db: Database) -> dict[str, int]:
    """Every table's row count: what a refused request must leave as it was."""
    names = inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        return {n: connection.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names}


def post(
    h: SlackHarness,
    body: bytes | str,
    *,
    signed: bool = True,
    content_type: str = FORM,
    headers: Mapping[str, str | bytes] | None = None,
) -> httpx.Response:
    raw = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
    sent = {"Content-Type": content_type, **(signed_bytes(raw) if signed else {}), **(headers or {})}
    as_bytes = [(k.encode(), v if isinstance(v, bytes) else v.encode()) for k, v in sent.items()]
    return h.client.post(f"{h.url}/slack/events", content=raw, headers=as_bytes)


def signed_bytes(raw: bytes) -> dict[str, str]:
    """``slack_fake.signed_headers``, over bytes (a body that is not UTF-8 is signed too)."""
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "slack request refused"]


def assert_no_body_logged(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert MARK not in record.getMessage()
        assert MARK not in json.dumps(record.__dict__, default=str)
    assert MARK not in caplog.text


def block_actions(user: Any = "UALICE", **extra: Any) -> dict[str, Any]:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "trigger_id": "trigger-x",
        "actions": [{"type": "button", "action_id": "cmd.mine", "block_id": "b1", "value": MARK}],
        **extra,
    }
    if user is not None:
        payload["user"] = user
    return payload


def followup_submission(next_day: str, customer: int = 1) -> dict[str, Any]:
    values = {
        "customer": {"customer": {"type": "external_select", "selected_option": {"value": f"#{customer}"}}},
        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "call"}}},
        "note": {"note": {"type": "plain_text_input", "value": f"talked {MARK}"}},
        "next": {"next": {"type": "datepicker", "selected_date": next_day}},
    }
    view = {"id": "V1", "type": "modal", "callback_id": "followup.form", "state": {"values": values}}
    return {"type": "view_submission", "user": {"id": "UALICE"}, "team": {"id": "T1"}, "view": view}


SIGNED_GARBAGE: dict[str, tuple[str, str]] = {
    "payload is not JSON": (urlencode({"payload": "{" + MARK}), FORM),
    "payload is a list": (urlencode({"payload": json.dumps([MARK])}), FORM),
    "payload is a string": (urlencode({"payload": json.dumps(MARK)}), FORM),
    "payload is a number": (urlencode({"payload": "12"}), FORM),
    "JSON body is a list": (json.dumps([MARK]), "application/json"),
    "JSON body is cut": (json.dumps({"type": "event_callback", "x": MARK})[:-3], "application/json"),
    "button press without user": (payload_body(block_actions(None)), FORM),
    "button press with a user string": (payload_body(block_actions("UALICE")), FORM),
    "button press without actions": (payload_body({**block_actions({"id": "UALICE"}), "actions": []}), FORM),
    "form submitted without user": (
        payload_body({k: v for k, v in followup_submission("2026-05-01").items() if k != "user"}),
        FORM,
    ),
    "form with selected_date 2026-13-45": (payload_body(followup_submission("2026-13-45")), FORM),
    "form with a date that is not one": (payload_body(followup_submission(MARK)), FORM),
    "form state values a list": (
        payload_body(
            {
                **followup_submission("2026-05-01"),
                "view": {"type": "modal", "callback_id": "f", "state": {"values": [MARK]}},
            }
        ),
        FORM,
    ),
    "customer search without user": (
        payload_body({"type": "block_suggestion", "action_id": "customer", "value": MARK}),
        FORM,
    ),
    "slash command without user": (
        urlencode({"command": "/mine", "text": MARK, "trigger_id": "t", "response_url": "http://x/"}),
        FORM,
    ),
    "direct message without user": (
        json.dumps(
            {"type": "event_callback", "event": {"type": "message", "channel_type": "im", "text": MARK}}
        ),
        "application/json",
    ),
    "event not an object": (json.dumps({"type": "event_callback", "event": MARK}), "application/json"),
    "body not UTF-8": (f"payload={MARK}\udcff", FORM),
}


@pytest.mark.parametrize("case", list(SIGNED_GARBAGE))
def test_signed_garbage_gets_a_4xx_and_a_log_line_and_changes_nothing(
    slack: SlackHarness, fake: FakeSlack, services: Services, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    from helpers import add_one, own

    own(services, "alice", "Contoso Ltd")  # customer #1: a follow-up form that went through would touch it
    add_one(services, "Fabrikam")
    before = rows(services.db)
    caplog.set_level(logging.DEBUG)
    body, kind = SIGNED_GARBAGE[case]
    answer = post(slack, body, content_type=kind)
    assert 400 <= answer.status_code < 500, answer.text
    (line,) = refusals(caplog)
    fields = line.__dict__
    assert line.levelno == logging.WARNING and fields["signed"] is True and fields["reason"]
    assert fields["status"] == answer.status_code
    assert_no_body_logged(caplog)
    assert rows(services.db) == before
    assert fake.calls == []  # nothing answered, opened or posted: Bolt never saw it


def test_a_non_numeric_timestamp_gets_400_not_a_500(
    slack: SlackHarness, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    before = rows(services.db)
    caplog.set_level(logging.INFO)
    body = slash_body("/mine", MARK, "UALICE", response_url="http://127.0.0.1:9/r", trigger="t1")
    signed = signed_headers(body)
    for timestamp in ("abc", "1e9", "-1", "１２３".encode(), "", str(2**70)):
        headers = {**signed, "X-Slack-Request-Timestamp": timestamp}
        answer = post(slack, body, signed=False, headers=headers)
        assert answer.status_code in (400, 401), (timestamp, answer.status_code)
    assert len(refusals(caplog)) == 6
    assert_no_body_logged(caplog)
    assert rows(services.db) == before


def test_a_body_over_1_mib_gets_413_before_it_is_read(slack: SlackHarness, services: Services) -> None:
    before = rows(services.db)
    # a declared 100 MB: answered from the headers, the body never sent
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {100 * MAX_BODY}\r\n\r\n"
    )
    assert _raw_exchange(slack.port, head.encode()).startswith(b"HTTP/1.1 413")
    # chunked, with no length: refused once the limit is passed, not after the whole body
    head = "POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    assert _raw_exchange(slack.port, head.encode(), chunk, repeat=100).startswith(b"HTTP/1.1 413")
    # just under the limit is read and checked (unsigned: 401)
    assert post(slack, b"x" * (MAX_BODY - 10), signed=False).status_code == 401
    assert rows(services.db) == before


def _raw_exchange(port: int, head: bytes, chunk: bytes = b"", *, repeat: int = 0) -> bytes:
    """Send ``head`` then up to ``repeat`` chunks, stopping as soon as the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head)
        conn.settimeout(0.05)
        for _ in range(repeat):
            try:
                if answer := conn.recv(4096):
                    return answer
            except TimeoutError:
                pass
            try:
                conn.sendall(chunk)
            except OSError:  # the server closed after answering
                break
        conn.settimeout(10)
        return conn.recv(4096)


def test_the_wsgi_layer_reads_no_more_than_the_limit() -> None:
    """Behind a server that does not cap bodies itself: the declared length is refused unread, and
    a stream without one is read one byte past the limit, no further."""

    class Endless(io.RawIOBase):
        read_bytes = 0

        def read(self, size: int = -1) -> bytes:
            size = 64 * 1024 if size < 0 else size
            self.read_bytes += size
            return b"x" * size

    def bolt(environ: Any, start_response: Any) -> list[bytes]:
        raise AssertionError("reached Bolt")

    app = guarded(bolt, SIGNING_SECRET)
    statuses: list[str] = []
    for declared in (str(50 * MAX_BODY), ""):
        stream = Endless()
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "wsgi.input": stream}
        environ |= {"CONTENT_LENGTH": declared} if declared else {}
        app(environ, start(statuses))
        assert stream.read_bytes <= (0 if declared else MAX_BODY + 1)
    assert statuses == ["413 Request Entity Too Large"] * 2


def start(statuses: list[str]) -> Any:
    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda data: None

    return start_response


def test_an_unsigned_500_kb_body_is_never_logged_and_memory_stays_bounded(
    slack: SlackHarness, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    before = rows(services.db)
    caplog.set_level(logging.DEBUG)
    body = urlencode({"payload": json.dumps({"type": "block_actions", "junk": MARK * 50_000})})
    assert 500_000 < len(body) < MAX_BODY
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        for _ in range(20):  # 10 MB posted in all
            assert post(slack, body, signed=False).status_code == 401
            assert post(
                slack, body, signed=False, headers={"X-Slack-Signature": "v0=" + "0" * 64}
            ).status_code in (
                400,
                401,
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - base < 12 * 1024 * 1024  # a few bodies at a time, never all of them
    assert len(refusals(caplog)) == 40
    assert_no_body_logged(caplog)
    assert rows(services.db) == before


def test_bolt_prints_no_body_even_when_it_is_given_one(
    services: Services, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bolt logs a bad signature's whole body at INFO: our filter cuts it, on Bolt's loggers and
    on the handler ``logs.configure`` installs."""
    from slack_bolt.request import BoltRequest

    app = build_app(services, token="xoxb-test", signing_secret=SIGNING_SECRET)
    caplog.set_level(logging.DEBUG)
    body = urlencode({"payload": json.dumps({"type": "block_actions", "junk": MARK * 1000})})
    headers: dict[str, str | Sequence[str]] = {
        "x-slack-signature": "v0=bad",
        "x-slack-request-timestamp": str(int(time.time())),
    }
    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 401
    assert any("Invalid request signature" in r.getMessage() for r in caplog.records)
    assert_no_body_logged(caplog)

    logs.configure("DEBUG", "json")
    try:
        logging.getLogger("slack_bolt.Other").info(f"Responding (body: {MARK})")
        logging.getLogger("poolbot.slack.bolt").warning("x" * 10_000)
    finally:
        logging.getLogger().handlers.clear()
    printed = capsys.readouterr().err
    assert MARK not in printed and "x" * 400 not in printed and logs.WITHHELD in printed


def test_valid_requests_still_reach_bolt_after_garbage(slack: SlackHarness, fake: FakeSlack) -> None:
    assert post(slack, urlencode({"payload": "[]"})).status_code == 400
    body = slash_body("/mine", "", "UALICE", response_url=fake.response_url(), trigger="trigger-ok")
    assert post(slack, body).status_code == 200
    assert fake.of("respond"), "the valid command was answered"
    assert slack.client.get(f"{slack.url}/healthz").status_code == 200


def test_a_slash_command_that_mentions_payload_reaches_the_command(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    """Bolt takes any form body containing "payload" for an interaction (its ``parse_body``): the
    guard re-encodes the word and signs the body again, so the note is recorded as typed."""
    acme = own(services, "alice", "Acme Corp")
    answer = slack.slash("/followup", f"#{acme} walked through the payload spec", as_="UALICE")
    assert answer.status_code == 200
    assert "Follow-up recorded on Acme Corp" in slack.responses()[-1]
    card = lookup.card(services, member=member(services, "alice"), customer_id=acme)
    assert [f.note for f in card.follow_ups] == ["walked through the payload spec"]
