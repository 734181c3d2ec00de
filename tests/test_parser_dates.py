"""The shared parser and the date reader: what a user types, in English and Chinese."""

from __future__ import annotations

from datetime import date

import pytest

from bot.handlers.dates import BadDate, parse_date
from bot.handlers.parser import parse
from bot.handlers.table import COMMANDS

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("/claim x", "claim"),
        ("认领 x", "claim"),
        ("/公海", "pool"),
        ("我的客户", "mine"),
        ("/跟进 x y", "followup"),
        ("退回 x", "release"),
        ("客户 x", "customer"),
        ("审批 3", "approve"),
        ("分配 x bob", "assign"),
        ("报表", "report"),
        ("帮助", "help"),
        ("/HELP", "help"),
        ("／认领 x", "claim"),
    ],
)
def test_commands_and_chinese_aliases(text: str, name: str) -> None:
    parsed = parse(text, COMMANDS)
    assert parsed is not None and parsed.name == name


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "/followup #3 talked to the region:East office",
            ("#3", "talked", "to", "the", "region:East", "office"),
        ),
        ("跟进 #3 会议纪要 地区:华东 规模:大", ("#3", "会议纪要", "地区:华东", "规模:大")),
        ("/claim #3 referred by pool:vip", ("#3", "referred", "by", "pool:vip")),
    ],
)
def test_only_the_options_a_command_takes_are_options(text: str, words: tuple[str, ...]) -> None:
    parsed = parse(text, COMMANDS)
    assert parsed is not None and parsed.words == words and parsed.options == {}


def test_quotes_options_and_plain_words() -> None:
    parsed = parse('/followup "Acme Corp" called the CFO re: price next:明天 kind:visit', COMMANDS)
    assert parsed is not None
    assert parsed.words == ("Acme Corp", "called", "the", "CFO", "re:", "price")
    assert parsed.options == {"next": "明天", "kind": "visit"}
    chinese = parse("/公海 “杭州 云帆” 行业：制造", COMMANDS)
    assert chinese is not None and chinese.words == ("杭州 云帆",) and chinese.options == {"industry": "制造"}
    assert parse("O'Brien's note", COMMANDS) is None  # not a command; an apostrophe is not a quote


def test_unknown_and_empty_lines_are_not_commands() -> None:
    assert (
        parse("", COMMANDS) is None
        and parse("   ", COMMANDS) is None
        and parse("/frobnicate", COMMANDS) is None
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("12-01", date(2026, 12, 1)),
        ("12月1日", date(2026, 12, 1)),
        ("1-5", date(2027, 1, 5)),
        ("下周一", date(2026, 11, 30)),
        ("周五", date(2026, 11, 27)),
        ("周一", date(2026, 11, 30)),
        ("明天", date(2026, 11, 25)),
        ("后天", date(2026, 11, 26)),
        ("tomorrow", date(2026, 11, 25)),
        ("next monday", date(2026, 11, 30)),
        ("in 3 days", date(2026, 11, 27)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "someday", "2026-02-30", "13月40日"])
def test_malformed_dates_are_refused(text: str) -> None:
    with pytest.raises(BadDate):
        parse_date(text, TODAY)
