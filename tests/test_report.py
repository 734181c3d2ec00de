"""/report: the figures against a known history, fairness, the chart PNG, the weekly schedule."""

from __future__ import annotations

import struct
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from helpers import add_one, member, notifications

from bot.domain import insight
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.followups import follow_up
from bot.domain.ownership import assign, mark_won, release
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.insight_views import render_weekly_report
from bot.messages import Fields, Image
from bot.scheduler.recycle import recycle
from bot.scheduler.weekly_report import weekly_report

MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


@pytest.fixture
def files(services: Services, tmp_path: Path) -> Services:
    return replace(services, files_dir=tmp_path / "files")


def history(services: Services, clock: FakeClock) -> None:
    """Bob's A customer claimed 11 days ago is recycled today (Mon 11-23); Alice claims two, Bob is
    assigned one; follow-ups 1 and 3 days later; Alice releases one; Bob wins his."""
    alice, bob, maria = (member(services, h) for h in ("alice", "bob", "maria"))
    clock.set(datetime(2026, 11, 12, 2, 0, tzinfo=UTC))
    claim(services, member=bob, customer_id=add_one(services, "Old A", priority="A"))
    clock.set(MONDAY)
    recycle(services)
    x1, x2, y1 = add_one(services, "X1"), add_one(services, "X2"), add_one(services, "Y1")
    claim(services, member=alice, customer_id=x1)
    claim(services, member=alice, customer_id=x2)
    assign(services, manager=maria, customer_id=y1, to_member_id=bob.id)
    clock.advance(days=1)
    follow_up(services, member=alice, customer_id=x1, note="call", kind="call", next_date=None)
    follow_up(services, member=bob, customer_id=y1, note="visit", kind="visit", next_date=None)
    clock.advance(days=2)
    follow_up(services, member=alice, customer_id=x2, note="call", kind="call", next_date=None)
    release(services, member=alice, customer_id=x1)
    mark_won(services, member=bob, customer_id=y1)
    clock.advance(days=1)  # Friday 11-27


def test_week_figures_per_rep_match_the_history(files: Services, clock: FakeClock) -> None:
    history(files, clock)
    report = insight.team_report(files, team_id=1, period="week", last=date(2026, 11, 27))
    assert (report.first, report.last) == (date(2026, 11, 21), date(2026, 11, 27))
    rows = {r.name: r for r in report.reps}
    assert set(rows) == {"Alice", "Bob"}  # Carol is inactive and did nothing
    alice, bob = rows["Alice"], rows["Bob"]
    assert (alice.held, alice.claimed, alice.assigned, alice.followed_up) == (1, 2, 0, 2)
    assert (alice.released, alice.recycled, alice.won, alice.median_days) == (1, 0, 0, 2.0)
    assert (bob.held, bob.claimed, bob.assigned, bob.followed_up) == (0, 0, 1, 1)
    assert (bob.released, bob.recycled, bob.won, bob.median_days) == (0, 1, 1, 1.0)
    assert report.totals.median_days == 1.0  # of 1, 1 and 3 days
    fair = report.fairness
    assert (fair.reps, fair.total, fair.cv, fair.top, fair.verdict) == (2, 3, 0.33, "Alice", "uneven")


def test_month_reaches_back_thirty_days(files: Services, clock: FakeClock) -> None:
    history(files, clock)
    report = insight.team_report(files, team_id=1, period="month", last=date(2026, 11, 27))
    assert report.first == date(2026, 10, 29)
    assert {r.name: r.claimed for r in report.reps} == {"Alice": 2, "Bob": 1}


def test_the_chart_is_a_real_png_of_the_expected_size(files: Services, clock: FakeClock) -> None:
    history(files, clock)
    report = insight.team_report(files, team_id=1, period="week", last=date(2026, 11, 27))
    path = insight.write_chart(files, report, title="Per rep", labels={})
    assert path is not None and path.parent == files.files_dir / "reports"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1000, 500)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no partial file left


def test_console_report_prints_the_table_the_fairness_and_the_png_path(
    files: Services, clock: FakeClock
) -> None:
    history(files, clock)
    out = ConsoleChat(files, handle="maria").say("/report week")
    assert "Team report east: the 7 days 11-21 to 11-27" in out
    assert "held · claimed · assigned · follow-ups · released · recycled · won · days to 1st follow-up" in out
    assert "Alice  1 · 2 · 0 · 2 · 1 · 0 · 0 · 2" in out
    assert "Bob    0 · 0 · 1 · 1 · 0 · 1 · 1 · 1" in out
    assert "spread unevenly over 2 reps (variation 0.33; the busiest, Alice, got 67%)" in out
    png = files.files_dir / "reports" / "report-east-week-2026-11-21-2026-11-27.png"
    assert f": {png}]" in out and png.exists()


def test_report_is_for_managers_and_knows_its_periods(files: Services) -> None:
    assert "Only managers can /report" in ConsoleChat(files, handle="alice").say("/report")
    chat = ConsoleChat(files, handle="maria")
    assert "Which period?" in chat.say("/report year")
    assert "the 30 days" in chat.say("/report month")


def test_weekly_report_goes_out_on_monday_once(files: Services, clock: FakeClock) -> None:
    history(files, clock)  # Friday: not a report day
    assert weekly_report(files).queued == 0
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday 09:00
    assert weekly_report(files).queued == 1  # no team channel: to the manager
    assert weekly_report(files).queued == 0  # the same week again: nothing new
    (notice,) = notifications(files.db, kind=insight.WEEKLY_KIND)
    assert notice.recipient_id == member(files, "maria").id
    message = render_weekly_report(files, notice.payload, "en")
    assert "the 7 days 11-23 to 11-29" in message.summary
    assert any(isinstance(b, Fields) for b in message.blocks)
    (image,) = [b for b in message.blocks if isinstance(b, Image)]
    assert Path(image.path).read_bytes()[:4] == b"\x89PNG"
