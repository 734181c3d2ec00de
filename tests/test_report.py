"""/report: the figures against a known history, fairness, the chart PNG, the weekly schedule."""

from __future__ import annotations

import io
import struct
import warnings
from copy import deepcopy
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import TEAM_CONFIG
from helpers import add_one, member, notifications
from matplotlib.figure import Figure

from bot.config import PoolbotConfig
from bot.domain import insight
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.followups import follow_up
from bot.domain.notices import WEEKLY_REPORT
from bot.domain.ownership import assign, mark_won, release
from bot.domain.recycling import recycle
from bot.domain.setup import sync_config
from bot.domain.weekly_report import weekly_report
from bot.handlers import charts
from bot.handlers.charts import chart_labels
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.notices.reports import weekly_report_notice
from bot.i18n import t
from bot.messages import Fields, Image

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
    path = charts.write_chart(files, report, title="Per rep", labels={})
    assert path is not None and path.parent == files.files_dir / "reports"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1000, 500)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no partial file left


def chinese_team_report(services: Services, clock: FakeClock) -> insight.TeamReport:
    """Team east in zh-CN with a rep named 陈静 (handle chenjing); Alice and 陈静 claim one each."""
    raw = deepcopy(TEAM_CONFIG)
    raw["teams"][0]["locale"] = "zh-CN"
    raw["members"].append({"handle": "chenjing", "name": "陈静", "team": "east", "role": "rep"})
    sync_config(services.db, PoolbotConfig.model_validate(raw))
    claim(services, member=member(services, "alice"), customer_id=add_one(services, "X1"))
    claim(services, member=member(services, "chenjing"), customer_id=add_one(services, "上海云帆"))
    return insight.team_report(services, team_id=1, period="week", last=clock.now().date())


def no_cjk_font() -> tuple[str, ...]:
    """A machine like this one: no installed font has Chinese glyphs."""
    return ()


def noto_cjk() -> tuple[str, ...]:
    """A machine with fonts-noto-cjk installed."""
    return ("Noto Sans CJK SC",)


def chart_words(figure: Figure) -> tuple[str, list[str], list[str]]:
    """What the drawn chart says: its title, the reps under the bars, the legend."""
    (axes,) = figure.axes
    legend = axes.get_legend()
    assert legend is not None
    ticks = [label.get_text() for label in axes.get_xticklabels()]
    return axes.get_title(), ticks, [text.get_text() for text in legend.get_texts()]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_without_a_cjk_font_the_chart_shows_handles_and_english_instead_of_boxes(
    files: Services, clock: FakeClock
) -> None:
    report = chinese_team_report(files, clock)
    title = t("zh-CN", "insight.chart_title", first=report.first, last=report.last)
    labels = chart_labels("zh-CN")
    figure = charts.draw_chart(report, title=title, labels=labels, cjk_fonts=no_cjk_font)
    assert chart_words(figure) == (
        "Per rep, 11-17 to 11-23",
        ["Alice", "Bob", "chenjing"],
        ["claimed", "assigned", "follow-ups", "released", "recycled", "won"],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert not [w for w in caught if "missing from font" in str(w.message)]  # no glyph drawn as a box
    path = charts.write_chart(files, report, title=title, labels=labels, cjk_fonts=no_cjk_font)
    assert path is not None and png_size(path) == (1000, 500)


def test_with_a_cjk_font_the_chart_keeps_the_chinese_names_and_labels(
    files: Services, clock: FakeClock
) -> None:
    report = chinese_team_report(files, clock)
    title = t("zh-CN", "insight.chart_title", first=report.first, last=report.last)
    labels = chart_labels("zh-CN")
    figure = charts.draw_chart(report, title=title, labels=labels, cjk_fonts=noto_cjk)
    assert chart_words(figure) == (
        "每名销售，11-17 至 11-23",
        ["Alice", "Bob", "陈静"],
        ["认领", "分配", "跟进", "退回", "回收", "成交"],
    )
    path = charts.write_chart(files, report, title=title, labels=labels, cjk_fonts=noto_cjk)
    assert path is not None and png_size(path) == (1000, 500)


def test_an_english_team_without_a_cjk_font_keeps_names_the_base_font_can_draw(
    files: Services, clock: FakeClock
) -> None:
    history(files, clock)
    report = insight.team_report(files, team_id=1, period="week", last=date(2026, 11, 27))
    renamed = replace(report, reps=(replace(report.reps[0], name="José Núñez"), *report.reps[1:]))
    figure = charts.draw_chart(renamed, title="Per rep", labels=chart_labels("en"), cjk_fonts=no_cjk_font)
    assert chart_words(figure)[:2] == ("Per rep", ["José Núñez", "Bob"])


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
    history(files, clock)
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday 09:00
    assert weekly_report(files).queued == 1  # no team channel: to the manager
    assert weekly_report(files).queued == 0  # the same week again: nothing new
    clock.advance(days=1)
    assert weekly_report(files).queued == 0  # Tuesday: that week went out already
    (notice,) = notifications(files.db, kind=WEEKLY_REPORT.name)
    assert notice.recipient_id == member(files, "maria").id
    message = weekly_report_notice(files, WEEKLY_REPORT.read(notice.payload), "en")
    assert "the 7 days 11-23 to 11-29" in message.summary
    assert any(isinstance(b, Fields) for b in message.blocks)
    (image,) = [b for b in message.blocks if isinstance(b, Image)]
    assert Path(image.path).read_bytes()[:4] == b"\x89PNG"


def test_weekly_report_still_goes_out_when_the_scheduler_missed_monday(
    files: Services, clock: FakeClock
) -> None:
    history(files, clock)
    clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))  # Tuesday 09:00: the scheduler was down on Monday
    preview = weekly_report(files, dry_run=True)
    assert (preview.weeks, preview.queued) == ({"east": "2026-11-29"}, 0)
    assert notifications(files.db, kind=WEEKLY_REPORT.name) == []  # a dry run queues nothing
    assert weekly_report(files).queued == 1
    clock.advance(days=1)  # Wednesday
    assert weekly_report(files).queued == 0 and weekly_report(files, dry_run=True).weeks == {}
    (notice,) = notifications(files.db, kind=WEEKLY_REPORT.name)
    assert (
        "the 7 days 11-23 to 11-29"
        in weekly_report_notice(files, WEEKLY_REPORT.read(notice.payload), "en").summary
    )
    clock.set(datetime(2026, 12, 7, 1, 0, tzinfo=UTC))  # the next Monday: the next week, as usual
    assert weekly_report(files).weeks == {"east": "2026-12-06"}
