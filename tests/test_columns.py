"""Tables line up by display width (a Chinese character takes two cells) in the console, in
Slack's code blocks and in DingTalk's."""

from __future__ import annotations

from rich.cells import cell_len

from bot.handlers.columns import aligned
from bot.handlers.console.render import render_text
from bot.handlers.dingtalk.render import render
from bot.handlers.slack.blocks import to_block_kit
from bot.messages import Message, Table

TABLE = Table(
    ("rep", "held", "won"), (("陈静", "4", "1"), ("Alice Wang", "12", "0"), ("Ｒ&D <x>", "1", "10"))
)


def columns_of(lines: list[str]) -> set[tuple[int, ...]]:
    """Where, in display cells, each line's figures end."""
    ends = set()
    for line in lines:
        cells, found = 0, []
        for index, char in enumerate(line):
            cells += cell_len(char)
            if char != " " and (index + 1 == len(line) or line[index + 1] == " ") and cells > 12:
                found.append(cells)
        ends.add(tuple(found))
    return ends


def test_aligned_counts_a_chinese_character_as_two_cells() -> None:
    lines = aligned(TABLE)
    assert lines[1] == "陈静           4    1"
    assert lines[2] == "Alice Wang    12    0"
    assert len(columns_of(lines)) == 1  # every figure column ends in the same cell on every line


def test_the_console_prints_the_table_aligned() -> None:
    out = render_text(Message((TABLE,))).splitlines()
    assert out[1] == "  陈静           4    1"


def test_slack_shows_the_table_in_a_code_block_with_entities_escaped_after_aligning() -> None:
    _, blocks = to_block_kit(Message((TABLE,)))
    (block,) = blocks
    text = block["text"]["text"]
    assert text.startswith("```") and text.endswith("```")
    lines = text.strip("`").splitlines()
    assert lines[1] == "陈静           4    1"
    assert lines[3] == "Ｒ&amp;D &lt;x&gt;       1   10"  # shows as "Ｒ&D <x>", as wide as the others


def test_dingtalk_shows_the_table_in_a_code_block() -> None:
    text = render(Message((TABLE,))).text
    assert text.startswith("```\n") and text.endswith("\n```")
    lines = text.splitlines()[1:-1]
    assert lines[1] == "陈静           4    1"
    assert len(columns_of(lines)) == 1  # escaped (＜ is two cells) before aligning
