"""/forecast: what goes back to the pool on each coming working day, per rep, as a picture, a
table aligned by display width and the next three days' customers with buttons."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import TEAM_CONFIG
from helpers import member, own
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from bot.config import PoolbotConfig
from bot.domain import forecast
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.setup import sync_config
from bot.handlers import forecast_chart, forecast_views
from bot.handlers.chart_style import CJK_FONT_FILE
from bot.handlers.console.chat import ConsoleChat
from bot.messages import Actions, Image

WEDNESDAY = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def files(services: Services, tmp_path: Path, clock: FakeClock) -> Services:
    raw = deepcopy(TEAM_CONFIG)
    raw["members"].append({"handle": "chenjing", "name": "陈静", "team": "east", "role": "rep"})
    sync_config(services.db, PoolbotConfig.model_validate(raw))
    clock.set(WEDNESDAY)
    return replace(services, files_dir=tmp_path / "files")


def book(services: Services, clock: FakeClock) -> None:
    """A customers (7 recycle days) claimed on days before today: their deadlines fall on the
    coming days. Alice: back Thu 12-03 and Sat 12-05 (counts Mon 12-07); 陈静: Thu 12-03, Fri 12-04."""
    for handle, name, days_ago in (
        ("alice", "Acme", 6),
        ("alice", "Globex", 4),
        ("chenjing", "上海云帆科技", 6),
        ("chenjing", "北京星河", 5),
    ):
        clock.set(WEDNESDAY - timedelta(days=days_ago))
        own(services, handle, name, priority="A")
    clock.set(WEDNESDAY)


def test_working_days_skip_the_weekend_and_a_deadline_on_a_day_off_counts_on_the_next(
    files: Services, clock: FakeClock
) -> None:
    book(files, clock)
    found = forecast.forecast(files, member=member(files, "maria"), days=5)
    assert found.days == (
        date(2026, 12, 2),
        date(2026, 12, 3),
        date(2026, 12, 4),
        date(2026, 12, 7),
        date(2026, 12, 8),
    )
    assert [(d.customer_name, d.deadline, d.day) for d in found.due] == [
        ("Acme", date(2026, 12, 3), date(2026, 12, 3)),
        ("上海云帆科技", date(2026, 12, 3), date(2026, 12, 3)),
        ("北京星河", date(2026, 12, 4), date(2026, 12, 4)),
        ("Globex", date(2026, 12, 5), date(2026, 12, 7)),
    ]


def test_a_rep_sees_only_their_own_book(files: Services, clock: FakeClock) -> None:
    book(files, clock)
    found = forecast.forecast(files, member=member(files, "chenjing"), days=14)
    assert found.mine and {d.owner_name for d in found.due} == {"陈静"}


def test_the_console_table_lines_up_with_chinese_names(files: Services, clock: FakeClock) -> None:
    book(files, clock)
    out = ConsoleChat(files, handle="maria").say("/forecast")
    assert "== Back to the pool in the next 14 working days: 4 customers of east ==" in out
    lines = out.splitlines()
    assert "  rep    12-02  12-03  12-04  14 days" in lines
    assert "  Alice      0      1      0        2" in lines
    assert "  陈静       0      1      1        2" in lines  # 陈静 is four cells wide, like "Alic"
    assert "  all        0      2      1        4" in lines
    # the customers of the next three working days, each with its typed twins
    assert "#3 上海云帆科技 (A) · 陈静 · back on 12-03" in out
    assert "[Record follow-up: /followup #3]" in out
    assert "Globex" not in out.split("Going back in the next three working days")[1]


def test_the_picture_names_the_reps_in_chinese_with_the_shipped_font(
    files: Services, clock: FakeClock
) -> None:
    book(files, clock)
    found = forecast.forecast(files, member=member(files, "maria"), days=14)
    figure = forecast_chart.draw_forecast(found, title="回收预测")
    (axes,) = figure.axes
    legend = axes.get_legend()
    assert legend is not None
    names = [text.get_text() for text in legend.get_texts()]
    assert names == ["Alice", "陈静"]
    used = font_manager.findfont(legend.get_texts()[1].get_fontproperties(), fallback_to_default=False)
    assert Path(used) == CJK_FONT_FILE and ord("陈") in FT2Font(used).get_charmap()
    reply = ConsoleChat(files, handle="maria").say("/回收预测 5")
    png = files.files_dir / "forecasts" / "forecast-east-team-2026-12-02-5.png"
    assert f": {png}]" in reply and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_days_are_one_clear_line(files: Services) -> None:
    chat = ConsoleChat(files, handle="maria")
    for typed in ("/forecast 0", "/forecast 61", "/forecast soon", "/forecast 3 4"):
        assert chat.say(typed).endswith(
            "How many working days ahead? A number from 1 to 60, e.g. /forecast 14"
        )


def test_nothing_due_says_so(files: Services) -> None:
    out = ConsoleChat(files, handle="alice").say("/forecast")
    assert out.endswith("None of your customers goes back to the pool in the next 14 working days.")


def test_the_next_days_customers_carry_follow_up_and_extend_and_extend_works(
    files: Services, clock: FakeClock
) -> None:
    book(files, clock)
    found = forecast.forecast(files, member=member(files, "alice"), days=14)
    message = forecast_views.forecast_message(files, "en", found, viewer="alice")
    (first, *_) = [b for b in message.blocks if isinstance(b, Actions)]
    assert [(b.action_id, b.value) for b in first.buttons] == [
        ("customer.followup", "#1"),
        ("customer.extend", "#1"),
    ]
    assert any(isinstance(b, Image) for b in message.blocks)
    alice = ConsoleChat(files, handle="alice")
    assert "[Extend: /extend #1]" in alice.say("/forecast")
    assert "now goes back to the pool on" in alice.say("/extend #1")  # the button's typed twin
