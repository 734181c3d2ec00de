"""The notice registry and the arrows around it: every declared kind has a renderer, a row the
renderers cannot make a message of is failed (logged, never retried, never shown raw), the rows
queued before the registry existed still read. (That the scheduler and the handlers never import
each other is held by tests/test_architecture.py.)"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from helpers import member, notifications

from bot.delivery import Delivery, MessageRef
from bot.domain.context import Services
from bot.domain.notice_kind import KINDS, BadPayload, UnknownKind, kind_of
from bot.domain.outbox import OutboxItem
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.notices import RENDERERS, render
from bot.scheduler.dispatch import dispatch
from bot.storage.outbox import Outgoing, enqueue_many

BOT = Path(__file__).parent.parent / "bot"


def test_every_declared_kind_has_exactly_one_renderer() -> None:
    assert set(RENDERERS) == set(KINDS)


# what the use cases wrote into the outbox before the registry existed: each must still read, and
# be written back the same
STORED_PARAMS: dict[str, dict[str, Any]] = {
    "claim_request": {"request_id": 7},
    "card_refresh": {"request_id": 7},
    "claim_decided": {"request_id": 7},
    "request_expired": {"request_id": 7, "customer_id": 3, "customer": "Acme", "hours": 72},
    "assigned": {"customer_id": 3, "by": "Maria"},
    "transferred": {"count": 12, "from": "Alice", "by": "Maria"},
    "auto_assigned": {
        "by": "poolbot",
        "count": 1,
        "customers": [{"id": 3, "name": "Acme", "reason": "turn"}],
    },
    "recycled": {"team_id": 1, "date": "2026-11-30", "member_id": 2},
    "recycle_digest": {"team_id": 1, "date": "2026-11-30"},
    "recycle_warning": {
        "customer_id": 3,
        "customer": "Acme",
        "stage": "early",
        "days_left": 3,
        "deadline": {
            "day": "2026-11-30",
            "rule": "recycle_days",
            "basis": "2026-11-23",
            "days": 7,
            "priority": "A",
        },
    },
    "morning_reminder": {
        "date": "2026-11-24",
        "soon": [
            {
                "customer_id": 3,
                "customer": "Acme",
                "priority": "A",
                "next": None,
                "deadline": {
                    "day": "2026-11-25",
                    "rule": "recycle_days",
                    "basis": "2026-11-18",
                    "days": 7,
                    "priority": "A",
                },
            }
        ],
        "due": [
            {"customer_id": 4, "customer": "Beta", "priority": "B", "next": "2026-11-23", "deadline": None}
        ],
        "soon_total": 1,
        "due_total": 1,
        "follow_ups_due": 1,
    },
    "manager_digest": {
        "team_id": 1,
        "first": "2026-11-23",
        "last": "2026-11-23",
        "reps": [{"member": "Alice", "claims": 2, "follow_ups": 1, "releases": 0, "recycles": 0}],
        "more": 0,
        "idle": ["Bob"],
        "idle_total": 1,
        "totals": {"member": "", "claims": 2, "follow_ups": 1, "releases": 0, "recycles": 0},
    },
    "weekly_report": {"team_id": 1, "last": "2026-11-29"},
}


# fields added to a payload since: an old row reads with their default, and is written with it
ADDED_SINCE: dict[str, dict[str, Any]] = {
    "recycled": {"since": None, "until": None},  # which recycle run; None: the whole day, as before
    "recycle_digest": {"since": None, "until": None},
    "morning_reminder": {"requests": [], "requests_total": 0},  # a manager's morning; a rep's has none
}
# fields added to the deadline every payload carries: calendar days, no holiday, not extended
DEADLINE_ADDED = {"working": False, "skipped": [], "extended_from": None}


def _with_deadline_fields(params: Any) -> Any:
    """``params`` with :data:`DEADLINE_ADDED` in every deadline it holds."""
    if isinstance(params, list):
        return [_with_deadline_fields(item) for item in params]
    if not isinstance(params, dict):
        return params
    shown = {key: _with_deadline_fields(value) for key, value in params.items()}
    if isinstance(shown.get("deadline"), dict):
        shown["deadline"] = {**shown["deadline"], **DEADLINE_ADDED}
    return shown


@pytest.mark.parametrize("name", sorted(STORED_PARAMS))
def test_rows_queued_before_the_registry_still_read_and_are_written_the_same(name: str) -> None:
    kind = kind_of(name)
    stored = STORED_PARAMS[name]
    expected = _with_deadline_fields({**stored, **ADDED_SINCE.get(name, {})})
    if name == "recycle_warning":
        expected["managers_told"] = False  # the last-day warning says the managers were told
    assert kind.params(kind.read(stored)) == expected


def test_params_that_do_not_fit_the_payload_are_refused() -> None:
    kind = kind_of("recycled")
    with pytest.raises(BadPayload, match="team_id"):
        kind.read({"team_id": "east", "date": "2026-11-30", "member_id": 2})
    with pytest.raises(BadPayload, match="member_id"):
        kind.read({"team_id": 1, "date": "2026-11-30"})
    with pytest.raises(UnknownKind):
        kind_of("team_note")


# ---- what the dispatcher and the console do with a row they cannot render ------------------------


class Recorder:
    platform = "slack"

    def __init__(self) -> None:
        self.delivered: list[Delivery] = []

    def deliver(self, delivery: Delivery) -> MessageRef:
        self.delivered.append(delivery)
        return {"platform": "slack", "channel": "D1", "ts": str(len(self.delivered))}


def queue_for(services: Services, handle: str, kind: str, params: dict[str, Any]) -> int:
    who = member(services, handle)
    with services.db.write() as session:
        enqueue_many(
            session, [Outgoing(f"{kind}:test", who.team.id, who.id, kind, params)], now=services.clock.now()
        )
    (row,) = notifications(services.db, kind=kind)
    return int(row.id or 0)


@pytest.mark.parametrize(
    ("kind", "params", "error"),
    [
        ("no_such_kind", {"anything": 1}, "UnknownKind: no notification kind 'no_such_kind' is declared"),
        ("claim_request", {"request_id": "seven"}, "BadPayload: claim_request params do not fit its payload"),
    ],
)
def test_a_row_no_renderer_can_render_fails_at_once_and_is_logged(
    services: Services, caplog: pytest.LogCaptureFixture, kind: str, params: dict[str, Any], error: str
) -> None:
    notification_id = queue_for(services, "maria", kind, params)
    slack = Recorder()
    with caplog.at_level(logging.ERROR, logger="poolbot.dispatch"):
        report = dispatch(services, {"slack": slack}, render)

    assert (report.failed, report.retried, slack.delivered) == (1, 0, [])
    (row,) = notifications(services.db, kind=kind)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error is not None and row.last_error.startswith(error)
    (record,) = [r for r in caplog.records if r.getMessage() == "notification cannot be rendered"]
    assert (vars(record)["kind"], vars(record)["notification_id"]) == (kind, notification_id)
    assert dispatch(services, {"slack": slack}, render).attempted == 0  # never retried


def test_the_console_does_not_show_a_row_it_cannot_render_and_fails_it(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    notification_id = queue_for(services, "bob", "no_such_kind", {"anything": 1})
    chat = ConsoleChat(services, handle="bob")
    with caplog.at_level(logging.ERROR, logger="poolbot.console"):
        shown = chat.notifications()

    assert shown == ""
    (row,) = notifications(services.db, kind="no_such_kind")
    assert (row.status, row.last_error) == (
        "failed",
        "UnknownKind: no notification kind 'no_such_kind' is declared",
    )
    (record,) = [r for r in caplog.records if r.getMessage() == "notification cannot be rendered"]
    assert (vars(record)["kind"], vars(record)["notification_id"]) == ("no_such_kind", notification_id)


def test_render_refuses_what_it_does_not_know(services: Services) -> None:
    with pytest.raises(UnknownKind):
        render(services, OutboxItem(1, "no_such_kind", {}, None), "en")
    with pytest.raises(BadPayload):
        render(services, OutboxItem(1, "assigned", {"customer_id": 3}, None), "en")
