"""Fuzz ``POST /slack/events``: random bytes, truncated and mutated Slack payloads, form fields,
bodies around the 1 MiB limit, signed and unsigned, each answered below 500, in bounded memory.

A fixed budget (``FUZZ_EXAMPLES``, derandomized, no example database), so CI runs the same
examples each time; raise ``POOLBOT_FUZZ_EXAMPLES`` locally to search longer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from helpers import add_one, own
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_app import SlackHarness, running_app
from slack_fake import SIGNING_SECRET, FakeSlack, running_fake_slack

from bot.domain.context import Services
from bot.handlers.slack.http_guard import MAX_BODY

FUZZ_EXAMPLES = int(os.environ.get("POOLBOT_FUZZ_EXAMPLES", "150"))
FORM, JSON = "application/x-www-form-urlencoded", "application/json"
USERS = ("UALICE", "UMARIA", "USTRANGER")
# where a real answer goes: mutating it would send the app's answers to random hosts
UNTOUCHED = frozenset({"response_url"})

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with running_fake_slack() as slack:
        yield slack


def _signed(raw: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def _interaction(kind: str, user: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "user": {"id": user}, "team": {"id": "T1"}, "api_app_id": "A1", **fields}


def seeds(response_url: str, customer: int) -> list[tuple[str, dict[str, Any]]]:
    """Each kind of request the app handles, as Slack sends it: ("form" | "payload" | "json", body)."""
    slash = {
        "token": "legacy",
        "team_id": "T1",
        "channel_id": "C0",
        "user_id": "UALICE",
        "command": "/mine",
        "text": "",
        "response_url": response_url,
        "trigger_id": "trigger-fuzz",
    }
    button = {"type": "button", "action_id": "cmd.mine", "block_id": "b1", "value": "", "action_ts": "1"}
    values = {
        "customer": {"customer": {"type": "external_select", "selected_option": {"value": f"#{customer}"}}},
        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "call"}}},
        "note": {"note": {"type": "plain_text_input", "value": "talked"}},
        "next": {"next": {"type": "datepicker", "selected_date": "2026-05-01"}},
    }
    form = {"id": "V1", "type": "modal", "callback_id": "followup.form", "state": {"values": values}}
    return [
        ("form", slash),
        ("form", {**slash, "command": "/claim", "text": "Fabrikam"}),
        ("form", {**slash, "command": "/followup", "text": ""}),
        ("payload", _interaction("block_actions", "UALICE", actions=[button])),
        (
            "payload",
            _interaction(
                "block_actions",
                "UALICE",
                actions=[{**button, "action_id": "customer.followup", "value": f"#{customer}"}],
                response_url=response_url,
                trigger_id="trigger-fuzz-2",
            ),
        ),
        ("payload", _interaction("view_submission", "UALICE", view=form)),
        (
            "payload",
            _interaction(
                "block_suggestion",
                "UALICE",
                action_id="customer",
                block_id="customer",
                value="Co",
                view={"id": "V1", "type": "modal", "callback_id": "followup.form"},
            ),
        ),
        (
            "json",
            {
                "type": "event_callback",
                "team_id": "T1",
                "event_id": "Ev1",
                "event": {"type": "message", "channel_type": "im", "user": "UALICE", "text": "/mine"},
            },
        ),
        (
            "json",
            {
                "type": "event_callback",
                "event_id": "Ev2",
                "event": {"type": "app_home_opened", "user": "UALICE"},
            },
        ),
        ("json", {"type": "url_verification", "challenge": "abc"}),
    ]


def _paths(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if key not in UNTOUCHED:
            yield (*here, key)
            yield from _paths(item, (*here, key))


def _mutated(value: Any, path: tuple[Any, ...], replacement: Any, delete: bool) -> Any:
    copy = json.loads(json.dumps(value))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copy


def _encode(kind: str, body: Any) -> tuple[bytes, str]:
    if kind == "form":
        return urlencode(body).encode(), FORM
    if kind == "payload":
        return urlencode({"payload": json.dumps(body)}).encode(), FORM
    return json.dumps(body).encode(), JSON


@st.composite
def requests(draw: st.DrawFn, seed_list: list[tuple[str, dict[str, Any]]]) -> tuple[bytes, str, bool]:
    """(body, content type, signed)."""
    kind, seed = draw(st.sampled_from(seed_list))
    how = draw(st.sampled_from(["mutate", "mutate", "mutate", "truncate", "bytes", "fields", "size"]))
    raw, content_type = _encode(kind, seed)
    if how == "mutate":
        paths = list(_paths(seed))
        path = draw(st.sampled_from(paths))
        if kind == "form":
            replacement: Any = draw(st.text(max_size=20))
        else:
            replacement = draw(JSON_VALUES | st.sampled_from(["", "2026-13-45", "#1", "cmd.mine", "[]"]))
        raw, content_type = _encode(kind, _mutated(seed, path, replacement, draw(st.booleans())))
    elif how == "truncate":
        raw = raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
    elif how == "bytes":
        raw = draw(st.binary(max_size=600))
    elif how == "fields":
        fields = draw(
            st.dictionaries(
                st.sampled_from(["payload", "command", "user_id", "text", "trigger_id", "type"]),
                st.text(max_size=30) | st.sampled_from(["/mine", "UALICE", "{}", "[]", '"x"', "null"]),
                max_size=4,
            )
        )
        raw = urlencode(fields).encode()
    else:
        size = draw(st.sampled_from([MAX_BODY - 64, MAX_BODY, MAX_BODY + 1, 2 * MAX_BODY]))
        raw = (raw + b" " * size)[:size]
    if draw(st.integers(0, 9)) == 0:
        content_type = draw(st.sampled_from([FORM, JSON, "text/plain", "application/json; charset=utf-8"]))
    return raw, content_type, draw(st.integers(0, 3)) > 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_fuzzed_bodies_get_an_answer_below_500_in_bounded_memory(services: Services, fake: FakeSlack) -> None:
    customer = own(services, "alice", "Contoso Ltd")
    add_one(services, "Fabrikam")
    statuses: list[int] = []
    peaks: list[int] = []
    with running_app(services, fake, inline=False) as h:
        seed_list = seeds(fake.response_url(), customer)

        @settings(
            max_examples=FUZZ_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(request=requests(seed_list))
        def answered_below_500(request: tuple[bytes, str, bool]) -> None:
            raw, content_type, signed = request
            headers = {"Content-Type": content_type, **(_signed(raw) if signed else {})}
            # what the request itself costs, client and server; traced from the first example on,
            # after hypothesis's own start (in a fresh checkout it parses the project's sources)
            if not tracemalloc.is_tracing():
                tracemalloc.start()
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            answer = _post(h, raw, headers)
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
            assert answer is None or answer < 500, (answer, raw[:300], content_type, signed)
            if answer is not None:
                statuses.append(answer)

        try:
            answered_below_500()
        finally:
            tracemalloc.stop()
    # a request holds a few copies of its body (at most 2 MiB) at once, never more
    assert max(peaks) < 16 * 1024 * 1024, f"a request took {max(peaks)} bytes"
    assert any(400 <= s < 500 for s in statuses) and 200 in statuses


def _post(h: SlackHarness, raw: bytes, headers: dict[str, str]) -> int | None:
    """The status, or None when the server refused a body over the limit by closing mid-upload."""
    try:
        return h.client.post(f"{h.url}/slack/events", content=raw, headers=headers).status_code
    except httpx.TransportError:
        if len(raw) > MAX_BODY:
            return None
        raise
