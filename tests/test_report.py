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
from matplotlib import font_manager
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

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
from bot.handlers import charts, insight_views
from bot.handlers.chart_style import CJK_FONT_FILE, OKABE_ITO
from bot.handlers.charts import chart_labels
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.notices.reports import weekly_report_notice
from bot.messages import Image, Table

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


def test_the_chart_is_a_real_png_readable_as_a_thumbnail(files: Services, clock: FakeClock) -> None:
    history(files, clock)
    report = insight.team_report(files, team_id=1, period="week", last=date(2026, 11, 27))
    path = charts.write_chart(files, report, title="Per rep", labels={})
    assert path is not None and path.parent == files.files_dir / "reports"
    width, height = png_size(path)
    assert width == 1000 and 250 <= height <= 400  # wide and short: legible scaled down to 360 px
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no partial file left


def chinese_team_report(services: Services, clock: FakeClock) -> insight.TeamReport:
    """Team east in zh-CN with a rep named 陈静 (handle chenjing); Alice and 陈静 claim one each,
    陈静 a second one."""
    raw = deepcopy(TEAM_CONFIG)
    raw["teams"][0]["locale"] = "zh-CN"
    raw["members"].append({"handle": "chenjing", "name": "陈静", "team": "east", "role": "rep"})
    sync_config(services.db, PoolbotConfig.model_validate(raw))
    claim(services, member=member(services, "alice"), customer_id=add_one(services, "X1"))
    claim(services, member=member(services, "chenjing"), customer_id=add_one(services, "上海云帆"))
    claim(services, member=member(services, "chenjing"), customer_id=add_one(services, "北京星河"))
    return insight.team_report(services, team_id=1, period="week", last=clock.now().date())


def no_cjk_font() -> tuple[str, ...]:
    """A broken install: no CJK font at all."""
    return ()


def chart_words(figure: Figure) -> tuple[str, list[str], list[str]]:
    """What the drawn chart says: its title, the reps down the side, the panels' titles."""
    first = figure.axes[0]
    ticks = [label.get_text() for label in first.get_yticklabels()]
    title = figure.get_suptitle()
    return title, ticks, [axes.get_title() for axes in figure.axes]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_chart_with_a_chinese_name_is_drawn_in_a_font_that_has_its_glyphs(
    files: Services, clock: FakeClock
) -> None:
    """On any machine (the font ships with poolbot): 陈静 is drawn, not boxes and not the handle."""
    report = chinese_team_report(files, clock)
    title = insight_views.chart_title("zh-CN", report)
    figure = charts.draw_chart(report, title=title, labels=chart_labels("zh-CN"))
    said, reps, panels = chart_words(figure)
    assert reps == ["陈静", "Alice", "Bob"]  # sorted: most held first
    assert said.startswith("east，") and "陈静 占 67%" in said
    assert panels == ["持有 / 上限", "认领 + 分配"]  # nothing followed, recycled or won: left out
    (name,) = [label for label in figure.axes[0].get_yticklabels() if label.get_text() == "陈静"]
    used = font_manager.findfont(name.get_fontproperties(), fallback_to_default=False)
    assert Path(used) == CJK_FONT_FILE
    glyphs = FT2Font(used).get_charmap()
    assert all(ord(c) in glyphs for c in "陈静" + said + "".join(panels))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert not [w for w in caught if "missing from font" in str(w.message)]  # no glyph drawn as a box


def test_without_any_cjk_font_the_chart_shows_handles_and_english_instead_of_boxes(
    files: Services, clock: FakeClock
) -> None:
    report = chinese_team_report(files, clock)
    title = insight_views.chart_title("zh-CN", report)
    labels = chart_labels("zh-CN")
    figure = charts.draw_chart(report, title=title, labels=labels, cjk_fonts=no_cjk_font)
    assert chart_words(figure) == (
        "Per rep, 11-17 to 11-23",
        ["chenjing", "Alice", "Bob"],
        ["held / cap", "claimed + assigned"],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_the_chart_uses_the_colour_blind_safe_palette_and_labels_every_bar(
    files: Services, clock: FakeClock
) -> None:
    history(files, clock)
    report = insight.team_report(files, team_id=1, period="week", last=date(2026, 11, 27))
    figure = charts.draw_chart(report, title="Per rep", labels=chart_labels("en"))
    colours = {
        to_hex(bar.get_facecolor()) for axes in figure.axes for bar in axes.patches if bar.get_alpha() is None
    }
    assert colours <= {c.lower() for c in OKABE_ITO}
    held = figure.axes[0]
    assert [x.get_text() for x in held.texts] == ["1/6", "0/6"]  # Alice holds 1 of 6, Bob none
    assert [axes.get_title() for axes in figure.axes] == [
        "held / cap",
        "claimed + assigned",
        "follow-ups",
        "recycled",
        "won",
    ]


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
    lines = [line.rstrip() for line in out.splitlines()]
    head = "  rep    held  claimed  assigned  follow-ups  released  recycled  won  days to 1st follow-up"
    assert head in lines
    assert "  Alice     1        2         0           2         1         0    0" + " " * 22 + "2" in lines
    assert "  Bob       0        0         1           1         0         1    1" + " " * 22 + "1" in lines
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
    assert any(isinstance(b, Table) for b in message.blocks)
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


def test_a_registration_counts_as_claimed_and_a_handover_as_assigned(
    files: Services, clock: FakeClock
) -> None:
    clock.set(MONDAY)
    ConsoleChat(files, handle="alice").say("/new 杭州新客户科技有限公司")
    claim(files, member=member(files, "bob"), customer_id=add_one(files, "Bob's find"))
    out = ConsoleChat(files, handle="maria").say("/handover bob alice confirm")
    assert "1 of 1" in out
    report = insight.team_report(files, team_id=1, period="week", last=date(2026, 11, 27))
    alice = {r.name: r for r in report.reps}["Alice"]
    assert (alice.held, alice.claimed, alice.assigned) == (2, 1, 1)
